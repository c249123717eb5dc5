/**
 * The node-level load (`load({ scope: 'nodes' })`) against the simulated cluster over real sockets. The
 * simulated clock only moves when the client waits between its two samples, so every figure is exact: a
 * node's QPS from its profiler counters equals what its primaries' replica counters give, its P99 is its worst
 * primary's (never an average), one request per node per sample, and nodes that do not answer are reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../../sim/index.js';
import type { LoadReport, PegasusApi } from '../../src/pegasus/cluster-api.js';
import { httpGet, type HttpTransport } from '../../src/pegasus/http-get.js';
import { createHttpTransport } from '../../src/pegasus/http-transport.js';
import { nodeSamplePath, rpcLoad, sampleNodeLevel } from '../../src/pegasus/node-metrics-sampler.js';
import { createPegasusClient } from '../../src/pegasus/pegasus-client.js';

let sim: SimCluster | undefined;
let client: PegasusApi | undefined;
let transport: HttpTransport | undefined;

afterEach(async () => {
  await client?.close();
  transport?.close?.();
  await sim?.stop();
  client = undefined;
  transport = undefined;
  sim = undefined;
});

const start = Date.UTC(2026, 4, 2, 9, 30, 0);

/** Every GET the client sends, per server. */
type Requests = Map<string, string[]>;

/**
 * A sim whose clock moves `speed` simulated ms per ms the client waits between its samples, and a client
 * whose GETs are recorded.
 */
async function setup(
  options: SimClusterOptions = {},
  timeoutMs = 2000,
  speed = 30,
): Promise<{ sim: SimCluster; api: PegasusApi; requests: Requests }> {
  const s = await startSimCluster({ seed: 3, autoTick: false, clock: () => start, ...options });
  sim = s;
  s.tick(60_000);
  const inner = createHttpTransport();
  const requests: Requests = new Map();
  const note = (address: string, path: string) => {
    const list = requests.get(address) ?? [];
    list.push(path);
    requests.set(address, list);
  };
  transport = {
    get: (address, path, t) => {
      note(address, path);
      return inner.get(address, path, t);
    },
    read: (address, path, t, consume) => {
      note(address, path);
      if (inner.read === undefined) throw new Error('the default transport reads in place');
      return inner.read(address, path, t, consume);
    },
    close: () => inner.close?.(),
  };
  client = createPegasusClient({
    metaServers: s.metaServers,
    timeoutMs,
    transport,
    sampleIntervalMs: 1000,
    sleep: (ms) => {
      s.tick(ms * speed);
      return Promise.resolve();
    },
  });
  return { sim: s, api: client, requests };
}

function unwrap(result: Awaited<ReturnType<PegasusApi['load']>>): LoadReport {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const oneTable = {
  tables: [{ name: 'orders', partitionCount: 16, readQps: 4_000, writeQps: 1_500, readP99Ms: 3, writeP99Ms: 6 }],
};

describe('node-level load against the simulated cluster', () => {
  it('gives each node the QPS its primaries’ replica counters give, and its worst primary’s P99', async () => {
    // Latencies change every 10 simulated seconds: the five nodes' waits stay within one such window.
    const { api } = await setup(oneTable, 2000, 1);
    // The table's primaries ride in the same requests, so both views are read at the same instants.
    const report = unwrap(await api.load({ scope: 'nodes', table: 'orders' }));
    expect(report.scope).toBe('nodes');
    expect(report.unreachable).toEqual([]);
    const partitions = report.partitions ?? [];
    expect(partitions).toHaveLength(16);
    expect(report.nodes).toHaveLength(5);
    for (const node of report.nodes) {
      const mine = partitions.filter((p) => p.primary === node.address);
      expect(mine.length).toBeGreaterThan(0);
      const sum = (f: (p: (typeof mine)[number]) => number) => mine.reduce((s, p) => s + f(p), 0);
      expect(node.readQps).toBeGreaterThan(0);
      expect(node.readQps).toBeCloseTo(
        sum((p) => p.readQps),
        6,
      );
      // Writes the node served as primary; its secondaries' applied writes are not RPCs it executed.
      expect(node.writeQps).toBeCloseTo(
        sum((p) => p.writeQps),
        6,
      );
      const worstRead = Math.max(...mine.map((p) => p.readP99Ns));
      const worstWrite = Math.max(...mine.map((p) => p.writeP99Ns));
      // The server-side RPC latency includes the wait in the queue: 5% above the replica's own in the sim.
      expect(node.readP99Ns).toBe(Math.round(worstRead * 1.05));
      expect(node.writeP99Ns).toBe(Math.round(worstWrite * 1.05));
      const meanRead = sum((p) => p.readP99Ns) / mine.length;
      expect(node.readP99Ns).toBeGreaterThan(meanRead * 1.05);
      expect(node.residentMemMb).toBeGreaterThan(0);
      expect(node.diskTotalMb).toBeGreaterThan(node.diskAvailMb);
      expect(node.replicas['total']).toBeGreaterThan(0);
    }
    // Over the cluster: every read is served by exactly one primary.
    const nodesRead = report.nodes.reduce((s, n) => s + n.readQps, 0);
    expect(nodesRead).toBeCloseTo(report.tables[0]?.readQps ?? 0, 6);
  });

  it('asks each node one small query per sample, with the gauges in the second, and no replica without a table', async () => {
    const { sim: s, api, requests } = await setup();
    const report = unwrap(await api.load({ scope: 'nodes' }));
    expect(report.tables).toEqual([]);
    expect(report.nodes).toHaveLength(5);
    for (const address of s.replicaServers) {
      const metrics = (requests.get(address) ?? []).filter((p) => p.startsWith('/metrics'));
      expect(metrics).toHaveLength(2);
      expect(metrics.some((p) => /types=[a-z,]*replica|replica@|detail/.test(p))).toBe(false);
      expect(metrics[1]).toContain('types=server,disk,profiler');
    }
    expect(report.bytesFetched / s.replicaServers.length).toBeLessThan(20_000);
    const full = unwrap(await api.load());
    expect(full.scope).toBeUndefined();
    expect(full.bytesFetched).toBeGreaterThan(report.bytesFetched);
  });

  it('reads the chosen tables’ primaries by id, the gauges of those nodes on the side, and skips unknown names', async () => {
    const { sim: s, api, requests } = await setup();
    const report = unwrap(await api.load({ scope: 'nodes', tables: ['temp', 'no_such_table'] }));
    expect(report.tables.map((t) => t.name)).toEqual(['temp']);
    const temp = s.model.table('temp');
    const hosts = new Set(temp?.partitions.map((p) => s.replicaServers[p.primary] ?? ''));
    for (const address of s.replicaServers) {
      const metrics = (requests.get(address) ?? []).filter((p) => p.startsWith('/metrics'));
      expect(metrics).toHaveLength(hosts.has(address) ? 3 : 2);
      if (hosts.has(address)) expect(metrics[0]).toMatch(/ids=task@RPC_RRDB_RRDB_GET,.*replica@2\.\d+/);
    }
    expect(report.tables[0]?.readQps).toBeGreaterThan(0);
    expect(await api.load({ scope: 'nodes', tables: ['bad name!'] })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
  });

  it('reports a hanging node as unreachable, leaves a stopped one out, and still returns the others', async () => {
    const { sim: s, api } = await setup({}, 300);
    const hanging = s.replicaServers[1] ?? '';
    const stopped = s.replicaServers[3] ?? '';
    await s.faults.stopReplica(3);
    s.faults.hang(hanging);
    const report = unwrap(await api.load({ scope: 'nodes' }));
    expect(report.unreachable).toEqual([{ address: hanging, role: 'replica', reason: 'timed out after 300ms' }]);
    expect(report.nodes.map((n) => n.address)).not.toContain(stopped);
    expect(report.nodes).toHaveLength(3);
  });

  it('reads a 2.5 node through its profiler perf counters', async () => {
    const { sim: s, api } = await setup();
    s.faults.mixedVersions({ replicas: [0] });
    const report = unwrap(await api.load({ scope: 'nodes' }));
    expect(report.unreachable).toEqual([]);
    const legacy = report.nodes.find((n) => n.address === s.replicaServers[0]);
    expect(legacy?.readQps).toBeGreaterThan(0);
    expect(legacy?.writeQps).toBeGreaterThan(0);
    expect(legacy?.readP99Ns).toBeGreaterThan(0);
    expect(legacy?.residentMemMb).toBeGreaterThan(0);
  });
});

describe('node-level sampler', () => {
  it('builds one query per sample: tasks and primaries by id, or by attributes when there are many', () => {
    const primaries = [
      { appId: 2, pidx: 0 },
      { appId: 2, pidx: 5 },
      { appId: 7, pidx: 1 },
    ];
    const byId = nodeSamplePath(primaries, false);
    expect(byId).toMatch(/^\/metrics\?types=profiler,replica&ids=task@RPC_RRDB_RRDB_GET,/);
    expect(byId).toContain(',replica@2.0,replica@2.5,replica@7.1&');
    expect(byId).toContain('metrics=profiler_executed_tasks,profiler_server_rpc_latency_ns,get_requests,');
    const byTable = nodeSamplePath(primaries, true, 2);
    expect(byTable).toContain('attributes=task_name,RPC_RRDB_RRDB_GET,');
    expect(byTable).toContain(',table_id,2,table_id,7&');
    expect(byTable).toMatch(/with_metric_fields=name,value,p99$/);
    // Without primaries: the p99s in the first sample, the gauges in the second.
    expect(nodeSamplePath([], false)).toMatch(/^\/metrics\?types=profiler&ids=.*profiler_server_rpc_latency_ns.*p99$/);
    expect(nodeSamplePath([], true)).toMatch(
      /^\/metrics\?types=server,disk,profiler&metrics=resident_mem_usage_mb,.*,profiler_executed_tasks&with_metric_fields=name,value$/,
    );
  });

  it('takes QPS from the executed counters over the exact Δtimestamp, and no rate where a counter went down', () => {
    const sample = (timestampNs: bigint, executed: number[], p99: number[]) => ({
      timestampNs,
      executed: Float64Array.from(executed),
      p99Ns: Float64Array.from(p99),
    });
    const nan = Number.NaN;
    const first = sample(
      1_780_000_000_000_000_001n,
      [100, 50, nan, 7, ...Array<number>(7).fill(0)],
      Array<number>(11).fill(nan),
    );
    const second = sample(
      1_780_000_002_000_000_001n,
      [300, 40, 10, 7, ...Array<number>(7).fill(0)],
      [5_000, nan, 9_000, ...Array<number>(8).fill(1)],
    );
    const load = rpcLoad(first, second, 99);
    // p99s come from the sample that has them.
    expect(rpcLoad(second, first, 99).p99Ns.get).toBe(5_000);
    expect(load.qps).toMatchObject({ get: 100, scan: 0, put: 0 });
    // batch_get was missing from the first sample: no rate.
    expect(load.qps.batch_get).toBeUndefined();
    // multi_get went down (a restart between the samples): no rate rather than a negative one.
    expect(load.qps.multi_get).toBeUndefined();
    expect(load.p99Ns).toMatchObject({ get: 5_000, batch_get: 9_000, put: 1 });
    expect(load.p99Ns.multi_get).toBeUndefined();
  });

  it('reads many primaries of one node by table and keeps only the planned ones', async () => {
    const { sim: s } = await setup();
    const temp = s.model.table('temp');
    const node = temp?.partitions[0]?.primary ?? 0;
    const address = s.replicaServers[node] ?? '';
    const planned = (temp?.partitions ?? []).filter((p) => p.primary === node).map((p) => ({ appId: 2, pidx: p.pidx }));
    const paths: string[] = [];
    const inner = createHttpTransport();
    try {
      const result = await sampleNodeLevel(
        { address, primaries: planned },
        {
          get: (a, p, binary) => {
            paths.push(p);
            return httpGet(a, p, { transport: inner, timeoutMs: 2000, ...(binary === true ? { binary } : {}) });
          },
          limit: (task) => Promise.resolve(task()),
          intervalMs: 1000,
          maxIdsPerRequest: 0,
          sleep: (ms) => {
            s.tick(ms * 30);
            return Promise.resolve();
          },
        },
      );
      if (!result.ok) throw new Error(result.error);
      expect(paths[0]).toContain('attributes=task_name,');
      expect(result.value.primaries.map((p) => p.pidx).sort((a, b) => a - b)).toEqual(planned.map((p) => p.pidx));
      expect(result.value.primaries.every((p) => (p.qps.get ?? 0) > 0)).toBe(true);
      expect(result.value.rpc?.qps.get).toBeGreaterThan(0);
    } finally {
      inner.close?.();
    }
  });
});
