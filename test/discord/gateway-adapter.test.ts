import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDiscordRest, createDiscordRest } from '../../adapters/discord/discord-rest.js';
import type { MessageBody, Modal } from '../../adapters/discord/discord-wire.js';
import { createGatewayAdapter, type GatewayAdapter } from '../../adapters/discord/gateway-adapter.js';
import { createInteractionHandler } from '../../adapters/discord/interaction-handler.js';
import { silentLogger } from '../../src/logger.js';
import { FakeDiscordApi } from './fake-discord-api.js';
import { FakeDiscordGateway } from './fake-discord-gateway.js';
import { FakeDispatcher } from './fake-dispatcher.js';
import { APP_ID } from './interaction-payloads.js';

interface Fixture {
  op: number;
  t: string;
  s: number;
  d: { id: string; token: string; channel_id: string; message?: { id: string } };
}

const fixture = (name: string): Fixture =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture;

const BOT_TOKEN = 'gateway-bot-token';
let api: FakeDiscordApi;
let rest: ReturnType<typeof createDiscordRest>;
let dispatcher: FakeDispatcher;
let gateway: GatewayAdapter;

beforeAll(async () => {
  api = await FakeDiscordApi.start(BOT_TOKEN);
  rest = createDiscordRest(api.apiUrl, BOT_TOKEN);
});

afterAll(async () => {
  closeDiscordRest(rest);
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
  dispatcher = new FakeDispatcher();
  const handler = createInteractionHandler({ dispatcher, rest, logger: silentLogger(), deferAfterMs: 30 });
  gateway = createGatewayAdapter({ token: BOT_TOKEN, apiUrl: api.apiUrl, handler, rest, logger: silentLogger() });
});

afterEach(async () => {
  await gateway.stop();
  expect(api.unexpected).toEqual([]);
});

const callbackPath = (f: Fixture) => new RegExp(`^/interactions/${f.d.id}/${f.d.token}/callback$`);

describe('recorded gateway payloads through the shared handler', () => {
  it('answers /pegasus health through the callback endpoint', async () => {
    const health = fixture('interaction-create-health');
    await gateway.onDispatch(health);
    const [callback] = api.find('POST', callbackPath(health));
    expect(callback?.authorization).toBeUndefined();
    const body = callback?.body as { type: number; data: MessageBody };
    expect(body.type).toBe(4);
    expect(body.data.embeds[0]?.title).toBe('🔴 Cluster onebox: 1 critical, 1 warning');
    expect(dispatcher.runs).toEqual([
      {
        actor: {
          platform: 'discord',
          userId: '1230000000000000003',
          displayName: 'Carol',
          platformRoles: ['1260000000000000001'],
        },
        channelId: '1220000000000000001',
        text: 'health --cluster onebox',
      },
    ]);
  });

  it('defers over the callback endpoint and edits the original when the core is slow', async () => {
    const health = fixture('interaction-create-health');
    const release = dispatcher.hold();
    const done = gateway.onDispatch(health);
    await api.waitFor('POST', callbackPath(health));
    expect(api.find('POST', callbackPath(health))[0]?.body).toEqual({ type: 5 });
    release();
    await done;
    const [edit] = api.find('PATCH', new RegExp(`^/webhooks/${APP_ID}/${health.d.token}/messages/@original$`));
    expect((edit?.body as MessageBody).embeds).toHaveLength(6);
  });

  it('routes a button click to dispatcher.act and updates the message', async () => {
    dispatcher.approvals.set('win-7', { requester: '1230000000000000003' });
    const approve = fixture('interaction-create-approve');
    await gateway.onDispatch(approve);
    expect(dispatcher.clicks).toEqual([
      {
        actor: {
          platform: 'discord',
          userId: '1230000000000000004',
          displayName: 'dave (oncall)',
          platformRoles: ['1260000000000000001', '1260000000000000002'],
        },
        channelId: '1220000000000000002',
        action: { kind: 'approve', ref: 'win-7' },
        message: { platform: 'discord', channelId: '1220000000000000002', messageId: '1359912999000000001' },
      },
    ]);
    const body = api.find('POST', callbackPath(approve))[0]?.body as { type: number; data: MessageBody };
    expect(body.type).toBe(7);
    expect(body.data.embeds[0]?.title).toBe('🟢 Window win-7 approved by <@1230000000000000004>');
  });

  it('opens a form as a modal through the callback endpoint', async () => {
    const apply = fixture('interaction-create-apply-table');
    await gateway.onDispatch(apply);
    const body = api.find('POST', callbackPath(apply))[0]?.body as { type: number; data: Modal };
    expect(body.type).toBe(9);
    expect(body.data.custom_id).toBe('pgm:apply_table:0:3');
  });

  it('ignores other dispatches', async () => {
    await gateway.onDispatch(fixture('guild-create'));
    await gateway.onDispatch({ op: 11 });
    expect(api.calls).toEqual([]);
    expect(dispatcher.runs).toEqual([]);
  });
});

describe('a real discord.js client against a local gateway', () => {
  let fakeGateway: FakeDiscordGateway;

  beforeAll(async () => {
    fakeGateway = await FakeDiscordGateway.start(APP_ID);
    api.gatewayUrl = fakeGateway.url;
  });

  afterAll(async () => {
    await fakeGateway.close();
  });

  it('logs in, identifies with the Guilds intent and answers an INTERACTION_CREATE', async () => {
    await gateway.start();
    await fakeGateway.identifiedClient();
    const identify = fakeGateway.received.find((p) => p.op === 2)?.d as { token: string; intents: number };
    expect(identify.token).toBe(BOT_TOKEN);
    expect(identify.intents).toBe(1);
    const health = fixture('interaction-create-health');
    fakeGateway.dispatch('INTERACTION_CREATE', health.d);
    const [callback] = await api.waitFor('POST', callbackPath(health));
    expect((callback?.body as { type: number }).type).toBe(4);
    expect(dispatcher.runs.map((r) => r.text)).toEqual(['health --cluster onebox']);
  });
});
