/**
 * The adapter with the real core (dispatcher, policy, approvals, store) against the simulated cluster:
 * signed interactions in, the fake Discord API recording what the bot sends. Asserts structure (who sees
 * what, which message is edited), not the core's wording.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordAdapter, type DiscordAdapter } from '../../adapters/discord/discord-adapter.js';
import type { Button, InteractionResponse, MessageBody } from '../../adapters/discord/discord-wire.js';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { createRuntime, type Runtime } from '../../src/cli/create-runtime.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { FakeDiscordApi } from './fake-discord-api.js';
import {
  ALICE,
  BOB,
  CHANNEL_ID,
  commandInteraction,
  componentInteraction,
  DiscordSigner,
  postInteraction,
} from './interaction-payloads.js';

const signer = new DiscordSigner();
let sim: SimCluster;
let api: FakeDiscordApi;
let runtime: Runtime;
let adapter: DiscordAdapter;
let url: string;
let dataDir: string;

beforeAll(async () => {
  sim = await startSimCluster();
  api = await FakeDiscordApi.start('core-bot-token');
  dataDir = mkdtempSync(join(tmpdir(), 'pegasus-discord-'));
  const config = loadConfig({
    PEGASUS_META_SERVERS: sim.metaServers.join(','),
    DATA_DIR: dataDir,
    PEGASUS_OPERATORS: `discord:${ALICE}`,
    PEGASUS_ADMINS: `discord:${BOB}`,
    DISCORD_PUBLIC_KEY: signer.publicKeyHex,
    DISCORD_BOT_TOKEN: 'core-bot-token',
    DISCORD_API_URL: api.apiUrl,
    DISCORD_INTERACTIONS_PORT: '0',
  });
  const logger = silentLogger();
  runtime = await createRuntime({ config, logger });
  adapter = createDiscordAdapter({
    config: config.discord ?? { apiUrl: api.apiUrl },
    dispatcher: runtime.dispatcher,
    logger,
    gateway: false,
    host: '127.0.0.1',
  });
  runtime.sinks.push(adapter.sink);
  const started = await adapter.start();
  url = `http://127.0.0.1:${started.interactionsPort ?? 0}/discord/interactions`;
});

afterAll(async () => {
  await adapter.stop();
  await runtime.close();
  await sim.stop();
  await api.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends an interaction; a click's token is bound to its message, as Discord's `@original` is. */
async function send(payload: { type: number; token: string; message?: { id: string } }): Promise<MessageBody> {
  if (payload.message) api.bindOriginal(payload.token, payload.message.id);
  const { body } = await postInteraction(url, payload, signer);
  await adapter.handler.drain();
  if (body?.type === 5) {
    const edits = await api.waitFor('PATCH', new RegExp(`/${payload.token}/messages/@original$`));
    return edits.at(-1)?.body as MessageBody;
  }
  expect([4, 7]).toContain(body?.type);
  return (body as InteractionResponse & { data: MessageBody }).data;
}

const buttons = (body: { components: { components: Button[] }[] }) => body.components.flatMap((r) => r.components);

describe('the real core through the Discord adapter', () => {
  it('answers /pegasus nodes detail:true from the simulated cluster', async () => {
    const body = await send(commandInteraction('nodes', { detail: true }));
    expect(body.flags).toBeUndefined();
    expect(body.embeds[0]?.footer?.text).toContain('nodes -d');
    const table = body.embeds.find((e) => e.description?.startsWith('```'));
    for (const node of sim.replicaServers) expect(table?.description).toContain(node);
  });

  it('refuses a change by a viewer privately, naming the role it needs', async () => {
    const body = await send(commandInteraction('set_meta_level', { level: 'lively' }, '1230000000000000099'));
    expect(body.flags).toBe(64);
    expect(`${body.embeds[0]?.title ?? ''} ${body.embeds[0]?.description ?? ''}`).toMatch(/operator/);
  });

  it('runs a dangerous change after a second person approves, editing the request in place', async () => {
    api.calls.length = 0;
    const asked = await send(commandInteraction('set_meta_level', { level: 'lively' }, ALICE));
    expect(asked.flags).toBe(64);

    const [posted] = api.find('POST', new RegExp(`^/channels/${CHANNEL_ID}/messages$`));
    expect(posted?.authorization).toBe('Bot core-bot-token');
    const request = [...api.messages.values()].find((m) => m.channel_id === CHANNEL_ID && m.components.length > 0);
    const approve = buttons(posted?.body as MessageBody).find((b) => b.custom_id.includes(':approve:'));
    expect(request && approve).toBeTruthy();
    const onRequest = { id: request?.id ?? '', components: request?.components ?? [] };

    const own = await send(componentInteraction(approve?.custom_id.replace(/^pga:/, '') ?? '', onRequest, ALICE));
    expect(own.flags).toBe(64);

    let decided = await send(componentInteraction(approve?.custom_id ?? '', onRequest, BOB));
    if (approve?.custom_id.startsWith('pga:')) {
      // The core asked for a confirmation dialog: Discord shows it as an ephemeral Confirm / Cancel.
      expect(decided.flags).toBe(64);
      const confirm = buttons(decided)[0]?.custom_id ?? '';
      decided = await send(componentInteraction(confirm, { id: '1390000000000000001', flags: 64 }, BOB));
    }
    expect(decided.embeds.length).toBeGreaterThan(0);
    // The request message itself is edited (through the click's token): its Approve button is gone.
    const edited = api.messages.get(request?.id ?? '');
    expect(JSON.stringify(edited?.components ?? [])).not.toContain(':approve:');

    const again = await send(componentInteraction(approve?.custom_id.replace(/^pga:/, '') ?? '', onRequest, BOB));
    expect(again.flags).toBe(64);

    const level = await send(commandInteraction('get_meta_level'));
    expect(JSON.stringify(level.embeds)).toContain('lively');
  });
});
