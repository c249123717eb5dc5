/**
 * The gateway way in: a discord.js `Client` (intent Guilds) whose `INTERACTION_CREATE` dispatches feed the
 * same handler as the HTTP endpoint. The raw dispatch payload is used rather than discord.js's Interaction
 * objects because it is exactly what the HTTP endpoint receives, so both paths share one code path; the
 * initial response goes to Discord's callback endpoint (`POST /interactions/{id}/{token}/callback`).
 */
import { Client, GatewayIntentBits, Routes, type REST } from 'discord.js';
import type { Logger } from '../../src/logger.js';
import type { InteractionResponse } from './discord-wire.js';
import type { InteractionHandler, Respond } from './interaction-handler.js';

/** What the gateway adapter needs. */
export interface GatewayAdapterOptions {
  token: string;
  /** REST base URL in discord.js's `api` form; the client uses it for the gateway lookup too. */
  apiUrl: string;
  handler: InteractionHandler;
  /** REST client for the callback endpoint (interaction callbacks need no bot token). */
  rest: REST;
  logger: Logger;
}

/** The running gateway connection. */
export interface GatewayAdapter {
  /** Logs in and connects to the gateway. */
  start(): Promise<void>;
  /** Disconnects and waits for interactions in flight. */
  stop(): Promise<void>;
  /** Handles one gateway dispatch (`{ op: 0, t, s, d }`); resolves when its interaction is fully answered. */
  onDispatch(packet: unknown): Promise<void>;
}

interface DispatchPacket {
  t?: unknown;
  d?: unknown;
}

/** Creates the gateway adapter; `onDispatch` is what the client's raw events call (and what tests feed). */
export function createGatewayAdapter(options: GatewayAdapterOptions): GatewayAdapter {
  const { handler, rest, logger } = options;
  let client: Client | undefined;

  const respondVia =
    (interaction: { id: string; token: string }): Respond =>
    async (response: InteractionResponse) => {
      await rest.post(Routes.interactionCallback(interaction.id, interaction.token), { body: response, auth: false });
    };

  async function onDispatch(packet: unknown): Promise<void> {
    if (typeof packet !== 'object' || packet === null) return;
    const { t, d } = packet as DispatchPacket;
    if (t !== 'INTERACTION_CREATE' || typeof d !== 'object' || d === null) return;
    const { id, token } = d as { id?: unknown; token?: unknown };
    if (typeof id !== 'string' || typeof token !== 'string') {
      logger.warn('discord: gateway interaction without id or token ignored');
      return;
    }
    await handler.handle(d, respondVia({ id, token }));
  }

  return {
    onDispatch,
    async start() {
      client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: options.apiUrl } });
      client.on('raw', (packet: unknown) => {
        onDispatch(packet).catch((err: unknown) => {
          logger.error({ err }, 'discord: gateway interaction failed');
        });
      });
      client.on('error', (err) => {
        logger.error({ err }, 'discord: gateway error');
      });
      client.once('clientReady', (ready) => {
        logger.info({ user: ready.user.tag }, 'discord: gateway connected');
      });
      await client.login(options.token);
    },
    async stop() {
      await client?.destroy();
      client = undefined;
      await handler.drain();
    },
  };
}
