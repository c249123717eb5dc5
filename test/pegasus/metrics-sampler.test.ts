import pLimit from 'p-limit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpGet } from '../../src/pegasus/http-get.js';
import { buildLoadReport, type NodeSample, type Topology } from '../../src/pegasus/load-report.js';
import {
  counterSample,
  primaryLoads,
  replicaKey,
  replicaMetricsPath,
  sampleNode,
  sampleReplicaServers,
  type CounterSample,
  type MetricsSamplerOptions,
  type NodePlan,
} from '../../src/pegasus/metrics-sampler.js';
import { FakeCluster, ops, p99Of, rateOf, sstMbOf } from './support/fake-cluster.js';

function body(timestamp: string, getRequests: number, putRequests = 0): string {
  return `{\n    "timestamp_ns": ${timestamp},\n    "entities": [\n        {\n            "type": "replica",\n            "id": "replica@2.0",\n            "attributes": {\n                "table_id": "2",\n                "partition_id": "0"\n            },\n            "metrics": [\n                {\n                    "name": "get_requests",\n                    "value": ${getRequests}\n                },\n                {\n                    "name": "put_requests",\n                    "value": ${putRequests}\n                }\n            ]\n        }\n    ]\n}`;
}

const endpoint = 'GET /metrics from a:1';

function first(text: string, wanted: ReadonlySet<number>): CounterSample {
  const sample = counterSample(text, endpoint, wanted);
  if (!sample.ok) throw new Error(sample.error);
  return sample.value;
}

function loads(from: CounterSample, text: string, wanted: ReadonlySet<number>) {
  const result = primaryLoads(from, text, endpoint, wanted, 1);
  if (!result.ok) throw new Error(result.error);
  return result.value;
}

describe('primaryLoads', () => {
  const wanted = new Set([replicaKey(2, 0)]);

  it('divides by the exact Δtimestamp_ns even above 2^53', () => {
    // JSON numbers would round both stamps to multiples of 256 and get Δ wrong by up to 256 ns.
    const [load] = loads(
      first(body('1773405197000000001', 1_000_000), wanted),
      body('1773405198000000000', 1_001_000),
      wanted,
    );
    expect(load?.qps.get).toBeCloseTo(1000 / 0.999999999, 7);
  });

  it('gives no negative rate when a counter went down (process restarted between samples)', () => {
    const [load] = loads(
      first(body('1773405197000000000', 500, 10), wanted),
      body('1773405198000000000', 20, 30),
      wanted,
    );
    expect(load?.qps.get).toBe(0);
    expect(load?.qps.put).toBe(20);
  });

  it('skips replicas that are not wanted (secondaries)', () => {
    const other = new Set([replicaKey(2, 1)]);
    expect(first(body('1', 1), other).counters.size).toBe(0);
    expect(loads(first(body('1', 1), other), body('1000000001', 2), other)).toEqual([]);
  });

  it('fails with the entity, metric and field when a value is not a number', () => {
    const bad = primaryLoads(
      first(body('1', 1), wanted),
      body('2', 1).replace('"value": 1', '"value": "1"'),
      endpoint,
      wanted,
      1,
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain('GET /metrics from a:1');
    expect(!bad.ok && bad.error).toContain('entities[replica@2.0].metrics[get_requests].value');
  });
});

describe('sampling replica servers', () => {
  let cluster: FakeCluster;
  beforeEach(async () => {
    cluster = await FakeCluster.start({ metas: 1, nodes: 3 });
  });
  afterEach(async () => {
    await cluster.close();
  });

  const options = (extra: Partial<MetricsSamplerOptions> = {}): MetricsSamplerOptions & { bytes: () => number } => {
    let bytes = 0;
    return {
      get: async (address, path, binary) => {
        const answer = await httpGet(address, path, { fetch, timeoutMs: 500, ...(binary === true ? { binary } : {}) });
        if (answer.ok) bytes += answer.value.bytes;
        return answer;
      },
      limit: pLimit(4),
      intervalMs: 1000,
      sleep: async () => {},
      bytes: () => bytes,
      ...extra,
    };
  };

  const planFor = (node: number): NodePlan => ({
    address: cluster.address(node),
    primaries: [...cluster.partitions()]
      .filter((p) => p.primary === node)
      .map((p) => ({ appId: p.appId, pidx: p.pidx })),
  });

  it('asks only for the primaries, the needed metrics and fields, and computes exact rates', async () => {
    const plan = planFor(0);
    const o = options();
    const sample = await sampleNode(plan, o);
    if (!sample.ok) throw new Error(sample.error);

    const metricsRequests = cluster.nodes[0]?.requests ?? [];
    expect(metricsRequests).toHaveLength(3);
    const ids = plan.primaries.map((p) => `replica@${p.appId}.${p.pidx}`);
    expect(metricsRequests).toContain(replicaMetricsPath(ids, false));
    expect(metricsRequests).toContain(replicaMetricsPath(ids, true));
    for (const url of metricsRequests) {
      expect(url).toMatch(/with_metric_fields=name,value(,p99)?$/);
      expect(url).not.toContain('detail');
    }

    expect(sample.value.primaries.map((p) => `${p.appId}.${p.pidx}`).sort()).toEqual(
      plan.primaries.map((p) => `${p.appId}.${p.pidx}`).sort(),
    );
    for (const load of sample.value.primaries) {
      for (const op of ops) {
        // The fake's clock moves 1 s per request and the server request may fall between the two samples.
        expect(load.qps[op]).toBeCloseTo(rateOf(load.appId, load.pidx, op), 6);
        expect(load.p99Ns[op]).toBe(p99Of(load.appId, load.pidx, op, true));
      }
      expect(load.sstMb).toBe(sstMbOf(load.appId, load.pidx));
    }
    expect(sample.value.residentMemMb).toBe(1000);
    expect(sample.value.sessions).toBe(10);
    expect(sample.value.diskTotalMb).toBe(3000);
    expect(sample.value.diskAvailMb).toBe(1000);
    expect(sample.value.replicas['total']).toBe(
      [...cluster.partitions()].filter((p) => p.primary === 0 || p.secondaries.includes(0)).length,
    );
    expect(o.bytes()).toBeGreaterThan(0);
  });

  it('drops the ids filter above the limit and still keeps primaries only', async () => {
    const plan = planFor(1);
    const sample = await sampleNode(plan, options({ maxIdsPerRequest: 1 }));
    if (!sample.ok) throw new Error(sample.error);
    expect(cluster.nodes[1]?.requests.some((u) => u.includes('ids='))).toBe(false);
    expect(sample.value.primaries).toHaveLength(plan.primaries.length);
    for (const load of sample.value.primaries) {
      expect(load.qps.get).toBeCloseTo(rateOf(load.appId, load.pidx, 'get'), 6);
    }
  });

  it('turns a node that misses its deadline into an unreachable entry while the others arrive', async () => {
    cluster.hanging.add(cluster.address(2));
    const result = await sampleReplicaServers([planFor(0), planFor(1), planFor(2)], options());
    expect(result.samples.map((s) => s.address).sort()).toEqual([cluster.address(0), cluster.address(1)].sort());
    expect(result.unreachable).toEqual([
      { address: cluster.address(2), role: 'replica', reason: 'timed out after 500ms' },
    ]);
  });

  it('reports an HTTP error from /metrics as the reason', async () => {
    const node = cluster.nodes[0];
    if (node === undefined) throw new Error('no node');
    node.handler = () => ({ status: 400, body: '{\n    "error_message": "unknown field x=y"\n}' });
    const result = await sampleReplicaServers([planFor(0)], options());
    expect(result.unreachable[0]?.reason).toContain('answered HTTP 400 to /metrics');
  });
});

describe('buildLoadReport', () => {
  // Two nodes; table 2 has partitions 0 (primary a, secondary b) and 1 (primary b, secondary a).
  const topology: Topology = {
    nodes: ['a:1', 'b:1'],
    tables: [
      {
        appId: 2,
        name: 'temp',
        status: 'AVAILABLE',
        appType: 'pegasus',
        partitionCount: 2,
        replicaCount: 2,
        isStateful: true,
        createTime: '',
        envsCount: 0,
      },
    ],
    partitions: new Map([
      [
        2,
        [
          { pidx: 0, ballot: 1, currentReplicaCount: 2, maxReplicaCount: 2, primary: 'a:1', secondaries: ['b:1'] },
          { pidx: 1, ballot: 1, currentReplicaCount: 2, maxReplicaCount: 2, primary: 'b:1', secondaries: ['a:1'] },
        ],
      ],
    ]),
  };
  const node = (address: string, primaries: NodeSample['primaries']): NodeSample => ({
    address,
    residentMemMb: 1,
    virtualMemMb: 2,
    sessions: 3,
    diskTotalMb: 100,
    diskAvailMb: 50,
    replicas: { total: 2 },
    primaries,
  });
  const samples = [
    node('a:1', [
      {
        appId: 2,
        pidx: 0,
        qps: { get: 100, multi_get: 5, put: 10 },
        p99Ns: { get: 2_000_000, put: 900_000 },
        sstMb: 10,
        sstFiles: 3,
        memtableBytes: 1024 * 1024,
      },
    ]),
    node('b:1', [
      {
        appId: 2,
        pidx: 1,
        qps: { get: 50, put: 20, remove: 1 },
        p99Ns: { get: 3_000_000, scan: 1_000_000, put: 400_000 },
        sstMb: 5,
        sstFiles: 1,
        memtableBytes: 3 * 1024 * 1024,
      },
    ]),
  ];

  it('sums primaries for tables and takes the max p99 (never an average)', () => {
    const report = buildLoadReport(topology, { intervalMs: 1000, samples, unreachable: [], bytesFetched: 42 });
    const [table] = report.tables;
    expect(table?.readQps).toBe(155);
    expect(table?.writeQps).toBe(31);
    expect(table?.qps['get']).toBe(150);
    expect(table?.qps['remove']).toBe(1);
    expect(table?.readP99Ns).toBe(3_000_000);
    expect(table?.writeP99Ns).toBe(900_000);
    expect(table?.sstMb).toBe(15);
    expect(table?.sstFiles).toBe(4);
    expect(table?.memtableMb).toBe(4);
    expect(report.bytesFetched).toBe(42);
    expect(report.partitions).toBeUndefined();
  });

  it('counts a node’s writes over every replica it hosts and its reads over its primaries', () => {
    const report = buildLoadReport(topology, { intervalMs: 1000, samples, unreachable: [], bytesFetched: 0 });
    const a = report.nodes.find((n) => n.address === 'a:1');
    const b = report.nodes.find((n) => n.address === 'b:1');
    // a: primary of p0 (writes 10), secondary of p1 (writes 21) → 31; reads of p0 only.
    expect(a?.writeQps).toBe(31);
    expect(a?.readQps).toBe(105);
    expect(a?.readP99Ns).toBe(2_000_000);
    expect(b?.writeQps).toBe(31);
    expect(b?.readQps).toBe(50);
    expect(b?.readP99Ns).toBe(3_000_000);
    expect(b?.writeP99Ns).toBe(400_000);
  });

  it('adds per-partition stats for one table', () => {
    const report = buildLoadReport(topology, {
      intervalMs: 1000,
      samples,
      unreachable: [],
      bytesFetched: 0,
      table: 'temp',
    });
    expect(report.partitions).toEqual([
      { pidx: 0, primary: 'a:1', readQps: 105, writeQps: 10, readP99Ns: 2_000_000, writeP99Ns: 900_000, sstMb: 10 },
      { pidx: 1, primary: 'b:1', readQps: 50, writeQps: 21, readP99Ns: 3_000_000, writeP99Ns: 400_000, sstMb: 5 },
    ]);
  });

  it('leaves out partitions whose primary did not answer', () => {
    const firstOnly = samples.slice(0, 1);
    const report = buildLoadReport(topology, {
      intervalMs: 1000,
      samples: firstOnly,
      unreachable: [{ address: 'b:1', role: 'replica', reason: 'timed out after 5s' }],
      bytesFetched: 0,
    });
    expect(report.tables[0]?.readQps).toBe(105);
    expect(report.nodes.map((n) => n.address)).toEqual(['a:1']);
    expect(report.unreachable).toHaveLength(1);
  });
});
