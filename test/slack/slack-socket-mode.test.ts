/**
 * The adapter in Socket Mode, end to end: the fake `apps.connections.open` hands out the URL of a local
 * WebSocket server that speaks the envelope protocol; acks come back over the socket by envelope id.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../adapters/slack/slack-adapter.js';
import { silentLogger } from '../../src/logger.js';
import { FakeDispatcher } from './fake-dispatcher.js';
import { FakeSlackApi } from './fake-slack-api.js';
import { FakeSocketModeServer } from './fake-socket-mode.js';
import { blockActionsPayload, buttonsOf, viewSubmissionPayload } from './slack-payloads.js';
import { slashCommandForm } from './slack-signing.js';

let api: FakeSlackApi;
let socket: FakeSocketModeServer;
let dispatcher: FakeDispatcher;
let adapter: SlackAdapter;

beforeEach(async () => {
  api = new FakeSlackApi();
  await api.start();
  socket = new FakeSocketModeServer();
  await socket.start();
  api.socketUrl = socket.url;
  dispatcher = new FakeDispatcher();
  adapter = createSlackAdapter({
    config: { botToken: api.botToken, appToken: api.appToken, port: 0, apiUrl: api.apiUrl },
    dispatcher,
    logger: silentLogger(),
    apiRetries: 0,
    pacing: { minIntervalMs: 0 },
  });
  dispatcher.sink = adapter.sink;
  await adapter.start();
});

afterEach(async () => {
  await adapter.stop();
  await socket.stop();
  await api.stop();
});

describe('Slack adapter in Socket Mode', () => {
  it('opens the connection with the app-level token and takes no HTTP port', async () => {
    await socket.connected;
    expect(adapter.mode).toBe('socket');
    expect(adapter.port()).toBeUndefined();
    const [open] = api.callsTo('apps.connections.open');
    expect(open?.headers.authorization).toBe(`Bearer ${api.appToken}`);
  });

  it('acks a slash command envelope and delivers the report', async () => {
    const responseUrl = api.responseUrl();
    const ack = await socket.send('slash_commands', slashCommandForm({ text: 'health', responseUrl }));
    expect(ack.payload).toEqual({ response_type: 'ephemeral', text: ':hourglass_flowing_sand: Running `health`…' });
    await api.waitFor(() => api.responsesTo(responseUrl).length === 1);
    expect(api.responsesTo(responseUrl)[0]?.body['response_type']).toBe('in_channel');
    expect(dispatcher.runs[0]?.actor).toEqual({ platform: 'slack', userId: 'UOPERATOR', displayName: 'ops.person' });
  });

  it('acks a click envelope before the decision and edits the approval message in place', async () => {
    const ack = await socket.send(
      'slash_commands',
      slashCommandForm({ text: 'set_meta_level lively', responseUrl: api.responseUrl() }),
    );
    expect(ack.envelope_id).toBeTruthy();
    await api.waitFor(() => api.callsTo('chat.postMessage').length === 1);
    const request = api.callsTo('chat.postMessage')[0];
    const ts = [...api.messages.values()][0]?.ts ?? '';
    const [approve] = buttonsOf(request?.body['blocks']);
    const clickAck = await socket.send(
      'interactive',
      blockActionsPayload({
        button: approve!,
        userId: 'UAPPROVER',
        channelId: 'CAPPROVERS',
        messageTs: ts,
        responseUrl: api.responseUrl(),
      }),
    );
    expect(clickAck.payload ?? {}).toEqual({});
    await api.waitFor(() => api.callsTo('chat.update').length === 1);
    expect(api.callsTo('chat.update')[0]?.body['ts']).toBe(ts);
  });

  it('returns per-field form errors in the envelope ack', async () => {
    await socket.send(
      'slash_commands',
      slashCommandForm({ text: 'apply_table', responseUrl: api.responseUrl(), triggerId: 'trig-sm' }),
    );
    await api.waitFor(() => api.callsTo('views.open').length === 1);
    const view = api.callsTo('views.open')[0]?.body['view'] as Record<string, unknown>;
    const ack = await socket.send(
      'interactive',
      viewSubmissionPayload({
        view,
        viewId: 'V2',
        userId: 'UOPERATOR',
        values: { table: 'ab', partitions: '16', replicas: '3' },
      }),
    );
    expect(ack.payload).toEqual({
      response_action: 'errors',
      errors: { table: 'Use 3+ lowercase letters, digits or _ (e.g. user_profile).' },
    });
  });
});
