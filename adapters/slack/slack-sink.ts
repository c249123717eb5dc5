/**
 * Outbound Slack messages for the core (approval requests, window progress, alert threads): a `ChatSink`
 * over `chat.postMessage` / `chat.update` with one queue per channel. Each channel sends at most one
 * message per `minIntervalMs` (Slack allows about one per second per channel), a 429 pauses that channel
 * for its `Retry-After` and the same call is sent again (nothing is dropped), and bursts are coalesced:
 *
 * - an `update` of a message that already has an update waiting replaces the waiting one's content, so
 *   only the newest state is sent (both callers resolve when it lands);
 * - a thread reply posted while the previous queued job is a reply to the same thread is merged into that
 *   message (a divider between them) when the merged message still fits Slack's limits; every merged
 *   caller receives the same `MessageRef`. Top-level posts are never merged: each may be updated or
 *   threaded later on its own.
 *
 * Nothing waits for more input to merge: a job is sent as soon as its channel's pace allows.
 */
import type { webApi } from '@slack/bolt';
import type { MessageRef } from '../../src/commands/command.js';
import type { ChatSink, PostTarget } from '../../src/chat/chat-sink.js';
import type { Logger } from '../../src/logger.js';
import type { Reply } from '../../src/replies/reply.js';
import {
  blockChars,
  slackLimits,
  truncate,
  type MessageBlock,
  type SlackFile,
  type SlackMessage,
} from './block-kit.js';
import { renderBlocks, type RenderOptions, type SlackRendering } from './render-blocks.js';

/** Time as the sink sees it; tests inject a virtual clock so pacing and `Retry-After` cost no real time. */
export interface SinkTimers {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Real time. Sleeps do not keep the process alive on their own. */
export const realTimers: SinkTimers = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms).unref();
    }),
};

/** What the sink needs to build. */
export interface SlackSinkOptions {
  /** A Web API client created with `rejectRateLimitedCalls: true`, so 429s reach the sink's own queue. */
  client: webApi.WebClient;
  logger: Logger;
  /** Minimum gap between two messages in one channel. */
  minIntervalMs?: number;
  timers?: SinkTimers;
  /** Attempts for transient failures (network, HTTP 5xx); rate limits are retried without a cap. */
  maxAttempts?: number;
  render?: RenderOptions;
}

/** Counters for logs and tests. */
export interface SinkStats {
  sent: number;
  rateLimited: number;
  coalescedUpdates: number;
  mergedPosts: number;
}

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

interface PostJob {
  kind: 'post';
  threadTs?: string;
  parts: SlackRendering[];
  waiters: Waiter<MessageRef>[];
}

interface UpdateJob {
  kind: 'update';
  ts: string;
  threadTs?: string;
  reply: Reply;
  waiters: Waiter<undefined>[];
}

type Job = PostJob | UpdateJob;

interface ChannelQueue {
  channelId: string;
  jobs: Job[];
  running: boolean;
  nextAt: number;
}

/** Seconds Slack asked us to wait, when the error is a rate limit. */
function retryAfterMs(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as {
    code?: unknown;
    retryAfter?: unknown;
    data?: { error?: unknown; response_metadata?: { retryAfter?: unknown } };
  };
  if (e.code === 'slack_webapi_rate_limited_error' && typeof e.retryAfter === 'number') return e.retryAfter * 1000;
  if (e.code === 'slack_webapi_platform_error' && e.data?.error === 'ratelimited') {
    const s = e.data.response_metadata?.retryAfter;
    return (typeof s === 'number' ? s : 1) * 1000;
  }
  return undefined;
}

function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (e.code === 'slack_webapi_request_error') return true;
  return e.code === 'slack_webapi_http_error' && typeof e.statusCode === 'number' && e.statusCode >= 500;
}

/** A rendering that fits in one message. */
function singleMessage(r: SlackRendering): boolean {
  return r.more.length === 0;
}

/** Posts and edits Slack messages for the core, paced per channel, retried on rate limits, coalesced. */
export class SlackSink implements ChatSink {
  readonly platform = 'slack' as const;
  readonly stats: SinkStats = { sent: 0, rateLimited: 0, coalescedUpdates: 0, mergedPosts: 0 };
  private readonly client: webApi.WebClient;
  private readonly logger: Logger;
  private readonly interval: number;
  private readonly timers: SinkTimers;
  private readonly maxAttempts: number;
  private readonly renderOptions: RenderOptions;
  private readonly queues = new Map<string, ChannelQueue>();
  private idleWaiters: (() => void)[] = [];

  constructor(options: SlackSinkOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.interval = options.minIntervalMs ?? 1000;
    this.timers = options.timers ?? realTimers;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.renderOptions = options.render ?? {};
  }

  /** Posts a reply to a channel or thread; resolves with the message once Slack accepted it. */
  post(target: PostTarget, reply: Reply): Promise<MessageRef> {
    const threadTs = target.threadOf ? (target.threadOf.threadId ?? target.threadOf.messageId) : undefined;
    const rendering = renderBlocks(reply, this.renderOptions);
    return new Promise<MessageRef>((resolve, reject) => {
      const queue = this.queue(target.channelId);
      const last = queue.jobs[queue.jobs.length - 1];
      if (
        threadTs !== undefined &&
        last?.kind === 'post' &&
        last.threadTs === threadTs &&
        this.canMerge(last, rendering)
      ) {
        last.parts.push(rendering);
        last.waiters.push({ resolve, reject });
        this.stats.mergedPosts++;
        return;
      }
      queue.jobs.push({
        kind: 'post',
        ...(threadTs !== undefined ? { threadTs } : {}),
        parts: [rendering],
        waiters: [{ resolve, reject }],
      });
      this.kick(queue);
    });
  }

  /** Replaces a message's content; a newer update of the same message supersedes a queued one. */
  update(ref: MessageRef, reply: Reply): Promise<void> {
    return new Promise<undefined>((resolve, reject) => {
      const queue = this.queue(ref.channelId);
      const waiting = queue.jobs.find((j): j is UpdateJob => j.kind === 'update' && j.ts === ref.messageId);
      if (waiting) {
        waiting.reply = reply;
        waiting.waiters.push({ resolve, reject });
        this.stats.coalescedUpdates++;
        return;
      }
      queue.jobs.push({
        kind: 'update',
        ts: ref.messageId,
        ...(ref.threadId !== undefined ? { threadTs: ref.threadId } : {}),
        reply,
        waiters: [{ resolve, reject }],
      });
      this.kick(queue);
    });
  }

  /** Messages waiting (or in flight) in one channel, or in all. */
  pending(channelId?: string): number {
    const queues = channelId === undefined ? [...this.queues.values()] : [this.queues.get(channelId)];
    return queues.reduce((n, q) => n + (q ? q.jobs.length + (q.running ? 1 : 0) : 0), 0);
  }

  /** Resolves once every queued message has been sent (or has failed for good). */
  drain(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private queue(channelId: string): ChannelQueue {
    let queue = this.queues.get(channelId);
    if (!queue) {
      queue = { channelId, jobs: [], running: false, nextAt: 0 };
      this.queues.set(channelId, queue);
    }
    return queue;
  }

  private canMerge(job: PostJob, next: SlackRendering): boolean {
    if (!singleMessage(next) || !job.parts.every(singleMessage)) return false;
    const blocks = [...job.parts, next].reduce((n, p) => n + p.blocks.length + 1, -1);
    const chars = [...job.parts, next].reduce((n, p) => n + p.blocks.reduce((m, b) => m + blockChars(b), 0), 0);
    return blocks <= slackLimits.blocksPerMessage && chars <= (this.renderOptions.messageChars ?? 12_000);
  }

  private kick(queue: ChannelQueue): void {
    if (queue.running) return;
    queue.running = true;
    void this.work(queue);
  }

  private async work(queue: ChannelQueue): Promise<void> {
    for (;;) {
      // Wait for the channel's pace while the job is still queued, so later updates and thread replies
      // can coalesce into it in the meantime.
      const wait = queue.nextAt - this.timers.now();
      if (wait > 0) await this.timers.sleep(wait);
      const job = queue.jobs.shift();
      if (!job) break;
      try {
        if (job.kind === 'post') {
          const ref = await this.runPost(queue, job);
          for (const w of job.waiters) w.resolve(ref);
        } else {
          await this.runUpdate(queue, job);
          for (const w of job.waiters) w.resolve(undefined);
        }
      } catch (error) {
        this.logger.warn({ err: error, channel: queue.channelId, kind: job.kind }, 'slack message failed');
        for (const w of job.waiters) w.reject(error);
      }
    }
    queue.running = false;
    if (this.pending() === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async runPost(queue: ChannelQueue, job: PostJob): Promise<MessageRef> {
    const messages: SlackMessage[] =
      job.parts.length === 1 && job.parts[0] ? [job.parts[0], ...job.parts[0].more] : [mergeMessages(job.parts)];
    let first: MessageRef | undefined;
    for (const message of messages) {
      const result = await this.send(queue, () =>
        this.client.chat.postMessage({
          channel: queue.channelId,
          text: message.text,
          blocks: message.blocks,
          ...(job.threadTs !== undefined ? { thread_ts: job.threadTs } : {}),
        }),
      );
      if (!first) {
        if (typeof result.ts !== 'string') throw new Error('chat.postMessage answered without a ts');
        first = {
          platform: 'slack',
          channelId: result.channel ?? queue.channelId,
          messageId: result.ts,
          ...(job.threadTs !== undefined ? { threadId: job.threadTs } : {}),
        };
      }
    }
    const files = job.parts.flatMap((p) => p.files);
    if (files.length > 0 && first) await this.upload(queue, files, job.threadTs);
    if (!first) throw new Error('nothing to post');
    return first;
  }

  private async runUpdate(queue: ChannelQueue, job: UpdateJob): Promise<void> {
    // An edit is one message and cannot carry files: cut to fit and say what was left out.
    const rendering = renderBlocks(job.reply, { ...this.renderOptions, maxMessages: 1, attachFiles: false });
    await this.send(queue, () =>
      this.client.chat.update({ channel: queue.channelId, ts: job.ts, text: rendering.text, blocks: rendering.blocks }),
    );
  }

  /** Uploads files to a channel (or thread), paced with its messages; false when the upload failed. */
  uploadFiles(channelId: string, files: SlackFile[], threadTs?: string): Promise<boolean> {
    return this.upload(this.queue(channelId), files, threadTs);
  }

  /** A failed upload is logged, not thrown: the message it belongs to has already landed. */
  private async upload(q: ChannelQueue, files: SlackFile[], threadTs?: string): Promise<boolean> {
    try {
      await this.send(q, () =>
        this.client.filesUploadV2({
          channel_id: q.channelId,
          ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
          file_uploads: files.map((f) => ({ file: Buffer.from(f.data), filename: f.filename, title: f.title })),
        }),
      );
      return true;
    } catch (error) {
      this.logger.warn({ err: error, channel: q.channelId }, 'slack file upload failed');
      return false;
    }
  }

  /** One Web API call, paced for its channel, waiting out rate limits and retrying transient failures. */
  private async send<T>(queue: ChannelQueue, call: () => Promise<T>): Promise<T> {
    let attempt = 0;
    for (;;) {
      const wait = queue.nextAt - this.timers.now();
      if (wait > 0) await this.timers.sleep(wait);
      try {
        const result = await call();
        this.stats.sent++;
        queue.nextAt = this.timers.now() + this.interval;
        return result;
      } catch (error) {
        const delay = retryAfterMs(error);
        if (delay !== undefined) {
          this.stats.rateLimited++;
          this.logger.info(
            { channel: queue.channelId, retryAfterMs: delay },
            'slack rate limit: waiting before retrying',
          );
          queue.nextAt = this.timers.now() + delay;
          continue;
        }
        attempt++;
        if (!isTransient(error) || attempt >= this.maxAttempts) throw error;
        queue.nextAt = this.timers.now() + this.interval * 2 ** attempt;
      }
    }
  }
}

/** Joins single-message renderings into one message, a divider between them. */
function mergeMessages(parts: readonly SlackRendering[]): SlackMessage {
  const blocks: MessageBlock[] = [];
  parts.forEach((p, i) => {
    if (i > 0) blocks.push({ type: 'divider' });
    blocks.push(...p.blocks);
  });
  return { text: truncate(parts.map((p) => p.text).join('\n'), slackLimits.textChars), blocks };
}

/** Builds the sink. */
export function createSlackSink(options: SlackSinkOptions): SlackSink {
  return new SlackSink(options);
}
