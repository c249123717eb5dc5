import { afterEach, describe, expect, it } from 'vitest';
import type { PegasusApi } from '../../src/pegasus/cluster-api.js';
import { createPegasusClient, type PegasusClientOptions } from '../../src/pegasus/pegasus-client.js';
import { FakeCluster, fakeReadOps, ops, p99Of, rateOf } from './support/fake-cluster.js';
import { refusedAddress } from './support/http-fixture.js';

let cluster: FakeCluster | undefined;
let client: PegasusApi | undefined;

afterEach(async () => {
  await client?.close();
  await cluster?.close();
  client = undefined;
  cluster = undefined;
});

async function setup(
  clusterOptions: Parameters<typeof FakeCluster.start>[0] = {},
  clientOptions: Partial<PegasusClientOptions> = {},
): Promise<{ cluster: FakeCluster; client: PegasusApi }> {
  cluster = await FakeCluster.start(clusterOptions);
  client = createPegasusClient({
    metaServers: cluster.metaServers,
    timeoutMs: 1000,
    sleep: async () => {},
    rpc: false,
    ...clientOptions,
  });
  return { cluster, client };
}

/** Expected table QPS from the model: primaries only. */
function expectedTableQps(c: FakeCluster, appId: number) {
  let read = 0;
  let write = 0;
  for (const p of c.partitions()) {
    if (p.appId !== appId || p.primary === undefined) continue;
    for (const op of ops) {
      if (fakeReadOps.includes(op)) read += rateOf(p.appId, p.pidx, op);
      else write += rateOf(p.appId, p.pidx, op);
    }
  }
  return { read, write };
}

describe('createPegasusClient: meta read paths', () => {
  it('reads cluster_info from the leader through a backup, with the cluster name from the RPC', async () => {
    const { cluster: c } = await setup({ leader: 1 });
    const rpc = c.rpc();
    client = createPegasusClient({ metaServers: c.metaServers, rpc, timeoutMs: 1000 });
    const info = await client.clusterInfo();
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.clusterName).toBe('onebox');
    expect(info.value.primaryMetaServer).toBe(c.metaServers[1]);
    expect(info.value.balanceOperations).toEqual({ movePri: 1, copyPri: 2, copySec: 3, total: 6 });
    expect(info.value.primaryReplicaCountStddev).toBe(0.47);
    expect(c.metas[0]?.requests).toEqual(['/meta/cluster']);
  });

  it('answers cluster_info without a name when there is no RPC client', async () => {
    const { client: api } = await setup();
    const info = await api.clusterInfo();
    expect(info.ok && info.value.clusterName).toBeUndefined();
    expect(info.ok && info.value.metaFunctionLevel).toBe('steady');
  });

  it('parses the 2.5 cluster body', async () => {
    const { client: api } = await setup({ version: '2.5.0' });
    const info = await api.clusterInfo();
    expect(info.ok && info.value.balanceOperations.total).toBe(6);
  });

  it('lists tables with health and nodes with counts', async () => {
    const { cluster: c, client: api } = await setup();
    const tables = await api.listTables();
    if (!tables.ok) throw new Error(tables.error.message);
    expect(tables.value.map((t) => [t.appId, t.name, t.partitionCount])).toEqual([
      [2, 'temp', 8],
      [3, 'stat', 4],
    ]);
    expect(tables.value[0]?.health).toEqual({ fullyHealthy: 8, unhealthy: 0, writeUnhealthy: 0, readUnhealthy: 0 });

    c.unalive.add(2);
    const nodes = await api.listNodes();
    if (!nodes.ok) throw new Error(nodes.error.message);
    expect(nodes.value).toHaveLength(3);
    expect(nodes.value.find((n) => n.address === c.address(2))?.status).toBe('UNALIVE');
    const total = nodes.value.reduce((sum, n) => sum + n.primaryCount, 0);
    expect(total).toBe(12);
  });

  it('reads one table in detail', async () => {
    const { cluster: c, client: api } = await setup();
    const detail = await api.tableDetail('stat');
    if (!detail.ok) throw new Error(detail.error.message);
    expect(detail.value.appId).toBe(3);
    expect(detail.value.partitions).toHaveLength(4);
    expect(detail.value.partitions[0]?.primary).toBe(c.address(0));
    expect(detail.value.health.fullyHealthy).toBe(4);
  });

  it('answers TABLE_NOT_FOUND listing the tables that exist', async () => {
    const { client: api } = await setup();
    const detail = await api.tableDetail('tmp');
    expect(detail.ok).toBe(false);
    if (detail.ok) return;
    expect(detail.error.code).toBe('TABLE_NOT_FOUND');
    expect(detail.error.message).toBe('Table "tmp" does not exist. Tables: temp, stat. Check the name with `ls`.');
  });

  it('refuses a bad table name before asking the cluster', async () => {
    const { cluster: c, client: api } = await setup();
    const detail = await api.tableDetail('temp&detail');
    expect(!detail.ok && detail.error.code).toBe('BAD_REQUEST');
    expect(!detail.ok && detail.error.message).toContain('0-9 a-z A-Z . : _');
    expect(c.metas.every((m) => m.requests.length === 0)).toBe(true);
  });

  it('turns a 400 from the meta into BAD_REQUEST with the server’s words', async () => {
    const { cluster: c, client: api } = await setup();
    const leader = c.metas[0];
    if (leader === undefined) throw new Error('no meta');
    leader.handler = () => ({ status: 400, body: "app name shouldn't be empty" });
    const detail = await api.tableDetail('temp');
    expect(!detail.ok && detail.error.code).toBe('BAD_REQUEST');
    expect(!detail.ok && detail.error.message).toContain("app name shouldn't be empty");
  });

  it('falls over to the next meta when the first is down, and names all when none answers', async () => {
    const down = await refusedAddress();
    const { cluster: c } = await setup();
    client = createPegasusClient({ metaServers: [down, ...c.metaServers], timeoutMs: 1000, rpc: false });
    expect((await client.listNodes()).ok).toBe(true);

    const down2 = await refusedAddress();
    const lonely = createPegasusClient({ metaServers: [down, down2], timeoutMs: 1000, rpc: false });
    const nodes = await lonely.listNodes();
    expect(!nodes.ok && nodes.error.code).toBe('CLUSTER_UNREACHABLE');
    expect(!nodes.ok && nodes.error.message).toContain(`${down} connection refused; ${down2} connection refused`);
    await lonely.close();
  });

  it('times out a meta that hangs and uses the next', async () => {
    const { cluster: c } = await setup();
    const first = c.metaServers[0] ?? '';
    c.hanging.add(first);
    c.leader = 1;
    client = createPegasusClient({ metaServers: c.metaServers, timeoutMs: 300, rpc: false });
    const info = await client.clusterInfo();
    expect(info.ok && info.value.primaryMetaServer).toBe(c.metaServers[1]);
  });

  it('probes every meta: reachable, leader, version', async () => {
    const down = await refusedAddress();
    const { cluster: c } = await setup();
    client = createPegasusClient({ metaServers: [...c.metaServers, down], timeoutMs: 1000, rpc: false });
    const statuses = await client.probeMetas();
    expect(statuses.map((s) => [s.reachable, s.isLeader])).toEqual([
      [true, true],
      [true, false],
      [true, false],
      [false, false],
    ]);
    expect(statuses[0]?.version).toEqual({
      version: '2.6.0',
      gitCommit: 'db756dcdf0123456789abcdef',
      hasMetrics: true,
    });
    expect(statuses[3]?.error).toBe('connection refused');
  });
});

describe('createPegasusClient: server_info', () => {
  it('uses HTTP /version and /recentStartTime on 2.6 and reports a stopped node as unreachable', async () => {
    const { cluster: c, client: api } = await setup();
    await c.nodes[2]?.close();
    const info = await api.serverInfo();
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.results).toHaveLength(5);
    const meta = info.value.results.find((r) => r.address === c.metaServers[0]);
    expect(meta).toEqual({
      address: c.metaServers[0],
      role: 'meta',
      version: '2.6.0',
      gitSha: 'db756dcdf0123456789abcdef',
      startTime: '2026-03-13 20:33:10',
    });
    expect(info.value.unreachable).toEqual([{ address: c.address(2), role: 'replica', reason: 'connection refused' }]);
  });

  it('uses the server-info remote command on 2.5', async () => {
    const { cluster: c } = await setup({ version: '2.5.0' });
    const rpc = c.rpc();
    client = createPegasusClient({ metaServers: c.metaServers, rpc, timeoutMs: 1000 });
    const info = await client.serverInfo();
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.results).toHaveLength(6);
    expect(info.value.results[0]).toMatchObject({
      version: '2.5.0',
      buildType: 'Release',
      startTime: '2023-12-01 10:00:00',
    });
    expect(rpc.calls.filter((x) => x.includes('server-info'))).toHaveLength(6);
  });
});

describe('createPegasusClient: load', () => {
  it('samples every alive node: table QPS from primaries only, max p99, node gauges, metas, bytes', async () => {
    const { cluster: c, client: api } = await setup();
    const report = await api.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.unreachable).toEqual([]);
    expect(report.value.intervalMs).toBe(1000);

    for (const appId of [2, 3]) {
      const table = report.value.tables.find((t) => t.appId === appId);
      const expected = expectedTableQps(c, appId);
      expect(table?.readQps).toBeCloseTo(expected.read, 6);
      expect(table?.writeQps).toBeCloseTo(expected.write, 6);
      const maxReadP99 = Math.max(
        ...[...c.partitions()]
          .filter((p) => p.appId === appId)
          .flatMap((p) => fakeReadOps.map((op) => p99Of(appId, p.pidx, op, true))),
      );
      expect(table?.readP99Ns).toBe(maxReadP99);
      expect(table?.writeP99Ns).toBeLessThan(9_000_000_000);
    }

    expect(report.value.nodes.map((n) => n.address).sort()).toEqual([0, 1, 2].map((i) => c.address(i)).sort());
    const n0 = report.value.nodes.find((n) => n.address === c.address(0));
    expect(n0).toMatchObject({
      residentMemMb: 1000,
      virtualMemMb: 2000,
      sessions: 10,
      diskTotalMb: 3000,
      diskAvailMb: 1000,
    });
    // Every replica applies its partition's writes: node write QPS sums each hosted partition's primary rate.
    let hostedWrites = 0;
    for (const p of c.partitions()) {
      if (p.primary !== 0 && !p.secondaries.includes(0)) continue;
      for (const op of ops) if (!fakeReadOps.includes(op)) hostedWrites += rateOf(p.appId, p.pidx, op);
    }
    expect(n0?.writeQps).toBeCloseTo(hostedWrites, 6);

    expect(report.value.metas?.map((m) => m.sessions)).toEqual([5, 6, 7]);
    const served = [...c.metas, ...c.nodes].flatMap((f) => f.requests);
    expect(served.filter((u) => u.startsWith('/metrics')).every((u) => u.includes('with_metric_fields='))).toBe(true);
    expect(report.value.bytesFetched).toBeGreaterThan(1000);
  });

  it('keeps answering when a node is down or hangs: they become unreachable entries', async () => {
    const { cluster: c } = await setup();
    client = createPegasusClient({ metaServers: c.metaServers, timeoutMs: 400, sleep: async () => {}, rpc: false });
    await c.nodes[0]?.close();
    c.hanging.add(c.address(1));
    const report = await client.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.nodes.map((n) => n.address)).toEqual([c.address(2)]);
    expect(report.value.unreachable).toEqual(
      expect.arrayContaining([
        { address: c.address(0), role: 'replica', reason: 'connection refused' },
        { address: c.address(1), role: 'replica', reason: 'timed out after 400ms' },
      ]),
    );
  });

  it('skips UNALIVE nodes and adds per-partition stats when a table is asked for', async () => {
    const { cluster: c, client: api } = await setup();
    c.unalive.add(2);
    const report = await api.load({ table: 'stat' });
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.tables.map((t) => t.name)).toEqual(['stat']);
    expect(report.value.nodes).toHaveLength(2);
    expect(c.nodes[2]?.requests).toEqual([]);
    const onLiveNodes = [...c.partitions()].filter((p) => p.appId === 3 && p.primary !== 2);
    expect(report.value.partitions?.map((p) => p.pidx)).toEqual(onLiveNodes.map((p) => p.pidx));
    for (const p of report.value.partitions ?? []) {
      expect(p.readQps).toBeCloseTo(
        fakeReadOps.reduce((s, op) => s + rateOf(3, p.pidx, op), 0),
        6,
      );
    }
  });

  it('answers TABLE_NOT_FOUND for an unknown table and BAD_REQUEST for a bad interval', async () => {
    const { client: api } = await setup();
    const missing = await api.load({ table: 'nope' });
    expect(!missing.ok && missing.error.code).toBe('TABLE_NOT_FOUND');
    const bad = await api.load({ intervalMs: -5 });
    expect(!bad.ok && bad.error.code).toBe('BAD_REQUEST');
  });

  it('waits the sampling interval between the two samples', async () => {
    const waits: number[] = [];
    await setup({}, { sampleIntervalMs: 250, sleep: async (ms) => void waits.push(ms) });
    const report = await client?.load();
    expect(report?.ok).toBe(true);
    expect(waits).toEqual([250, 250, 250]);
  });

  it('reads 2.5 clusters through the perf-counters remote command, primaries only', async () => {
    const { cluster: c } = await setup({ version: '2.5.0' });
    const rpc = c.rpc();
    client = createPegasusClient({ metaServers: c.metaServers, rpc, timeoutMs: 1000 });
    const report = await client.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.unreachable).toEqual([]);
    expect(report.value.intervalMs).toBe(0);
    const temp = report.value.tables.find((t) => t.name === 'temp');
    const expected = expectedTableQps(c, 2);
    expect(temp?.readQps).toBeCloseTo(expected.read, 6);
    expect(temp?.writeQps).toBeCloseTo(expected.write, 6);
    expect(temp?.writeP99Ns).toBeLessThan(9_000_000_000);
    expect(temp?.memtableMb).toBeGreaterThan(0);
    const n1 = report.value.nodes.find((n) => n.address === c.address(1));
    expect(n1).toMatchObject({
      residentMemMb: 1001,
      virtualMemMb: 2001,
      sessions: 11,
      diskTotalMb: 3000,
      diskAvailMb: 1001,
    });
    expect(n1?.replicas['total']).toBeGreaterThan(0);
    expect(report.value.metas?.[0]).toMatchObject({ residentMemMb: 300, sessions: 5 });
    expect(rpc.calls.filter((x) => x.includes('perf-counters'))).toHaveLength(6);
  });

  it('reads the partition map over RPC when it can, and over HTTP for a table whose RPC failed', async () => {
    const { cluster: c } = await setup();
    const rpc = c.rpc({ queryConfig: true });
    client = createPegasusClient({ metaServers: c.metaServers, rpc, timeoutMs: 1000, sleep: async () => {} });
    const report = await client.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(rpc.calls.filter((x) => x.startsWith('queryConfig')).sort()).toEqual([
      'queryConfig stat',
      'queryConfig temp',
    ]);
    // 'stat' timed out over RPC in the fake, so it alone was read over HTTP.
    const detailRequests = c.metas.flatMap((m) => m.requests).filter((u) => u.startsWith('/meta/app?'));
    expect(detailRequests).toEqual(['/meta/app?name=stat&detail']);
    const temp = report.value.tables.find((t) => t.name === 'temp');
    expect(temp?.readQps).toBeCloseTo(expectedTableQps(c, 2).read, 6);
    expect(report.value.tables.find((t) => t.name === 'stat')?.readQps).toBeCloseTo(expectedTableQps(c, 3).read, 6);
  });

  it('reports 2.5 nodes as unreachable with the reason when there is no RPC client', async () => {
    const { client: api } = await setup({ version: '2.5.0' });
    const report = await api.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.nodes).toEqual([]);
    expect(report.value.unreachable).toHaveLength(6);
    expect(report.value.unreachable.every((u) => u.reason.includes('no RPC client is configured'))).toBe(true);
  });
});

describe('createPegasusClient: control paths', () => {
  it('reads and sets the stored meta level through the RPC', async () => {
    const { cluster: c } = await setup();
    const rpc = c.rpc();
    client = createPegasusClient({ metaServers: c.metaServers, rpc });
    expect(await client.getMetaLevel()).toEqual({ ok: true, value: 'steady' });
    expect(await client.setMetaLevel('lively')).toEqual({ ok: true, value: { oldLevel: 'steady' } });
    expect(c.metaLevel).toBe('lively');
    expect(rpc.calls).toEqual(['controlMeta invalid', 'controlMeta lively']);
  });

  it('refuses an unknown level and says which exist, without calling the cluster', async () => {
    const { cluster: c } = await setup();
    const rpc = c.rpc();
    client = createPegasusClient({ metaServers: c.metaServers, rpc });
    const answer = await client.setMetaLevel('turbo' as 'steady');
    expect(!answer.ok && answer.error.message).toContain('stopped, blind, freezed, steady, lively');
    expect(rpc.calls).toEqual([]);
  });

  it('creates a table after checking its parameters', async () => {
    const { cluster: c } = await setup();
    const rpc = c.rpc();
    client = createPegasusClient({ metaServers: c.metaServers, rpc });
    expect(await client.createTable({ name: 'orders', partitionCount: 16, replicaCount: 3 })).toEqual({
      ok: true,
      value: { appId: 10 },
    });
    const bad = await client.createTable({ name: 'orders', partitionCount: 0, replicaCount: 3 });
    expect(!bad.ok && bad.error.code).toBe('BAD_REQUEST');
    expect(rpc.calls).toEqual(['createApp orders 16 3']);
  });

  it('says RPC_UNAVAILABLE when the control paths have no RPC client', async () => {
    const { client: api } = await setup();
    const level = await api.getMetaLevel();
    expect(!level.ok && level.error.code).toBe('RPC_UNAVAILABLE');
  });
});
