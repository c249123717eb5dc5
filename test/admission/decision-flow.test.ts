/**
 * Intake and decisions through the real dispatcher against the fake Pegasus: the form submitted in Slack,
 * the review posted to the applicant's channel and the decision request to the admins', approval by another
 * admin behind a confirmation, the table created and polled until healthy, the applicant told in the thread.
 * Refusals (applicant, operator, twice), reject / request changes, failed creation and its retry, a table
 * not healthy in time, and the exec / console intake.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { AdmissionDeps } from '../../src/admission/admission-context.js';
import { ManualClock } from '../../src/clock.js';
import type { Actor } from '../../src/commands/command.js';
import type { Reply } from '../../src/replies/reply.js';
import type { TableApplication } from '../../src/store/store.js';
import { FakePegasus } from '../support/fake-pegasus.js';
import { MemoryStore } from '../support/memory-store.js';
import { hotspotFeed, smallCache, timeSeries } from './applications.js';
import {
  admissionHarness,
  buttonRef,
  errorCodeOf,
  formValues,
  pendingIdOf,
  people,
  type AdmissionHarness,
} from './harness.js';

let fake: FakePegasus;
let store: MemoryStore;
let clock: ManualClock;
let h: AdmissionHarness;
let files: Record<string, string>;
let ids: number;

function deps(): AdmissionDeps {
  return {
    newId: () => `app${++ids}`,
    readFile: (path) => {
      const text = files[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    // Waiting between health checks moves the test's clock instead of the wall clock.
    sleep: (ms) => {
      clock.advance(ms);
      return Promise.resolve();
    },
  };
}

beforeEach(() => {
  fake = new FakePegasus();
  store = new MemoryStore();
  clock = new ManualClock('2026-03-14T10:00:00Z');
  ids = 0;
  files = {};
  h = admissionHarness({ api: fake, store, clock, deps: deps() });
});

const valid = { ...smallCache, read_p99_ms: 50, write_p99_ms: 50 };

async function submit(actor: Actor = people.applicant, raw: Record<string, string | number> = valid): Promise<Reply> {
  return h.dispatcher.submit({ actor, channelId: 'C-apps', formId: 'apply_table', values: formValues(raw) });
}

async function stored(id = 'app1'): Promise<TableApplication> {
  const a = await store.getApplication(id);
  if (!a) throw new Error(`no application ${id}`);
  return a;
}

/** Clicks a button of the decision request as `actor`, confirming when a confirmation comes back. */
async function decide(actor: Actor, label: string, confirm = true): Promise<Reply> {
  const request = h.sink.postsTo('C-admins')[0];
  if (!request) throw new Error('no decision request was posted');
  const reply = await h.dispatcher.act({
    actor,
    channelId: 'C-admins',
    action: { kind: 'run', ref: buttonRef(request.reply, label) },
    message: request.ref,
  });
  if (!confirm || !reply.actions?.some((a) => a.kind === 'confirm')) return reply;
  return h.dispatcher.act({ actor, channelId: 'C-admins', action: { kind: 'confirm', ref: pendingIdOf(reply) } });
}

const events = async (id = 'app1') =>
  (await store.listAudit({ limit: 100, ref: id })).reverse().map((e) => `${e.event}:${e.outcome}`);

describe('a table application from Slack', () => {
  it('opens the form, reviews the submission, and asks the admins with three buttons', async () => {
    const opened = await h.dispatcher.run({ actor: people.applicant, channelId: 'C-apps', text: 'apply_table' });
    expect(opened.form?.id).toBe('apply_table');
    expect(opened.form?.fields).toHaveLength(18);

    const ack = await submit();
    expect(ack).toMatchObject({ ephemeral: true, status: 'ok' });
    expect(ack.formErrors).toBeUndefined();
    expect(ack.title).toBe('Table application app1 submitted: user_session — approve');
    expect(ack.text?.[0]).toMatch(/admins were asked to decide in the admins’ channel \(C-admins\)/);

    const [review] = h.sink.postsTo('C-apps');
    expect(review?.reply.title).toBe('Table application app1: user_session on prod — approve');
    expect(review?.reply.data?.['review']).toMatchObject({
      verdict: 'approve',
      partition_count: 16,
      replica_count: 3,
      disk_gb: 135,
      application_id: 'app1',
    });
    const [request] = h.sink.postsTo('C-admins');
    expect(request?.reply.actions?.map((a) => [a.label, a.ref])).toEqual([
      ['Approve', 'applications approve app1 --cluster prod'],
      ['Request changes', 'applications request_changes app1 --cluster prod'],
      ['Reject', 'applications reject app1 --cluster prod'],
    ]);
    expect(request?.reply.actions?.[0]?.confirm?.text).toMatch(
      /Create user_session on prod with 16 partitions and 3 replicas/,
    );

    const a = await stored();
    expect(a).toMatchObject({
      status: 'submitted',
      verdict: 'approve',
      tableName: 'user_session',
      applicant: people.applicant,
      source: review?.ref,
      decisionMessages: [request?.ref],
    });
    expect(a.form).toMatchObject({ table_name: 'user_session', read_peak_qps: 20_000, cluster: 'prod' });
    expect(await events()).toEqual(['application_submitted:approve']);
  });

  it('creates the table after another admin approves and confirms, and tells the applicant in the thread', async () => {
    await submit();
    const prompt = await decide(people.admin, 'Approve', false);
    expect(prompt.title).toBe('Confirm: approve table application app1 and create its table on cluster prod?');
    expect(prompt.findings.map((f) => f.summary)).toEqual([
      'Creates user_session on prod: 16 partitions, 3 replicas (review: approve)',
    ]);
    expect(fake.tables.some((t) => t.name === 'user_session')).toBe(false);

    const done = await h.dispatcher.act({
      actor: people.admin,
      channelId: 'C-admins',
      action: { kind: 'confirm', ref: pendingIdOf(prompt) },
    });
    expect(done.status).toBe('ok');
    expect(done.title).toBe('Application app1: user_session created on prod and healthy');
    const table = fake.table('user_session');
    expect(table).toMatchObject({ partitionCount: 16, replicaCount: 3, envsCount: 0 });
    expect(fake.calls.filter((c) => c.method === 'createTable').map((c) => c.args[0])).toEqual([
      { name: 'user_session', partitionCount: 16, replicaCount: 3 },
    ]);

    const a = await stored();
    expect(a).toMatchObject({ status: 'created', appId: table.appId, decidedBy: people.admin });
    expect(a.note).toMatch(/16 partitions × 3 replicas, all healthy/);
    const source = a.source;
    const told = h.sink.events.find((e) => e.kind === 'post' && e.target?.threadOf !== undefined);
    expect(told?.target).toEqual({ channelId: 'C-apps', threadOf: source });
    expect(told?.reply.title).toBe('Your table application app1 (user_session): approved and created');
    const edits = h.sink.events.filter((e) => e.kind === 'update').map((e) => e.reply.title);
    expect(edits).toEqual([
      'Table application app1: user_session — approved (creating the table)',
      'Table application app1: user_session — approved and created',
    ]);
    expect(await events()).toEqual([
      'application_submitted:approve',
      'application_approved:approved',
      'application_created:ok',
    ]);

    // A second approval changes nothing.
    const again = await decide(people.otherAdmin, 'Approve');
    expect(errorCodeOf(again)).toBe('ALREADY_DECIDED');
    expect(fake.calls.filter((c) => c.method === 'createTable')).toHaveLength(1);
  });

  it('creates a timed-batch table with its write throttling env', async () => {
    await submit(people.applicant, { ...valid, iops_pattern: 'batch' });
    expect((await stored()).verdict).toBe('conditions');
    await decide(people.admin, 'Approve');
    expect(fake.calls.find((c) => c.method === 'createTable')?.args[0]).toEqual({
      name: 'user_session',
      partitionCount: 16,
      replicaCount: 3,
      envs: { 'replica.write_throttling': '2400*delay*100' },
    });
    expect(fake.table('user_session').envsCount).toBe(1);
  });

  it('never lets the applicant decide, nor a non-admin', async () => {
    await submit(people.otherAdmin);
    const own = await decide(people.otherAdmin, 'Approve', false);
    expect(own.findings[0]).toMatchObject({ severity: 'crit' });
    expect(own.findings[0]?.summary).toMatch(/You applied for user_session yourself/);
    const refused = await h.dispatcher.act({
      actor: people.otherAdmin,
      channelId: 'C-admins',
      action: { kind: 'confirm', ref: pendingIdOf(own) },
    });
    expect(errorCodeOf(refused)).toBe('SELF_APPROVAL');
    expect(errorCodeOf(await decide(people.otherAdmin, 'Reject'))).toBe('SELF_APPROVAL');

    const byOperator = await decide(people.operator, 'Approve');
    expect(errorCodeOf(byOperator)).toBe('NOT_PERMITTED');
    expect(byOperator.text?.join(' ')).toMatch(/needs the admin role; you are an operator/);
    // A viewer may not even ask for the change.
    expect(errorCodeOf(await decide(people.applicant, 'Approve', false))).toBe('NOT_PERMITTED');

    expect((await stored()).status).toBe('submitted');
    expect(fake.calls.some((c) => c.method === 'createTable')).toBe(false);
    expect(await events()).toEqual([
      'application_submitted:approve',
      'refused:refused: SELF_APPROVAL',
      'refused:refused: SELF_APPROVAL',
      'refused:refused: NOT_PERMITTED',
    ]);
  });

  it('rejects once and tells the applicant; a typed request for changes keeps the note', async () => {
    await submit();
    const rejected = await decide(people.admin, 'Reject');
    expect(rejected).toMatchObject({
      status: 'ok',
      ephemeral: true,
      title: 'Application app1 (user_session): rejected',
    });
    expect(rejected.text?.[1]).toBe('The applicant was told in the thread of their review.');
    expect((await stored()).status).toBe('rejected');
    expect(errorCodeOf(await decide(people.otherAdmin, 'Request changes'))).toBe('ALREADY_DECIDED');
    const told = h.sink.events.filter((e) => e.target?.threadOf !== undefined);
    expect(told.map((e) => e.reply.title)).toEqual(['Your table application app1 (user_session): rejected']);

    await submit(people.applicant, { ...valid, table_name: 'user_session2' });
    const changes = await h.dispatcher.run({
      actor: people.admin,
      channelId: 'C-admins',
      text: 'applications request_changes app2 use the user id as hash key',
    });
    expect(changes.title).toBe('Application app2 (user_session2): changes requested');
    const a = await stored('app2');
    expect(a).toMatchObject({ status: 'changes_requested', note: 'Note: use the user id as hash key' });
    const last = h.sink.events.at(-1);
    expect(last?.reply.text?.join(' ')).toMatch(
      /sent back for changes by Bob \(slack:UADMIN\).*Note: use the user id as hash key.*submit it again with `apply_table`/,
    );
  });

  it('marks a failed creation, and an admin can approve again once the cause is fixed', async () => {
    await submit();
    fake.failWith('createTable', { code: 'RPC_ERROR', message: 'ERR_STATE_FREEZED' });
    const failed = await decide(people.admin, 'Approve');
    expect(failed.status).toBe('unknown');
    expect(failed.title).toBe('Application app1: creating user_session failed');
    expect(failed.text).toContain('Creating the table failed: ERR_STATE_FREEZED (RPC_ERROR).');
    expect((await stored()).status).toBe('failed');

    fake.restore('createTable');
    const retried = await decide(people.otherAdmin, 'Approve');
    expect(retried.status).toBe('ok');
    expect((await stored()).status).toBe('created');
    expect(await events()).toEqual([
      'application_submitted:approve',
      'application_approved:approved',
      'application_failed:error: Creating the table failed: ERR_STATE_FREEZED (RPC_ERROR).',
      'application_approved:approved',
      'application_created:ok',
    ]);
  });

  it('keeps a table an earlier attempt created with the reviewed layout, and fails on any other', async () => {
    await submit();
    fake.addTable('user_session', 8, 3);
    const clash = await decide(people.admin, 'Approve');
    expect(clash.text).toContain(
      'Creating the table failed: ERR_APP_EXIST: table user_session already exists (RPC_ERROR).',
    );
    fake.tables.splice(
      fake.tables.findIndex((t) => t.name === 'user_session'),
      1,
    );
    const earlier = fake.addTable('user_session', 16, 3);
    const adopted = await decide(people.admin, 'Approve');
    expect(adopted.status).toBe('ok');
    expect(adopted.text?.join(' ')).toMatch(/It already existed with the reviewed layout/);
    expect(await stored()).toMatchObject({ status: 'created', appId: earlier.appId });
  });

  it('stops waiting for health after the timeout, on the injected clock', async () => {
    await submit();
    fake.failWith('tableDetail', { code: 'TIMEOUT', message: 'no answer from the meta server' });
    const started = clock.now().getTime();
    const reply = await decide(people.admin, 'Approve');
    expect(reply.status).toBe('warn');
    expect(reply.title).toBe('Application app1: user_session created on prod, not healthy yet');
    expect(reply.text?.join(' ')).toMatch(
      /after 120 s only its state could not be read \(no answer from the meta server\)/,
    );
    // 120 s in steps of the configured poll (50 ms here): 2,401 checks, the last at the deadline.
    const polls = fake.calls.filter((c) => c.method === 'tableDetail').length;
    expect(polls).toBe(120_000 / 50 + 1);
    expect(clock.now().getTime() - started).toBe(120_000);
    expect((await stored()).status).toBe('created');
  });
});

describe('intake refusals', () => {
  it('answers every field’s error in the form and stores nothing', async () => {
    const reply = await submit(people.applicant, { ...valid, table_name: 'bad name!', read_peak_qps: -1 });
    expect(reply.status).toBe('unknown');
    expect(Object.keys(reply.formErrors ?? {}).sort()).toEqual(['read_peak_qps', 'table_name']);
    expect(reply.form?.id).toBe('apply_table');
    expect(await store.listApplications({ limit: 10 })).toEqual([]);
    expect(h.sink.events).toEqual([]);
  });

  it('refuses a name that exists, or that an open application holds', async () => {
    const taken = await submit(people.applicant, { ...valid, table_name: 'temp' });
    expect(taken.formErrors).toEqual({
      table_name: 'Table "temp" already exists on cluster prod; choose another name.',
    });
    await submit();
    const held = await submit(people.otherAdmin);
    expect(held.formErrors?.['table_name']).toMatch(/already requested on cluster prod by application app1/);
  });

  it('stores nothing when the cluster cannot be read', async () => {
    fake.makeClusterUnreachable();
    const reply = await submit();
    expect(reply.status).toBe('unknown');
    expect(reply.text?.at(-1)).toMatch(/Nothing was submitted/);
    expect(await store.listApplications({ limit: 10 })).toEqual([]);
  });
});

describe('apply_table at the machine', () => {
  const run = (text: string, actor: Actor = people.local) =>
    h.dispatcher.run({ actor, channelId: actor.platform, text, confirmed: true, interactive: true });

  it('reviews a file with exec and stores it; --dry-run stores nothing', async () => {
    files['app.json'] = JSON.stringify(hotspotFeed);
    const dry = await run('apply_table --file app.json --dry-run');
    expect(dry.status).toBe('warn');
    expect(dry.text?.at(-1)).toMatch(/^Dry run: nothing was stored/);
    expect(await store.listApplications({ limit: 10 })).toEqual([]);

    const submitted = await run('apply_table --file app.json');
    expect(submitted.data?.['review']).toMatchObject({ verdict: 'conditions', application_id: 'app1' });
    expect(submitted.text?.at(-1)).toMatch(/^Submitted as table application app1/);
    expect((await stored()).applicant).toEqual(people.local);
  });

  it('lets the local admin decide a local application (no second person at the machine)', async () => {
    files['app.json'] = JSON.stringify({ ...timeSeries, read_p99_ms: 50 });
    expect((await run('apply_table --file app.json')).status).toBe('crit');
    const approved = await run('applications approve app1', people.console);
    expect(approved.status).toBe('ok');
    expect(fake.table('metrics_ts').partitionCount).toBe(1024);
  });

  it('answers a missing, broken or foreign file, a form in exec, and --file from chat', async () => {
    expect(errorCodeOf(await run('apply_table --file nope.json'))).toBe('BAD_FILE');
    files['broken.json'] = '{"table_name": ';
    expect((await run('apply_table --file broken.json')).title).toBe('broken.json is not JSON');
    files['list.json'] = '[]';
    expect((await run('apply_table --file list.json')).title).toBe('list.json is not an application');
    expect(errorCodeOf(await run('apply_table'))).toBe('NO_FORM');
    expect((await run('apply_table', people.console)).form?.id).toBe('apply_table');
    const chat = await h.dispatcher.run({ actor: people.applicant, channelId: 'C-apps', text: 'apply_table --file x' });
    expect(errorCodeOf(chat)).toBe('NOT_LOCAL');
    expect((await run('apply_table --dry-run')).text?.[0]).toMatch(/--dry-run reviews a file/);
  });

  it('lists and shows applications', async () => {
    files['a.json'] = JSON.stringify(valid);
    files['b.json'] = JSON.stringify(hotspotFeed);
    await run('apply_table --file a.json');
    clock.advance(60_000);
    await run('apply_table --file b.json');
    const list = await run('applications');
    expect(list.title).toBe('2 table applications, 2 waiting for a decision');
    expect(list.tables?.[0]?.rows.map((r) => r.slice(0, 6))).toEqual([
      ['app2', 'user_feed', 'prod', 'submitted', 'approve with conditions', '32'],
      ['app1', 'user_session', 'prod', 'submitted', 'approve', '16'],
    ]);
    const filtered = await run('applications list --status created');
    expect(filtered.title).toBe('No table applications');
    const shown = await run('applications show app2');
    expect(shown.status).toBe('warn');
    expect(shown.fields?.[0]).toEqual({ label: 'status', value: 'submitted' });
    expect(shown.tables?.[0]?.rows).toContainEqual(['rw_pattern', hotspotFeed['rw_pattern']]);
    expect(errorCodeOf(await run('applications show nope'))).toBe('UNKNOWN_APPLICATION');
    expect((await run('applications list --status done')).text?.[0]).toMatch(/Unknown status "done"/);
  });
});
