/**
 * The Slack adapter with the real core (dispatcher, policy, approvals, SQLite store) against the simulated
 * cluster: signed requests through Bolt's real HTTP receiver, the fake Web API recording what the bot sends,
 * and the simulator showing whether the change reached the cluster.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../adapters/slack/slack-adapter.js';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { createRuntime, type Runtime } from '../../src/cli/create-runtime.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { FakeSlackApi } from './fake-slack-api.js';
import { blockActionsPayload, buttonsOf, type PostedButton } from './slack-payloads.js';
import { postSigned, slashCommandForm } from './slack-signing.js';

const secret = 'core-signing-secret';
const OPERATOR = 'UALICEOPS';
const ADMIN = 'UBOBADMIN';
const VIEWER = 'UCAROLVIEW';
const CHANNEL = 'COPS';

let sim: SimCluster;
let api: FakeSlackApi;
let runtime: Runtime;
let adapter: SlackAdapter;
let endpoint: string;
let dataDir: string;

beforeAll(async () => {
  sim = await startSimCluster({ seed: 11 });
  api = new FakeSlackApi();
  await api.start();
  dataDir = mkdtempSync(join(tmpdir(), 'pegasus-slack-core-'));
  const config = loadConfig({
    PEGASUS_META_SERVERS: sim.metaServers.join(','),
    PEGASUS_CLUSTER_NAME: 'onebox',
    DATA_DIR: dataDir,
    PEGASUS_OPERATORS: `slack:${OPERATOR}`,
    PEGASUS_ADMINS: `slack:${ADMIN}`,
    SLACK_BOT_TOKEN: api.botToken,
    SLACK_SIGNING_SECRET: secret,
    SLACK_PORT: '0',
    SLACK_API_URL: api.apiUrl,
  });
  const logger = silentLogger();
  runtime = await createRuntime({ config, logger });
  if (!config.slack) throw new Error('slack config missing');
  adapter = createSlackAdapter({
    config: config.slack,
    dispatcher: runtime.dispatcher,
    logger,
    apiRetries: 0,
    host: '127.0.0.1',
    pacing: { minIntervalMs: 0 },
  });
  runtime.sinks.push(adapter.sink);
  await adapter.start();
  endpoint = `http://127.0.0.1:${adapter.port() ?? 0}/slack/events`;
});

afterAll(async () => {
  await adapter.stop();
  await runtime.close();
  await sim.stop();
  await api.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Sends `/pegasus <text>` as `userId` and resolves with every response_url post once `count` arrived. */
async function slash(text: string, userId: string, count = 1) {
  const responseUrl = api.responseUrl();
  const res = await postSigned(endpoint, slashCommandForm({ text, userId, channelId: CHANNEL, responseUrl }), {
    secret,
  });
  expect(res.status).toBe(200);
  await api.waitFor(() => api.responsesTo(responseUrl).length >= count, 15_000);
  return api.responsesTo(responseUrl);
}

/**
 * Clicks `button` on the message `ts` as `userId`; resolves with what the clicker was told: the posts to the
 * click's response_url and the ephemeral messages sent to them with `chat.postEphemeral`.
 */
async function click(button: PostedButton, userId: string, ts: string, expectAnswer = true) {
  const responseUrl = api.responseUrl();
  const payload = blockActionsPayload({ button, userId, channelId: CHANNEL, messageTs: ts, responseUrl });
  const ephemeralBefore = api.callsTo('chat.postEphemeral').length;
  const told = () => [
    ...api.responsesTo(responseUrl).map((r) => r.body),
    ...api
      .callsTo('chat.postEphemeral')
      .slice(ephemeralBefore)
      .filter((c) => c.body['user'] === userId)
      .map((c) => ({ ...c.body, response_type: 'ephemeral' })),
  ];
  const res = await postSigned(endpoint, { payload: JSON.stringify(payload) }, { secret });
  expect(res.status).toBe(200);
  if (expectAnswer) await api.waitFor(() => told().length > 0, 15_000);
  return told();
}

/** Polls `predicate` every 20 ms for up to 15 s (for state outside the fake Slack API). */
async function until(predicate: () => boolean): Promise<void> {
  for (let waited = 0; !predicate(); waited += 20) {
    if (waited > 15_000) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const textOf = (body: Record<string, unknown>) => JSON.stringify(body['blocks'] ?? body['text'] ?? '');

describe('the real core through the Slack adapter', () => {
  it('answers /pegasus nodes -d from the simulated cluster, in the channel', async () => {
    const [report] = await slash('nodes -d', VIEWER);
    expect(report?.body['response_type']).toBe('in_channel');
    for (const node of sim.replicaServers) expect(textOf(report?.body ?? {})).toContain(node);
  });

  it('refuses a change by a viewer privately, naming the role it needs', async () => {
    const [refusal] = await slash('set_meta_level lively', VIEWER);
    expect(refusal?.body['response_type']).toBe('ephemeral');
    expect(textOf(refusal?.body ?? {})).toMatch(/operator/);
    expect(sim.model.metas[0]?.storedLevel).toBe('steady');
  });

  it('sets lively only after a second person approves, and edits the request in place', async () => {
    const [waiting] = await slash('set_meta_level lively', OPERATOR);
    expect(textOf(waiting?.body ?? {})).toMatch(/approv/i);
    await api.waitFor(() => api.callsTo('chat.postMessage').some((c) => buttonsOf(c.body['blocks']).length > 0));
    const requestCall = api.callsTo('chat.postMessage').find((c) => buttonsOf(c.body['blocks']).length > 0);
    const stored = [...api.messages.values()].find((m) => buttonsOf(m.blocks).length > 0);
    const approve = buttonsOf(requestCall?.body['blocks']).find((b) => /approve/i.test(b.text.text));
    expect(approve && stored).toBeTruthy();
    if (!approve || !stored) return;

    // The requester cannot approve their own request: refused privately, nothing sent to the cluster.
    const [own] = await click(approve, OPERATOR, stored.ts);
    expect(own?.response_type).toBe('ephemeral');
    expect(sim.model.metas[0]?.storedLevel).toBe('steady');

    // The admin approves: the change runs once and the request message loses its buttons.
    await click(approve, ADMIN, stored.ts, false);
    await until(() => sim.model.metas[0]?.storedLevel === 'lively');
    const decided = () => api.messages.get(`${stored.channel}/${stored.ts}`);
    await until(() => !buttonsOf(decided()?.blocks).some((b) => /approve/i.test(b.text.text)));
    expect(JSON.stringify(decided()?.blocks)).toMatch(/approved/i);
    expect(sim.model.metas.filter((m) => m.storedLevel === 'lively')).toHaveLength(1);

    // A second click is answered "already decided" and changes nothing.
    const [again] = await click(approve, ADMIN, stored.ts);
    expect(again?.response_type).toBe('ephemeral');
    expect(textOf(again ?? {})).toMatch(/already/i);
  });
});
