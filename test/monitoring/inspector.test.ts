/**
 * The inspection loop against the in-memory fake cluster, a real SQLite store and a recording sink: each
 * rule fires on its fault and resolves (after the damping) once the fault is gone, quiet tables do not page,
 * baselines come from the stored history, restart loops are seen across inspections, a cluster that does not
 * answer fires its own alert without resolving the others, and the schedule runs each cluster once a period.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { loadConfig, type Config, type Thresholds } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { AlertPipeline, alertFingerprint } from '../../src/monitoring/alert-pipeline.js';
import { ChannelPacer } from '../../src/monitoring/channel-pacer.js';
import { Inspector, type InspectionReport } from '../../src/monitoring/inspector.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakePegasus, serverTimeString } from '../support/fake-pegasus.js';
import { RecordingSink } from './recording-sink.js';

const minute = 60_000;

describe('Inspector', () => {
  let clock: ManualClock;
  let store: SqliteStore;
  let fake: FakePegasus;
  let sink: RecordingSink;
  let config: Config;
  let cluster: ClusterHandle;
  let pipeline: AlertPipeline;
  let inspector: Inspector;

  function build(thresholds: Partial<Thresholds> = {}): void {
    config = loadConfig(
      { SLACK_BOT_TOKEN: 'x', SLACK_SIGNING_SECRET: 'y', SLACK_ALERT_CHANNEL: 'C-alerts', PEGASUS_CONFIG: 'c.json' },
      () => JSON.stringify({ clusters: [{ name: 'prod', metaServers: fake.metaServers, thresholds }] }),
    );
    const clusterConfig = config.clusters[0];
    if (!clusterConfig) throw new Error('no cluster');
    cluster = { name: 'prod', config: clusterConfig, api: fake };
    pipeline = new AlertPipeline({
      store,
      clock,
      config,
      sinks: [sink],
      logger: silentLogger(),
      pacer: new ChannelPacer(0),
    });
    inspector = new Inspector({ clusters: [cluster], store, clock, config, pipeline, sampleIntervalMs: 10 });
  }

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T10:00:00Z');
    store = new SqliteStore({ filename: ':memory:', clock });
    await store.migrate();
    fake = new FakePegasus();
    sink = new RecordingSink('slack');
    build();
  });

  afterEach(async () => {
    await pipeline.stop();
    await store.close();
  });

  async function inspect(): Promise<InspectionReport> {
    clock.advance(minute);
    const outcome = await inspector.inspect(cluster, { force: true });
    if (!outcome.ran) throw new Error(`inspection skipped: ${outcome.reason}`);
    await pipeline.deliver();
    return outcome.report;
  }

  const verdicts = (r: InspectionReport, rule: string) =>
    r.evaluations.filter((e) => e.rule === rule).map((e) => `${e.subject}=${e.verdict}`);

  async function firing(rule: string): Promise<string[]> {
    return (await store.listAlerts({ groupKey: `prod/${rule}`, status: 'firing' })).map((a) => a.subject).sort();
  }

  it('reports every rule on a healthy cluster, with no alert', async () => {
    const r = await inspect();
    const rules = new Set(r.evaluations.map((e) => e.rule));
    expect(rules.size).toBe(21);
    expect(r.evaluations.filter((e) => e.verdict === 'warn' || e.verdict === 'crit')).toEqual([]);
    expect(verdicts(r, 'cpu')).toEqual(['cluster=no data']);
    expect(verdicts(r, 'iops_change')).toEqual(['cluster=learning']);
    expect(r.changes).toEqual([]);
    expect(sink.calls).toEqual([]);
    expect(await store.getState('inspect:last:prod')).toMatchObject({ reachable: true, status: 'ok', firing: 0 });
  });

  const faults: {
    rule: string;
    subjects: string[];
    severity: 'warn' | 'crit';
    inject: () => void;
    clear: () => void;
    thresholds?: Partial<Thresholds>;
  }[] = [
    {
      rule: 'node_unalive',
      subjects: ['127.0.0.1:34802'],
      severity: 'crit',
      inject: () => fake.makeUnalive('127.0.0.1:34802'),
      clear: () => fake.makeAlive('127.0.0.1:34802'),
    },
    {
      rule: 'availability',
      subjects: ['temp'],
      severity: 'crit',
      inject: () => fake.makePartitionsUnhealthy('temp', { noPrimary: 1 }),
      clear: () => fake.makePartitionsUnhealthy('temp', {}),
    },
    {
      rule: 'memory',
      subjects: ['127.0.0.1:34803'],
      severity: 'warn',
      inject: () => fake.setNodeLoad('127.0.0.1:34803', { residentMemMb: 26_000 }),
      clear: () => fake.setNodeLoad('127.0.0.1:34803', { residentMemMb: 4096 }),
    },
    {
      rule: 'disk',
      subjects: ['127.0.0.1:34801'],
      severity: 'crit',
      inject: () => fake.setNodeLoad('127.0.0.1:34801', { diskAvailMb: 50_000 }),
      clear: () => fake.setNodeLoad('127.0.0.1:34801', { diskAvailMb: 600_000 }),
    },
    {
      rule: 'sessions',
      subjects: ['127.0.0.1:34804'],
      severity: 'warn',
      inject: () => fake.setNodeLoad('127.0.0.1:34804', { sessions: 6000 }),
      clear: () => fake.setNodeLoad('127.0.0.1:34804', { sessions: 100 }),
    },
    {
      rule: 'version_drift',
      subjects: ['cluster'],
      severity: 'warn',
      inject: () => fake.setVersion('127.0.0.1:34805', '2.5.0'),
      clear: () => fake.setVersion('127.0.0.1:34805', '2.6.0'),
    },
    {
      rule: 'meta_level',
      subjects: ['cluster'],
      severity: 'warn',
      inject: () => fake.setStoredLevel('lively'),
      clear: () => fake.setStoredLevel('steady'),
    },
    {
      rule: 'skew',
      subjects: ['replica_count'],
      severity: 'warn',
      inject: () => fake.skew('127.0.0.1:34801', { replicas: 12 }),
      clear: () => fake.skew('127.0.0.1:34801', {}),
    },
    {
      rule: 'unreachable',
      subjects: ['127.0.0.1:34803'],
      severity: 'warn',
      inject: () => fake.makeUnreachable('127.0.0.1:34803'),
      clear: () => fake.makeReachable('127.0.0.1:34803'),
    },
    {
      rule: 'p99_high',
      subjects: ['stat'],
      severity: 'warn',
      inject: () => fake.setTableLoad('stat', { readP99Ns: 300_000_000 }),
      clear: () => fake.setTableLoad('stat', { readP99Ns: 2_000_000 }),
    },
    {
      rule: 'balance_pending',
      subjects: ['cluster'],
      severity: 'warn',
      inject: () => fake.setBalanceOperations({ copySec: 4, total: 4 }),
      clear: () => fake.setBalanceOperations({ copySec: 0, total: 0 }),
      thresholds: { balancePendingMs: 90_000 },
    },
  ];

  for (const f of faults) {
    it(`fires ${f.rule} on its fault and resolves it after the damping once the fault is gone`, async () => {
      if (f.thresholds) build(f.thresholds);
      await inspect();
      f.inject();
      let r = await inspect();
      if (f.rule === 'balance_pending') {
        await inspect();
        r = await inspect();
      }
      expect(verdicts(r, f.rule).filter((v) => !v.endsWith('=ok'))).toEqual(
        f.subjects.map((s) => `${s}=${f.severity}`),
      );
      expect(await firing(f.rule)).toEqual(f.subjects);
      const root = sink.roots().find((c) => c.reply.data?.['alertGroup'] === `prod/${f.rule}`);
      expect(root?.reply.status).toBe(f.severity);
      expect(root?.reply.findings[0]?.advice).toBeTruthy();

      f.clear();
      r = await inspect();
      expect(verdicts(r, f.rule).every((v) => v.endsWith('=ok'))).toBe(true);
      expect(await firing(f.rule)).toEqual(f.subjects);
      r = await inspect();
      expect(await firing(f.rule)).toEqual([]);
      expect(r.changes.filter((c) => c.kind === 'resolved').map((c) => c.subject)).toEqual(
        expect.arrayContaining(f.subjects),
      );
      const resolvedReply = sink.repliesTo(root?.messageId ?? '').at(-1);
      expect(resolvedReply?.reply.findings[0]?.summary).toMatch(/^RESOLVED after /);
    });
  }

  it('recommends freezing (behind approval) when many servers are faulty', async () => {
    fake.makeUnalive('127.0.0.1:34801').makeUnalive('127.0.0.1:34802');
    const r = await inspect();
    const faulty = r.evaluations.find((e) => e.rule === 'faulty_servers');
    expect(faulty).toMatchObject({ verdict: 'crit', subject: 'cluster', value: '2 of 5 UNALIVE' });
    expect(faulty?.action).toMatchObject({ kind: 'run', ref: 'set_meta_level freezed' });
    const root = sink.roots().find((c) => c.reply.data?.['alertGroup'] === 'prod/faulty_servers');
    expect(root?.reply.findings[0]?.action?.ref).toBe('set_meta_level freezed');
    expect(await firing('node_unalive')).toEqual(['127.0.0.1:34801', '127.0.0.1:34802']);
  });

  it('fires cluster_unreachable when no meta server answers and keeps the other alerts open', async () => {
    fake.makeUnalive('127.0.0.1:34802');
    await inspect();
    fake.makeClusterUnreachable();
    for (let i = 0; i < 3; i++) await inspect();
    expect(await firing('cluster_unreachable')).toEqual(['cluster']);
    // Nobody could look at the nodes: the UNALIVE alert stays as it was.
    expect(await firing('node_unalive')).toEqual(['127.0.0.1:34802']);
    expect(await store.getState('inspect:last:prod')).toMatchObject({ reachable: false });
  });

  it('sees a restart loop from start times changing between inspections', async () => {
    build({ restartLoopCount: 3, restartLoopWindowMs: 30 * minute });
    await inspect();
    for (let i = 1; i <= 3; i++) {
      fake.restart('127.0.0.1:34803', serverTimeString(new Date(clock.now().getTime() + 30_000)));
      await inspect();
    }
    expect(await firing('restart_loop')).toEqual(['127.0.0.1:34803']);
    const alert = await store.getAlert(alertFingerprint('prod', 'restart_loop', '127.0.0.1:34803'));
    expect(alert?.severity).toBe('crit');
    expect((alert?.detail as { advice?: string }).advice).toMatch(/pause the process supervisor/);
    expect(await firing('restart')).toEqual(['127.0.0.1:34803']);
  });

  it('compares IOPS and P99 with the stored baseline; quiet tables never page', async () => {
    // `temp` is busy (1,000 reads/s), `stat` is quiet (2 reads/s).
    fake.setTableLoad('temp', { qps: { get: 1000, multi_get: 0, scan: 0, put: 200, multi_put: 0, remove: 0 } });
    fake.setTableLoad('stat', { qps: { get: 2, multi_get: 0, scan: 0, put: 1, multi_put: 0, remove: 0 } });
    for (let i = 0; i < 6; i++) await inspect();
    const learned = await inspect();
    expect(verdicts(learned, 'iops_change')).toEqual(['cluster=ok']);
    expect(learned.evaluations.find((e) => e.rule === 'iops_change')?.value).toMatch(/quiet/);

    fake.setTableLoad('temp', { qps: { get: 6000 } });
    fake.setTableLoad('stat', { qps: { get: 20 } });
    fake.setTableLoad('temp', { readP99Ns: 80_000_000 });
    const r = await inspect();
    const iops = r.evaluations.filter((e) => e.rule === 'iops_change' && e.verdict === 'warn');
    expect(iops.map((e) => e.subject)).toEqual(['temp read']);
    expect(iops[0]?.threshold).toMatch(/^baseline 1000 qps \(moving average of 7 samples\)/);
    expect(iops[0]?.summary).toMatch(/table temp: read QPS 6000 is 6\.0× its baseline 1000 \(a sudden rise\)/);
    const spikes = r.evaluations.filter((e) => e.rule === 'p99_spike' && e.verdict === 'warn');
    expect(spikes.map((e) => e.subject)).toEqual(['temp read']);
    expect(await firing('iops_change')).toEqual(['temp read']);

    // A fall counts too.
    fake.setTableLoad('temp', { qps: { get: 50 }, readP99Ns: 2_000_000 });
    const fallen = await inspect();
    expect(fallen.evaluations.find((e) => e.rule === 'iops_change' && e.verdict === 'warn')?.summary).toMatch(
      /a sudden fall/,
    );
  });

  it('prefers the same hour of previous days over the moving average', async () => {
    const hour = 3_600_000;
    const day = 24 * hour;
    const now = clock.now().getTime() + minute;
    const thisHour = Math.floor(now / hour) * hour;
    await store.putMetricSamples(
      [1, 2, 3].map((d) => ({
        cluster: 'prod',
        scope: 'table' as const,
        subject: 'temp',
        resolution: 'hour' as const,
        at: new Date(thisHour - d * day),
        readQps: 5000,
        writeQps: 100,
        readP99Ms: 2,
        writeP99Ms: 5,
        count: 60,
      })),
    );
    fake.setTableLoad('temp', { qps: { get: 1000, multi_get: 0, scan: 0 } });
    const r = await inspect();
    const fall = r.evaluations.find((e) => e.rule === 'iops_change' && e.subject === 'temp read');
    expect(fall?.verdict).toBe('warn');
    expect(fall?.threshold).toMatch(/^baseline 5000 qps \(same hour, 3 days\)/);
  });

  it('rolls minute samples up into hours and keeps history bounded', async () => {
    for (let i = 0; i < 70; i++) await inspect();
    const hours = await store.listMetricSamples({ cluster: 'prod', resolution: 'hour', subject: 'temp' });
    expect(hours.length).toBeGreaterThanOrEqual(1);
    expect(hours[0]?.count).toBeGreaterThan(0);
    clock.advance(5 * 3_600_000);
    await inspect();
    const minutes = await store.listMetricSamples({ cluster: 'prod', resolution: 'minute' });
    // Minute samples older than three hours are gone.
    expect(minutes.every((s) => clock.now().getTime() - s.at.getTime() <= 3 * 3_600_000)).toBe(true);
  });

  it('runs each cluster once per period on the schedule, and not while another holds its lock', async () => {
    clock.advance(minute);
    expect(await inspector.tick()).toHaveLength(1);
    expect(await inspector.tick()).toHaveLength(0);
    clock.advance(config.inspectEveryMs);
    const held = await store.withLock('inspect:prod', () => inspector.inspect(cluster, { force: true }));
    expect(held).toEqual({ ran: true, value: { ran: false, reason: 'locked' } });
    expect(await inspector.tick()).toHaveLength(1);
  });

  it('reports CPU and network from an injected host metrics source', async () => {
    inspector = new Inspector({
      clusters: [cluster],
      store,
      clock,
      config,
      pipeline,
      sampleIntervalMs: 10,
      hostStats: async () => ({
        ok: true,
        value: [
          { host: '127.0.0.1', cpuPct: 97, netRxMbps: 100, netTxMbps: 850 },
          { host: '127.0.0.2', cpuPct: 20, netRxMbps: 10, netTxMbps: 10 },
        ],
      }),
    });
    const r = await inspect();
    expect(verdicts(r, 'cpu')).toEqual(['127.0.0.1=crit']);
    expect(verdicts(r, 'network')).toEqual(['127.0.0.1=warn']);
    expect(await firing('cpu')).toEqual(['127.0.0.1']);
  });
});
