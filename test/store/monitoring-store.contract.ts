/**
 * The monitoring part of the store contract (alerts, alert groups, the alert outbox, metric samples), run by
 * `describeStoreContract` against every implementation.
 */
import { describe, expect, it } from 'vitest';
import type { Actor, MessageRef } from '../../src/commands/command.js';
import type { AlertGroup, AlertRecord, MetricSample, Store } from '../../src/store/store.js';

/** What a case needs: the fixture's store and a way to open a second one on the same database. */
export interface MonitoringContractContext {
  store(): Store;
  reopen(): Promise<Store>;
}

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const alice: Actor = { platform: 'slack', userId: 'U111', displayName: 'Alice' };

function alert(overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    fingerprint: 'fp-1',
    groupKey: 'prod/node_unalive',
    cluster: 'prod',
    rule: 'node_unalive',
    subject: '10.0.0.1:34801',
    source: 'inspection',
    status: 'firing',
    severity: 'crit',
    summary: 'replica server 10.0.0.1:34801 is UNALIVE',
    detail: { evidence: { alive: '4/5' }, advice: 'look in dmesg', labels: { a: 'ü "x"' } },
    startedAt: t0,
    lastSeenAt: t0,
    missingCount: 0,
    flaps: 0,
    updatedAt: t0,
    ...overrides,
  };
}

function group(overrides: Partial<AlertGroup> = {}): AlertGroup {
  return {
    key: 'prod/node_unalive',
    cluster: 'prod',
    rule: 'node_unalive',
    source: 'inspection',
    title: 'prod · node_unalive',
    roots: [],
    createdAt: t0,
    updatedAt: t0,
    ...overrides,
  };
}

function sample(overrides: Partial<MetricSample> = {}): MetricSample {
  return {
    cluster: 'prod',
    scope: 'table',
    subject: 'usertable',
    resolution: 'minute',
    at: t0,
    readQps: 1200.5,
    writeQps: 300.25,
    readP99Ms: 3.5,
    writeP99Ms: 7.25,
    count: 1,
    ...overrides,
  };
}

/** Registers the monitoring cases; call inside the contract's `describe`. */
export function monitoringContractCases(ctx: MonitoringContractContext): void {
  describe('alerts', () => {
    it('round-trips every field, keeps absent ones absent and replaces by fingerprint', async () => {
      const store = ctx.store();
      const full = alert({ missingSince: at(60_000), missingCount: 2, resolvedAt: at(120_000), flaps: 3 });
      const bare = alert({ fingerprint: 'fp-2', subject: 'cluster', detail: undefined });
      await store.putAlerts([full, bare]);
      expect(await store.getAlert('fp-1')).toEqual(full);
      const got = await store.getAlert('fp-2');
      expect(got).toEqual(bare);
      expect(got?.detail).toBeUndefined();
      for (const key of ['missingSince', 'resolvedAt'] as const) expect(got).not.toHaveProperty(key);
      expect(await store.getAlert('nope')).toBeUndefined();

      const resolved = alert({ status: 'resolved', resolvedAt: at(5000), summary: 'back', updatedAt: at(5000) });
      await store.putAlerts([resolved]);
      expect(await store.getAlert('fp-1')).toEqual(resolved);
      expect(await store.countAlerts({})).toBe(2);
    });

    it('lists and counts by group, cluster, source and status; resolvedSince keeps firing ones', async () => {
      const store = ctx.store();
      await store.putAlerts([
        alert({ fingerprint: 'a', startedAt: at(3) }),
        alert({ fingerprint: 'b', startedAt: at(1), groupKey: 'prod/disk', rule: 'disk' }),
        alert({ fingerprint: 'c', startedAt: at(2), status: 'resolved', resolvedAt: at(10) }),
        alert({ fingerprint: 'd', cluster: 'test', groupKey: 'test/x', source: 'alertmanager' }),
        alert({ fingerprint: 'e', status: 'resolved', resolvedAt: at(100) }),
      ]);
      const fps = (list: AlertRecord[]) => list.map((a) => a.fingerprint);
      expect(fps(await store.listAlerts({ cluster: 'prod' }))).toEqual(['e', 'b', 'c', 'a']);
      expect(fps(await store.listAlerts({ groupKey: 'prod/node_unalive', status: 'firing' }))).toEqual(['a']);
      expect(fps(await store.listAlerts({ source: 'alertmanager' }))).toEqual(['d']);
      expect(fps(await store.listAlerts({ cluster: 'prod', resolvedSince: at(50) }))).toEqual(['e', 'b', 'a']);
      expect(fps(await store.listAlerts({ cluster: 'prod', limit: 2 }))).toEqual(['e', 'b']);
      expect(await store.countAlerts({ status: 'firing' })).toBe(3);
      expect(await store.countAlerts({ cluster: 'prod', status: 'resolved' })).toBe(2);
    });

    it('prunes only resolved alerts that resolved before the cut-off', async () => {
      const store = ctx.store();
      await store.putAlerts([
        alert({ fingerprint: 'old', status: 'resolved', resolvedAt: at(1000) }),
        alert({ fingerprint: 'new', status: 'resolved', resolvedAt: at(9000) }),
        alert({ fingerprint: 'firing' }),
      ]);
      expect(await store.pruneAlerts(at(5000))).toBe(1);
      expect((await store.listAlerts({})).map((a) => a.fingerprint).sort()).toEqual(['firing', 'new']);
    });
  });

  describe('alert groups', () => {
    it('creates once: a second create returns the stored group unchanged', async () => {
      const store = ctx.store();
      const first = await store.createAlertGroup(group({ externalKey: '{}:{alertname="X"}' }));
      expect(first).toEqual(group({ externalKey: '{}:{alertname="X"}' }));
      const second = await store.createAlertGroup(group({ title: 'other', createdAt: at(1) }));
      expect(second).toEqual(first);
      expect(await store.getAlertGroup('prod/node_unalive')).toEqual(first);
      expect(await store.getAlertGroup('nope')).toBeUndefined();
    });

    it('patches only the given fields and clears fields set to null', async () => {
      const store = ctx.store();
      await store.createAlertGroup(group());
      const root: MessageRef = { platform: 'slack', channelId: 'C-alerts', messageId: '1700.1' };
      const acked = await store.updateAlertGroup('prod/node_unalive', {
        roots: [root],
        ackedBy: alice,
        ackedAt: at(1000),
        silencedUntil: at(3_600_000),
        silencedBy: alice,
        lastDelivery: 'sig',
        updatedAt: at(1000),
      });
      expect(acked).toEqual(
        group({
          roots: [root],
          ackedBy: alice,
          ackedAt: at(1000),
          silencedUntil: at(3_600_000),
          silencedBy: alice,
          lastDelivery: 'sig',
          updatedAt: at(1000),
        }),
      );
      // A concurrent writer of other fields (the deliverer storing roots) is not undone by this patch.
      const cleared = await store.updateAlertGroup('prod/node_unalive', {
        ackedBy: null,
        ackedAt: null,
        silencedUntil: null,
        remindedAt: at(2000),
      });
      expect(cleared?.roots).toEqual([root]);
      expect(cleared?.remindedAt).toEqual(at(2000));
      for (const key of ['ackedBy', 'ackedAt', 'silencedUntil'] as const) expect(cleared).not.toHaveProperty(key);
      expect(cleared?.silencedBy).toEqual(alice);
      expect(await store.updateAlertGroup('nope', { title: 'x' })).toBeUndefined();
      expect(await store.updateAlertGroup('prod/node_unalive', {})).toEqual(cleared);
    });

    it('lists by cluster and by external key', async () => {
      const store = ctx.store();
      await store.createAlertGroup(group());
      await store.createAlertGroup(group({ key: 'am-1', source: 'alertmanager', externalKey: 'k1', createdAt: at(1) }));
      await store.createAlertGroup(group({ key: 'test/disk', cluster: 'test', createdAt: at(2) }));
      expect((await store.listAlertGroups({ cluster: 'prod' })).map((g) => g.key)).toEqual([
        'prod/node_unalive',
        'am-1',
      ]);
      expect((await store.listAlertGroups({ externalKey: 'k1' })).map((g) => g.key)).toEqual(['am-1']);
      expect(await store.listAlertGroups({})).toHaveLength(3);
    });
  });

  describe('alert outbox', () => {
    it('delivers in order, retries with a count and an error, and completes by id', async () => {
      const store = ctx.store();
      const entry = (n: number, due: number) => ({
        groupKey: 'prod/disk',
        platform: 'slack' as const,
        channelId: 'C-alerts',
        payload: { kind: 'change', n, text: 'ü' },
        createdAt: at(n),
        nextAttemptAt: at(due),
      });
      await store.enqueueAlertDeliveries([entry(1, 0), entry(2, 0), entry(3, 10_000)]);
      const due = await store.listAlertDeliveries({ dueBy: at(5000), limit: 10 });
      expect(due.map((d) => (d.payload as { n: number }).n)).toEqual([1, 2]);
      expect(due[0]).toMatchObject({ attempts: 0, platform: 'slack', channelId: 'C-alerts', createdAt: at(1) });
      expect(due[0]).not.toHaveProperty('lastError');
      const [first, second] = due;
      await store.retryAlertDeliveries([first!.id], at(20_000), 'rate limited');
      await store.completeAlertDeliveries([second!.id]);
      const all = await store.listAlertDeliveries({ limit: 10 });
      expect(all.map((d) => (d.payload as { n: number }).n)).toEqual([1, 3]);
      expect(all[0]).toMatchObject({ attempts: 1, lastError: 'rate limited', nextAttemptAt: at(20_000) });
      expect(await store.listAlertDeliveries({ dueBy: at(15_000), limit: 10 })).toHaveLength(1);
      expect(await store.listAlertDeliveries({ limit: 1 })).toHaveLength(1);
      await store.completeAlertDeliveries([]);
      await store.retryAlertDeliveries([], at(0), 'nothing');
    });

    it('keeps undelivered entries across a restart', async () => {
      const store = ctx.store();
      await store.enqueueAlertDeliveries([
        {
          groupKey: 'g',
          platform: 'discord',
          channelId: '998877',
          payload: { kind: 'refresh' },
          createdAt: t0,
          nextAttemptAt: t0,
        },
      ]);
      const other = await ctx.reopen();
      expect(await other.listAlertDeliveries({ limit: 5 })).toMatchObject([
        { groupKey: 'g', platform: 'discord', payload: { kind: 'refresh' } },
      ]);
    });
  });

  describe('metric samples', () => {
    it('round-trips, replaces by key and filters by scope, subject, range and exact times', async () => {
      const store = ctx.store();
      const hour = 3_600_000;
      await store.putMetricSamples([
        sample(),
        sample({ at: at(60_000), readQps: 900 }),
        sample({ scope: 'node', subject: '10.0.0.1:34801' }),
        sample({ cluster: 'test' }),
        sample({ resolution: 'hour', at: at(-24 * hour), count: 60 }),
        sample({ resolution: 'hour', at: at(-48 * hour), count: 58 }),
        sample({ resolution: 'hour', at: at(-47 * hour), count: 60 }),
      ]);
      await store.putMetricSamples([sample({ at: at(60_000), readQps: 950.75 })]);
      const minutes = await store.listMetricSamples({ cluster: 'prod', resolution: 'minute', scope: 'table' });
      expect(minutes).toEqual([sample(), sample({ at: at(60_000), readQps: 950.75 })]);
      expect(
        await store.listMetricSamples({ cluster: 'prod', resolution: 'minute', since: at(1), until: at(120_000) }),
      ).toHaveLength(1);
      expect(
        await store.listMetricSamples({ cluster: 'prod', resolution: 'minute', subject: '10.0.0.1:34801' }),
      ).toHaveLength(1);
      const sameHour = await store.listMetricSamples({
        cluster: 'prod',
        resolution: 'hour',
        at: [at(-24 * hour), at(-48 * hour), at(-72 * hour)],
      });
      expect(sameHour.map((s) => s.count)).toEqual([58, 60]);
      expect(await store.pruneMetricSamples('hour', at(-30 * hour))).toBe(2);
      expect(await store.listMetricSamples({ cluster: 'prod', resolution: 'hour' })).toHaveLength(1);
      expect(await store.listMetricSamples({ cluster: 'prod', resolution: 'minute' })).toHaveLength(3);
    });
  });
}
