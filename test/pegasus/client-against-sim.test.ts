/**
 * The cluster client against the simulated cluster over real sockets: HTTP and THFT on the same ports, the
 * real `MetaRpc`, leader redirects and fail-over, faults, and both Pegasus generations.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../../sim/index.js';
import { opRate } from '../../sim/model/load-model.js';
import { readOps, writeOps } from '../../sim/model/table-spec.js';
import type { PegasusApi } from '../../src/pegasus/cluster-api.js';
import { createPegasusClient, type PegasusClientOptions } from '../../src/pegasus/pegasus-client.js';

let sim: SimCluster | undefined;
let client: PegasusApi | undefined;

afterEach(async () => {
  await client?.close();
  await sim?.stop();
  client = undefined;
  sim = undefined;
});

// Simulated time runs 100 times faster than the clock, so a 300 ms interval samples 30 simulated seconds.
async function start(
  options: SimClusterOptions = {},
  clientOptions: Partial<PegasusClientOptions> = {},
): Promise<{ sim: SimCluster; client: PegasusApi }> {
  sim = await startSimCluster({ seed: 7, speed: 100, ...options });
  client = createPegasusClient({
    metaServers: sim.metaServers,
    timeoutMs: 2000,
    sampleIntervalMs: 300,
    ...clientOptions,
  });
  return { sim, client };
}

/** The model's base QPS of a table (shares of its partitions sum to 1), before the load swing. */
function baseQps(s: SimCluster, name: string): { read: number; write: number; factor: () => number } {
  const table = s.model.tables.find((t) => t.name === name);
  if (table === undefined) throw new Error(`no table ${name}`);
  return {
    read: readOps.reduce((sum, op) => sum + opRate(table, op), 0),
    write: writeOps.reduce((sum, op) => sum + opRate(table, op), 0),
    factor: () => s.model.loadFactor(table),
  };
}

/**
 * Runs `load()` and checks every busy table's QPS against the model: the load swing is averaged over the
 * sampling (factor before and after); tables with few requests in the window are skipped, since each replica
 * counter is a whole number.
 */
async function expectModelQps(s: SimCluster, api: PegasusApi): Promise<void> {
  const before = new Map(s.model.tables.map((t) => [t.name, baseQps(s, t.name).factor()]));
  const report = await api.load();
  if (!report.ok) throw new Error(report.error.message);
  let checked = 0;
  for (const table of report.value.tables) {
    const base = baseQps(s, table.name);
    const factor = ((before.get(table.name) ?? 1) + base.factor()) / 2;
    const read = base.read * factor;
    const write = base.write * factor;
    if (read < 50 || write < 50) continue;
    checked++;
    // Counting secondaries too would triple the writes.
    expect(table.readQps / read, `${table.name} read`).toBeGreaterThan(0.95);
    expect(table.readQps / read, `${table.name} read`).toBeLessThan(1.05);
    expect(table.writeQps / write, `${table.name} write`).toBeGreaterThan(0.95);
    expect(table.writeQps / write, `${table.name} write`).toBeLessThan(1.05);
  }
  expect(checked).toBeGreaterThan(2);
}

describe('client against the simulated cluster, Pegasus 2.6', () => {
  it('reads the meta views: cluster_info with its name, ls -d, nodes -d, app -d, server_info, the meta level', async () => {
    const { sim: s, client: api } = await start();
    const info = await api.clusterInfo();
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.clusterName).toBe('onebox');
    expect(info.value.primaryMetaServer).toBe(s.metaServers[0]);
    expect(info.value.metaFunctionLevel).toBe('steady');

    const tables = await api.listTables();
    if (!tables.ok) throw new Error(tables.error.message);
    expect(tables.value.map((t) => t.name).sort()).toEqual(s.model.tables.map((t) => t.name).sort());
    expect(tables.value.every((t) => t.health?.unhealthy === 0)).toBe(true);

    const nodes = await api.listNodes();
    expect(nodes.ok && nodes.value.map((n) => n.status)).toEqual(['ALIVE', 'ALIVE', 'ALIVE', 'ALIVE', 'ALIVE']);

    const temp = await api.tableDetail('temp');
    if (!temp.ok) throw new Error(temp.error.message);
    expect(temp.value.partitions).toHaveLength(8);
    expect(temp.value.partitions.every((p) => p.primary !== undefined && p.secondaries.length === 2)).toBe(true);

    const missing = await api.tableDetail('nope');
    expect(!missing.ok && missing.error.code).toBe('TABLE_NOT_FOUND');

    const servers = await api.serverInfo();
    if (!servers.ok) throw new Error(servers.error.message);
    expect(servers.value.results).toHaveLength(8);
    expect(
      servers.value.results.every((r) => r.version === '2.6.0' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(r.startTime)),
    ).toBe(true);

    expect(await api.getMetaLevel()).toEqual({ ok: true, value: 'steady' });
    const probe = await api.probeMetas();
    expect(probe.map((p) => p.isLeader)).toEqual([true, false, false]);
  });

  it('samples the load of every node and table; table QPS counts primaries only', async () => {
    const { sim: s, client: api } = await start();
    const report = await api.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.unreachable).toEqual([]);
    expect(report.value.nodes.map((n) => n.address).sort()).toEqual([...s.replicaServers].sort());
    expect(report.value.tables).toHaveLength(s.model.tables.length);
    for (const table of report.value.tables) {
      expect(table.readP99Ns).toBeGreaterThan(0);
      expect(table.sstMb).toBeGreaterThan(0);
    }
    for (const node of report.value.nodes) {
      expect(node.residentMemMb).toBeGreaterThan(0);
      expect(node.diskTotalMb).toBeGreaterThan(node.diskAvailMb);
      expect(node.replicas['total']).toBe(s.model.nodes.find((n) => n.address === node.address)?.members.size);
    }
    expect(report.value.metas).toHaveLength(3);
    expect(report.value.bytesFetched).toBeGreaterThan(10_000);
    await expectModelQps(s, api);
  });

  it('reports a hanging node as unreachable and still returns the others', async () => {
    const { sim: s } = await start({}, { timeoutMs: 400 });
    const slow = s.replicaServers[1] ?? '';
    s.faults.hang(slow);
    const report = await client?.load();
    if (!report?.ok) throw new Error('load failed');
    expect(report.value.unreachable).toEqual([{ address: slow, role: 'replica', reason: 'timed out after 400ms' }]);
    expect(report.value.nodes).toHaveLength(4);
  });

  it('leaves a stopped node out: the meta lists it UNALIVE, nothing waits on it', async () => {
    const { sim: s, client: api } = await start();
    const stopped = s.replicaServers[2] ?? '';
    await s.faults.stopReplica(2);
    const nodes = await api.listNodes();
    expect(nodes.ok && nodes.value.find((n) => n.address === stopped)?.status).toBe('UNALIVE');
    const report = await api.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.nodes.map((n) => n.address)).not.toContain(stopped);
    expect(report.value.nodes).toHaveLength(4);
    const servers = await api.serverInfo();
    expect(servers.ok && servers.value.results.map((r) => r.address)).not.toContain(stopped);
  });

  it('moves to the next meta when the leader stops, over HTTP and RPC', async () => {
    const { sim: s, client: api } = await start();
    expect((await api.clusterInfo()).ok).toBe(true);
    await s.faults.stopMeta(0);
    const info = await api.clusterInfo();
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.primaryMetaServer).not.toBe(s.metaServers[0]);
    expect(info.value.clusterName).toBe('onebox');
    expect((await api.getMetaLevel()).ok).toBe(true);
    const probe = await api.probeMetas();
    expect(probe[0]).toMatchObject({ reachable: false, isLeader: false, error: 'connection refused' });
    expect(probe.filter((p) => p.isLeader)).toHaveLength(1);
  });

  it('answers CLUSTER_UNREACHABLE naming every meta when all are down', async () => {
    const { sim: s, client: api } = await start();
    for (const i of [0, 1, 2]) await s.faults.stopMeta(i);
    const info = await api.listTables();
    expect(!info.ok && info.error.code).toBe('CLUSTER_UNREACHABLE');
    for (const meta of s.metaServers) expect(!info.ok && info.error.message).toContain(`${meta} connection refused`);
  });

  it('sets the meta level through the RPC and sees it as the stored level', async () => {
    const { client: api } = await start();
    expect(await api.setMetaLevel('lively')).toEqual({ ok: true, value: { oldLevel: 'steady' } });
    expect(await api.getMetaLevel()).toEqual({ ok: true, value: 'lively' });
  });
});

describe('client against the simulated cluster, Pegasus 2.5.0', () => {
  it('reads cluster_info, server_info through the remote command, and load through perf counters', async () => {
    const { sim: s, client: api } = await start({ pegasusVersion: '2.5.0' });
    const info = await api.clusterInfo();
    if (!info.ok) throw new Error(info.error.message);
    expect(info.value.balanceOperations.total).toBeGreaterThanOrEqual(0);

    const servers = await api.serverInfo();
    if (!servers.ok) throw new Error(servers.error.message);
    expect(servers.value.results).toHaveLength(8);
    expect(servers.value.results.every((r) => r.version === '2.5.0' && r.buildType === 'Release')).toBe(true);

    const report = await api.load();
    if (!report.ok) throw new Error(report.error.message);
    expect(report.value.unreachable).toEqual([]);
    expect(report.value.nodes).toHaveLength(5);
    await expectModelQps(s, api);
    expect(report.value.nodes.every((n) => n.diskTotalMb > 0 && n.diskAvailMb > 0 && n.residentMemMb > 0)).toBe(true);
  });
});
