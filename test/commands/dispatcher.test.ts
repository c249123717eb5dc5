import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Actor, IncomingCommand } from '../../src/commands/command.js';
import { createCommandCatalog } from '../../src/commands/command-catalog.js';
import { createDispatcher } from '../../src/commands/dispatcher.js';
import { silentLogger } from '../../src/logger.js';
import type { Reply } from '../../src/replies/reply.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { AuditEntry, Store } from '../../src/store/store.js';
import { MemoryStore } from '../support/memory-store.js';
import { actors, fakeSpecs, handlesOf, harness, testConfig, type Harness, type Runs } from './gate-fixtures.js';

const stores: [string, () => Promise<Store>][] = [
  ['memory store', async () => new MemoryStore()],
  [
    'in-memory SQLite store',
    async () => {
      const store = new SqliteStore({ filename: ':memory:' });
      await store.migrate();
      return store;
    },
  ],
];

function cmd(actor: Actor, text: string, extra: Partial<IncomingCommand> = {}): IncomingCommand {
  return { actor, channelId: actor.platform === 'slack' ? 'C1' : actor.platform, text, ...extra };
}

function pendingId(reply: Reply): string {
  const id = (reply.data?.['pending'] as { id?: string } | undefined)?.id;
  if (!id) throw new Error(`reply carries no pending id: ${reply.title}`);
  return id;
}

function errorCode(reply: Reply): string | undefined {
  return (reply.data?.['error'] as { code?: string } | undefined)?.code;
}

async function auditOf(store: Store, ref?: string): Promise<AuditEntry[]> {
  return (await store.listAudit({ limit: 100, ...(ref ? { ref } : {}) })).reverse();
}

describe.each(stores)('dispatcher with the %s', (_name, makeStore) => {
  let h: Harness;
  const open: Store[] = [];

  async function setup(env: Record<string, string> = {}): Promise<Harness> {
    const store = await makeStore();
    open.push(store);
    h = harness(store, {
      config: testConfig({
        PEGASUS_OPERATORS: 'slack:UALICE,slack:UCAROL',
        PEGASUS_ADMINS: 'slack:UBOB,discord-role:777',
        ...env,
      }),
    });
    return h;
  }

  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });

  describe('reads, input and errors', () => {
    it('runs a read at once on the default cluster, fills the context and audits it', async () => {
      await setup();
      const reply = await h.dispatcher.run(cmd(actors.viewer, 'status -d'));
      expect(reply.status).toBe('warn');
      expect(reply.context.cluster).toBe('prod');
      expect(reply.context.durationMs).toBeGreaterThanOrEqual(0);
      expect(h.runs.calls).toEqual([
        { name: 'status', params: { detailed: true }, cluster: 'prod', actor: actors.viewer },
      ]);
      const [entry] = await auditOf(h.store);
      expect(entry).toMatchObject({
        event: 'command',
        command: 'status -d',
        cluster: 'prod',
        outcome: 'warn',
        channelId: 'C1',
        actor: { platform: 'slack', userId: 'UVIEW' },
      });
    });

    it('chooses the cluster with --cluster, by alias too, and answers an unknown cluster with the list', async () => {
      await setup();
      await h.dispatcher.run(cmd(actors.viewer, 'st --cluster staging'));
      expect(h.runs.calls[0]?.cluster).toBe('staging');
      const reply = await h.dispatcher.run(cmd(actors.viewer, 'status --cluster nope'));
      expect(reply.status).toBe('unknown');
      expect(reply.ephemeral).toBe(true);
      expect(reply.text?.join(' ')).toContain('Known clusters: prod, staging');
      expect(h.runs.calls).toHaveLength(1);
    });

    it('answers an unknown command with the closest match and a pointer to help', async () => {
      await setup();
      const reply = await h.dispatcher.run(cmd(actors.viewer, 'stauts'));
      expect(reply.title).toBe('Unknown command');
      expect(reply.text?.[0]).toBe(
        'Unknown command `stauts`. Did you mean `status`? Type `help` to see every command.',
      );
      expect(errorCode(reply)).toBe('UNKNOWN_COMMAND');
      expect((await auditOf(h.store))[0]).toMatchObject({ event: 'refused', outcome: 'refused: UNKNOWN_COMMAND' });
    });

    it('answers bad arguments with what was wrong and the usage, and runs nothing', async () => {
      await setup();
      const flag = await h.dispatcher.run(cmd(actors.viewer, 'status -x'));
      expect(flag.text?.[0]).toContain('Unknown flag -x. Accepted flags: -d.');
      const level = await h.dispatcher.run(cmd(actors.alice, 'set_level fast'));
      expect(level.text?.[0]).toBe('set_level needs steady or lively. Usage: set_level <steady|lively>');
      const quote = await h.dispatcher.run(cmd(actors.viewer, 'status "open'));
      expect(errorCode(quote)).toBe('BAD_INPUT');
      expect(h.runs.calls).toHaveLength(0);
    });

    it('turns a throwing handler into an internal error with a reference, without leaking the detail', async () => {
      await setup();
      const reply = await h.dispatcher.run(cmd(actors.viewer, 'boom'));
      expect(reply.status).toBe('unknown');
      expect(reply.text?.[0]).toMatch(/internal error, reference id[0-9a-z]+/);
      expect(JSON.stringify(reply)).not.toContain('secret detail');
      expect((await auditOf(h.store))[0]?.outcome).toMatch(/^error: /);
      // The dispatcher still works afterwards.
      expect((await h.dispatcher.run(cmd(actors.viewer, 'status'))).status).toBe('warn');
    });

    it('refuses a change for a viewer with the reason and what would allow it, and audits the refusal', async () => {
      await setup();
      const reply = await h.dispatcher.run(cmd(actors.viewer, 'set_flag on'));
      expect(reply.ephemeral).toBe(true);
      expect(errorCode(reply)).toBe('NOT_PERMITTED');
      expect(reply.text?.[0]).toContain('needs the operator role; you are a viewer');
      expect(h.runs.calls).toHaveLength(0);
      expect((await auditOf(h.store))[0]).toMatchObject({ event: 'refused', outcome: 'refused: NOT_PERMITTED' });
    });

    it('refuses commands in unbound channels once the platform has bindings', async () => {
      await setup();
      h.config.access.bindings = [{ platform: 'slack', channelId: 'COPS' }];
      const reply = await h.dispatcher.run(cmd(actors.bob, 'status'));
      expect(errorCode(reply)).toBe('CHANNEL_NOT_BOUND');
      expect((await h.dispatcher.run({ ...cmd(actors.bob, 'status'), channelId: 'COPS' })).status).toBe('warn');
    });

    it('uses a bound channel’s cluster by default', async () => {
      await setup();
      h.config.access.bindings = [{ platform: 'slack', channelId: 'CSTG', clusters: ['staging'] }];
      await h.dispatcher.run({ ...cmd(actors.viewer, 'status'), channelId: 'CSTG' });
      expect(h.runs.calls[0]?.cluster).toBe('staging');
      const other = await h.dispatcher.run({ ...cmd(actors.viewer, 'status --cluster prod'), channelId: 'CSTG' });
      expect(errorCode(other)).toBe('CLUSTER_NOT_ALLOWED');
    });

    it('applies config.risks over a command’s own risk', async () => {
      await setup();
      h.config.risks['status'] = 'change';
      const reply = await h.dispatcher.run(cmd(actors.viewer, 'status'));
      expect(errorCode(reply)).toBe('NOT_PERMITTED');
    });
  });

  describe('confirmation of a change', () => {
    it('asks the requester, lets only the requester confirm, and runs once', async () => {
      await setup();
      const prompt = await h.dispatcher.run(cmd(actors.alice, 'set_flag on'));
      expect(h.runs.calls).toHaveLength(0);
      expect(prompt.title).toBe('Confirm: set the fake flag of prod to on?');
      expect(prompt.ephemeral).toBe(true);
      const id = pendingId(prompt);
      expect(prompt.actions?.map((a) => [a.kind, a.ref])).toEqual([
        ['confirm', id],
        ['cancel', id],
      ]);
      expect(prompt.text?.[0]).toContain('expires at 2026-03-01 10:15:00 UTC');

      const stranger = await h.dispatcher.act({
        actor: actors.carol,
        channelId: 'C1',
        action: { kind: 'confirm', ref: id },
      });
      expect(errorCode(stranger)).toBe('NOT_REQUESTER');
      expect(h.runs.calls).toHaveLength(0);

      const done = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'confirm', ref: id },
      });
      expect(done.title).toBe('Flag set to on');
      expect(done.replaceOriginal).toBe(true);
      expect(done.text?.[0]).toMatch(/was confirmed by alice \(slack:UALICE\) at 2026-03-01 10:00:00 UTC/);
      expect(h.runs.calls).toEqual([
        { name: 'set_flag', params: { value: 'on' }, cluster: 'prod', actor: actors.alice },
      ]);
      expect((await h.store.getPending(id))?.status).toBe('executed');

      const again = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'confirm', ref: id },
      });
      expect(errorCode(again)).toBe('ALREADY_DECIDED');
      expect(again.text?.[0]).toMatch(/already|was confirmed by alice/);
      expect(h.runs.calls).toHaveLength(1);

      expect((await auditOf(h.store, id)).map((e) => `${e.event}:${e.outcome}`)).toEqual([
        'confirm_requested:pending',
        'refused:refused: NOT_REQUESTER',
        'confirmed:confirmed',
        'result:ok',
        'refused:refused: ALREADY_DECIDED',
      ]);
    });

    it('cancels without running, and a later confirm is answered with who cancelled and when', async () => {
      await setup();
      const id = pendingId(await h.dispatcher.run(cmd(actors.alice, 'set_flag off')));
      h.clock.advance(60_000);
      const cancelled = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'cancel', ref: id },
      });
      expect(cancelled.title).toBe('Cancelled: set_flag off');
      expect(cancelled.actions).toBeUndefined();
      const late = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'confirm', ref: id },
      });
      expect(late.text?.[0]).toBe(
        `Request ${id} (\`set_flag off\`) was cancelled by alice (slack:UALICE) at 2026-03-01 10:01:00 UTC.`,
      );
      expect(h.runs.calls).toHaveLength(0);
    });

    it('accepts the decision typed as text (`confirm <id>`)', async () => {
      await setup();
      const id = pendingId(await h.dispatcher.run(cmd(actors.alice, 'set_flag on')));
      const typed = await h.dispatcher.run(cmd(actors.alice, `confirm ${id}`));
      expect(typed.title).toBe('Flag set to on');
      const bad = await h.dispatcher.run(cmd(actors.alice, 'confirm'));
      expect(errorCode(bad)).toBe('BAD_INPUT');
    });

    it('refuses an expired confirmation, marks it expired and runs nothing', async () => {
      await setup();
      const id = pendingId(await h.dispatcher.run(cmd(actors.alice, 'set_flag on')));
      h.clock.advance(15 * 60_000);
      const reply = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'confirm', ref: id },
      });
      expect(errorCode(reply)).toBe('EXPIRED');
      expect(reply.text?.[0]).toContain('expired at 2026-03-01 10:15:00 UTC and was not run');
      expect((await h.store.getPending(id))?.status).toBe('expired');
      expect(h.runs.calls).toHaveLength(0);
      expect((await auditOf(h.store, id)).map((e) => e.event)).toContain('expired');
    });

    it('marks a confirmed change whose handler throws as failed, with the error reference in the audit', async () => {
      await setup();
      h.config.risks['boom'] = 'change';
      const id = pendingId(await h.dispatcher.run(cmd(actors.alice, 'boom')));
      const reply = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'confirm', ref: id },
      });
      expect(reply.title).toBe('Internal error');
      const ref = (reply.data?.['error'] as { reference?: string } | undefined)?.reference;
      expect(ref).toMatch(/^id[0-9a-z]+$/);
      const stored = await h.store.getPending(id);
      expect(stored?.status).toBe('failed');
      expect(stored?.result).toBe(`internal error, reference ${ref ?? ''}`);
      expect((await auditOf(h.store, id)).at(-1)).toMatchObject({
        event: 'result',
        outcome: `error: internal error, reference ${ref ?? ''}`,
      });
    });

    it('never lets a pre-answered confirmation in chat skip an approval', async () => {
      await setup({ APPROVAL_CHANNEL_SLACK: 'CAPPROVE' });
      const reply = await h.dispatcher.run(cmd(actors.alice, 'set_level lively', { confirmed: true }));
      expect(reply.title).toBe('Waiting for approval: set the fake level of prod to lively');
      expect(h.runs.calls).toHaveLength(0);
    });
  });

  describe('approval of a dangerous change', () => {
    async function request(): Promise<{ id: string; waiting: Reply }> {
      const waiting = await h.dispatcher.run(cmd(actors.alice, 'set_level lively'));
      return { id: pendingId(waiting), waiting };
    }

    it('posts the request to the approvers’ channel and tells the requester it waits', async () => {
      await setup({ APPROVAL_CHANNEL_SLACK: 'CAPPROVE' });
      const { id, waiting } = await request();
      expect(h.runs.calls).toHaveLength(0);
      expect(waiting.ephemeral).toBe(true);
      expect(waiting.text?.[0]).toContain(`approve request ${id} before 2026-03-01 10:15:00 UTC`);
      expect(waiting.text?.[0]).toContain('approvers’ channel (CAPPROVE)');
      expect(waiting.findings.map((f) => f.summary)).toEqual(['2 partitions unhealthy']);
      expect(h.sink.posts).toHaveLength(1);
      const post = h.sink.posts[0]!;
      expect(post.target.channelId).toBe('CAPPROVE');
      expect(post.reply.title).toBe('Approval needed: set the fake level of prod to lively');
      expect(post.reply.findings.map((f) => f.summary)).toEqual(['2 partitions unhealthy']);
      expect(post.reply.actions?.map((a) => a.kind)).toEqual(['approve', 'reject']);
      expect((await h.store.getPending(id))?.messages).toEqual([post.ref]);
    });

    it('refuses the requester and a lower role, then runs once on a second admin’s approval', async () => {
      await setup({ APPROVAL_CHANNEL_SLACK: 'CAPPROVE' });
      const { id } = await request();
      const own = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'CAPPROVE',
        action: { kind: 'approve', ref: id },
      });
      expect(errorCode(own)).toBe('SELF_APPROVAL');
      const operator = await h.dispatcher.act({
        actor: actors.carol,
        channelId: 'CAPPROVE',
        action: { kind: 'approve', ref: id },
      });
      expect(errorCode(operator)).toBe('NOT_PERMITTED');
      expect(operator.text?.[0]).toContain('needs the admin role; you are an operator');
      expect(h.runs.calls).toHaveLength(0);

      h.clock.advance(120_000);
      const post = h.sink.posts[0]!;
      const approved = await h.dispatcher.act({
        actor: actors.bob,
        channelId: 'CAPPROVE',
        action: { kind: 'approve', ref: id },
        message: post.ref,
      });
      expect(approved.title).toBe('Level set to lively');
      expect(approved.replaceOriginal).toBe(true);
      expect(approved.text?.[0]).toContain('was approved by bob (slack:UBOB) at 2026-03-01 10:02:00 UTC');
      // It runs as the requester's command, on the requested cluster.
      expect(h.runs.calls).toEqual([
        { name: 'set_level', params: { level: 'lively' }, cluster: 'prod', actor: actors.alice },
      ]);
      // The requester hears the outcome in their own channel.
      const told = h.sink.posts.slice(1);
      expect(told.map((p) => p.target.channelId)).toEqual(['C1']);
      expect(told[0]?.reply.title).toBe('Level set to lively');

      const entries = await auditOf(h.store, id);
      expect(entries.map((e) => e.event)).toEqual(['approval_requested', 'refused', 'refused', 'approved', 'result']);
      expect(entries.at(-1)).toMatchObject({ outcome: 'ok', approvers: ['slack:UBOB'], actor: { userId: 'UALICE' } });
    });

    it('edits the approval message in place once decided elsewhere (typed `approve <id>`)', async () => {
      await setup({ APPROVAL_CHANNEL_SLACK: 'CAPPROVE' });
      const { id } = await request();
      await h.dispatcher.run({ ...cmd(actors.bob, `approve ${id}`), channelId: 'CAPPROVE' });
      expect(h.sink.updates).toHaveLength(1);
      const update = h.sink.updates[0]!;
      expect(update.ref).toEqual(h.sink.posts[0]!.ref);
      expect(update.reply.actions).toBeUndefined();
      expect(update.reply.title).toBe('Approved: set_level lively');
      expect(update.reply.text?.[0]).toContain('approved by bob (slack:UBOB) at 2026-03-01 10:00:00 UTC');
      expect(update.reply.text?.[0]).toContain('Result: ok: Level set to lively');
    });

    it('runs exactly once when the button is clicked many times at once', async () => {
      await setup({ APPROVAL_CHANNEL_SLACK: 'CAPPROVE' });
      const { id } = await request();
      const clicks = await Promise.all(
        Array.from({ length: 6 }, () =>
          h.dispatcher.act({ actor: actors.bob, channelId: 'CAPPROVE', action: { kind: 'approve', ref: id } }),
        ),
      );
      expect(h.runs.calls).toHaveLength(1);
      const already = clicks.filter((r) => errorCode(r) === 'ALREADY_DECIDED');
      expect(already).toHaveLength(5);
      expect(already[0]?.text?.[0]).toContain('approved by bob (slack:UBOB)');
      expect(already.every((r) => r.ephemeral === true)).toBe(true);
      expect((await auditOf(h.store, id)).filter((e) => e.event === 'result')).toHaveLength(1);
    });

    it('rejects: nothing runs, the message is edited and the requester told', async () => {
      await setup({ APPROVAL_CHANNEL_SLACK: 'CAPPROVE' });
      const { id } = await request();
      const rejected = await h.dispatcher.act({
        actor: actors.bob,
        channelId: 'CAPPROVE',
        action: { kind: 'reject', ref: id },
      });
      expect(rejected.title).toBe('Rejected: set_level lively');
      expect(h.runs.calls).toHaveLength(0);
      expect(h.sink.updates[0]?.reply.title).toBe('Rejected: set_level lively');
      expect(h.sink.posts.at(-1)?.target.channelId).toBe('C1');
      const late = await h.dispatcher.act({
        actor: actors.bob,
        channelId: 'CAPPROVE',
        action: { kind: 'approve', ref: id },
      });
      expect(errorCode(late)).toBe('ALREADY_DECIDED');
    });

    it('lets the requester withdraw, and refuses confirm on an approval', async () => {
      await setup();
      const { id } = await request();
      const confirm = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'confirm', ref: id },
      });
      expect(errorCode(confirm)).toBe('WRONG_DECISION');
      const withdrawn = await h.dispatcher.act({
        actor: actors.alice,
        channelId: 'C1',
        action: { kind: 'cancel', ref: id },
      });
      expect(withdrawn.title).toBe('Withdrawn: set_level lively');
      expect(h.runs.calls).toHaveLength(0);
    });

    it('refuses an approval after expiry and edits the request to say so', async () => {
      await setup({ APPROVAL_CHANNEL_SLACK: 'CAPPROVE' });
      const { id } = await request();
      h.clock.advance(16 * 60_000);
      const reply = await h.dispatcher.act({
        actor: actors.bob,
        channelId: 'CAPPROVE',
        action: { kind: 'approve', ref: id },
      });
      expect(errorCode(reply)).toBe('EXPIRED');
      expect(h.runs.calls).toHaveLength(0);
      expect(h.sink.updates[0]?.reply.title).toBe('Expired: set_level lively');
    });

    it('expires stale requests in a sweep', async () => {
      await setup();
      const { id } = await request();
      expect(await h.dispatcher.expireStale()).toBe(0);
      h.clock.advance(15 * 60_000);
      expect(await h.dispatcher.expireStale()).toBe(1);
      expect((await h.store.getPending(id))?.status).toBe('expired');
      expect(await h.dispatcher.expireStale()).toBe(0);
    });

    it('shows the buttons in the requester’s reply when the approvers’ channel cannot be reached', async () => {
      await setup();
      h.sink.post = () => Promise.reject(new Error('channel_not_found'));
      const { id, waiting } = await request();
      expect(waiting.ephemeral).toBe(false);
      expect(waiting.actions?.map((a) => a.kind)).toEqual(['approve', 'reject', 'cancel']);
      const ok = await h.dispatcher.act({ actor: actors.bob, channelId: 'C1', action: { kind: 'approve', ref: id } });
      expect(ok.title).toBe('Level set to lively');
    });

    it('accepts a Discord admin by role id as the second person', async () => {
      await setup();
      const { id } = await request();
      const reply = await h.dispatcher.act({
        actor: actors.erin,
        channelId: 'D1',
        action: { kind: 'approve', ref: id },
      });
      expect(reply.title).toBe('Level set to lively');
    });
  });

  describe('local platforms', () => {
    it('exec refuses a change without --yes and sends nothing; with --yes it runs', async () => {
      await setup();
      const refused = await h.dispatcher.run(cmd(actors.exec, 'set_flag on'));
      expect(errorCode(refused)).toBe('NEEDS_YES');
      expect(refused.text?.[0]).toContain('Add --yes to confirm it in advance');
      expect(h.runs.calls).toHaveLength(0);
      expect(await h.store.listPending({})).toHaveLength(0);
      const ran = await h.dispatcher.run(cmd(actors.exec, 'set_flag on', { confirmed: true }));
      expect(ran.title).toBe('Flag set to on');
      expect((await auditOf(h.store)).at(-1)).toMatchObject({ event: 'command', args: { confirmed: true } });
    });

    it('exec with --yes runs a dangerous change with no second person (the local operator is trusted)', async () => {
      await setup();
      const ran = await h.dispatcher.run(cmd(actors.exec, 'set_level lively', { confirmed: true }));
      expect(ran.title).toBe('Level set to lively');
      expect(h.sink.posts).toHaveLength(0);
    });

    it('console asks yes/no when interactive and refuses without a terminal', async () => {
      await setup();
      const prompt = await h.dispatcher.run(cmd(actors.console, 'set_level lively', { interactive: true }));
      expect(prompt.actions?.[0]?.kind).toBe('confirm');
      const done = await h.dispatcher.act({
        actor: actors.console,
        channelId: 'console',
        action: { kind: 'confirm', ref: pendingId(prompt) },
      });
      expect(done.title).toBe('Level set to lively');
      const refused = await h.dispatcher.run(cmd(actors.console, 'set_flag on', { interactive: false }));
      expect(errorCode(refused)).toBe('NOT_INTERACTIVE');
      expect(h.runs.calls).toHaveLength(1);
    });
  });

  describe('buttons and forms', () => {
    it('re-dispatches a run button as a command of the clicker, with policy', async () => {
      await setup();
      const read = await h.dispatcher.act({
        actor: actors.viewer,
        channelId: 'C1',
        action: { kind: 'run', ref: 'status -d' },
      });
      expect(read.status).toBe('warn');
      const change = await h.dispatcher.act({
        actor: actors.viewer,
        channelId: 'C1',
        action: { kind: 'run', ref: 'set_flag on' },
      });
      expect(errorCode(change)).toBe('NOT_PERMITTED');
      expect(h.runs.calls.map((c) => c.actor.userId)).toEqual(['UVIEW']);
    });

    it('answers an unknown request id, an unhandled button and an unknown form', async () => {
      await setup();
      const unknown = await h.dispatcher.act({
        actor: actors.bob,
        channelId: 'C1',
        action: { kind: 'approve', ref: 'nope' },
      });
      expect(errorCode(unknown)).toBe('UNKNOWN_REQUEST');
      const ack = await h.dispatcher.act({ actor: actors.bob, channelId: 'C1', action: { kind: 'ack', ref: 'fp' } });
      expect(errorCode(ack)).toBe('UNKNOWN_ACTION');
      const form = await h.dispatcher.submit({ actor: actors.bob, channelId: 'C1', formId: 'nope', values: {} });
      expect(errorCode(form)).toBe('UNKNOWN_FORM');
    });

    it('routes forms and extra buttons to registered handlers, which can dispatch through the gate', async () => {
      await setup();
      h.dispatcher.registerForm('flag', (form, tools) =>
        tools.dispatch({
          actor: form.actor,
          channelId: form.channelId,
          text: `set_flag ${form.values['value'] ?? ''}`,
        }),
      );
      h.dispatcher.registerAction('ack', async (click, tools) => ({
        command: 'ack',
        status: 'ok',
        title: `acked ${click.action.ref}`,
        findings: [],
        context: { at: tools.clock.now().toISOString() },
      }));
      const viaForm = await h.dispatcher.submit({
        actor: actors.alice,
        channelId: 'C1',
        formId: 'flag',
        values: { value: 'x' },
      });
      expect(viaForm.title).toBe('Confirm: set the fake flag of prod to x?');
      expect((await h.dispatcher.run(cmd(actors.viewer, 'ack fp1'))).title).toBe('acked fp1');
      expect(() => {
        h.dispatcher.registerForm('flag', () => Promise.reject(new Error('x')));
      }).toThrow(/twice/);
    });
  });

  describe('help and audit', () => {
    it('lists the commands with their risk and explains one command', async () => {
      await setup();
      const all = await h.dispatcher.run(cmd(actors.viewer, 'help'));
      const rows = all.tables?.flatMap((t) => t.rows) ?? [];
      expect(rows).toContainEqual(['set_level <steady|lively>', 'change or dangerous', 'Change a fake level']);
      expect(rows).toContainEqual(['status [-d]', 'read', 'Show a fake status']);
      const one = await h.dispatcher.run(cmd(actors.viewer, 'help set_level'));
      expect(one.fields).toContainEqual({ label: 'risk', value: 'change or dangerous' });
      expect(one.text?.join('\n')).toContain('you (viewer) may not');
      const typo = await h.dispatcher.run(cmd(actors.viewer, 'help stats'));
      expect(typo.text?.[0]).toContain('Did you mean `status`?');
    });

    it('reads the audit log newest first with filters', async () => {
      await setup();
      await h.dispatcher.run(cmd(actors.viewer, 'status'));
      h.clock.advance(3 * 3_600_000);
      await h.dispatcher.run(cmd(actors.alice, 'status'));
      const all = await h.dispatcher.run(cmd(actors.viewer, 'audit'));
      expect(all.tables?.[0]?.rows.map((r) => r[1])).toEqual(['alice (slack:UALICE)', 'slack:UVIEW']);
      const recent = await h.dispatcher.run(cmd(actors.viewer, 'audit --since 1h'));
      // The first `audit` is in the log too; the 3-hour-old status is not.
      expect(recent.tables?.[0]?.rows.map((r) => r[5])).toEqual(['audit', 'status']);
      expect(recent.title).toBe('Audit log: 2 newest entries in the last 1h');
      const byUser = await h.dispatcher.run(cmd(actors.viewer, 'audit 2 --user slack:UVIEW'));
      expect(byUser.tables?.[0]?.rows.map((r) => `${r[1] ?? ''} ${r[5] ?? ''}`)).toEqual([
        'slack:UVIEW audit --since 1h',
        'slack:UVIEW audit',
      ]);
      const bad = await h.dispatcher.run(cmd(actors.viewer, 'audit --since soon'));
      expect(bad.text?.[0]).toContain('--since needs a duration like 30m, 24h or 7d, not "soon"');
    });
  });
});

describe('pending actions across a restart', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('executes a request approved after a restart once, rebuilt from the stored command line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pegasus-gate-'));
    dirs.push(dir);
    const filename = join(dir, 'store.db');
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const config = testConfig({ PEGASUS_OPERATORS: 'slack:UALICE', PEGASUS_ADMINS: 'slack:UBOB' });

    const first = new SqliteStore({ filename });
    await first.migrate();
    const before = harness(first, { config, clock });
    const id = pendingId(await before.dispatcher.run(cmd(actors.alice, 'set_level lively --cluster staging')));
    await first.close();

    const second = new SqliteStore({ filename });
    await second.migrate();
    const after = harness(second, { config, clock });
    const [a, b] = await Promise.all([
      after.dispatcher.act({ actor: actors.bob, channelId: 'C1', action: { kind: 'approve', ref: id } }),
      after.dispatcher.act({ actor: actors.bob, channelId: 'C1', action: { kind: 'approve', ref: id } }),
    ]);
    expect([a.title, b.title].sort()).toEqual(['Already decided: set_level lively', 'Level set to lively']);
    expect(before.runs.calls).toHaveLength(0);
    expect(after.runs.calls).toEqual([
      { name: 'set_level', params: { level: 'lively' }, cluster: 'staging', actor: actors.alice },
    ]);
    await second.close();
  });

  it('rebuilds the parameters from the command line, not from the stored params', async () => {
    const store = new MemoryStore();
    const h = harness(store);
    const now = h.clock.now();
    await store.createPending({
      id: 'old1',
      kind: 'confirmation',
      command: 'set_flag fromline',
      cluster: 'prod',
      params: { value: 'stale-params' },
      risk: 'change',
      requestedBy: actors.alice,
      channelId: 'C1',
      requiredRole: 'operator',
      createdAt: now,
      expiresAt: new Date(now.getTime() + 60_000),
      status: 'pending',
      messages: [],
    });
    await h.dispatcher.act({ actor: actors.alice, channelId: 'C1', action: { kind: 'confirm', ref: 'old1' } });
    expect(h.runs.calls[0]?.params).toEqual({ value: 'fromline' });
  });

  it('does not run a stored request its requester may no longer make', async () => {
    const store = new MemoryStore();
    const config = testConfig({ PEGASUS_OPERATORS: 'slack:UALICE', PEGASUS_ADMINS: 'slack:UBOB' });
    const clock = new ManualClock('2026-03-01T10:00:00Z');
    const id = pendingId(await harness(store, { config, clock }).dispatcher.run(cmd(actors.alice, 'set_flag on')));
    const demoted = testConfig({ PEGASUS_ADMINS: 'slack:UBOB' });
    const runs: Runs = { calls: [] };
    const catalog = createCommandCatalog(fakeSpecs(runs));
    const restarted = createDispatcher({
      catalog,
      clusters: handlesOf(demoted),
      config: demoted,
      store,
      clock,
      sinks: [],
      logger: silentLogger(),
    });
    const reply = await restarted.act({ actor: actors.alice, channelId: 'C1', action: { kind: 'confirm', ref: id } });
    expect(reply.title).toBe('Not allowed any more');
    expect((await store.getPending(id))?.status).toBe('failed');
    expect(runs.calls).toHaveLength(0);
  });
});
