/**
 * `health` reads load at node level: the latency-sensitive tables and the tables the last inspection flagged
 * are sampled now, the other tables' P99 comes from the inspection's recent minute sample (and the finding
 * says so), tables nobody measured are named. The inspection loop's `collectHealth` keeps the full sample.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { defaultThresholds, type ClusterConfig } from '../../src/config/config.js';
import { checkTableP99Sources } from '../../src/diagnostics/check-load.js';
import { collectHealth, runHealth, type HealthDeps } from '../../src/diagnostics/run-health.js';
import type { LoadOptions, PegasusApi } from '../../src/pegasus/cluster-api.js';
import type { Finding } from '../../src/replies/reply.js';
import type { MetricSample, MetricSampleQuery, Store } from '../../src/store/store.js';
import { FakePegasus } from '../support/fake-pegasus.js';
import { MemoryStore } from './memory-store.js';

const now = new Date('2026-01-01T12:00:40Z');

/** The fake cluster, with `load` answering a node-level request as the client does (only the tables asked for). */
function nodeLevelApi(fake: FakePegasus, asked: LoadOptions[]): PegasusApi {
  return new Proxy(fake, {
    get(target, prop, receiver) {
      if (prop !== 'load') {
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (options: LoadOptions = {}) => {
        asked.push(options);
        const report = await target.load({
          ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
        });
        if (!report.ok || options.scope !== 'nodes') return report;
        const chosen = new Set(options.tables ?? []);
        return {
          ok: true,
          value: { ...report.value, scope: 'nodes', tables: report.value.tables.filter((t) => chosen.has(t.name)) },
        };
      };
    },
  });
}

/** The diagnostics store with the inspection's minute samples (or a failing read). */
function storeWith(samples: MetricSample[] | 'fail'): Store {
  const base = new MemoryStore().asStore();
  return new Proxy(base, {
    get(target, prop, receiver) {
      if (prop === 'listMetricSamples') {
        return (q: MetricSampleQuery) => {
          if (samples === 'fail') return Promise.reject(new Error('database is locked'));
          return Promise.resolve(
            samples.filter(
              (s) =>
                s.cluster === q.cluster &&
                s.resolution === q.resolution &&
                (q.scope === undefined || s.scope === q.scope) &&
                (q.since === undefined || s.at >= q.since),
            ),
          );
        };
      }
      return Reflect.get(target, prop, receiver) as unknown;
    },
  });
}

function sample(subject: string, at: string, readP99Ms: number, writeP99Ms = 5): MetricSample {
  return {
    cluster: 'onebox',
    scope: 'table',
    subject,
    resolution: 'minute',
    at: new Date(at),
    readQps: 1200,
    writeQps: 300,
    readP99Ms,
    writeP99Ms,
    count: 1,
  };
}

function setup(samples: MetricSample[] | 'fail', cluster: Partial<ClusterConfig> = {}) {
  const fake = new FakePegasus({
    tables: [
      { name: 'temp', partitions: 4 },
      { name: 'stat', partitions: 4 },
      { name: 'orders', partitions: 8 },
      { name: 'feed', partitions: 8 },
    ],
  });
  const asked: LoadOptions[] = [];
  const config: ClusterConfig = {
    name: 'onebox',
    metaServers: [...fake.metaServers],
    latencySensitiveTables: [{ name: 'orders', readP99Ms: 10, writeP99Ms: 20 }],
    thresholds: defaultThresholds(),
    ...cluster,
  };
  const handle: ClusterHandle = { name: config.name, config, api: nodeLevelApi(fake, asked) };
  const deps: HealthDeps = {
    cluster: handle,
    store: storeWith(samples),
    clock: new ManualClock(now),
    config: { timezone: 'UTC', timeoutMs: 1000 },
  };
  return { fake, deps, asked };
}

const p99Findings = (findings: readonly Finding[]) => findings.filter((f) => f.check === 'table_p99');

describe('health at node level', () => {
  it('samples the latency-sensitive tables now and takes the others from the inspection a minute ago', async () => {
    const { deps, asked } = setup([
      sample('temp', '2026-01-01T12:00:00Z', 4),
      sample('stat', '2026-01-01T12:00:00Z', 3),
      sample('feed', '2026-01-01T12:00:00Z', 2),
      sample('orders', '2026-01-01T12:00:00Z', 3),
      // An older minute is not what the inspection saw last.
      sample('temp', '2026-01-01T11:59:00Z', 400),
    ]);
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(asked).toEqual([{ intervalMs: 10, scope: 'nodes', tables: ['orders'] }]);
    expect(reply.status).toBe('ok');
    expect(p99Findings(reply.findings).map((f) => [f.severity, f.summary])).toEqual([
      [
        'ok',
        'P99 within limits on 1 table sampled now and 3 tables (inspection sample at most 40s old) (1 latency-sensitive table with their own limits)',
      ],
    ]);
  });

  it('samples again the tables the inspection flagged, worst first, and says where each figure comes from', async () => {
    const { deps, asked, fake } = setup([
      sample('temp', '2026-01-01T12:00:00Z', 250),
      sample('stat', '2026-01-01T12:00:00Z', 150),
      sample('feed', '2026-01-01T12:00:00Z', 2),
    ]);
    // Still slow now; `stat` is left to the stored figure by the limit of one resampled table.
    const temp = fake.tables.find((t) => t.name === 'temp');
    if (temp) temp.readP99Ns = 180_000_000;
    const reply = await runHealth(deps, { intervalMs: 10, maxFlaggedTables: 1 });
    expect(asked[0]?.tables).toEqual(['orders', 'temp']);
    const findings = p99Findings(reply.findings);
    expect(findings.map((f) => [f.severity, f.subject, f.summary]).sort()).toEqual([
      ['warn', 'stat', 'table stat: read P99 150.00 ms > 100 ms (inspection sample at most 40s old)'],
      ['warn', 'temp', 'table temp: read P99 180.00 ms > 100 ms (sampled now)'],
    ]);
    expect(findings.find((f) => f.subject === 'stat')?.evidence?.['source']).toBe('inspection sample at most 40s old');
  });

  it('names the tables whose P99 nobody measured when there is no recent inspection sample', async () => {
    const { deps } = setup([sample('temp', '2026-01-01T11:57:00Z', 4)]);
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.status).toBe('ok');
    const info = p99Findings(reply.findings).find((f) => f.severity === 'info');
    expect(info?.summary).toBe(
      'per-table P99 not measured for 3 tables (temp, stat, feed): health samples node P99 and the latency-sensitive tables, and no recent inspection sample covers the others; `app_stat` samples every table',
    );
  });

  it('says so when the inspection samples cannot be read, and still checks the nodes', async () => {
    const { deps } = setup('fail');
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.findings.find((f) => f.check === 'state')?.summary).toBe(
      "could not read the inspection's table samples from the store: database is locked",
    );
    expect(reply.findings.some((f) => f.check === 'node_p99' && f.severity === 'ok')).toBe(true);
    expect(reply.findings.find((f) => f.check === 'node_p99')?.summary).toContain('(each node’s RPC latency)');
  });

  it('keeps the full per-table sample for the inspection loop (collectHealth without a scope)', async () => {
    const { deps, asked } = setup([]);
    const report = await collectHealth(deps, { intervalMs: 10 });
    expect(asked).toEqual([{ intervalMs: 10 }]);
    expect(p99Findings(report.findings).map((f) => f.summary)).toEqual([
      'P99 within limits on 4 tables (1 latency-sensitive table with their own limits)',
    ]);
  });
});

describe('table P99 from several sources', () => {
  const thresholds = defaultThresholds();
  const fig = (name: string, readMs: number) => ({
    name,
    readP99Ns: readMs * 1e6,
    writeP99Ns: 1e6,
    readQps: 10,
    writeQps: 5,
  });

  it('prefers the fresh figure of a table over the stored one and ignores tables the cluster no longer has', () => {
    const findings = checkTableP99Sources(
      [fig('a', 5)],
      {
        allTables: ['a', 'b'],
        stored: { at: new Date(now.getTime() - 95_000), tables: [fig('a', 500), fig('b', 120), fig('dropped', 900)] },
        now,
      },
      thresholds,
    );
    expect(findings.map((f) => [f.severity, f.subject, f.summary])).toEqual([
      ['warn', 'b', 'table b: read P99 120.00 ms > 100 ms (inspection sample at most 1m old)'],
    ]);
  });
});
