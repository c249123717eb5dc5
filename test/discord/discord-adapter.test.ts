import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter, runDiscordRegister } from '../../adapters/discord/index.js';
import type { MessageBody } from '../../adapters/discord/discord-wire.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { messageReply } from '../../src/replies/reply.js';
import { FakeDiscordApi } from './fake-discord-api.js';
import { FakeDiscordGateway } from './fake-discord-gateway.js';
import { FakeDispatcher } from './fake-dispatcher.js';
import { APP_ID, CHANNEL_ID, commandInteraction, DiscordSigner, postInteraction } from './interaction-payloads.js';

const BOT_TOKEN = 'adapter-bot-token';
const signer = new DiscordSigner();
let api: FakeDiscordApi;
let fakeGateway: FakeDiscordGateway;

beforeAll(async () => {
  api = await FakeDiscordApi.start(BOT_TOKEN);
  fakeGateway = await FakeDiscordGateway.start(APP_ID);
  api.gatewayUrl = fakeGateway.url;
});

afterAll(async () => {
  await fakeGateway.close();
  await api.close();
});

const env = (extra: Record<string, string> = {}) => ({
  DISCORD_BOT_TOKEN: BOT_TOKEN,
  DISCORD_PUBLIC_KEY: signer.publicKeyHex,
  DISCORD_APPLICATION_ID: APP_ID,
  DISCORD_API_URL: api.apiUrl,
  ...extra,
});

describe('createDiscordAdapter', () => {
  it('serves the endpoint and the gateway from the config, and gives the core a sink', async () => {
    const config = loadConfig(env({ DISCORD_INTERACTIONS_PORT: '0' }));
    const dispatcher = new FakeDispatcher();
    const adapter = createDiscordAdapter({
      config: config.discord ?? { apiUrl: '' },
      dispatcher,
      logger: silentLogger(),
      host: '127.0.0.1',
    });
    try {
      const started = await adapter.start();
      expect(started.gateway).toBe(true);
      const url = `http://127.0.0.1:${started.interactionsPort ?? 0}/discord/interactions`;
      const pong = await postInteraction(url, { id: '1', application_id: APP_ID, type: 1, token: 't' }, signer);
      expect(pong.body).toEqual({ type: 1 });
      const answer = await postInteraction(url, commandInteraction('nodes', { detail: true }), signer);
      expect((answer.body as { data: MessageBody }).data.embeds[0]?.title).toBe('🟢 nodes: 3 replica servers');

      await fakeGateway.identifiedClient();
      const ref = await adapter.sink.post(
        { channelId: CHANNEL_ID },
        messageReply('rebalance', 'ok', 'Window win-7 started', [], new Date('2026-03-02T02:00:00Z')),
      );
      expect(api.messages.get(ref.messageId)?.channel_id).toBe(CHANNEL_ID);
      expect(adapter.sink.platform).toBe('discord');
    } finally {
      await adapter.stop();
    }
    expect(api.unexpected).toEqual([]);
  });
});

describe('discord register', () => {
  const io = () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const read = (s: PassThrough) => () => (s.read() as Buffer | null)?.toString('utf8') ?? '';
    return { stdout, stderr, out: read(stdout), err: read(stderr) };
  };

  it('registers in the configured guild with the configured clusters', async () => {
    const streams = io();
    const code = await runDiscordRegister([], {
      env: env({ DISCORD_GUILD_ID: '555', PEGASUS_META_SERVERS: '127.0.0.1:34601', PEGASUS_CLUSTER_NAME: 'prod' }),
      ...streams,
    });
    expect(code).toBe(0);
    expect(streams.out()).toContain('Registered /pegasus in guild 555');
    const [call] = api.find('PUT', new RegExp(`^/applications/${APP_ID}/guilds/555/commands$`));
    const body = call?.body as { options: { name: string; options?: { name: string; choices?: unknown }[] }[] }[];
    const cluster = body[0]?.options.find((o) => o.name === 'health')?.options?.find((o) => o.name === 'cluster');
    expect(cluster?.choices).toEqual([{ name: 'prod', value: 'prod' }]);
  });

  it('registers globally with --global', async () => {
    const streams = io();
    expect(await runDiscordRegister(['--global'], { env: env({ DISCORD_GUILD_ID: '555' }), ...streams })).toBe(0);
    expect(api.find('PUT', new RegExp(`^/applications/${APP_ID}/commands$`))).not.toHaveLength(0);
    expect(streams.out()).toContain('globally');
  });

  it('names the missing variables and bad arguments, registering nothing', async () => {
    const before = api.calls.length;
    const streams = io();
    expect(await runDiscordRegister([], { env: { DISCORD_PUBLIC_KEY: signer.publicKeyHex }, ...streams })).toBe(2);
    expect(streams.err()).toContain('DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID');
    const bad = io();
    expect(await runDiscordRegister(['--guild', 'abc'], { env: env(), ...bad })).toBe(2);
    expect(bad.err()).toContain('usage: pegasus-chatops discord register');
    expect(api.calls.length).toBe(before);
  });

  it('reports Discord refusing the token', async () => {
    const streams = io();
    expect(await runDiscordRegister([], { env: env({ DISCORD_BOT_TOKEN: 'wrong' }), ...streams })).toBe(1);
    expect(streams.err()).toContain('check DISCORD_BOT_TOKEN');
  });

  it('prints the command JSON with --dry-run without calling Discord', async () => {
    const before = api.calls.length;
    const streams = io();
    expect(await runDiscordRegister(['--dry-run'], { env: {}, ...streams })).toBe(0);
    const printed = JSON.parse(streams.out()) as { name: string }[];
    expect(printed[0]?.name).toBe('pegasus');
    expect(api.calls.length).toBe(before);
  });
});
