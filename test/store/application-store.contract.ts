/**
 * The table-application part of the store contract, run by `describeStoreContract` against every
 * implementation: round-trips, filters, the compare-and-set decision gate and atomic message appends.
 */
import { describe, expect, it } from 'vitest';
import type { Actor, MessageRef } from '../../src/commands/command.js';
import type { Store, TableApplication } from '../../src/store/store.js';

/** What a case needs: the fixture's store and a way to open a second one on the same database. */
export interface ApplicationContractContext {
  store(): Store;
  reopen(): Promise<Store>;
}

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const alice: Actor = { platform: 'slack', userId: 'U111', displayName: 'Alice' };
const bob: Actor = { platform: 'discord', userId: '222333444', displayName: 'Bob', platformRoles: ['R9'] };
const carol: Actor = { platform: 'discord', userId: 'U111' };

function application(overrides: Partial<TableApplication> = {}): TableApplication {
  return {
    id: 'app-1',
    cluster: 'prod',
    tableName: 'user_profile',
    applicant: alice,
    channelId: 'C-apps',
    status: 'submitted',
    verdict: 'conditions',
    form: { table_name: 'user_profile', read_peak_qps: 5000, note: 'äöü ✓ "quoted"', list: [1, null, true] },
    review: { verdict: 'conditions', partition_count: 16, replica_count: 3, disk_gb: 45.5, reasons: ['x'] },
    decisionMessages: [],
    submittedAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

/** Registers the application cases; call inside the contract's `describe`. */
export function applicationContractCases(ctx: ApplicationContractContext): void {
  describe('table applications', () => {
    it('round-trips every field and keeps absent optional fields absent', async () => {
      const store = ctx.store();
      const source: MessageRef = { platform: 'slack', channelId: 'C-apps', messageId: '1700.5', threadId: '1700.1' };
      const full = application({
        status: 'created',
        source,
        decisionMessages: [{ platform: 'slack', channelId: 'C-admins', messageId: '1700.9' }],
        decidedBy: bob,
        decidedAt: at(60_000),
        note: 'created with 16 partitions',
        appId: 17,
        updatedAt: at(90_000),
      });
      const bare = application({ id: 'app-2', form: undefined, review: null });
      await store.createApplication(full);
      await store.createApplication(bare);
      expect(await store.getApplication('app-1')).toEqual(full);
      const got = await store.getApplication('app-2');
      expect(got).toEqual(bare);
      expect(got?.form).toBeUndefined();
      expect(got?.review).toBeNull();
      for (const key of ['source', 'decidedBy', 'decidedAt', 'note', 'appId'] as const) {
        expect(got).not.toHaveProperty(key);
      }
      expect(await store.getApplication('nope')).toBeUndefined();
    });

    it('refuses a duplicate id and keeps the first', async () => {
      const store = ctx.store();
      await store.createApplication(application());
      await expect(store.createApplication(application({ tableName: 'other' }))).rejects.toThrow();
      expect((await store.getApplication('app-1'))?.tableName).toBe('user_profile');
    });

    it('lists newest first, filtered by cluster, statuses, table name and applicant, up to the limit', async () => {
      const store = ctx.store();
      await store.createApplication(application({ id: 'a', submittedAt: at(1) }));
      await store.createApplication(application({ id: 'b', submittedAt: at(3), status: 'rejected' }));
      await store.createApplication(application({ id: 'c', submittedAt: at(2), cluster: 'test', applicant: bob }));
      await store.createApplication(
        application({ id: 'd', submittedAt: at(4), tableName: 'events', applicant: carol }),
      );
      const ids = (list: TableApplication[]) => list.map((a) => a.id);
      expect(ids(await store.listApplications({ limit: 10 }))).toEqual(['d', 'b', 'c', 'a']);
      expect(ids(await store.listApplications({ limit: 2 }))).toEqual(['d', 'b']);
      expect(ids(await store.listApplications({ limit: 10, cluster: 'prod' }))).toEqual(['d', 'b', 'a']);
      expect(ids(await store.listApplications({ limit: 10, statuses: ['submitted'] }))).toEqual(['d', 'c', 'a']);
      expect(ids(await store.listApplications({ limit: 10, statuses: ['rejected', 'created'] }))).toEqual(['b']);
      expect(ids(await store.listApplications({ limit: 10, statuses: [] }))).toEqual([]);
      expect(ids(await store.listApplications({ limit: 10, tableName: 'events' }))).toEqual(['d']);
      expect(ids(await store.listApplications({ limit: 10, applicant: 'slack:U111' }))).toEqual(['b', 'a']);
      // A bare id matches that user on any platform, as in the audit filter.
      expect(ids(await store.listApplications({ limit: 10, applicant: 'U111' }))).toEqual(['d', 'b', 'a']);
      expect(ids(await store.listApplications({ limit: 0 }))).toEqual([]);
    });

    it('updates only from an expected status, applies the patch and stamps updatedAt', async () => {
      const store = ctx.store();
      await store.createApplication(application());
      const before = Date.now();
      const approved = await store.updateApplication('app-1', ['submitted', 'failed'], {
        status: 'approved',
        decidedBy: bob,
        decidedAt: at(1000),
      });
      expect(approved).toMatchObject({ status: 'approved', decidedBy: bob, decidedAt: at(1000) });
      expect(approved?.updatedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(await store.updateApplication('app-1', ['submitted'], { status: 'rejected' })).toBeUndefined();
      expect(await store.updateApplication('nope', ['submitted'], { status: 'rejected' })).toBeUndefined();

      const created = await store.updateApplication('app-1', ['approved'], {
        status: 'created',
        appId: 42,
        note: 'healthy',
        updatedAt: at(5000),
      });
      expect(created).toEqual({
        ...application(),
        status: 'created',
        decidedBy: bob,
        decidedAt: at(1000),
        appId: 42,
        note: 'healthy',
        updatedAt: at(5000),
      });
      expect(await store.getApplication('app-1')).toEqual(created);
    });

    it('lets exactly one of two concurrent decisions win, across connections', async () => {
      const store = ctx.store();
      const other = await ctx.reopen();
      await store.createApplication(application());
      const results = await Promise.all([
        store.updateApplication('app-1', ['submitted'], { status: 'approved', decidedBy: bob }),
        other.updateApplication('app-1', ['submitted'], { status: 'rejected', decidedBy: carol }),
      ]);
      const winners = results.filter((r) => r !== undefined);
      expect(winners).toHaveLength(1);
      expect((await store.getApplication('app-1'))?.status).toBe(winners[0]?.status);
    });

    it('sets the source and appends decision messages atomically, visible to another connection', async () => {
      const store = ctx.store();
      const other = await ctx.reopen();
      await store.createApplication(application());
      const source: MessageRef = { platform: 'discord', channelId: '998877', messageId: '555' };
      await store.updateApplication('app-1', ['submitted'], { source });
      const refs: MessageRef[] = Array.from({ length: 6 }, (_, i) => ({
        platform: 'slack',
        channelId: 'C-admins',
        messageId: `1700.${i}`,
      }));
      await Promise.all(refs.map((ref, i) => (i % 2 === 0 ? store : other).addApplicationMessage('app-1', ref)));
      const got = await other.getApplication('app-1');
      expect(got?.source).toEqual(source);
      expect(got?.status).toBe('submitted');
      expect([...(got?.decisionMessages ?? [])].sort((a, b) => a.messageId.localeCompare(b.messageId))).toEqual(refs);
    });
  });
}
