/**
 * The one contract every `Store` implementation passes. Each test gets a fresh, empty database from the
 * fixture factory (a temp SQLite file, a fresh PostgreSQL schema), so tests are independent.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, type Clock } from '../../src/clock.js';
import type { Actor, MessageRef } from '../../src/commands/command.js';
import { migrations, type Migration } from '../../src/store/migrations.js';
import { StoreErrorCode } from '../../src/store/store-error.js';
import type { AuditEntry, PendingAction, RebalanceWindow, Store } from '../../src/store/store.js';
import { applicationContractCases } from './application-store.contract.js';
import { monitoringContractCases } from './monitoring-store.contract.js';

/** Options for opening one store on a fixture's database. */
export interface OpenOptions {
  /** Run migrations before returning (default true). */
  migrate?: boolean;
  migrations?: readonly Migration[];
  clock?: Clock;
}

/** One empty database and a way to open stores on it. */
export interface StoreFixture {
  /** Opens a new store (a new connection) on this fixture's database; every store sees the same data. */
  open(options?: OpenOptions): Promise<Store>;
  /** Runs raw SQL on the database behind the stores; resolves to the rows (none for statements). */
  sql(text: string): Promise<Record<string, unknown>[]>;
  /** Closes every store opened by the fixture and removes the database. */
  destroy(): Promise<void>;
}

const alice: Actor = { platform: 'slack', userId: 'U111', displayName: 'Alice', platformRoles: ['R1', 'R2'] };
const bob: Actor = { platform: 'discord', userId: '222333444', displayName: 'Bob' };
const carol: Actor = { platform: 'discord', userId: 'U111' };
const local: Actor = { platform: 'console', userId: 'local' };

const t0 = new Date('2026-03-01T10:00:00.123Z');
const at = (ms: number) => new Date(t0.getTime() + ms);

function pending(overrides: Partial<PendingAction> = {}): PendingAction {
  return {
    id: 'p-1',
    kind: 'approval',
    command: 'set_meta_level lively',
    cluster: 'prod',
    params: { level: 'lively', nested: { list: [1, 'two', null, true], empty: {} }, note: 'äöü ✓ "quoted"' },
    risk: 'dangerous',
    requestedBy: alice,
    channelId: 'C-ops',
    requiredRole: 'admin',
    createdAt: t0,
    expiresAt: at(15 * 60_000),
    status: 'pending',
    messages: [],
    ...overrides,
  };
}

function windowOf(overrides: Partial<RebalanceWindow> = {}): RebalanceWindow {
  return {
    id: 'w-1',
    cluster: 'prod',
    start: at(3_600_000),
    end: at(3 * 3_600_000),
    requestedBy: bob,
    channelId: '998877',
    status: 'pending',
    quietChecks: 0,
    updatedAt: t0,
    ...overrides,
  };
}

function audit(overrides: Partial<Omit<AuditEntry, 'id'>> = {}): Omit<AuditEntry, 'id'> {
  return {
    at: t0,
    actor: alice,
    channelId: 'C-ops',
    event: 'command',
    command: 'health',
    outcome: 'ok',
    ...overrides,
  };
}

/** Registers the contract suite for one implementation. */
export function describeStoreContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fx: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fx = await makeFixture();
      store = await fx.open();
    });

    afterEach(async () => {
      await fx.destroy();
    });

    monitoringContractCases({ store: () => store, reopen: () => fx.open() });
    applicationContractCases({ store: () => store, reopen: () => fx.open() });

    describe('pending actions', () => {
      it('round-trips every field: dates, actors, JSON params, message refs', async () => {
        const thread: MessageRef = { platform: 'slack', channelId: 'C-ops', messageId: '1700.01', threadId: '1700.00' };
        const full = pending({
          decidedBy: bob,
          decidedAt: at(60_000),
          result: 'meta level is now lively',
          status: 'executed',
          messages: [thread, { platform: 'discord', channelId: '998877', messageId: '123' }],
        });
        await store.createPending(full);
        expect(await store.getPending('p-1')).toEqual(full);
      });

      it('keeps absent optional fields absent and JSON null distinct from no params', async () => {
        await store.createPending(pending({ id: 'p-null', params: null }));
        await store.createPending(pending({ id: 'p-none', params: undefined, kind: 'confirmation', risk: 'change' }));
        const withNull = await store.getPending('p-null');
        const without = await store.getPending('p-none');
        expect(withNull?.params).toBeNull();
        expect(without?.params).toBeUndefined();
        expect(without).toMatchObject({ kind: 'confirmation', risk: 'change', messages: [] });
        for (const key of ['decidedBy', 'decidedAt', 'result'] as const) expect(without).not.toHaveProperty(key);
      });

      it('answers undefined for an unknown id and refuses a duplicate id', async () => {
        expect(await store.getPending('nope')).toBeUndefined();
        await store.createPending(pending());
        await expect(store.createPending(pending({ command: 'other' }))).rejects.toThrow();
        expect((await store.getPending('p-1'))?.command).toBe('set_meta_level lively');
      });

      it('transitions only from an expected status and applies the patch', async () => {
        await store.createPending(pending());
        const approved = await store.transitionPending('p-1', ['pending'], 'approved', {
          decidedBy: bob,
          decidedAt: at(1000),
        });
        expect(approved).toMatchObject({ status: 'approved', decidedBy: bob, decidedAt: at(1000) });
        expect(approved).not.toHaveProperty('result');

        // Already decided: a second approval or a rejection must not go through.
        expect(await store.transitionPending('p-1', ['pending'], 'rejected', { decidedBy: alice })).toBeUndefined();
        expect(await store.transitionPending('p-1', [], 'cancelled')).toBeUndefined();
        expect(await store.transitionPending('missing', ['pending'], 'approved')).toBeUndefined();

        // A later patch keeps what it does not mention.
        const executed = await store.transitionPending('p-1', ['approved', 'pending'], 'executed', { result: 'done' });
        expect(executed).toMatchObject({ status: 'executed', decidedBy: bob, decidedAt: at(1000), result: 'done' });
        expect(await store.getPending('p-1')).toEqual(executed);
      });

      it('lets exactly one of 20 concurrent transitions win', async () => {
        await store.createPending(pending());
        const deciders = Array.from({ length: 20 }, (_, i): Actor => ({ platform: 'slack', userId: `U${i}` }));
        const results = await Promise.all(
          deciders.map((d, i) =>
            store.transitionPending('p-1', ['pending'], i % 2 === 0 ? 'approved' : 'rejected', { decidedBy: d }),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        const stored = await store.getPending('p-1');
        expect(stored?.status).toBe(winners[0]?.status);
        expect(stored?.decidedBy).toEqual(winners[0]?.decidedBy);
      });

      it('appends message refs in order and ignores an unknown id', async () => {
        await store.createPending(pending());
        const first: MessageRef = { platform: 'slack', channelId: 'C1', messageId: '1.1' };
        const second: MessageRef = { platform: 'discord', channelId: '55', messageId: '66', threadId: '44' };
        await store.addPendingMessage('p-1', first);
        await store.addPendingMessage('p-1', second);
        await store.addPendingMessage('missing', first);
        expect((await store.getPending('p-1'))?.messages).toEqual([first, second]);
        expect(await store.getPending('missing')).toBeUndefined();
      });

      it('lists by status and cluster, oldest first', async () => {
        await store.createPending(pending({ id: 'c', createdAt: at(3000) }));
        await store.createPending(pending({ id: 'a', createdAt: at(1000), cluster: 'staging' }));
        await store.createPending(pending({ id: 'b', createdAt: at(2000), status: 'expired' }));
        await store.createPending(pending({ id: 'd', createdAt: at(500) }));
        const ids = (list: PendingAction[]) => list.map((p) => p.id);
        expect(ids(await store.listPending({}))).toEqual(['d', 'a', 'b', 'c']);
        expect(ids(await store.listPending({ status: 'pending' }))).toEqual(['d', 'a', 'c']);
        expect(ids(await store.listPending({ cluster: 'prod' }))).toEqual(['d', 'b', 'c']);
        expect(ids(await store.listPending({ status: 'pending', cluster: 'staging' }))).toEqual(['a']);
        expect(await store.listPending({ status: 'failed' })).toEqual([]);
      });
    });

    describe('audit log', () => {
      it('round-trips every field and numbers entries in order', async () => {
        const full = audit({
          cluster: 'prod',
          event: 'approved',
          command: 'set_meta_level lively',
          args: { level: 'lively', flags: ['-y'], n: 3.5 },
          outcome: 'ok',
          approvers: ['slack:U111', 'discord:222333444'],
          ref: 'p-1',
        });
        const a = await store.appendAudit(full);
        const b = await store.appendAudit(audit({ actor: local, channelId: 'console' }));
        expect(a).toEqual({ ...full, id: a.id });
        expect(b.id).toBeGreaterThan(a.id);
        expect(b).toEqual({ ...audit({ actor: local, channelId: 'console' }), id: b.id });
        for (const key of ['cluster', 'args', 'approvers', 'ref'] as const) expect(b).not.toHaveProperty(key);
        expect(await store.listAudit({ limit: 10 })).toEqual([b, a]);
      });

      it('lists newest first (ties by insertion) and honours the limit', async () => {
        await store.appendAudit(audit({ at: at(2000), command: 'second' }));
        await store.appendAudit(audit({ at: at(1000), command: 'first' }));
        await store.appendAudit(audit({ at: at(3000), command: 'third-a' }));
        await store.appendAudit(audit({ at: at(3000), command: 'third-b' }));
        const all = await store.listAudit({ limit: 100 });
        expect(all.map((e) => e.command)).toEqual(['third-b', 'third-a', 'second', 'first']);
        expect((await store.listAudit({ limit: 2 })).map((e) => e.command)).toEqual(['third-b', 'third-a']);
        expect(await store.listAudit({ limit: 0 })).toEqual([]);
        expect(await store.listAudit({ limit: Number.NaN })).toEqual([]);
        expect((await store.listAudit({ limit: 2.9 })).map((e) => e.command)).toEqual(['third-b', 'third-a']);
      });

      it('filters by user (platform:id or bare id), since (inclusive) and ref', async () => {
        await store.appendAudit(audit({ at: at(1000), actor: alice, command: 'a1' }));
        await store.appendAudit(audit({ at: at(2000), actor: bob, command: 'b1', ref: 'w-1' }));
        await store.appendAudit(audit({ at: at(3000), actor: carol, command: 'c1' }));
        await store.appendAudit(audit({ at: at(4000), actor: alice, command: 'a2', ref: 'w-1' }));
        const cmds = async (q: Parameters<Store['listAudit']>[0]) => (await store.listAudit(q)).map((e) => e.command);

        expect(await cmds({ limit: 10, user: 'slack:U111' })).toEqual(['a2', 'a1']);
        // A bare id matches that id on any platform (alice on Slack and carol on Discord share it).
        expect(await cmds({ limit: 10, user: 'U111' })).toEqual(['a2', 'c1', 'a1']);
        expect(await cmds({ limit: 10, user: 'discord:U111' })).toEqual(['c1']);
        expect(await cmds({ limit: 10, user: '222333444' })).toEqual(['b1']);
        expect(await cmds({ limit: 10, user: 'nobody' })).toEqual([]);
        expect(await cmds({ limit: 10, since: at(2000) })).toEqual(['a2', 'c1', 'b1']);
        expect(await cmds({ limit: 10, ref: 'w-1' })).toEqual(['a2', 'b1']);
        expect(await cmds({ limit: 10, user: 'U111', since: at(2500) })).toEqual(['a2', 'c1']);
        expect(await cmds({ limit: 1, user: 'U111', since: at(0) })).toEqual(['a2']);
      });

      it('is append-only: the database itself refuses UPDATE and DELETE', async () => {
        const entry = await store.appendAudit(audit({ outcome: 'ok' }));
        await expect(fx.sql("UPDATE audit_log SET outcome = 'forged'")).rejects.toThrow(/append-only/);
        await expect(fx.sql('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
        expect(await store.listAudit({ limit: 10 })).toEqual([entry]);
        // And the port offers no way to change it.
        const methods = Object.getOwnPropertyNames(Object.getPrototypeOf(store) as object);
        expect(methods.filter((m) => /audit/i.test(m)).sort()).toEqual(['appendAudit', 'listAudit']);
      });
    });

    describe('rebalance windows', () => {
      it('round-trips every field', async () => {
        const full = windowOf({
          reason: 'new nodes added',
          status: 'done',
          approvedBy: alice,
          endReason: 'balanced',
          before: { nodes: [{ node: 'n1:34801', replicas: 30, primaries: 10 }], stddev: 4.5 },
          after: { nodes: [], stddev: 0 },
          thread: { platform: 'discord', channelId: '998877', messageId: '1', threadId: '1' },
          quietChecks: 2,
          startedAt: at(3_600_000),
          endedAt: at(7_200_000),
          updatedAt: at(7_200_001),
        });
        await store.createWindow(full);
        expect(await store.getWindow('w-1')).toEqual(full);

        await store.createWindow(windowOf({ id: 'w-min' }));
        const min = await store.getWindow('w-min');
        expect(min).toEqual(windowOf({ id: 'w-min' }));
        for (const key of ['reason', 'approvedBy', 'endReason', 'before', 'after', 'thread', 'startedAt', 'endedAt']) {
          expect(min).not.toHaveProperty(key);
        }
        expect(await store.getWindow('missing')).toBeUndefined();
      });

      it('lists by cluster and statuses, earliest start first', async () => {
        await store.createWindow(windowOf({ id: 'late', start: at(9000) }));
        await store.createWindow(windowOf({ id: 'early', start: at(1000), status: 'running' }));
        await store.createWindow(windowOf({ id: 'other', start: at(5000), cluster: 'staging', status: 'approved' }));
        const ids = (list: RebalanceWindow[]) => list.map((w) => w.id);
        expect(ids(await store.listWindows({}))).toEqual(['early', 'other', 'late']);
        expect(ids(await store.listWindows({ cluster: 'prod' }))).toEqual(['early', 'late']);
        expect(ids(await store.listWindows({ statuses: ['approved', 'running'] }))).toEqual(['early', 'other']);
        expect(ids(await store.listWindows({ cluster: 'staging', statuses: ['running'] }))).toEqual([]);
        expect(await store.listWindows({ statuses: [] })).toEqual([]);
      });

      it('updates only from an expected status (compare-and-set), keeping unpatched fields', async () => {
        await store.createWindow(windowOf({ reason: 'keep me', status: 'approved', approvedBy: alice }));
        const running = await store.updateWindow('w-1', ['approved'], {
          status: 'running',
          startedAt: at(3_600_000),
          before: { stddev: 3 },
          thread: { platform: 'slack', channelId: 'C-ops', messageId: '5.5' },
          updatedAt: at(3_600_000),
        });
        expect(running).toEqual({
          ...windowOf({ reason: 'keep me', approvedBy: alice }),
          status: 'running',
          startedAt: at(3_600_000),
          before: { stddev: 3 },
          thread: { platform: 'slack', channelId: 'C-ops', messageId: '5.5' },
          updatedAt: at(3_600_000),
        });
        expect(await store.updateWindow('w-1', ['approved', 'pending'], { status: 'aborted' })).toBeUndefined();
        expect(await store.updateWindow('missing', ['approved'], { status: 'running' })).toBeUndefined();
        expect(await store.getWindow('w-1')).toEqual(running);

        const done = await store.updateWindow('w-1', ['running'], {
          status: 'done',
          endReason: 'balanced',
          quietChecks: 2,
          after: [],
          endedAt: at(5_000_000),
          start: at(1),
          end: at(2),
          updatedAt: at(5_000_000),
        });
        expect(done).toMatchObject({ status: 'done', endReason: 'balanced', quietChecks: 2, after: [], start: at(1) });
        expect(done?.end).toEqual(at(2));
        expect(done?.before).toEqual({ stddev: 3 });
      });

      it("stamps updatedAt from the store's clock when the patch does not", async () => {
        const clock = new ManualClock('2026-05-05T05:05:05.505Z');
        const clocked = await fx.open({ clock });
        await clocked.createWindow(windowOf());
        const updated = await clocked.updateWindow('w-1', ['pending'], { quietChecks: 1 });
        expect(updated?.updatedAt).toEqual(new Date('2026-05-05T05:05:05.505Z'));
        expect(updated?.quietChecks).toBe(1);
      });

      it('lets exactly one of 10 concurrent updates from the same status win', async () => {
        await store.createWindow(windowOf({ status: 'approved' }));
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.updateWindow('w-1', ['approved'], { status: 'running', quietChecks: i }),
          ),
        );
        const winners = results.filter((r) => r !== undefined);
        expect(winners).toHaveLength(1);
        expect((await store.getWindow('w-1'))?.quietChecks).toBe(winners[0]?.quietChecks);
      });

      it('records a step once: a duplicate key answers false and keeps the first', async () => {
        expect(await store.recordWindowStep({ windowId: 'w-1', key: 'start', at: at(10), detail: { by: 'a' } })).toBe(
          true,
        );
        expect(await store.recordWindowStep({ windowId: 'w-1', key: 'start', at: at(20), detail: { by: 'b' } })).toBe(
          false,
        );
        expect(await store.recordWindowStep({ windowId: 'w-2', key: 'start', at: at(30), detail: null })).toBe(true);
        expect(await store.recordWindowStep({ windowId: 'w-1', key: 'end', at: at(5), detail: undefined })).toBe(true);
        expect(await store.listWindowSteps('w-1')).toEqual([
          { windowId: 'w-1', key: 'end', at: at(5), detail: undefined },
          { windowId: 'w-1', key: 'start', at: at(10), detail: { by: 'a' } },
        ]);
        expect(await store.listWindowSteps('w-2')).toEqual([
          { windowId: 'w-2', key: 'start', at: at(30), detail: null },
        ]);
        expect(await store.listWindowSteps('none')).toEqual([]);
      });

      it('records each step exactly once when two callers race for the same 10 keys', async () => {
        const keys = Array.from({ length: 10 }, (_, i) => `progress:${i}`);
        const attempts = await Promise.all(
          ['a', 'b'].flatMap((who) =>
            keys.map((key) => store.recordWindowStep({ windowId: 'w-1', key, at: at(1), detail: { who } })),
          ),
        );
        expect(attempts.filter(Boolean)).toHaveLength(10);
        expect((await store.listWindowSteps('w-1')).map((s) => s.key).sort()).toEqual([...keys].sort());
      });
    });

    describe('bot state', () => {
      it('answers undefined for an unknown key, stores JSON values and overwrites', async () => {
        expect(await store.getState('missing')).toBeUndefined();
        const values: unknown[] = [{ tables: 12, names: ['a', 'b'] }, 42, 'lively', null, [1, [2]], false];
        for (const [i, value] of values.entries()) {
          await store.setState(`k${i}`, value);
        }
        for (const [i, value] of values.entries()) {
          expect(await store.getState(`k${i}`)).toEqual(value);
        }
        await store.setState('k0', { tables: 13 });
        expect(await store.getState<{ tables: number }>('k0')).toEqual({ tables: 13 });
        await store.setState('k1', undefined);
        expect(await store.getState('k1')).toBeUndefined();
        expect(await store.getState('k2')).toBe('lively');
      });
    });

    describe('locks', () => {
      it('runs only one of two simultaneous holders of a name and frees it afterwards', async () => {
        const gate = deferred();
        let runs = 0;
        const work = async () => {
          runs++;
          await gate.promise;
          return 'done';
        };
        const first = store.withLock('window:x', work);
        const second = store.withLock('window:x', work);
        // The holder waits on the gate, so the one that settles first must be the refused one.
        expect(await Promise.race([first, second])).toEqual({ ran: false });
        const other = await store.withLock('window:y', async () => 'independent');
        expect(other).toEqual({ ran: true, value: 'independent' });
        gate.resolve();
        const results = await Promise.all([first, second]);
        expect(results.filter((r) => r.ran)).toEqual([{ ran: true, value: 'done' }]);
        expect(runs).toBe(1);
        expect(await store.withLock('window:x', async () => 'again')).toEqual({ ran: true, value: 'again' });
      });

      it('frees the lock when the work throws, and passes the error on', async () => {
        await expect(
          store.withLock('boom', async () => {
            throw new Error('work failed');
          }),
        ).rejects.toThrow('work failed');
        expect(await store.withLock('boom', async () => 1)).toEqual({ ran: true, value: 1 });
      });

      it('excludes across two stores on one database (two bot instances)', async () => {
        const other = await fx.open();
        const gate = deferred();
        let runs = 0;
        const work = async () => {
          runs++;
          await gate.promise;
        };
        const a = store.withLock('window:x', work);
        const b = other.withLock('window:x', work);
        expect(await Promise.race([a, b])).toEqual({ ran: false });
        gate.resolve();
        expect((await Promise.all([a, b])).filter((r) => r.ran)).toHaveLength(1);
        expect(runs).toBe(1);
      });

      it('runs every scheduled step exactly once when two instances work the same schedule', async () => {
        const other = await fx.open();
        const keys = Array.from({ length: 10 }, (_, i) => `step:${i}`);
        const ranBy = new Map<string, string[]>();
        const instance = async (s: Store, who: string) => {
          for (const key of keys) {
            // Like the scheduler: try the lock, do the step unless someone already did, retry when refused.
            for (;;) {
              const attempt = await s.withLock('window:w-1', async () => {
                if (await s.recordWindowStep({ windowId: 'w-1', key, at: at(0), detail: { who } })) {
                  ranBy.set(key, [...(ranBy.get(key) ?? []), who]);
                  await delay(1);
                }
              });
              if (attempt.ran) break;
              await delay(1);
            }
          }
        };
        await Promise.all([instance(store, 'a'), instance(other, 'b')]);
        expect([...ranBy.keys()].sort()).toEqual([...keys].sort());
        for (const key of keys) expect(ranBy.get(key)).toHaveLength(1);
        const steps = await store.listWindowSteps('w-1');
        expect(steps).toHaveLength(10);
        for (const step of steps) expect(step.detail).toEqual({ who: ranBy.get(step.key)?.[0] });
      });
    });

    describe('migrations and durability', () => {
      it('are idempotent: opening the same database again and migrating twice changes nothing', async () => {
        await store.appendAudit(audit());
        const again = await fx.open();
        await again.migrate();
        await store.migrate();
        const versions = await fx.sql('SELECT version FROM schema_migrations ORDER BY version');
        expect(versions.map((r) => Number(r['version']))).toEqual(migrations.map((m) => m.version));
        expect(await again.listAudit({ limit: 10 })).toHaveLength(1);
      });

      it('let two stores migrate a fresh database at the same time', async () => {
        const fresh = await makeFixture();
        try {
          const [a, b] = await Promise.all([fresh.open({ migrate: false }), fresh.open({ migrate: false })]);
          await Promise.all([a.migrate(), b.migrate()]);
          const rows = await fresh.sql('SELECT count(*) AS n FROM schema_migrations');
          expect(Number(rows[0]?.['n'])).toBe(migrations.length);
          await a.setState('k', 1);
          expect(await b.getState('k')).toBe(1);
        } finally {
          await fresh.destroy();
        }
      });

      it('keep every kind of data across closing and reopening', async () => {
        const action = pending({ messages: [{ platform: 'slack', channelId: 'C', messageId: '1' }] });
        await store.createPending(action);
        const entry = await store.appendAudit(audit({ ref: 'p-1', approvers: ['slack:U1'] }));
        const win = windowOf({ before: { stddev: 1.25 } });
        await store.createWindow(win);
        await store.recordWindowStep({ windowId: 'w-1', key: 'start', at: t0, detail: { ok: true } });
        await store.setState('meta_level', 'steady');
        await store.close();

        const reopened = await fx.open();
        expect(await reopened.getPending('p-1')).toEqual(action);
        expect(await reopened.listAudit({ limit: 5 })).toEqual([entry]);
        expect(await reopened.getWindow('w-1')).toEqual(win);
        expect(await reopened.listWindowSteps('w-1')).toHaveLength(1);
        expect(await reopened.getState('meta_level')).toBe('steady');
        // Still the exactly-once gate after a restart.
        expect(await reopened.recordWindowStep({ windowId: 'w-1', key: 'start', at: t0, detail: null })).toBe(false);
        const next = await reopened.appendAudit(audit());
        expect(next.id).toBeGreaterThan(entry.id);
      });

      it('apply a new migration on top of existing data, and refuse to run an older build on it', async () => {
        await store.setState('k', 'v');
        const extra: Migration = {
          version: migrations.length + 1,
          name: 'contract extra',
          sqlite: 'CREATE TABLE contract_extra (id INTEGER PRIMARY KEY, note TEXT NOT NULL)',
          postgres: 'CREATE TABLE contract_extra (id integer PRIMARY KEY, note text NOT NULL)',
        };
        const newer = await fx.open({ migrations: [...migrations, extra] });
        await fx.sql("INSERT INTO contract_extra (id, note) VALUES (1, 'x')");
        const versions = await fx.sql('SELECT version FROM schema_migrations ORDER BY version');
        expect(versions.map((r) => Number(r['version']))).toEqual([...migrations, extra].map((m) => m.version));
        expect(await newer.getState('k')).toBe('v');

        await expect(fx.open()).rejects.toMatchObject({
          code: StoreErrorCode.SchemaNewer,
          message: expect.stringMatching(new RegExp(`migration ${extra.version}\\b.*newer`, 's')) as unknown,
        });
      });

      it('roll a failing migration back completely', async () => {
        const broken: Migration = {
          version: migrations.length + 1,
          name: 'broken',
          sqlite: 'CREATE TABLE half_done (id INTEGER); INSERT INTO no_such_table VALUES (1);',
          postgres: 'CREATE TABLE half_done (id integer); INSERT INTO no_such_table VALUES (1);',
        };
        await expect(fx.open({ migrations: [...migrations, broken] })).rejects.toMatchObject({
          code: StoreErrorCode.MigrationFailed,
          message: expect.stringMatching(/Migration \d+ \(broken\) failed/) as unknown,
        });
        await expect(fx.sql('SELECT * FROM half_done')).rejects.toThrow();
        const versions = await fx.sql('SELECT version FROM schema_migrations');
        expect(versions).toHaveLength(migrations.length);
        expect(await store.listAudit({ limit: 1 })).toEqual([]);
      });

      it('refuse a migration list with a gap before touching the database', async () => {
        const gap: Migration = { version: migrations.length + 2, name: 'gap', sqlite: 'x', postgres: 'x' };
        await expect(fx.open({ migrations: [...migrations, gap] })).rejects.toMatchObject({
          code: StoreErrorCode.BadOption,
        });
      });
    });
  });
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
