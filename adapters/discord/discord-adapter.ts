/**
 * The Discord adapter: the HTTP interactions endpoint and/or the gateway (whichever the config enables),
 * both feeding one interaction handler, plus the `ChatSink` the core posts through. It only translates:
 * the dispatcher decides everything.
 */
import { systemClock, type Clock } from '../../src/clock.js';
import type { Dispatcher } from '../../src/commands/command.js';
import type { Config } from '../../src/config/config.js';
import type { Logger } from '../../src/logger.js';
import { ConfirmDialogs } from './confirm-dialogs.js';
import { closeDiscordRest, createDiscordRest } from './discord-rest.js';
import { DiscordSink } from './discord-sink.js';
import { createGatewayAdapter, type GatewayAdapter } from './gateway-adapter.js';
import { createInteractionHandler, type InteractionHandler } from './interaction-handler.js';
import { InteractionTokens } from './interaction-tokens.js';
import { createInteractionsServer, INTERACTIONS_PATH, type InteractionsServer } from './interactions-server.js';
import type { RenderOptions } from './render-embeds.js';

/** What the adapter needs. */
export interface DiscordAdapterOptions {
  config: NonNullable<Config['discord']>;
  dispatcher: Dispatcher;
  logger: Logger;
  clock?: Clock;
  /** How long the core may take before an interaction is deferred (ms, default 1500). */
  deferAfterMs?: number;
  /** Host the interactions endpoint binds to (default all interfaces). */
  host?: string;
  /** Whether to connect to the gateway when a bot token is set (default true; off when only HTTP is wanted). */
  gateway?: boolean;
  render?: RenderOptions;
  /** Minimum spacing of the sink's sends to one channel (ms). */
  minIntervalMs?: number;
}

/** What `start` brought up. */
export interface DiscordAdapterStarted {
  /** The bound port of the interactions endpoint, when it runs. */
  interactionsPort?: number;
  gateway: boolean;
}

/** The running adapter. */
export interface DiscordAdapter {
  /** Starts the interactions endpoint (`DISCORD_INTERACTIONS_PORT`) and/or the gateway (`DISCORD_BOT_TOKEN`). */
  start(): Promise<DiscordAdapterStarted>;
  /** Stops both and waits for interactions in flight. */
  stop(): Promise<void>;
  /** Posts and edits messages for the core (approvals, window progress, alert threads). */
  readonly sink: DiscordSink;
  /** The shared handler (for tests and for feeding interactions from elsewhere). */
  readonly handler: InteractionHandler;
}

/** Creates the Discord adapter from `config.discord`. */
export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const rest = createDiscordRest(config.apiUrl, config.botToken);
  const tokens = new InteractionTokens(clock);
  const dialogs = new ConfirmDialogs();
  const handler = createInteractionHandler({
    dispatcher: options.dispatcher,
    rest,
    logger,
    clock,
    tokens,
    dialogs,
    ...(options.deferAfterMs !== undefined ? { deferAfterMs: options.deferAfterMs } : {}),
    ...(options.render ? { render: options.render } : {}),
  });
  const sink = new DiscordSink({
    rest,
    hasBotToken: config.botToken !== undefined,
    tokens,
    dialogs,
    logger,
    ...(options.render ? { render: options.render } : {}),
    ...(options.minIntervalMs !== undefined ? { minIntervalMs: options.minIntervalMs } : {}),
  });
  let server: InteractionsServer | undefined;
  let gateway: GatewayAdapter | undefined;

  return {
    sink,
    handler,
    async start() {
      const started: DiscordAdapterStarted = { gateway: false };
      if (config.interactionsPort !== undefined) {
        if (!config.publicKey) throw new Error('DISCORD_INTERACTIONS_PORT needs DISCORD_PUBLIC_KEY to verify requests');
        server = createInteractionsServer({ publicKey: config.publicKey, handler, logger, clock });
        started.interactionsPort = await server.listen(config.interactionsPort, options.host);
        logger.info(
          { port: started.interactionsPort, path: INTERACTIONS_PATH },
          'discord: interactions endpoint listening',
        );
      }
      if (config.botToken && options.gateway !== false) {
        gateway = createGatewayAdapter({ token: config.botToken, apiUrl: config.apiUrl, handler, rest, logger });
        await gateway.start();
        started.gateway = true;
      }
      if (!server && !gateway) {
        logger.warn('discord: neither DISCORD_INTERACTIONS_PORT nor DISCORD_BOT_TOKEN is set; nothing to receive');
      }
      return started;
    },
    async stop() {
      await server?.close();
      await gateway?.stop();
      await handler.drain();
      closeDiscordRest(rest);
      server = undefined;
      gateway = undefined;
    },
  };
}
