/**
 * The Discord `ChatSink`: messages the core sends on its own (approval requests, rebalance window progress,
 * alert threads). Posts go through the bot token; edits of messages the bot answered through an interaction
 * use that interaction's token while it lives (15 minutes, and the only way to edit an ephemeral message),
 * then the bot token. Sends to one channel are queued in order; discord.js's REST client paces them by
 * Discord's per-route buckets and waits out any 429 (`retry_after`), so nothing is dropped.
 */
import { DiscordAPIError, Routes, type REST } from 'discord.js';
import type { ChatSink, PostTarget } from '../../src/chat/chat-sink.js';
import type { MessageRef } from '../../src/commands/command.js';
import type { Logger } from '../../src/logger.js';
import type { Reply } from '../../src/replies/reply.js';
import { ConfirmDialogs } from './confirm-dialogs.js';
import { sendMessage } from './discord-rest.js';
import { DiscordLimits } from './discord-wire.js';
import type { InteractionTokens } from './interaction-tokens.js';
import { renderEmbeds, toMessageBody, truncate, type RenderOptions } from './render-embeds.js';

/** Discord's error code for "a thread has already been created for this message". */
const THREAD_EXISTS = 160004;
/** Discord's error code for an operation refused on an archived thread. */
const THREAD_ARCHIVED = 50083;

/** What the sink needs. */
export interface DiscordSinkOptions {
  rest: REST;
  /** Whether `rest` carries a bot token (without one the sink can only edit through interaction tokens). */
  hasBotToken: boolean;
  tokens: InteractionTokens;
  logger: Logger;
  dialogs?: ConfirmDialogs;
  render?: RenderOptions;
  /** Minimum spacing of sends to one channel, on top of Discord's own buckets (ms, default 0). */
  minIntervalMs?: number;
  /** Auto-archive of alert and window threads, in minutes (60, 1440, 4320 or 10080). */
  threadArchiveMinutes?: 60 | 1440 | 4320 | 10080;
}

/** Posts and edits messages on Discord for the core. */
export class DiscordSink implements ChatSink {
  readonly platform = 'discord' as const;
  private readonly options: DiscordSinkOptions;
  private readonly dialogs: ConfirmDialogs;
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly lastSend = new Map<string, number>();
  /** Root message id → its thread's channel id (a message's thread shares the message's id). */
  private readonly threads = new Map<string, Promise<string>>();
  /** Titles of recent posts, so a thread is named after its root (an alert group), not its first reply. */
  private readonly titles = new Map<string, string>();

  constructor(options: DiscordSinkOptions) {
    this.options = options;
    this.dialogs = options.dialogs ?? new ConfirmDialogs();
  }

  /** Posts a reply in a channel, or in the thread of an earlier message (creating the thread the first time). */
  async post(target: PostTarget, reply: Reply): Promise<MessageRef> {
    this.requireBotToken(`post in channel ${target.channelId}`);
    let channelId = target.channelId;
    let threadId: string | undefined;
    const root = target.threadOf;
    if (root?.threadId) {
      // Already a message inside a thread: its channel is the thread.
      channelId = root.channelId;
      threadId = root.threadId;
    } else if (root) {
      channelId = await this.ensureThread(root, this.titles.get(root.messageId) ?? reply.title);
      threadId = root.messageId;
    }
    const rendered = renderEmbeds(reply, this.options.render);
    this.dialogs.add(rendered.dialogs);
    return this.enqueue(channelId, async () => {
      const first = await this.postInto(channelId, toMessageBody(rendered), rendered.files);
      this.titles.set(first, reply.title);
      if (this.titles.size > 1000) {
        const oldest = this.titles.keys().next().value;
        if (oldest !== undefined) this.titles.delete(oldest);
      }
      for (const more of rendered.more) await this.postInto(channelId, toMessageBody(more), []);
      return { platform: 'discord', channelId, messageId: first, ...(threadId ? { threadId } : {}) };
    });
  }

  /** Replaces a message posted earlier (an alert root kept current, an approval decided). */
  async update(ref: MessageRef, reply: Reply): Promise<void> {
    // An edit is one message: a report that needs more goes as a file.
    const rendered = renderEmbeds(reply, { ...this.options.render, maxMessages: 1 });
    this.dialogs.add(rendered.dialogs);
    const body = toMessageBody(rendered, { replace: true });
    await this.enqueue(ref.channelId, async () => {
      const edit = this.options.tokens.lookup(ref.messageId);
      if (edit) {
        const route = Routes.webhookMessage(edit.applicationId, edit.token, edit.target);
        await sendMessage(this.options.rest, 'patch', route, body, rendered.files, false);
        return;
      }
      this.requireBotToken(`edit message ${ref.messageId}`);
      await sendMessage(
        this.options.rest,
        'patch',
        Routes.channelMessage(ref.channelId, ref.messageId),
        body,
        rendered.files,
        true,
      );
    });
  }

  private requireBotToken(what: string): void {
    if (!this.options.hasBotToken) {
      throw new Error(
        `DISCORD_BOT_TOKEN is not set, so the bot cannot ${what}: HTTP interactions alone only answer interactions. Set DISCORD_BOT_TOKEN.`,
      );
    }
  }

  private async postInto(
    channelId: string,
    body: ReturnType<typeof toMessageBody>,
    files: Parameters<typeof sendMessage>[4],
  ): Promise<string> {
    const route = Routes.channelMessages(channelId);
    try {
      const sent = await sendMessage(this.options.rest, 'post', route, body, files, true);
      if (!sent) throw new Error(`Discord accepted a message in ${channelId} but returned no message id`);
      return sent.id;
    } catch (err) {
      if (!(err instanceof DiscordAPIError) || err.code !== THREAD_ARCHIVED) throw err;
      // Threads archive after inactivity; reopen and retry once.
      await this.options.rest.patch(Routes.channel(channelId), { body: { archived: false } });
      const sent = await sendMessage(this.options.rest, 'post', route, body, files, true);
      if (!sent)
        throw new Error(`Discord accepted a message in ${channelId} but returned no message id`, { cause: err });
      return sent.id;
    }
  }

  private ensureThread(root: MessageRef, title: string): Promise<string> {
    const known = this.threads.get(root.messageId);
    if (known) return known;
    const created = this.enqueue(root.channelId, async () => {
      try {
        const channel: unknown = await this.options.rest.post(Routes.threads(root.channelId, root.messageId), {
          body: {
            name: truncate(title.trim() || 'pegasus', DiscordLimits.threadName),
            auto_archive_duration: this.options.threadArchiveMinutes ?? 1440,
          },
        });
        const id = (channel as { id?: unknown }).id;
        return typeof id === 'string' ? id : root.messageId;
      } catch (err) {
        // After a restart the cache is empty but the thread exists: its id is the root message's.
        if (err instanceof DiscordAPIError && err.code === THREAD_EXISTS) return root.messageId;
        throw err;
      }
    });
    this.threads.set(root.messageId, created);
    created.catch(() => this.threads.delete(root.messageId));
    return created;
  }

  /** Runs sends to one channel one after another, spaced by `minIntervalMs`. */
  private enqueue<T>(channelId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(channelId) ?? Promise.resolve();
    const run = async (): Promise<T> => {
      const spacing = this.options.minIntervalMs ?? 0;
      const wait = (this.lastSend.get(channelId) ?? 0) + spacing - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        return await task();
      } finally {
        this.lastSend.set(channelId, Date.now());
      }
    };
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    this.queues.set(channelId, settled);
    void settled.then(() => {
      if (this.queues.get(channelId) === settled) this.queues.delete(channelId);
    });
    return next;
  }
}
