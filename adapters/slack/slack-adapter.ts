/**
 * The Slack adapter: Bolt with the HTTP receiver (signed requests) or Socket Mode, translating
 * `/pegasus <text>`, button clicks and modal submissions into `Dispatcher` calls and rendering the replies
 * as Block Kit. Every command and click is acknowledged before the dispatcher runs; the answer follows
 * through the `response_url`, `chat.update` or the paced sink. No Pegasus logic and no policy live here:
 * the core decides, including who may do what and where.
 */
import type { Server } from 'node:http';
import {
  App,
  webApi,
  type BlockAction,
  type ButtonAction,
  type SlashCommand,
  type types,
  type ViewSubmitAction,
} from '@slack/bolt';
import type { Clock } from '../../src/clock.js';
import { systemClock } from '../../src/clock.js';
import {
  decodeAction,
  type ActionClick,
  type Actor,
  type Dispatcher,
  type FormSubmission,
  type IncomingCommand,
  type MessageRef,
} from '../../src/commands/command.js';
import type { Config } from '../../src/config/config.js';
import type { Logger } from '../../src/logger.js';
import { messageReply, type FormSpec, type Reply } from '../../src/replies/reply.js';
import { escapeMrkdwn, truncate, type SlackMessage } from './block-kit.js';
import { buttonActionPrefix, renderBlocks, type RenderOptions } from './render-blocks.js';
import {
  errorsForBlocks,
  formCallbackId,
  parseFormMetadata,
  readAllValues,
  renderModal,
  type FormMetadata,
} from './render-modal.js';
import { boltLogger } from './slack-logger.js';
import { SlackSink, type SinkTimers } from './slack-sink.js';

/** What the adapter needs. */
export interface SlackAdapterOptions {
  config: NonNullable<Config['slack']>;
  dispatcher: Dispatcher;
  logger: Logger;
  clock?: Clock;
  /** Retries of the Web API client for network errors (rate limits are the sink's business). Default 2. */
  apiRetries?: number;
  /** Per-channel pacing of the adapter's own sink; tests use a virtual clock. */
  pacing?: { minIntervalMs?: number; timers?: SinkTimers };
  /**
   * A sink built beforehand with `createSlackSinkFromConfig`, for a composition root that must hand the
   * sink to the core before the dispatcher (and so this adapter) exists. The adapter builds one otherwise.
   */
  sink?: SlackSink;
  render?: RenderOptions;
  /** How long after a click or command a modal may still be opened (Slack's `trigger_id` lives 3 s). */
  formOpenBudgetMs?: number;
  /** How long a form submission may take before the modal shows "checking…" (Slack waits 3 s for the ack). */
  submitBudgetMs?: number;
  /** `fetch` for `response_url` posts (Web API calls use the client's own). */
  fetch?: typeof fetch;
  /** Interface the HTTP receiver binds (all interfaces when absent). */
  host?: string;
}

/** A running Slack adapter. */
export interface SlackAdapter {
  /** Authenticates (`auth.test`) and starts receiving: listens on the HTTP port or opens the socket. */
  start(): Promise<void>;
  /** Sends what is still queued (for up to 5 s) and stops receiving. */
  stop(): Promise<void>;
  /** Outbound messages for the core: approvals, window progress, alert threads. */
  readonly sink: SlackSink;
  readonly mode: 'http' | 'socket';
  /** The HTTP port actually bound (HTTP mode, after `start`). */
  port(): number | undefined;
}

/** The path Slack posts slash commands and interactivity to (HTTP mode). */
export const slackEventsPath = '/slack/events';

interface Delivery {
  channelId: string;
  userId: string;
  responseUrl?: string;
  triggerId?: string;
  /** `performance.now()` when Slack's request arrived, for the 3 s `trigger_id` window. */
  receivedAt: number;
}

type Respond = (body: Record<string, unknown>) => Promise<boolean>;

/** Web API client options shared by the adapter and a sink built on its own. */
function webClientOptions(config: NonNullable<Config['slack']>, retries = 2): webApi.WebClientOptions {
  const apiUrl = config.apiUrl ? (config.apiUrl.endsWith('/') ? config.apiUrl : `${config.apiUrl}/`) : undefined;
  return {
    ...(apiUrl ? { slackApiUrl: apiUrl } : {}),
    // 429s go to the sink's per-channel queue instead of pausing every call of the client.
    rejectRateLimitedCalls: true,
    retryConfig: { retries },
  };
}

/** A `SlackSink` from the Slack config alone (bot token, `SLACK_API_URL`), usable before the adapter exists. */
export function createSlackSinkFromConfig(
  config: NonNullable<Config['slack']>,
  logger: Logger,
  options: {
    apiRetries?: number;
    pacing?: { minIntervalMs?: number; timers?: SinkTimers };
    render?: RenderOptions;
  } = {},
): SlackSink {
  const client = new webApi.WebClient(config.botToken, {
    ...webClientOptions(config, options.apiRetries),
    logger: boltLogger(logger),
  });
  return new SlackSink({
    client,
    logger: logger.child({ component: 'slack' }),
    ...(options.render ? { render: options.render } : {}),
    ...(options.pacing?.minIntervalMs !== undefined ? { minIntervalMs: options.pacing.minIntervalMs } : {}),
    ...(options.pacing?.timers ? { timers: options.pacing.timers } : {}),
  });
}

/** Builds the Slack adapter (Bolt app, receivers, listeners and the outbound sink). */
export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const { config, dispatcher, logger } = options;
  const clock = options.clock ?? systemClock;
  const log = logger.child({ component: 'slack' });
  const fetchFn = options.fetch ?? globalThis.fetch;
  const formOpenBudgetMs = options.formOpenBudgetMs ?? 2500;
  const submitBudgetMs = options.submitBudgetMs ?? 2500;
  const renderOptions = options.render ?? {};
  const socketMode = config.appToken !== undefined;

  const app = new App({
    token: config.botToken,
    // auth.test runs in start(), where a bad token fails the start instead of an unobserved promise.
    deferInitialization: true,
    // The adapter keeps no conversation state in Bolt; skipping its store saves work before every ack.
    convoStore: false,
    logger: boltLogger(logger),
    clientOptions: webClientOptions(config, options.apiRetries),
    ...(socketMode
      ? { socketMode: true, appToken: config.appToken ?? '' }
      : {
          signingSecret: config.signingSecret ?? '',
          port: config.port,
          customRoutes: [
            {
              path: '/healthz',
              method: ['GET'],
              handler: (_req, res) => {
                res.writeHead(200, { 'content-type': 'text/plain' });
                res.end('ok');
              },
            },
          ],
        }),
  });

  const sink =
    options.sink ??
    new SlackSink({
      client: app.client,
      logger: log,
      render: renderOptions,
      ...(options.pacing?.minIntervalMs !== undefined ? { minIntervalMs: options.pacing.minIntervalMs } : {}),
      ...(options.pacing?.timers ? { timers: options.pacing.timers } : {}),
    });

  const responder = (url: string | undefined): Respond => {
    return async (body) => {
      if (!url) return false;
      try {
        const res = await fetchFn(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (!res.ok) log.warn({ status: res.status }, 'response_url refused the answer');
        return res.ok;
      } catch (error) {
        log.warn({ err: error }, 'response_url could not be reached');
        return false;
      }
    };
  };

  /** Runs a dispatcher call; a throw is a bug in the core, answered with an apology rather than silence. */
  const safely = async (what: string, call: () => Promise<Reply>): Promise<Reply> => {
    try {
      return await call();
    } catch (error) {
      log.error({ err: error, what }, 'the dispatcher threw');
      return messageReply(
        what,
        'unknown',
        'Something went wrong inside the bot',
        ['The error was logged. Try again in a moment; if it keeps happening, ask an operator to check the bot logs.'],
        clock.now(),
        { ephemeral: true },
      );
    }
  };

  const openForm = async (form: FormSpec, metadata: FormMetadata, delivery: Delivery): Promise<boolean> => {
    if (!delivery.triggerId) return false;
    if (performance.now() - delivery.receivedAt > formOpenBudgetMs) {
      log.info({ form: form.id }, 'trigger_id too old to open the form; offering a button instead');
      return false;
    }
    try {
      await app.client.views.open({ trigger_id: delivery.triggerId, view: renderModal(form, metadata) });
      return true;
    } catch (error) {
      log.warn({ err: error, form: form.id }, 'views.open failed');
      return false;
    }
  };

  /** Posts a reply as the answer to a command or click: response_url first, the Web API as fallback. */
  const deliver = async (reply: Reply, delivery: Delivery): Promise<void> => {
    const respond = responder(delivery.responseUrl);
    if (reply.form) {
      const metadata: FormMetadata = {
        formId: reply.form.id,
        channelId: delivery.channelId,
        ...(delivery.responseUrl ? { responseUrl: delivery.responseUrl } : {}),
      };
      const opened = await openForm(reply.form, metadata, delivery);
      if (!opened) {
        const retry = messageReply(
          reply.command,
          'unknown',
          `${reply.form.title}: the form could not open in time`,
          ['Slack allows 3 seconds to open a form. Click the button to open it now.'],
          clock.now(),
          {
            ephemeral: true,
            actions: [{ kind: 'form', ref: reply.form.id, label: `Open ${reply.form.title}`, style: 'primary' }],
          },
        );
        await deliver(retry, delivery);
      }
      const hasContent =
        reply.findings.length > 0 ||
        (reply.text?.length ?? 0) > 0 ||
        (reply.fields?.length ?? 0) > 0 ||
        (reply.tables?.length ?? 0) > 0;
      if (!hasContent) return;
      reply = { ...reply };
      delete reply.form;
    }

    const ephemeral = reply.ephemeral === true;
    const rendering = renderBlocks(reply, { ...renderOptions, attachFiles: !ephemeral });
    const messages: SlackMessage[] = [rendering, ...rendering.more];
    const responseType = ephemeral ? 'ephemeral' : 'in_channel';
    let delivered = 0;
    for (const message of messages) {
      const ok = await respond({
        response_type: responseType,
        replace_original: false,
        text: message.text,
        blocks: message.blocks,
      });
      if (!ok) break;
      delivered++;
    }
    if (delivered === 0 && !ephemeral) {
      // The response_url expired or was used up: the paced sink posts the whole reply, files included.
      try {
        await sink.post({ channelId: delivery.channelId }, reply);
      } catch (error) {
        log.error({ err: error, channel: delivery.channelId }, 'could not deliver a reply to Slack');
      }
      return;
    }
    for (const message of messages.slice(delivered)) await postDirect(message, ephemeral, delivery);
    if (!ephemeral && rendering.files.length > 0) {
      const uploaded = await sink.uploadFiles(delivery.channelId, rendering.files);
      if (!uploaded) {
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: 'The full tables could not be attached: invite the bot to this channel (`/invite @Pegasus`) and run the command again.',
        });
      }
    }
  };

  const postDirect = async (message: SlackMessage, ephemeral: boolean, delivery: Delivery): Promise<void> => {
    try {
      if (ephemeral) {
        await app.client.chat.postEphemeral({
          channel: delivery.channelId,
          user: delivery.userId,
          text: message.text,
          blocks: message.blocks,
        });
      } else {
        await app.client.chat.postMessage({ channel: delivery.channelId, text: message.text, blocks: message.blocks });
      }
    } catch (error) {
      log.error({ err: error, channel: delivery.channelId }, 'could not deliver a reply to Slack');
    }
  };

  /** Edits the message a button was on: `chat.update` for channel messages, the response_url otherwise. */
  const replaceOriginal = async (
    reply: Reply,
    message: MessageRef | undefined,
    ephemeralContainer: boolean,
    delivery: Delivery,
  ): Promise<void> => {
    if (message && !ephemeralContainer) {
      try {
        await sink.update(message, reply);
        return;
      } catch (error) {
        log.warn({ err: error }, 'chat.update failed; replacing through the response_url');
      }
    }
    const rendering = renderBlocks(reply, { ...renderOptions, maxMessages: 1, attachFiles: false });
    const ok = await responder(delivery.responseUrl)({
      replace_original: true,
      text: rendering.text,
      blocks: rendering.blocks,
    });
    if (!ok) await deliver({ ...reply, replaceOriginal: false }, delivery);
  };

  const actorOf = (userId: string, displayName: string | undefined): Actor => ({
    platform: 'slack',
    userId,
    ...(displayName ? { displayName } : {}),
  });

  app.command(/^\/.+/, async ({ command, ack }) => {
    const receivedAt = performance.now();
    const text = command.text.trim();
    await ack(ackNote(text));
    await handleCommand(command, text, receivedAt);
  });

  const handleCommand = async (command: SlashCommand, text: string, receivedAt: number): Promise<void> => {
    const incoming: IncomingCommand = {
      actor: actorOf(command.user_id, command.user_name),
      channelId: command.channel_id,
      text,
      // Buttons answer confirmation prompts in Slack.
      interactive: true,
    };
    const reply = await safely(text || 'help', () => dispatcher.run(incoming));
    await deliver(reply, {
      channelId: command.channel_id,
      userId: command.user_id,
      responseUrl: command.response_url,
      triggerId: command.trigger_id,
      receivedAt,
    });
  };

  app.action<BlockAction<ButtonAction>>(
    { type: 'block_actions', action_id: new RegExp(`^${buttonActionPrefix.replace('.', '\\.')}`) },
    async ({ ack, body, action }) => {
      const receivedAt = performance.now();
      await ack();
      const container = body.container as {
        channel_id?: unknown;
        message_ts?: unknown;
        is_ephemeral?: unknown;
        thread_ts?: unknown;
      };
      const channelId = body.channel?.id ?? (typeof container.channel_id === 'string' ? container.channel_id : '');
      const delivery: Delivery = {
        channelId,
        userId: body.user.id,
        responseUrl: body.response_url,
        triggerId: body.trigger_id,
        receivedAt,
      };
      const decoded = decodeAction(action.value ?? '');
      if (!decoded) {
        await deliver(
          messageReply(
            'click',
            'unknown',
            'This button is not understood',
            ['It may come from an older version of the bot. Run the command again to get fresh buttons.'],
            clock.now(),
            { ephemeral: true },
          ),
          delivery,
        );
        return;
      }
      const messageTs =
        body.message?.ts ?? (typeof container.message_ts === 'string' ? container.message_ts : undefined);
      const threadTs = typeof body.message?.['thread_ts'] === 'string' ? body.message['thread_ts'] : undefined;
      const message: MessageRef | undefined =
        messageTs && channelId
          ? {
              platform: 'slack',
              channelId,
              messageId: messageTs,
              ...(threadTs && threadTs !== messageTs ? { threadId: threadTs } : {}),
            }
          : undefined;
      const click: ActionClick = {
        actor: actorOf(body.user.id, body.user.username || body.user.name),
        channelId,
        action: decoded,
        ...(message ? { message } : {}),
      };
      const reply = await safely(`${decoded.kind} ${decoded.ref}`, () => dispatcher.act(click));
      if (reply.replaceOriginal && !reply.ephemeral) {
        await replaceOriginal(reply, message, container.is_ephemeral === true, delivery);
      } else {
        await deliver(reply, delivery);
      }
    },
  );

  app.view<ViewSubmitAction>(formCallbackId, async ({ ack, body, view }) => {
    const metadata = parseFormMetadata(view.private_metadata);
    const blockIds = view.blocks.flatMap((b) =>
      b.type === 'input' && typeof b.block_id === 'string' ? [b.block_id] : [],
    );
    if (!metadata) {
      const first = blockIds[0];
      await ack(
        first
          ? {
              response_action: 'errors',
              errors: { [first]: 'This form is from an older version of the bot: close it and run the command again.' },
            }
          : undefined,
      );
      return;
    }
    const values = readAllValues(view.state.values);
    const submission: FormSubmission = {
      actor: actorOf(body.user.id, body.user.name),
      channelId: metadata.channelId,
      formId: metadata.formId,
      values,
    };
    const pending = safely(`form ${metadata.formId}`, () => dispatcher.submit(submission));
    const early = await within(pending, submitBudgetMs);
    const delivery: Delivery = {
      channelId: metadata.channelId,
      userId: body.user.id,
      ...(metadata.responseUrl ? { responseUrl: metadata.responseUrl } : {}),
      receivedAt: performance.now(),
    };
    if (early) {
      const errors = early.formErrors ?? {};
      if (Object.keys(errors).length > 0) {
        await ack({ response_action: 'errors', errors: errorsForBlocks(errors, blockIds) });
        return;
      }
      await ack();
      await deliver(early, delivery);
      return;
    }
    // Slack waits 3 s for this ack: keep the modal open with a note, then show the verdict in it.
    await ack({ response_action: 'update', view: noticeView(view.title.text, 'Checking your submission…') });
    const reply = await pending;
    const errors = reply.formErrors ?? {};
    try {
      if (Object.keys(errors).length > 0) {
        const lines = Object.entries(errorsForBlocks(errors, blockIds)).map(
          ([name, msg]) => `• *${escapeMrkdwn(name)}*: ${escapeMrkdwn(msg)}`,
        );
        await app.client.views.update({
          view_id: view.id,
          view: resubmitView(view, values, `:warning: Please correct:\n${lines.join('\n')}`),
        });
        return;
      }
      await app.client.views.update({ view_id: view.id, view: noticeView(view.title.text, reply.title) });
    } catch (error) {
      log.warn({ err: error }, 'views.update failed after a slow submission');
    }
    await deliver(reply, delivery);
  });

  app.error((error) => {
    log.error({ err: error }, 'slack listener error');
    return Promise.resolve();
  });

  let server: Server | undefined;
  return {
    sink,
    mode: socketMode ? 'socket' : 'http',
    port: () => {
      const address = server?.address();
      return address && typeof address === 'object' ? address.port : undefined;
    },
    async start() {
      await app.init();
      const started: unknown = socketMode
        ? await app.start()
        : await app.start(options.host !== undefined ? { port: config.port, host: options.host } : config.port);
      if (!socketMode) server = started as Server;
      log.info(
        { mode: socketMode ? 'socket' : 'http', port: socketMode ? undefined : this.port() },
        'slack adapter started',
      );
    },
    async stop() {
      await within(
        sink.drain().then(() => true),
        5000,
      );
      await app.stop();
      server = undefined;
    },
  };
}

/** The immediate answer to a slash command: a short ephemeral note that the command is running. */
function ackNote(text: string): { response_type: 'ephemeral'; text: string } {
  const shown = truncate(text.length > 0 ? text : 'help', 200);
  return { response_type: 'ephemeral', text: `:hourglass_flowing_sand: Running \`${escapeMrkdwn(shown)}\`…` };
}

/** The promise's value if it settles within `ms`, else undefined (the promise keeps running). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      resolve(undefined);
    }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A modal that only shows a line of text. */
function noticeView(title: string, text: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: `${formCallbackId}_notice`,
    title: { type: 'plain_text', text: truncate(title, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeMrkdwn(text), 3000) } }],
  };
}

/** The submitted form again, pre-filled with what was typed and a note listing the problems. */
function resubmitView(view: ViewSubmitAction['view'], values: Record<string, string>, note: string): types.ModalView {
  const blocks = view.blocks
    .filter((b) => b.type === 'input')
    .map((b) => {
      // The blocks are the ones this adapter rendered (render-modal.ts), echoed back by Slack.
      const block = structuredClone(b) as unknown as { block_id?: string; element: Record<string, unknown> };
      const value = block.block_id !== undefined ? values[block.block_id] : undefined;
      if (value) {
        if (block.element['type'] === 'static_select') {
          const options = (block.element['options'] ?? []) as { value: string }[];
          const chosen = options.find((o) => o.value === value);
          if (chosen) block.element['initial_option'] = chosen;
        } else {
          block.element['initial_value'] = value;
        }
      }
      return block as unknown as types.InputBlock;
    });
  return {
    type: 'modal',
    callback_id: formCallbackId,
    private_metadata: view.private_metadata,
    title: { type: 'plain_text', text: view.title.text },
    ...(view.submit ? { submit: { type: 'plain_text', text: view.submit.text } } : {}),
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(note, 3000) }] }, ...blocks],
  };
}
