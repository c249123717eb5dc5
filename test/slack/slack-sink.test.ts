import { webApi } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackSinkFromConfig } from '../../adapters/slack/slack-adapter.js';
import { boltLogger } from '../../adapters/slack/slack-logger.js';
import { SlackSink } from '../../adapters/slack/slack-sink.js';
import type { MessageRef } from '../../src/commands/command.js';
import { silentLogger } from '../../src/logger.js';
import { messageReply, type Reply } from '../../src/replies/reply.js';
import { bigTableReply, healthReply } from './fake-dispatcher.js';
import { FakeSlackApi, type RecordedCall } from './fake-slack-api.js';
import { VirtualTimers } from './virtual-timers.js';

const at = new Date('2026-03-02T10:00:00Z');

function note(title: string, extra: Partial<Reply> = {}): Reply {
  return messageReply('alerts', 'warn', title, [`${title} details`], at, extra);
}

let api: FakeSlackApi;
let timers: VirtualTimers;
let sink: SlackSink;

beforeEach(async () => {
  api = new FakeSlackApi();
  await api.start();
  timers = new VirtualTimers();
  api.now = () => timers.now();
  const client = new webApi.WebClient(api.botToken, {
    slackApiUrl: api.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    logger: boltLogger(silentLogger()),
  });
  sink = new SlackSink({ client, logger: silentLogger(), timers, minIntervalMs: 1000 });
});

afterEach(async () => {
  await api.stop();
});

function posts(channel?: string): RecordedCall[] {
  return api.callsTo('chat.postMessage').filter((c) => channel === undefined || c.body['channel'] === channel);
}

describe('SlackSink', () => {
  it('posts Block Kit messages and returns a reference to them', async () => {
    const ref = await sink.post({ channelId: 'CALERTS' }, healthReply());
    expect(ref).toEqual({
      platform: 'slack',
      channelId: 'CALERTS',
      messageId: expect.stringMatching(/^\d+\.\d{6}$/) as string,
    });
    const [call] = posts();
    expect(call?.body['text']).toContain('Cluster onebox');
    expect((call?.body['blocks'] as { type: string }[])[0]?.type).toBe('header');
    expect(call?.headers.authorization).toBe(`Bearer ${api.botToken}`);
  });

  it('keeps an alert thread: root, replies with thread_ts, root updated in place', async () => {
    const root = await sink.post({ channelId: 'CALERTS' }, note('Alert group: disk'));
    const reply = await sink.post({ channelId: 'CALERTS', threadOf: root }, note('node 3 disk 91%'));
    await sink.update(root, note('Alert group: disk (2 firing)'));
    expect(reply.threadId).toBe(root.messageId);
    expect(posts()[1]?.body['thread_ts']).toBe(root.messageId);
    // a reply to a reply still goes to the root's thread
    await sink.post({ channelId: 'CALERTS', threadOf: reply }, note('node 4 disk 92%'));
    expect(posts()[2]?.body['thread_ts']).toBe(root.messageId);
    const stored = api.messages.get(`CALERTS/${root.messageId}`);
    expect(stored?.edits).toBe(1);
    expect(stored?.text).toContain('(2 firing)');
  });

  it('paces each channel to one message per interval without holding other channels back', async () => {
    const sent = await Promise.all([
      ...[1, 2, 3].map((i) => sink.post({ channelId: 'CA' }, note(`a${i}`))),
      ...[1, 2, 3].map((i) => sink.post({ channelId: 'CB' }, note(`b${i}`))),
    ]);
    expect(sent).toHaveLength(6);
    for (const channel of ['CA', 'CB']) {
      const calls = posts(channel);
      expect(calls.map((c) => String(c.body['text']))).toEqual(
        [1, 2, 3].map((i) => expect.stringContaining(`${channel === 'CA' ? 'a' : 'b'}${i}`) as string),
      );
      for (let i = 1; i < calls.length; i++)
        expect((calls[i]?.at ?? 0) - (calls[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    }
    // CB's first message did not wait for CA's queue
    expect(posts('CB')[0]?.at).toBeLessThan(posts('CA')[1]?.at ?? 0);
  });

  it('honours Retry-After on 429 and delivers everything in order', async () => {
    api.rateLimit('chat.postMessage', 2, 3);
    const refs = await Promise.all([1, 2, 3, 4, 5].map((i) => sink.post({ channelId: 'CALERTS' }, note(`burst ${i}`))));
    expect(new Set(refs.map((r) => r.messageId)).size).toBe(5);
    const all = api.calls.filter((c) => c.method === 'chat.postMessage');
    expect(all.filter((c) => c.rateLimited)).toHaveLength(2);
    const [limited1, limited2, ok1] = all;
    expect((limited2?.at ?? 0) - (limited1?.at ?? 0)).toBeGreaterThanOrEqual(3000);
    expect((ok1?.at ?? 0) - (limited2?.at ?? 0)).toBeGreaterThanOrEqual(3000);
    expect(timers.requested.filter((ms) => ms === 3000).length).toBeGreaterThanOrEqual(2);
    expect(posts().map((c) => String(c.body['text']))).toEqual(
      [1, 2, 3, 4, 5].map((i) => expect.stringContaining(`burst ${i}`) as string),
    );
    expect(sink.stats.rateLimited).toBe(2);
  });

  it('collapses queued updates of one message into the newest', async () => {
    const root = await sink.post({ channelId: 'CALERTS' }, note('v0'));
    const updates = [1, 2, 3, 4, 5].map((i) => sink.update(root, note(`v${i}`)));
    await Promise.all(updates);
    const calls = api.callsTo('chat.update');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.body['text']).toContain('v5');
    expect(api.messages.get(`CALERTS/${root.messageId}`)?.text).toContain('v5');
    expect(sink.stats.coalescedUpdates).toBe(4);
  });

  it('merges thread replies that pile up into one message; every caller gets that message', async () => {
    const root = await sink.post({ channelId: 'CALERTS' }, note('root'));
    const refs = await Promise.all(
      [1, 2, 3, 4].map((i) => sink.post({ channelId: 'CALERTS', threadOf: root }, note(`change ${i}`))),
    );
    const threadPosts = posts().filter((c) => c.body['thread_ts'] === root.messageId);
    expect(threadPosts).toHaveLength(1);
    const blocks = threadPosts[0]?.body['blocks'] as { type: string }[];
    expect(blocks.filter((b) => b.type === 'divider')).toHaveLength(3);
    const text = JSON.stringify(blocks);
    for (const i of [1, 2, 3, 4]) expect(text).toContain(`change ${i}`);
    expect(new Set(refs.map((r: MessageRef) => r.messageId)).size).toBe(1);
    expect(sink.stats.mergedPosts).toBe(3);
  });

  it('does not merge top-level posts', async () => {
    await Promise.all([1, 2, 3].map((i) => sink.post({ channelId: 'CALERTS' }, note(`top ${i}`))));
    expect(posts()).toHaveLength(3);
  });

  it('splits a long reply over messages and uploads the full table with files.uploadV2', async () => {
    await sink.post({ channelId: 'COPS' }, bigTableReply(400));
    expect(posts('COPS').length).toBeGreaterThan(1);
    expect(api.callsTo('files.getUploadURLExternal')[0]?.body['filename']).toBe('nodes-d-tables.txt');
    const completed = api.callsTo('files.completeUploadExternal');
    expect(completed).toHaveLength(1);
    expect(completed[0]?.body['channel_id']).toBe('COPS');
    expect(api.completedFiles[0]?.channel).toBe('COPS');
    const uploaded = api.uploads.get(api.completedFiles[0]?.id ?? '');
    expect(uploaded?.bytes.toString('utf8')).toContain('10.0.1.149:34801');
  });

  it('rejects on a permanent error without retrying and keeps serving other channels', async () => {
    api.fail('chat.postMessage', 'channel_not_found');
    const failed = sink.post({ channelId: 'CGONE' }, note('lost'));
    await expect(failed).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    await expect(sink.post({ channelId: 'CALERTS' }, note('fine'))).resolves.toMatchObject({ channelId: 'CALERTS' });
    expect(api.calls.filter((c) => c.body['channel'] === 'CGONE')).toHaveLength(1);
  });

  it('drains: resolves once every queued message is out', async () => {
    for (const i of [1, 2, 3]) void sink.post({ channelId: 'CALERTS' }, note(`d${i}`));
    expect(sink.pending()).toBeGreaterThan(0);
    await sink.drain();
    expect(sink.pending()).toBe(0);
    expect(posts()).toHaveLength(3);
  });

  it('can be built from the Slack config alone, before the adapter exists', async () => {
    const early = createSlackSinkFromConfig(
      { botToken: api.botToken, port: 0, apiUrl: api.apiUrl.replace(/\/$/, '') },
      silentLogger(),
      {
        apiRetries: 0,
        pacing: { minIntervalMs: 0 },
      },
    );
    const ref = await early.post({ channelId: 'CAPPROVERS' }, note('approval needed'));
    expect(api.messages.get(`CAPPROVERS/${ref.messageId}`)?.text).toContain('approval needed');
  });
});
