/**
 * The rules and baselines on hand-made inputs: the baseline arithmetic (mean QPS, median P99, same hour over
 * moving average), IOPS and P99 thresholds at their edges, quiet series, restart loops, host metrics, and
 * which rules count as covered.
 */
import { describe, expect, it } from 'vitest';
import { defaultThresholds, type Thresholds } from '../../src/config/config.js';
import type { HealthReport } from '../../src/diagnostics/run-health.js';
import {
  computeBaselines,
  median,
  rollUpHour,
  sameHourTimes,
  subjectKey,
  type Baseline,
} from '../../src/monitoring/baselines.js';
import { nextRestartHistory } from '../../src/monitoring/restart-history.js';
import {
  evaluateHosts,
  evaluateIops,
  evaluateP99Spikes,
  evaluateRules,
  type Coverage,
  type RuleInput,
} from '../../src/monitoring/rules.js';
import type { LoadReport, ServerInfo, TableStats } from '../../src/pegasus/cluster-api.js';
import type { MetricSample } from '../../src/store/store.js';

const now = new Date('2026-03-02T10:30:00Z');
const all: Coverage = {
  metas: true,
  clusterInfo: true,
  tables: true,
  nodes: true,
  servers: true,
  load: true,
  baselines: true,
};

function table(name: string, readQps: number, writeQps: number, readP99Ms = 2, writeP99Ms = 5): TableStats {
  return {
    appId: 2,
    name,
    partitionCount: 8,
    qps: {},
    readQps,
    writeQps,
    readP99Ns: readP99Ms * 1e6,
    writeP99Ns: writeP99Ms * 1e6,
    sstMb: 0,
    sstFiles: 0,
    memtableMb: 0,
  };
}

function loadOf(tables: TableStats[]): LoadReport {
  return { intervalMs: 1000, nodes: [], tables, unreachable: [], bytesFetched: 0 };
}

const health: HealthReport = {
  cluster: 'prod',
  status: 'ok',
  title: 'prod: all checks ok',
  findings: [],
  reachable: true,
  summary: {},
  tried: [],
  at: now,
  durationMs: 1,
};

function input(
  overrides: Omit<Partial<RuleInput>, 'thresholds'> & { thresholds?: Partial<Thresholds> } = {},
): RuleInput {
  return {
    now,
    health,
    seen: all,
    baselines: new Map(),
    restarts: {},
    ...overrides,
    thresholds: { ...defaultThresholds(), ...overrides.thresholds },
  };
}

function baseline(readQps: number, writeQps: number, readP99Ms = 2, writeP99Ms = 5): Baseline {
  return { readQps, writeQps, readP99Ms, writeP99Ms, method: 'moving average', basis: 10 };
}

function minuteSample(at: Date, readQps: number, readP99Ms: number, subject = 'temp'): MetricSample {
  return {
    cluster: 'prod',
    scope: 'table',
    subject,
    resolution: 'minute',
    at,
    readQps,
    writeQps: 1,
    readP99Ms,
    writeP99Ms: 1,
    count: 1,
  };
}

describe('baselines', () => {
  it('rolls an hour up with mean QPS and median P99 (percentiles are never averaged)', () => {
    const hour = new Date('2026-03-02T09:00:00Z');
    const minutes = [10, 20, 30, 1000].map((p99, i) =>
      minuteSample(new Date(hour.getTime() + i * 60_000), 100 * (i + 1), p99),
    );
    const [rolled] = rollUpHour(minutes, hour);
    expect(rolled).toMatchObject({ resolution: 'hour', at: hour, readQps: 250, readP99Ms: 25, count: 4 });
    expect(median([3, 1, 2])).toBe(2);
  });

  it('uses the same hour of earlier days when known, else a moving average of earlier minutes', () => {
    const minutes = Array.from({ length: 6 }, (_, i) =>
      minuteSample(new Date(now.getTime() - (6 - i) * 60_000), 100 + i, 2),
    );
    // The current minute's own sample is not part of its baseline.
    minutes.push(minuteSample(new Date('2026-03-02T10:30:00Z'), 99_999, 99));
    const moving = computeBaselines([], minutes, now).get(subjectKey('table', 'temp'));
    expect(moving).toMatchObject({ method: 'moving average', basis: 6, readQps: 102.5, readP99Ms: 2 });
    expect(computeBaselines([], minutes.slice(0, 4), now).size).toBe(0);

    const times = sameHourTimes(now);
    expect(times[0]?.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(times).toHaveLength(7);
    const sameHour = [500, 700, 600].map((q, i) => ({
      ...minuteSample(times[i] ?? now, q, 4),
      resolution: 'hour' as const,
      count: 60,
    }));
    const thin = { ...minuteSample(times[3] ?? now, 1, 1), resolution: 'hour' as const, count: 3 };
    const daily = computeBaselines([...sameHour, thin], minutes, now).get(subjectKey('table', 'temp'));
    expect(daily).toMatchObject({ method: 'same hour', basis: 3, readQps: 600, readP99Ms: 4 });
  });
});

describe('iops_change', () => {
  const base = new Map([[subjectKey('table', 'busy'), baseline(1000, 200)]]);

  it('pages on a rise to the ratio and a fall to the fraction, not just below or above them', () => {
    const at = (read: number) => evaluateIops(input({ load: loadOf([table('busy', read, 200)]), baselines: base }));
    expect(at(2999).map((e) => e.verdict)).toEqual(['ok']);
    expect(at(3000).map((e) => `${e.subject} ${e.verdict}`)).toEqual(['busy read warn']);
    expect(at(301).map((e) => e.verdict)).toEqual(['ok']);
    expect(at(300)[0]?.summary).toMatch(/a sudden fall/);
  });

  it('ignores quiet series below the minimum volume, however large the change', () => {
    const quiet = new Map([[subjectKey('table', 'quiet'), baseline(5, 0)]]);
    const rows = evaluateIops(input({ load: loadOf([table('quiet', 90, 0)]), baselines: quiet }));
    expect(rows).toMatchObject([{ verdict: 'ok', value: '0 compared, 2 quiet' }]);
    // From nothing to real traffic pages, once the traffic reaches the minimum volume.
    const fromZero = evaluateIops(input({ load: loadOf([table('quiet', 150, 0)]), baselines: quiet }));
    expect(fromZero.map((e) => e.subject)).toEqual(['quiet read']);
  });

  it('says "learning" for series without a baseline and "no data" without a load sample', () => {
    expect(evaluateIops(input({ load: loadOf([table('new', 5000, 0)]) })).map((e) => e.verdict)).toEqual(['learning']);
    expect(evaluateIops(input({ seen: { ...all, load: false } })).map((e) => e.verdict)).toEqual(['no data']);
    expect(evaluateIops(input({ seen: { ...all, baselines: false } })).map((e) => e.verdict)).toEqual(['no data']);
  });
});

describe('p99_spike', () => {
  const base = new Map([[subjectKey('table', 't'), baseline(1000, 1000, 5, 1)]]);
  const spike = (readMs: number, writeMs: number, qps = 1000) =>
    evaluateP99Spikes(input({ load: loadOf([table('t', qps, qps, readMs, writeMs)]), baselines: base }))
      .filter((e) => e.verdict === 'warn')
      .map((e) => e.subject);

  it('needs both the relative jump and the absolute floor, with traffic behind it', () => {
    expect(spike(20, 1)).toEqual(['t read']);
    expect(spike(14, 1)).toEqual([]);
    // ×15 but only 15 ms: under the absolute floor (20 ms).
    expect(spike(5, 15)).toEqual([]);
    expect(spike(5, 25)).toEqual(['t write']);
    expect(spike(500, 500, 9)).toEqual([]);
  });
});

describe('restart history and loops', () => {
  const server = (startTime: string): ServerInfo => ({
    address: 'n1:1',
    role: 'replica',
    version: '2.6.0',
    startTime,
  });

  it('counts start time changes within the window and forgets older ones', () => {
    const window = 30 * 60_000;
    let h = nextRestartHistory({}, [server('a')], now, window);
    expect(h['n1:1']?.changes).toEqual([]);
    const t = (m: number) => new Date(now.getTime() + m * 60_000);
    h = nextRestartHistory(h, [server('b')], t(1), window);
    h = nextRestartHistory(h, [server('b')], t(2), window);
    h = nextRestartHistory(h, [server('c')], t(3), window);
    expect(h['n1:1']?.changes).toHaveLength(2);
    const rows = evaluateRules(input({ restarts: h, thresholds: { restartLoopCount: 2 } })).evaluations.filter(
      (e) => e.rule === 'restart_loop',
    );
    expect(rows).toMatchObject([{ subject: 'n1:1', verdict: 'crit', value: '2 restarts' }]);
    h = nextRestartHistory(h, [server('c')], t(40), window);
    expect(h['n1:1']?.changes).toEqual([]);
  });
});

describe('hosts (cpu, network)', () => {
  it('needs a source; a failing source is "no data", not "ok"', () => {
    expect(evaluateHosts(input()).map((e) => `${e.rule} ${e.verdict}`)).toEqual(['cpu no data', 'network no data']);
    const failed = evaluateHosts(input({ hosts: { ok: false, error: { code: 'X', message: 'prometheus down' } } }));
    expect(failed[0]?.summary).toMatch(/prometheus down/);
    const rows = evaluateHosts(input({ hosts: { ok: true, value: [{ host: 'h1', cpuPct: 86, netRxMbps: 960 }] } }));
    expect(rows.map((e) => `${e.rule} ${e.subject} ${e.verdict}`)).toEqual(['cpu h1 warn', 'network h1 crit']);
  });
});

describe('evaluateRules', () => {
  it('covers only the rules whose input was read', () => {
    const { evaluations, covered } = evaluateRules(input({ seen: { ...all, load: false } }));
    for (const rule of ['memory', 'disk', 'sessions', 'p99_high', 'iops_change', 'p99_spike']) {
      expect(covered.has(rule as never)).toBe(false);
      expect(evaluations.filter((e) => e.rule === rule).map((e) => e.verdict)).toEqual(['no data']);
    }
    expect(covered.has('node_unalive')).toBe(true);
    expect(covered.has('cpu')).toBe(false);
  });

  it('reports only cluster_unreachable when no meta server answers', () => {
    const down: HealthReport = {
      ...health,
      status: 'unknown',
      reachable: false,
      tried: [{ address: 'm1:1', error: 'connect ECONNREFUSED' }],
    };
    const { evaluations, covered } = evaluateRules(input({ health: down }));
    expect([...covered]).toEqual(['cluster_unreachable']);
    expect(evaluations[0]).toMatchObject({ rule: 'cluster_unreachable', verdict: 'crit' });
    expect(evaluations[0]?.advice).toMatch(/contact the machine provider/);
  });
});
