import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDiscordRest, createDiscordRest } from '../../adapters/discord/discord-rest.js';
import { DiscordSink } from '../../adapters/discord/discord-sink.js';
import type { Embed, MessageBody } from '../../adapters/discord/discord-wire.js';
import { InteractionTokens } from '../../adapters/discord/interaction-tokens.js';
import { ManualClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { messageReply, type Reply } from '../../src/replies/reply.js';
import { FakeDiscordApi } from './fake-discord-api.js';
import { healthReply, longReply } from './fake-dispatcher.js';

const CHANNEL = '1250000000000000001';
const APP = '1210000000000000001';
const at = new Date('2026-03-02T10:00:00Z');
const alert = (title: string, extra: Partial<Reply> = {}) => messageReply('alerts', 'crit', title, [], at, extra);

let api: FakeDiscordApi;
let rest: ReturnType<typeof createDiscordRest>;
let clock: ManualClock;
let tokens: InteractionTokens;

beforeAll(async () => {
  api = await FakeDiscordApi.start('sink-bot-token');
  rest = createDiscordRest(api.apiUrl, 'sink-bot-token');
});

afterAll(async () => {
  closeDiscordRest(rest);
  await api.close();
});

beforeEach(() => {
  api.calls.length = 0;
  clock = new ManualClock(at);
  tokens = new InteractionTokens(clock);
});

afterEach(() => {
  expect(api.unexpected).toEqual([]);
});

const makeSink = (hasBotToken = true) => new DiscordSink({ rest, hasBotToken, tokens, logger: silentLogger() });
const title = (body: unknown) => (body as MessageBody).embeds[0]?.title;

describe('DiscordSink', () => {
  it('posts a reply to a channel with the bot token and returns where it lives', async () => {
    const ref = await makeSink().post({ channelId: CHANNEL }, healthReply());
    const [call] = api.find('POST', new RegExp(`^/channels/${CHANNEL}/messages$`));
    expect(call?.authorization).toBe('Bot sink-bot-token');
    expect(title(call?.body)).toBe('🔴 Cluster onebox: 1 critical, 1 warning');
    expect(ref).toEqual({
      platform: 'discord',
      channelId: CHANNEL,
      messageId: expect.stringMatching(/^\d+$/) as unknown,
    });
    expect(api.messages.get(ref.messageId)?.channel_id).toBe(CHANNEL);
  });

  it('keeps an alert group in a thread: root, thread created once, replies in it, root edited', async () => {
    const sink = makeSink();
    const root = await sink.post({ channelId: CHANNEL }, alert('nodes_alive on onebox: 1 firing'));
    const first = await sink.post({ channelId: CHANNEL, threadOf: root }, alert('127.0.0.1:34803 UNALIVE'));
    const second = await sink.post({ channelId: CHANNEL, threadOf: root }, alert('127.0.0.1:34803 ALIVE again'));
    await sink.update(root, alert('nodes_alive on onebox: resolved'));

    const threadCalls = api.find('POST', /\/threads$/);
    expect(threadCalls.map((c) => c.path)).toEqual([`/channels/${CHANNEL}/messages/${root.messageId}/threads`]);
    expect(threadCalls[0]?.body).toEqual({ name: 'nodes_alive on onebox: 1 firing', auto_archive_duration: 1440 });
    const inThread = api.find('POST', new RegExp(`^/channels/${root.messageId}/messages$`));
    expect(inThread.map((c) => title(c.body))).toEqual([
      '🔴 127.0.0.1:34803 UNALIVE',
      '🔴 127.0.0.1:34803 ALIVE again',
    ]);
    expect(first).toMatchObject({ channelId: root.messageId, threadId: root.messageId });
    expect(second.threadId).toBe(root.messageId);
    const [edit] = api.find('PATCH', new RegExp(`^/channels/${CHANNEL}/messages/${root.messageId}$`));
    expect(title(edit?.body)).toBe('🔴 nodes_alive on onebox: resolved');
    expect(api.messages.get(root.messageId)?.embeds).toEqual((edit?.body as MessageBody).embeds);
  });

  it('finds the existing thread after a restart (Discord answers 160004)', async () => {
    const root = await makeSink().post({ channelId: CHANNEL }, alert('root'));
    await makeSink().post({ channelId: CHANNEL, threadOf: root }, alert('before restart'));
    const restarted = makeSink();
    const reply = await restarted.post({ channelId: CHANNEL, threadOf: root }, alert('after restart'));
    expect(reply.channelId).toBe(root.messageId);
    expect(api.calls.filter((c) => c.path.endsWith('/threads')).map((c) => c.status)).toEqual([201, 400]);
    expect(api.find('POST', new RegExp(`^/channels/${root.messageId}/messages$`))).toHaveLength(2);
  });

  it('reopens an archived thread and posts', async () => {
    const sink = makeSink();
    const root = await sink.post({ channelId: CHANNEL }, alert('root'));
    await sink.post({ channelId: CHANNEL, threadOf: root }, alert('one'));
    const thread = api.threads.get(root.messageId);
    if (thread) thread.archived = true;
    await sink.post({ channelId: CHANNEL, threadOf: root }, alert('two'));
    expect(api.find('PATCH', new RegExp(`^/channels/${root.messageId}$`))[0]?.body).toEqual({ archived: false });
    expect(api.find('POST', new RegExp(`^/channels/${root.messageId}/messages$`)).map((c) => title(c.body))).toEqual([
      '🔴 one',
      '🔴 two',
    ]);
  });

  it('waits out 429s: nothing dropped, order kept per channel', async () => {
    const sink = makeSink();
    api.rateLimit('POST', new RegExp(`^/channels/${CHANNEL}/messages$`), 2, 0.02);
    const refs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => sink.post({ channelId: CHANNEL }, alert(`alert ${i}`))),
    );
    expect(new Set(refs.map((r) => r.messageId)).size).toBe(6);
    const calls = api.calls.filter((c) => c.path === `/channels/${CHANNEL}/messages`);
    expect(calls.filter((c) => c.status === 429)).toHaveLength(2);
    expect(calls.filter((c) => c.status === 200).map((c) => title(c.body))).toEqual(
      Array.from({ length: 6 }, (_, i) => `🔴 alert ${i}`),
    );
  });

  it('edits through the interaction token for 15 minutes, then through the bot token', async () => {
    const message = api.seedMessage(CHANNEL);
    tokens.remember(
      message.id,
      { applicationId: APP, token: 'itok', target: '@original', ephemeral: false },
      clock.now(),
    );
    api.bindOriginal('itok', message.id);
    const sink = makeSink();
    await sink.update({ platform: 'discord', channelId: CHANNEL, messageId: message.id }, alert('window running: 10%'));
    const [viaToken] = api.find('PATCH', /^\/webhooks\//);
    expect(viaToken?.path).toBe(`/webhooks/${APP}/itok/messages/@original`);
    expect(viaToken?.authorization).toBeUndefined();

    clock.advance(16 * 60_000);
    await sink.update({ platform: 'discord', channelId: CHANNEL, messageId: message.id }, alert('window running: 80%'));
    const [viaBot] = api.find('PATCH', /^\/channels\//);
    expect(viaBot?.path).toBe(`/channels/${CHANNEL}/messages/${message.id}`);
    expect(viaBot?.authorization).toBe('Bot sink-bot-token');
    expect((api.messages.get(message.id)?.embeds[0] as Embed).title).toBe('🔴 window running: 80%');
  });

  it('fits an edit in one message, attaching what does not fit', async () => {
    const sink = makeSink();
    const ref = await sink.post({ channelId: CHANNEL }, alert('short'));
    await sink.update(ref, longReply(120));
    const edits = api.find('PATCH', /^\/channels\//);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.files.map((f) => f.name)).toEqual(['app_stat.txt']);
  });

  it('refuses to post without a bot token, naming the variable, and sends nothing', async () => {
    await expect(makeSink(false).post({ channelId: CHANNEL }, alert('x'))).rejects.toThrow(/DISCORD_BOT_TOKEN/);
    expect(api.calls).toEqual([]);
  });

  it('rejects when Discord refuses an edit (unknown message), so the core can tell', async () => {
    await expect(
      makeSink().update({ platform: 'discord', channelId: CHANNEL, messageId: '1999999999999999999' }, alert('x')),
    ).rejects.toThrow(/Unknown Message/);
  });
});
