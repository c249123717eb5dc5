/**
 * The adapter through Bolt's real HTTP receiver: requests signed as Slack signs them, the Web API and the
 * response_urls served by a local fake.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter, type SlackAdapterOptions } from '../../adapters/slack/slack-adapter.js';
import { silentLogger } from '../../src/logger.js';
import { FakeDispatcher } from './fake-dispatcher.js';
import { FakeSlackApi, blockProblems, type ResponsePost } from './fake-slack-api.js';
import { blockActionsPayload, buttonsOf, viewSubmissionPayload } from './slack-payloads.js';
import { postSigned, slackSignature, slashCommandForm } from './slack-signing.js';

const secret = 'test-signing-secret';

let api: FakeSlackApi;
let dispatcher: FakeDispatcher;
let adapter: SlackAdapter;
let endpoint: string;

async function startAdapter(extra: Partial<SlackAdapterOptions> = {}): Promise<void> {
  adapter = createSlackAdapter({
    config: { botToken: api.botToken, signingSecret: secret, port: 0, apiUrl: api.apiUrl },
    dispatcher,
    logger: silentLogger(),
    apiRetries: 0,
    host: '127.0.0.1',
    pacing: { minIntervalMs: 0 },
    ...extra,
  });
  dispatcher.sink = adapter.sink;
  await adapter.start();
  endpoint = `http://127.0.0.1:${adapter.port() ?? 0}/slack/events`;
}

beforeEach(async () => {
  api = new FakeSlackApi();
  await api.start();
  dispatcher = new FakeDispatcher();
});

afterEach(async () => {
  await adapter.stop();
  await api.stop();
});

async function command(text: string, fields: { userId?: string; channelId?: string; triggerId?: string } = {}) {
  const responseUrl = api.responseUrl();
  const res = await postSigned(endpoint, slashCommandForm({ text, responseUrl, ...fields }), { secret });
  return { res, responseUrl };
}

async function click(payload: Record<string, unknown>): Promise<Response> {
  return postSigned(endpoint, { payload: JSON.stringify(payload) }, { secret });
}

async function responses(url: string, count: number): Promise<ResponsePost[]> {
  await api.waitFor(() => api.responsesTo(url).length >= count);
  return api.responsesTo(url);
}

describe('Slack adapter over HTTP', () => {
  beforeEach(async () => {
    await startAdapter();
  });

  it('acks a signed slash command with a short note and delivers the report to the response_url', async () => {
    const { res, responseUrl } = await command('health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      response_type: 'ephemeral',
      text: ':hourglass_flowing_sand: Running `health`…',
    });
    const [report] = await responses(responseUrl, 1);
    expect(report?.body['response_type']).toBe('in_channel');
    expect(report?.body['replace_original']).toBe(false);
    const blocks = report?.body['blocks'];
    expect(blockProblems(blocks)).toEqual([]);
    expect((blocks as { type: string }[])[0]).toMatchObject({
      type: 'header',
      text: { text: ':red_circle: Cluster onebox: 1 critical, 1 warning' },
    });
    expect(buttonsOf(blocks).map((b) => b.text.text)).toEqual(['Freeze', 'Plan a rebalance window', 'Run again']);
    expect(dispatcher.runs).toEqual([
      {
        actor: { platform: 'slack', userId: 'UOPERATOR', displayName: 'ops.person' },
        channelId: 'COPS',
        text: 'health',
        interactive: true,
      },
    ]);
    // auth.test ran once at start, with the bot token
    expect(api.callsTo('auth.test')).toHaveLength(1);
  });

  it('refuses a bad signature with 401 and runs nothing', async () => {
    const responseUrl = api.responseUrl();
    const res = await postSigned(endpoint, slashCommandForm({ text: 'health', responseUrl }), {
      secret,
      signature: `v0=${'0'.repeat(64)}`,
    });
    expect(res.status).toBe(401);
    const wrongSecret = await postSigned(endpoint, slashCommandForm({ text: 'health', responseUrl }), {
      secret: 'not-the-secret',
    });
    expect(wrongSecret.status).toBe(401);
    expect(dispatcher.runs).toEqual([]);
  });

  it('refuses a stale timestamp (older than 5 minutes) even when correctly signed', async () => {
    const responseUrl = api.responseUrl();
    const timestamp = Math.floor(Date.now() / 1000) - 6 * 60;
    const form = slashCommandForm({ text: 'health', responseUrl });
    const res = await postSigned(endpoint, form, { secret, timestamp });
    expect(res.status).toBe(401);
    expect(slackSignature(secret, timestamp, new URLSearchParams(form).toString())).toMatch(/^v0=[0-9a-f]{64}$/);
    expect(dispatcher.runs).toEqual([]);
  });

  it('acks before the command finishes and delivers once it does', async () => {
    const { res, responseUrl } = await command('slow');
    expect(res.status).toBe(200);
    expect(dispatcher.runs).toHaveLength(1);
    expect(api.responsesTo(responseUrl)).toEqual([]);
    dispatcher.slowGate.open();
    const [done] = await responses(responseUrl, 1);
    expect(done?.body['text']).toContain('Slow command finished');
  });

  it('runs a button click through dispatcher.act and answers in the channel', async () => {
    const { responseUrl } = await command('health');
    const [report] = await responses(responseUrl, 1);
    const again = buttonsOf(report?.body['blocks']).find((b) => b.text.text === 'Run again');
    expect(again).toBeDefined();
    const clickUrl = api.responseUrl();
    const res = await click(
      blockActionsPayload({
        button: again!,
        userId: 'UOPERATOR',
        channelId: 'COPS',
        messageTs: '1767225601.000001',
        responseUrl: clickUrl,
      }),
    );
    expect(res.status).toBe(200);
    const [answer] = await responses(clickUrl, 1);
    expect(dispatcher.acts[0]).toEqual({
      actor: { platform: 'slack', userId: 'UOPERATOR', displayName: 'uoperator' },
      channelId: 'COPS',
      action: { kind: 'run', ref: 'health' },
      message: { platform: 'slack', channelId: 'COPS', messageId: '1767225601.000001' },
    });
    expect(answer?.body['response_type']).toBe('in_channel');
    expect(answer?.body['text']).toContain('Cluster onebox');
  });

  it('approval: posts Approve/Reject to the approvers, edits it in place on decision, answers a second click ephemerally', async () => {
    const { responseUrl } = await command('set_meta_level lively');
    const [ack] = await responses(responseUrl, 1);
    expect(ack?.body['response_type']).toBe('ephemeral');
    expect(ack?.body['text']).toContain('Approval requested');

    const [request] = api.callsTo('chat.postMessage');
    expect(request?.body['channel']).toBe('CAPPROVERS');
    const ts = [...api.messages.values()].find((m) => m.channel === 'CAPPROVERS')?.ts ?? '';
    const [approve, reject] = buttonsOf(request?.body['blocks']);
    expect(approve?.text.text).toBe('Approve');
    expect(approve).toHaveProperty('confirm');

    const decideUrl = api.responseUrl();
    await click(
      blockActionsPayload({
        button: approve!,
        userId: 'UAPPROVER',
        channelId: 'CAPPROVERS',
        messageTs: ts,
        responseUrl: decideUrl,
      }),
    );
    await api.waitFor(() => api.callsTo('chat.update').length === 1);
    const update = api.callsTo('chat.update')[0];
    expect(update?.body).toMatchObject({ channel: 'CAPPROVERS', ts });
    expect(buttonsOf(update?.body['blocks'])).toEqual([]);
    expect(JSON.stringify(update?.body['blocks'])).toMatch(/approved by UAPPROVER at \d{4}-/);
    expect(api.messages.get(`CAPPROVERS/${ts}`)?.edits).toBe(1);

    const secondUrl = api.responseUrl();
    await click(
      blockActionsPayload({
        button: reject!,
        userId: 'UOTHER',
        channelId: 'CAPPROVERS',
        messageTs: ts,
        responseUrl: secondUrl,
      }),
    );
    const [already] = await responses(secondUrl, 1);
    expect(already?.body['response_type']).toBe('ephemeral');
    expect(already?.body['text']).toContain('Already decided');
    expect(api.callsTo('chat.update')).toHaveLength(1);
    expect(dispatcher.acts.map((a) => a.action)).toEqual([
      { kind: 'approve', ref: 'apr-1' },
      { kind: 'reject', ref: 'apr-1' },
    ]);
  });

  it('replaces an ephemeral message, or one chat.update cannot edit, through the response_url', async () => {
    const cancel = {
      action_id: 'pegasus.cancel.0',
      value: 'pg:cancel:conf-1',
      text: { type: 'plain_text' as const, text: 'Cancel' },
    };
    const ephemeralUrl = api.responseUrl();
    await click(
      blockActionsPayload({
        button: cancel,
        userId: 'UOPERATOR',
        channelId: 'COPS',
        messageTs: '1.2',
        responseUrl: ephemeralUrl,
        ephemeral: true,
      }),
    );
    const [replaced] = await responses(ephemeralUrl, 1);
    expect(replaced?.body['replace_original']).toBe(true);
    expect(replaced?.body['text']).toContain('cancel done');
    expect(api.callsTo('chat.update')).toEqual([]);

    // a message the bot did not post through the Web API (e.g. a response_url reply): chat.update refuses it
    const channelUrl = api.responseUrl();
    await click(
      blockActionsPayload({
        button: cancel,
        userId: 'UOPERATOR',
        channelId: 'COPS',
        messageTs: '1.3',
        responseUrl: channelUrl,
      }),
    );
    const [fallback] = await responses(channelUrl, 1);
    expect(api.calls.filter((c) => c.method === 'chat.update').map((c) => c.body['ts'])).toEqual(['1.3']);
    expect(fallback?.body['replace_original']).toBe(true);
  });

  it('opens the table application modal with the trigger_id and answers per-field errors', async () => {
    const { res, responseUrl } = await command('apply_table', { triggerId: 'trig-apply' });
    expect(res.status).toBe(200);
    await api.waitFor(() => api.callsTo('views.open').length === 1);
    const open = api.callsTo('views.open')[0];
    expect(open?.body['trigger_id']).toBe('trig-apply');
    const view = open?.body['view'] as Record<string, unknown>;
    expect(view['callback_id']).toBe('pegasus_form');
    expect((view['blocks'] as { block_id: string }[]).map((b) => b.block_id)).toEqual([
      'table',
      'partitions',
      'replicas',
      'reason',
    ]);

    const bad = await click(
      viewSubmissionPayload({
        view,
        viewId: 'V1',
        userId: 'UOPERATOR',
        values: { table: 'X!', partitions: '12', replicas: '3' },
      }),
    );
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({
      response_action: 'errors',
      errors: {
        table: 'Use 3+ lowercase letters, digits or _ (e.g. user_profile).',
        partitions: 'Must be a power of two, e.g. 8, 16, 32.',
      },
    });
    expect(dispatcher.submits[0]).toEqual({
      actor: { platform: 'slack', userId: 'UOPERATOR', displayName: 'uoperator' },
      channelId: 'COPS',
      formId: 'apply_table',
      values: { table: 'X!', partitions: '12', replicas: '3', reason: '' },
    });

    const good = await click(
      viewSubmissionPayload({
        view,
        viewId: 'V1',
        userId: 'UOPERATOR',
        values: { table: 'user_profile', partitions: '16', replicas: '3' },
      }),
    );
    expect(good.status).toBe(200);
    expect(await good.text()).toBe('');
    const [done] = await responses(responseUrl, 1);
    expect(done?.body['response_type']).toBe('in_channel');
    expect(done?.body['text']).toContain('Application for table user_profile received');
  });

  it('offers a button when the trigger_id has expired', async () => {
    api.expireTrigger('trig-old');
    const { responseUrl } = await command('apply_table', { triggerId: 'trig-old' });
    const [offer] = await responses(responseUrl, 1);
    expect(offer?.body['response_type']).toBe('ephemeral');
    const [open] = buttonsOf(offer?.body['blocks']);
    expect(open?.value).toBe('pg:form:apply_table');
    const clickUrl = api.responseUrl();
    await click(
      blockActionsPayload({
        button: open!,
        userId: 'UOPERATOR',
        channelId: 'COPS',
        messageTs: '1.1',
        responseUrl: clickUrl,
        ephemeral: true,
        triggerId: 'trig-fresh',
      }),
    );
    await api.waitFor(() => api.callsTo('views.open').length === 2);
    expect(api.callsTo('views.open').map((c) => c.body['trigger_id'])).toEqual(['trig-old', 'trig-fresh']);
    expect(dispatcher.acts[0]?.action).toEqual({ kind: 'form', ref: 'apply_table' });
  });

  it('answers an unbound channel and an unauthorised user ephemerally, with why', async () => {
    const unbound = await command('health', { channelId: 'CRANDOM' });
    const [why] = await responses(unbound.responseUrl, 1);
    expect(why?.body['response_type']).toBe('ephemeral');
    expect(JSON.stringify(why?.body['blocks'])).toContain('not bound to a Pegasus cluster');

    const viewer = await command('set_meta_level lively', { userId: 'UVIEWER' });
    const [refused] = await responses(viewer.responseUrl, 1);
    expect(refused?.body['response_type']).toBe('ephemeral');
    expect(JSON.stringify(refused?.body['blocks'])).toContain('needs the operator role');
    expect(api.callsTo('chat.postMessage')).toEqual([]);
  });

  it('splits a long report over several messages and attaches the full table as a file', async () => {
    const { responseUrl } = await command('nodes -d');
    await api.waitFor(() => api.callsTo('files.completeUploadExternal').length === 1);
    const parts = api.responsesTo(responseUrl);
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.length).toBeLessThanOrEqual(5);
    for (const p of parts) {
      expect(p.body['response_type']).toBe('in_channel');
      expect(blockProblems(p.body['blocks'])).toEqual([]);
    }
    expect(api.callsTo('files.completeUploadExternal')[0]?.body['channel_id']).toBe('COPS');
    const file = [...api.uploads.values()][0];
    expect(file?.filename).toBe('nodes-d-tables.txt');
    expect(file?.bytes.toString('utf8')).toContain('10.0.1.149:34801');
  });

  it('apologises ephemerally when the dispatcher throws', async () => {
    const { responseUrl } = await command('throw');
    const [sorry] = await responses(responseUrl, 1);
    expect(sorry?.body['response_type']).toBe('ephemeral');
    expect(sorry?.body['text']).toContain('Something went wrong inside the bot');
  });

  it('falls back to chat.postMessage when the response_url has expired', async () => {
    const responseUrl = api.responseUrl();
    api.expireResponseUrl(responseUrl);
    await postSigned(endpoint, slashCommandForm({ text: 'health', responseUrl }), { secret });
    await api.waitFor(() => api.callsTo('chat.postMessage').length === 1);
    expect(api.callsTo('chat.postMessage')[0]?.body['channel']).toBe('COPS');

    // a private answer stays private: chat.postEphemeral to the person who asked
    const refusedUrl = api.responseUrl();
    api.expireResponseUrl(refusedUrl);
    await postSigned(
      endpoint,
      slashCommandForm({ text: 'health', responseUrl: refusedUrl, channelId: 'CRANDOM', userId: 'UVIEWER' }),
      { secret },
    );
    await api.waitFor(() => api.callsTo('chat.postEphemeral').length === 1);
    expect(api.callsTo('chat.postEphemeral')[0]?.body).toMatchObject({ channel: 'CRANDOM', user: 'UVIEWER' });
    expect(api.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('serves a health check for load balancers', async () => {
    const res = await fetch(endpoint.replace('/slack/events', '/healthz'));
    expect(res.status).toBe(200);
  });
});

describe('Slack adapter over HTTP: slow form validation', () => {
  it('keeps the modal open while checking, then shows the errors in it', async () => {
    dispatcher.submitDelayMs = 300;
    await startAdapter({ submitBudgetMs: 50 });
    const { responseUrl } = await command('apply_table', { triggerId: 'trig-slow' });
    await api.waitFor(() => api.callsTo('views.open').length === 1);
    const view = api.callsTo('views.open')[0]?.body['view'] as Record<string, unknown>;
    const res = await click(
      viewSubmissionPayload({
        view,
        viewId: 'V9',
        userId: 'UOPERATOR',
        values: { table: 'ok_name', partitions: '7', replicas: '2' },
      }),
    );
    const ack = (await res.json()) as { response_action: string; view: { blocks: unknown[] } };
    expect(ack.response_action).toBe('update');
    expect(JSON.stringify(ack.view.blocks)).toContain('Checking your submission');
    await api.waitFor(() => api.callsTo('views.update').length === 1);
    const update = api.callsTo('views.update')[0];
    expect(update?.body['view_id']).toBe('V9');
    const blocks = (
      update?.body['view'] as { blocks: { type: string; block_id?: string; element?: Record<string, unknown> }[] }
    ).blocks;
    expect(JSON.stringify(blocks[0])).toContain('Must be a power of two');
    expect(blocks.find((b) => b.block_id === 'table')?.element?.['initial_value']).toBe('ok_name');
    expect(blocks.find((b) => b.block_id === 'replicas')?.element?.['initial_option']).toMatchObject({ value: '2' });
    expect(api.responsesTo(responseUrl)).toEqual([]);
  });
});
