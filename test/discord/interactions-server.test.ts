import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeDiscordRest, createDiscordRest } from '../../adapters/discord/discord-rest.js';
import type { Button, InteractionResponse, MessageBody, Modal } from '../../adapters/discord/discord-wire.js';
import { createInteractionHandler, type InteractionHandler } from '../../adapters/discord/interaction-handler.js';
import { createInteractionsServer, type InteractionsServer } from '../../adapters/discord/interactions-server.js';
import { silentLogger } from '../../src/logger.js';
import { FakeDiscordApi } from './fake-discord-api.js';
import { FakeDispatcher } from './fake-dispatcher.js';
import {
  ALICE,
  APP_ID,
  BOB,
  CHANNEL_ID,
  commandInteraction,
  componentInteraction,
  DiscordSigner,
  modalInteraction,
  OPERATOR_ROLE,
  postInteraction,
} from './interaction-payloads.js';

const signer = new DiscordSigner();
let api: FakeDiscordApi;
let dispatcher: FakeDispatcher;
let handler: InteractionHandler;
let server: InteractionsServer;
let url: string;
let rest: ReturnType<typeof createDiscordRest>;

beforeAll(async () => {
  api = await FakeDiscordApi.start();
  rest = createDiscordRest(api.apiUrl);
});

afterAll(async () => {
  closeDiscordRest(rest);
  await api.close();
});

beforeEach(async () => {
  dispatcher = new FakeDispatcher();
  // The fake dispatcher answers within microtasks, long before this timer: only `hold()` makes it late.
  handler = createInteractionHandler({ dispatcher, rest, logger: silentLogger(), deferAfterMs: 30 });
  server = createInteractionsServer({ publicKey: signer.publicKeyHex, handler, logger: silentLogger() });
  url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/discord/interactions`;
  api.calls.length = 0;
  api.unexpected.length = 0;
});

afterEach(async () => {
  await server.close();
  expect(api.unexpected).toEqual([]);
});

const send = (payload: unknown) => postInteraction(url, payload, signer);

function message(response: InteractionResponse | undefined, type: 4 | 7 = 4): MessageBody {
  expect(response?.type).toBe(type);
  return (response as { data: MessageBody }).data;
}

function modal(response: InteractionResponse | undefined): Modal {
  expect(response?.type).toBe(9);
  return (response as { data: Modal }).data;
}

const buttons = (body: { components: { components: Button[] }[] }) => body.components.flatMap((r) => r.components);
const webhookPath = (token: string) => new RegExp(`^/webhooks/${APP_ID}/${token}$`);
const originalPath = (token: string) => new RegExp(`^/webhooks/${APP_ID}/${token}/messages/@original$`);

describe('signature and protocol', () => {
  it('answers PING with PONG as JSON', async () => {
    const body = JSON.stringify({ id: '1', application_id: APP_ID, type: 1, token: 't', version: 1 });
    const response = await fetch(url, { method: 'POST', headers: signer.headers(body), body });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ type: 1 });
  });

  it('answers 401 to a bad signature and runs nothing', async () => {
    const payload = commandInteraction('health');
    const headers = signer.headers(JSON.stringify({ ...payload, token: 'other' }));
    const response = await postInteraction(url, payload, signer, { headers });
    expect(response.status).toBe(401);
    const otherKey = new DiscordSigner();
    expect((await postInteraction(url, payload, otherKey)).status).toBe(401);
    expect(dispatcher.runs).toEqual([]);
  });

  it('answers 401 to a stale or future timestamp and to missing headers', async () => {
    // Whole seconds: keep the margins wide of the 5-minute limit so the sub-second part cannot matter.
    const now = Math.floor(Date.now() / 1000);
    const payload = { id: '1', application_id: APP_ID, type: 1, token: 't' };
    expect((await postInteraction(url, payload, signer, { timestamp: now - 310 })).status).toBe(401);
    expect((await postInteraction(url, payload, signer, { timestamp: now + 310 })).status).toBe(401);
    expect((await postInteraction(url, payload, signer, { timestamp: now - 60 })).status).toBe(200);
    const bare = await fetch(url, { method: 'POST', body: JSON.stringify(payload) });
    expect(bare.status).toBe(401);
  });

  it('serves only POST on its path', async () => {
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(url.replace('/discord/interactions', '/other'), { method: 'POST' })).status).toBe(404);
  });

  it('answers 400 to a signed payload that is not an interaction', async () => {
    expect((await send({ hello: 'world' })).status).toBe(400);
  });
});

describe('/pegasus commands', () => {
  it('answers a quick command at once with embeds, as the caller', async () => {
    const payload = commandInteraction('nodes', { detail: true }, ALICE, ['role-a']);
    const response = await send(payload);
    const body = message(response.body);
    expect(body.flags).toBeUndefined();
    expect(body.embeds[0]?.title).toBe('🟢 nodes: 3 replica servers');
    expect(dispatcher.runs).toEqual([
      {
        actor: { platform: 'discord', userId: ALICE, displayName: 'alice', platformRoles: ['role-a'] },
        channelId: CHANNEL_ID,
        text: 'nodes -d',
      },
    ]);
  });

  it('defers a slow command, then edits the original message with the report', async () => {
    const release = dispatcher.hold();
    const payload = commandInteraction('health');
    const response = await send(payload);
    expect(response.body).toEqual({ type: 5 });
    release();
    const [edit] = await api.waitFor('PATCH', originalPath(payload.token));
    const body = edit?.body as MessageBody;
    expect(body.embeds.map((e) => e.title)).toEqual([
      '🔴 Cluster onebox: 1 critical, 1 warning',
      '🔴 Critical (1)',
      '🟠 Warning (1)',
      '🔵 Info (1)',
      '🟢 OK (1)',
      'nodes (3 rows)',
    ]);
    expect(buttons(body).map((b) => b.custom_id)).toEqual([
      'pg:run:nodes -d',
      'pga:pg:run:set_meta_level freezed',
      'pg:run:rebalance plan',
    ]);
    expect(edit?.authorization).toBeUndefined();
  });

  it('answers a refusal ephemerally, saying why', async () => {
    const response = await send(commandInteraction('set_meta_level', { level: 'stopped' }, BOB));
    const body = message(response.body);
    expect(body.flags).toBe(64);
    expect(body.embeds[0]?.title).toBe('⚪ Not permitted');
    expect(body.embeds[0]?.description).toContain('needs the operator role');
  });

  it('keeps a late refusal private: placeholder, ephemeral follow-up, placeholder removed', async () => {
    const release = dispatcher.hold();
    const payload = commandInteraction('set_meta_level', { level: 'stopped' }, BOB);
    expect((await send(payload)).body).toEqual({ type: 5 });
    release();
    await api.waitFor('DELETE', originalPath(payload.token));
    const calls = api.calls.map((c) => `${c.method} ${c.path.replace(payload.token, 'T')}`);
    expect(calls).toEqual([
      `PATCH /webhooks/${APP_ID}/T/messages/@original`,
      `POST /webhooks/${APP_ID}/T`,
      `DELETE /webhooks/${APP_ID}/T/messages/@original`,
    ]);
    const followUp = api.calls[1]?.body as MessageBody;
    expect(followUp.flags).toBe(64);
    expect(followUp.embeds[0]?.title).toBe('⚪ Not permitted');
  });

  it('splits a long report: first message in the response, the rest as follow-ups', async () => {
    const payload = commandInteraction('app_stat');
    const first = message((await send(payload)).body);
    const followUps = await api.waitFor('POST', webhookPath(payload.token));
    await handler.drain();
    const all = [first, ...api.find('POST', webhookPath(payload.token)).map((c) => c.body as MessageBody)];
    expect(followUps.length).toBeGreaterThanOrEqual(1);
    for (const m of all) expect(m.embeds.length).toBeLessThanOrEqual(10);
    const text = all.flatMap((m) => m.embeds.map((e) => e.description ?? '')).join('\n');
    expect(text).toContain('table_119 ');
  });

  it('retries a follow-up Discord does not know yet (Unknown Webhook), losing nothing', async () => {
    api.failNext('POST', /^\/webhooks\/\d+\/[^/]+$/, 1, 404, { message: 'Unknown Webhook', code: 10015 });
    const payload = commandInteraction('app_stat');
    message((await send(payload)).body);
    await handler.drain();
    const posts = api.calls.filter((c) => c.method === 'POST' && webhookPath(payload.token).test(c.path));
    expect(posts.map((c) => c.status)[0]).toBe(404);
    expect(posts.filter((c) => c.status === 200).length).toBe(posts.length - 1);
    expect(posts.length).toBeGreaterThan(1);
  });

  it('attaches a report too long for chat as a file (multipart files[0])', async () => {
    const payload = commandInteraction('app_stat', { table: 'huge' });
    expect((await send(payload)).body).toEqual({ type: 5, data: { flags: 0 } });
    const [edit] = await api.waitFor('PATCH', originalPath(payload.token));
    expect(edit?.files.map((f) => [f.field, f.name])).toEqual([['files[0]', 'app_stat.txt']]);
    expect(edit?.files[0]?.text).toContain('table_1999');
    expect((edit?.body as MessageBody).attachments).toEqual([{ id: 0, filename: 'app_stat.txt' }]);
  });

  it('answers a command that crashed the core with an ephemeral reference', async () => {
    const body = message((await send(commandInteraction('connections'))).body);
    expect(body.flags).toBe(64);
    expect(body.embeds[0]?.description).toMatch(/reference [a-z0-9]+/);
  });

  it('answers an out-of-date command registration with what to do', async () => {
    const body = message((await send(commandInteraction('drop_table'))).body);
    expect(body.flags).toBe(64);
    expect(body.embeds[0]?.description).toContain('npx pegasus-chatops discord register');
    expect(dispatcher.runs).toEqual([]);
  });

  it('answers autocomplete with no choices', async () => {
    const payload = { ...commandInteraction('app_stat'), type: 4 };
    expect((await send(payload)).body).toEqual({ type: 8, data: { choices: [] } });
  });
});

describe('buttons', () => {
  it('sends a click to the dispatcher with the decoded action and updates the message in place', async () => {
    await send(commandInteraction('rebalance request', { start: '02:00', duration: '2h' }, ALICE));
    const approval = api.seedMessage(CHANNEL_ID);
    const click = componentInteraction('pg:approve:win-7', { id: approval.id }, BOB, [OPERATOR_ROLE]);
    const body = message((await send(click)).body, 7);
    expect(dispatcher.clicks[0]).toEqual({
      actor: { platform: 'discord', userId: BOB, displayName: 'Bob', platformRoles: [OPERATOR_ROLE] },
      channelId: CHANNEL_ID,
      action: { kind: 'approve', ref: 'win-7' },
      message: { platform: 'discord', channelId: CHANNEL_ID, messageId: approval.id },
    });
    expect(body.embeds[0]?.title).toBe(`🟢 Window win-7 approved by <@${BOB}>`);
    expect(body.components).toEqual([]);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it('tells the requester privately that they cannot approve, and a late clicker that it is decided', async () => {
    await send(commandInteraction('rebalance request', { start: '02:00', duration: '2h' }, ALICE));
    const own = message((await send(componentInteraction('pg:approve:win-7', { id: '900' }, ALICE))).body);
    expect(own.flags).toBe(64);
    expect(own.embeds[0]?.title).toBe('⚪ You cannot approve your own request');
    message((await send(componentInteraction('pg:approve:win-7', { id: '900' }, BOB))).body, 7);
    const again = message((await send(componentInteraction('pg:reject:win-7', { id: '900' }, BOB))).body);
    expect(again.flags).toBe(64);
    expect(again.embeds[0]?.title).toBe(`⚪ Already decided by ${BOB}`);
  });

  it('defers a slow click silently, then edits the message', async () => {
    await send(commandInteraction('rebalance request', { start: '02:00', duration: '2h' }, ALICE));
    const release = dispatcher.hold();
    const click = componentInteraction('pg:approve:win-7', { id: '901' }, BOB);
    expect((await send(click)).body).toEqual({ type: 6 });
    release();
    const [edit] = await api.waitFor('PATCH', originalPath(click.token));
    expect((edit?.body as MessageBody).embeds[0]?.title).toBe(`🟢 Window win-7 approved by <@${BOB}>`);
  });

  it('asks for confirmation ephemerally (Confirm / Cancel) and edits the prompt after the decision', async () => {
    const prompt = message(
      (await send(commandInteraction('set_meta_level', { level: 'lively' }, ALICE, [OPERATOR_ROLE]))).body,
    );
    expect(prompt.flags).toBe(64);
    expect(buttons(prompt).map((b) => [b.label, b.custom_id, b.style])).toEqual([
      ['Confirm', 'pg:confirm:pend-1', 4],
      ['Cancel', 'pg:cancel:pend-1', 2],
    ]);
    const click = componentInteraction('pg:confirm:pend-1', { id: '902', flags: 64 }, ALICE, [OPERATOR_ROLE]);
    const done = message((await send(click)).body, 7);
    expect(done.embeds[0]?.title).toBe('🟢 control meta level ok, the old level is fl_steady');
    expect(done.components).toEqual([]);
    expect(dispatcher.clicks.map((c) => c.action)).toEqual([{ kind: 'confirm', ref: 'pend-1' }]);
    // The ephemeral prompt can only be edited with this interaction's token: it is remembered for the sink.
    expect(handler.tokens.lookup('902')).toMatchObject({ token: click.token, target: '@original', ephemeral: true });
  });

  it('emulates a confirmation dialog before sending a click, and Cancel sends nothing', async () => {
    const health = message((await send(commandInteraction('health'))).body);
    const freeze = buttons(health).find((b) => b.label === 'Freeze the cluster');
    const ask = message(
      (await send(componentInteraction(freeze?.custom_id ?? '', { id: '903', components: health.components }))).body,
    );
    expect(ask.flags).toBe(64);
    expect(ask.embeds[0]).toMatchObject({
      title: 'Freeze onebox?',
      description: 'The meta server stops moving replicas until the level is set back to steady.',
    });
    expect(buttons(ask).map((b) => [b.label, b.custom_id])).toEqual([
      ['Freeze', 'pg:run:set_meta_level freezed'],
      ['Keep steady', 'pgx:dialog'],
    ]);
    const cancelled = message((await send(componentInteraction('pgx:dialog', { id: '904', flags: 64 }))).body, 7);
    expect(cancelled.embeds[0]?.title).toBe('Cancelled');
    expect(dispatcher.clicks).toEqual([]);
    const confirmed = message(
      (await send(componentInteraction('pg:run:set_meta_level freezed', { id: '904', flags: 64 }, BOB))).body,
    );
    expect(dispatcher.clicks.map((c) => c.action)).toEqual([{ kind: 'run', ref: 'set_meta_level freezed' }]);
    expect(confirmed.embeds[0]?.title).toBe('⚪ Not permitted');
  });

  it('answers an unknown button ephemerally', async () => {
    const body = message((await send(componentInteraction('legacy:approve:1', { id: '905' }))).body);
    expect(body.flags).toBe(64);
    expect(body.embeds[0]?.title).toBe('⚪ This button is no longer handled');
  });
});

describe('the table application form as consecutive modals', () => {
  const part1 = {
    table_name: 'user_profile',
    read_peak_qps: '5000',
    reads_per_day: '2e8',
    write_peak_tps: '800',
    writes_per_day: '3e7',
  };
  const part2 = {
    schema: 'hash key user id, sort key attribute; e.g. 1234567/email',
    pattern: 'point reads',
    value_kb: '1',
    total_gb: '120',
    iops: 'Peaks',
  };
  const part3 = { read_p99_ms: '10', write_p99_ms: '20' };

  it('opens part 1 as a modal, keeps each part until the last, then submits the whole form', async () => {
    const first = modal((await send(commandInteraction('apply_table'))).body);
    expect(first.custom_id).toBe('pgm:apply_table:0:3');
    expect(first.title).toBe('Apply for a new Pegasus table (1/3)');
    expect(first.components).toHaveLength(5);

    const step1 = message((await send(modalInteraction(first.custom_id, part1))).body);
    expect(step1.flags).toBe(64);
    expect(step1.embeds[0]?.title).toBe('Step 1 of 3 saved');
    expect(buttons(step1)[0]?.custom_id).toBe('pgn:apply_table:1');
    expect(dispatcher.submissions).toEqual([]);

    const second = modal((await send(componentInteraction('pgn:apply_table:1', { id: '910', flags: 64 }))).body);
    expect(second.custom_id).toBe('pgm:apply_table:1:3');
    const inputs = second.components.map((r) => r.components[0]);
    expect(inputs.map((i) => i?.custom_id)).toEqual(['schema', 'pattern', 'value_kb', 'total_gb', 'iops']);
    for (const input of inputs) expect(input?.label.length).toBeLessThanOrEqual(45);
    expect(inputs[0]?.style).toBe(2);
    expect(inputs[0]?.placeholder).toBe('Key-value schema: hash key and sort key design, with an example key');
    expect(inputs[4]?.placeholder).toBe('even | peaky');

    const step2 = message((await send(modalInteraction(second.custom_id, part2, { id: '910', flags: 64 }))).body, 7);
    expect(step2.embeds[0]?.title).toBe('Step 2 of 3 saved');
    const third = modal((await send(componentInteraction('pgn:apply_table:2', { id: '910', flags: 64 }))).body);
    expect(third.components).toHaveLength(2);

    const submitted = modalInteraction(third.custom_id, part3, { id: '910', flags: 64 });
    const closed = message((await send(submitted)).body, 7);
    expect(closed.embeds[0]?.title).toBe('Submitted');
    const [review] = await api.waitFor('POST', webhookPath(submitted.token));
    expect((review?.body as MessageBody).embeds[0]?.title).toBe('🟢 Review of user_profile: approve');
    expect((review?.body as MessageBody).flags).toBeUndefined();
    expect(dispatcher.submissions).toEqual([
      {
        actor: expect.objectContaining({ userId: ALICE }) as unknown,
        channelId: CHANNEL_ID,
        formId: 'apply_table',
        values: { ...part1, ...part2, iops: 'peaky', ...part3 },
      },
    ]);
    expect(handler.forms.size).toBe(0);
  });

  it('shows errors with a button that reopens the part, prefilled, and resubmits after the fix', async () => {
    await send(commandInteraction('apply_table'));
    await send(modalInteraction('pgm:apply_table:0:3', { ...part1, table_name: 'bad name!' }));
    await send(modalInteraction('pgm:apply_table:1:3', part2, { id: '920', flags: 64 }));
    const errors = message(
      (await send(modalInteraction('pgm:apply_table:2:3', part3, { id: '920', flags: 64 }))).body,
      7,
    );
    expect(errors.embeds.map((e) => e.title)).toContain('⚠️ Please correct these answers');
    expect(errors.embeds.flatMap((e) => e.fields ?? [])).toContainEqual({
      name: 'table_name',
      value: 'Use letters, digits, _ and . (starting with a letter or _).',
    });
    expect(buttons(errors).map((b) => b.custom_id)).toEqual(['pgn:apply_table:0', 'pgx:form:apply_table']);

    const reopened = modal((await send(componentInteraction('pgn:apply_table:0', { id: '920', flags: 64 }))).body);
    expect(reopened.components[0]?.components[0]?.value).toBe('bad name!');
    expect(reopened.components[1]?.components[0]?.value).toBe('5000');

    const fixed = modalInteraction(
      reopened.custom_id,
      { ...part1, table_name: 'user_profile' },
      { id: '920', flags: 64 },
    );
    message((await send(fixed)).body, 7);
    await api.waitFor('POST', webhookPath(fixed.token));
    expect(dispatcher.submissions).toHaveLength(2);
    expect(dispatcher.submissions[1]?.values['table_name']).toBe('user_profile');
  });

  it('defers a slow final submission, closes the step message and posts the review', async () => {
    await send(commandInteraction('apply_table'));
    await send(modalInteraction('pgm:apply_table:0:3', part1));
    await send(modalInteraction('pgm:apply_table:1:3', part2, { id: '925', flags: 64 }));
    const release = dispatcher.hold();
    const last = modalInteraction('pgm:apply_table:2:3', part3, { id: '925', flags: 64 });
    expect((await send(last)).body).toEqual({ type: 6 });
    release();
    const [review] = await api.waitFor('POST', webhookPath(last.token));
    expect((review?.body as MessageBody).embeds[0]?.title).toBe('🟢 Review of user_profile: approve');
    const [closed] = api.find('PATCH', originalPath(last.token));
    expect((closed?.body as MessageBody).embeds[0]?.title).toBe('Submitted');
    expect((closed?.body as MessageBody).components).toEqual([]);
  });

  it('says so when a part arrives for a form it no longer has', async () => {
    const lost = message((await send(modalInteraction('pgm:apply_table:1:3', part2, { id: '930', flags: 64 }))).body);
    expect(lost.flags).toBe(64);
    expect(lost.embeds[0]?.title).toBe('⚪ This form has expired');
    const button = message((await send(componentInteraction('pgn:apply_table:1', { id: '930' }))).body);
    expect(button.embeds[0]?.title).toBe('⚪ This form has expired');
    expect(dispatcher.submissions).toEqual([]);
  });

  it('offers the form behind a button when the core was too slow for a modal', async () => {
    const release = dispatcher.hold();
    const payload = commandInteraction('apply_table');
    expect((await send(payload)).body).toEqual({ type: 5 });
    release();
    const [followUp] = await api.waitFor('POST', webhookPath(payload.token));
    const body = followUp?.body as MessageBody;
    expect(body.flags).toBe(64);
    expect(buttons(body)[0]?.custom_id).toBe('pgn:apply_table:0');
    const opened = modal((await send(componentInteraction('pgn:apply_table:0', { id: '940', flags: 64 }))).body);
    expect(opened.custom_id).toBe('pgm:apply_table:0:3');
  });
});
