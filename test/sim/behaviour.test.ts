import { afterEach, describe, expect, it } from 'vitest';
import {
  decodeCliCallResponse,
  decodeControlMetaResponse,
  encodeCliCallRequest,
  encodeControlMetaRequest,
  type MetaLevelOrInvalid,
} from '../../src/pegasus/thft/index.js';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../../sim/index.js';
import { get, probe, thftExchange } from './sim-client.js';

const running: SimCluster[] = [];

async function start(options: SimClusterOptions = {}): Promise<SimCluster> {
  const sim = await startSimCluster({
    autoTick: false,
    clock: () => Date.UTC(2026, 2, 13),
    freshStart: true,
    ...options,
  });
  running.push(sim);
  return sim;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function clusterInfo(sim: SimCluster): Promise<Record<string, string>> {
  const r = await get(sim.model.leader()?.address ?? '', '/meta/cluster');
  return JSON.parse(r.body) as Record<string, string>;
}

async function balanceTotal(sim: SimCluster): Promise<number> {
  return (JSON.parse((await clusterInfo(sim))['balance_operation_count'] ?? '{}') as { total: number }).total;
}

async function metaLevel(address: string, level: MetaLevelOrInvalid): Promise<{ err: string; oldLevel: string }> {
  const { frames } = await thftExchange(address, encodeControlMetaRequest({ level }, { seqid: 1 }));
  const frame = frames[0];
  if (!frame) throw new Error('no reply');
  const decoded = decodeControlMetaResponse(frame);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

async function remote(address: string, cmd: string): Promise<string> {
  const { frames } = await thftExchange(address, encodeCliCallRequest({ cmd, arguments: [] }, { seqid: 1 }));
  const decoded = frames[0] ? decodeCliCallResponse(frames[0]) : undefined;
  if (!decoded?.ok) throw new Error('no reply');
  return decoded.value;
}

/** Primary count per node of every table, from /meta/app?detail (what an administrator would look at). */
async function placement(sim: SimCluster): Promise<string> {
  const leader = sim.model.leader()?.address ?? '';
  const parts: string[] = [];
  for (const t of sim.model.tables) parts.push((await get(leader, `/meta/app?name=${t.name}&detail`)).body);
  return parts.join('');
}

async function appsHealth(sim: SimCluster): Promise<Record<string, Record<string, string>>> {
  const body = JSON.parse((await get(sim.model.leader()?.address ?? '', '/meta/apps?detail')).body) as {
    healthy_info: Record<string, Record<string, string>>;
  };
  return body.healthy_info;
}

function totals(
  field: 'unhealthy' | 'read_unhealthy' | 'write_unhealthy',
  health: Record<string, Record<string, string>>,
): number {
  return Object.values(health).reduce((s, row) => s + Number(row[field]), 0);
}

function refused(address: string): Promise<boolean> {
  return fetch(`http://${address}/version`).then(
    () => false,
    (err: unknown) => (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED',
  );
}

describe('simulated balancer', () => {
  it('only checks in steady, and converges in lively', async () => {
    const sim = await start({ seed: 5 });
    sim.faults.skewPlacement({ node: 0, fraction: 0.6 });
    sim.tick();
    const skewed = await clusterInfo(sim);
    expect(await balanceTotal(sim)).toBeGreaterThan(0);
    const before = await placement(sim);
    sim.tick(60_000);
    expect(await placement(sim)).toBe(before);
    expect(await clusterInfo(sim)).toEqual(skewed);

    expect((await metaLevel(sim.metaServers[0] ?? '', 'lively')).oldLevel).toBe('steady');
    for (let round = 0; round < 30 && (await balanceTotal(sim)) !== 0; round++) sim.tick();
    expect(await balanceTotal(sim)).toBe(0);
    expect(await placement(sim)).not.toBe(before);
    const balanced = await clusterInfo(sim);
    expect(Number(balanced['primary_replica_count_stddev'])).toBeLessThan(
      Number(skewed['primary_replica_count_stddev']),
    );
    expect(Number(balanced['total_replica_count_stddev'])).toBeLessThan(Number(skewed['total_replica_count_stddev']));
    // Per table, primaries end up even across nodes.
    for (const table of sim.model.tables) {
      const counts = sim.model.nodes.map((n) => table.partitions.filter((p) => p.primary === n.index).length);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    }
    // The leader's partition entities count the moves.
    const snap = JSON.parse(
      (
        await get(
          sim.metaServers[0] ?? '',
          '/metrics?types=partition&metrics=greedy_move_primary_operations,greedy_copy_primary_operations,greedy_copy_secondary_operations',
        )
      ).body,
    ) as { entities: { metrics: { value: number }[] }[] };
    const moves = snap.entities.flatMap((e) => e.metrics).reduce((s, m) => s + m.value, 0);
    expect(moves).toBeGreaterThan(0);
  });

  it('does not move anything in lively while a partition is unhealthy, and resumes once it is cured', async () => {
    const sim = await start({ seed: 6 });
    sim.faults.skewPlacement({ node: 1, fraction: 0.6 });
    sim.faults.unhealthyPartitions({ table: 'temp', count: 1, kind: 'writable_ill' });
    await metaLevel(sim.metaServers[0] ?? '', 'lively');
    const before = await placement(sim);
    sim.tick(100_000);
    expect(await placement(sim)).toBe(before);
    expect(totals('unhealthy', await appsHealth(sim))).toBe(1);
    sim.faults.clear();
    sim.tick();
    expect(totals('unhealthy', await appsHealth(sim))).toBe(0);
    for (let round = 0; round < 30 && (await balanceTotal(sim)) !== 0; round++) sim.tick();
    expect(await balanceTotal(sim)).toBe(0);
    expect(await placement(sim)).not.toBe(before);
  });
});

describe('simulated failure handling', () => {
  it('cures after a replica server stops: new primaries at once, new secondaries after the assign delay', async () => {
    const sim = await start();
    const victim = sim.replicaServers[4] ?? '';
    await sim.faults.stopReplica(4);
    expect(await refused(victim)).toBe(true);
    const nodes = JSON.parse((await get(sim.metaServers[0] ?? '', '/meta/nodes')).body) as {
      details: Record<string, { status: string }>;
      summary: Record<string, string>;
    };
    expect(nodes.details[victim]?.status).toBe('UNALIVE');
    expect(nodes.summary['unalive_node_count']).toBe('1');
    const hit = await appsHealth(sim);
    expect(totals('read_unhealthy', hit)).toBeGreaterThan(0);
    sim.tick();
    const afterRound = await appsHealth(sim);
    expect(totals('read_unhealthy', afterRound)).toBe(0);
    expect(totals('unhealthy', afterRound)).toBeGreaterThan(0);
    sim.tick(9 * 60_000);
    expect(totals('unhealthy', await appsHealth(sim))).toBeGreaterThan(0);
    sim.tick(2 * 60_000);
    expect(totals('unhealthy', await appsHealth(sim))).toBe(0);
    expect((await clusterInfo(sim))['meta_function_level']).toBe('steady');
  });

  it('freezes (effective level) when too few nodes are alive, and does not cure while frozen', async () => {
    const sim = await start();
    const leader = sim.metaServers[0] ?? '';
    await sim.faults.stopReplica(3);
    await sim.faults.stopReplica(4);
    expect((await clusterInfo(sim))['meta_function_level']).toBe('freezed');
    expect(await metaLevel(leader, 'invalid')).toEqual({ err: 'ERR_OK', oldLevel: 'steady' });
    sim.tick(15 * 60_000);
    expect(totals('read_unhealthy', await appsHealth(sim))).toBeGreaterThan(0);
    await sim.faults.startReplica(3);
    expect((await clusterInfo(sim))['meta_function_level']).toBe('steady');
    sim.tick();
    expect(totals('read_unhealthy', await appsHealth(sim))).toBe(0);
    // The threshold is a mutable flag on the leader.
    expect((await get(leader, '/updateConfig?min_live_node_count_for_unfreeze=10')).body).toBe(
      '{"update_status":"ERR_OK"}\n',
    );
    expect((await clusterInfo(sim))['meta_function_level']).toBe('freezed');
  });

  it('fails over: the next meta leads with its own stored level, the old one redirects and forwards', async () => {
    const sim = await start();
    const [m0 = '', m1 = '', m2 = ''] = sim.metaServers;
    await metaLevel(m0, 'lively');
    expect(sim.faults.failover()).toEqual({ from: m0, to: m1, storedLevel: 'steady' });
    const redirect = await get(m0, '/meta/cluster');
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get('location')).toBe(`http://${m1}/meta/cluster`);
    expect(await clusterInfo(sim)).toMatchObject({ primary_meta_server: m1, meta_function_level: 'steady' });
    expect(await metaLevel(m1, 'invalid')).toEqual({ err: 'ERR_OK', oldLevel: 'steady' });
    // A backup leaves old_level at its thrift default 0, which the typed decoder refuses: read the raw error.
    const forwarded = await thftExchange(m0, encodeControlMetaRequest({ level: 'invalid' }, { seqid: 1 }));
    expect(Buffer.from(forwarded.raw[0] ?? []).toString('latin1')).toContain('ERR_FORWARD_TO_OTHERS');
    expect(await remote(m0, 'meta.lb.get_balance_operation_count')).toBe(
      "unknown command 'meta.lb.get_balance_operation_count'",
    );
    expect(await remote(m1, 'meta.lb.get_balance_operation_count')).toBe('{\n  "total": 0\n}');
    // Stopping the leader closes its port and hands over again.
    await sim.faults.stopMeta(1);
    expect(await refused(m1)).toBe(true);
    expect((await clusterInfo(sim))['primary_meta_server']).toBe(m2);
    await sim.faults.startMeta(1);
    expect((await get(m1, '/meta/cluster')).headers.get('location')).toBe(`http://${m2}/meta/cluster`);
  });
});

describe('simulated time', () => {
  it('follows the clock times the speed when auto-ticking, catching up before each answer', async () => {
    let now = Date.UTC(2026, 2, 13);
    const sim = await startSimCluster({ clock: () => now, speed: 60 });
    running.push(sim);
    const leader = sim.metaServers[0] ?? '';
    await sim.faults.stopReplica(4);
    const before = sim.model.rounds;
    now += 15_000; // 15 real seconds = 15 simulated minutes
    const health = JSON.parse((await get(leader, '/meta/apps?detail')).body) as { summary: Record<string, string> };
    expect(sim.model.rounds - before).toBe(90);
    // Long enough for cure to re-replicate after the 10-minute assign delay.
    expect(health.summary['unhealthy_app_count']).toBe('0');
  });
});

describe('simulated faults are visible where a real cluster shows them', () => {
  it('slow and hanging processes answer late or never', async () => {
    const sim = await start();
    const [r0 = '', r1 = ''] = sim.replicaServers;
    sim.faults.slow({ replica: 0 }, 3_000);
    await expect(fetch(`http://${r0}/version`, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    sim.faults.slow(r0, 0);
    expect((await fetch(`http://${r0}/version`)).status).toBe(200);
    sim.faults.hang({ replica: 1 });
    expect(await probe(r1, 'GET /version HTTP/1.1\r\n\r\n', 300)).toEqual({ closed: false, received: 0 });
    sim.faults.clear();
    expect((await get(r1, '/version')).status).toBe(200);
  });

  it('shows a latency spike, a full disk and a session flood in /metrics', async () => {
    const sim = await start();
    const p = sim.model.table('temp')?.partitions[0];
    if (!p) throw new Error('no partition');
    const primary = sim.replicaServers[p.primary] ?? '';
    const p99 = async (): Promise<number> =>
      (
        JSON.parse((await get(primary, '/metrics?ids=replica@2.0&metrics=get_latency_ns')).body) as {
          entities: { metrics: { p99: number }[] }[];
        }
      ).entities[0]?.metrics[0]?.p99 ?? 0;
    const before = await p99();
    sim.faults.latencySpike('temp', 20);
    expect(Math.abs((await p99()) - before * 20)).toBeLessThanOrEqual(20);

    const r2 = sim.replicaServers[2] ?? '';
    sim.faults.fillDisk(2, 3);
    const disks = JSON.parse((await get(r2, '/metrics?types=disk')).body) as {
      entities: { metrics: { name: string; value: number }[] }[];
    };
    for (const d of disks.entities) {
      const total = d.metrics.find((m) => m.name === 'disk_capacity_total_mb')?.value ?? 0;
      const avail = d.metrics.find((m) => m.name === 'disk_capacity_avail_mb')?.value ?? 0;
      expect(avail / total).toBeCloseTo(0.03, 3);
    }

    const sessions = async (): Promise<number> =>
      (
        JSON.parse((await get(r2, '/metrics?metrics=network_server_sessions')).body) as {
          entities: { metrics: { value: number }[] }[];
        }
      ).entities[0]?.metrics[0]?.value ?? 0;
    const calm = await sessions();
    sim.faults.sessionFlood(r2, 20_000);
    expect((await sessions()) - calm).toBe(20_000);
  });

  it('shows unhealthy partitions in ls, app -d and the leader’s table gauges', async () => {
    const sim = await start();
    const leader = sim.metaServers[0] ?? '';
    expect(sim.faults.unhealthyPartitions({ table: 'temp', count: 2, kind: 'unreadable' })).toEqual([0, 1]);
    const health = (await appsHealth(sim))['2'];
    expect(health).toMatchObject({ fully_healthy: '6', unhealthy: '2', write_unhealthy: '2', read_unhealthy: '2' });
    const detail = JSON.parse((await get(leader, '/meta/app?name=temp&detail')).body) as {
      replicas: Record<string, { primary: string; replica_count: string }>;
    };
    expect(detail.replicas['0']).toMatchObject({ primary: '-', replica_count: '2/3' });
    sim.tick();
    const gauges = JSON.parse((await get(leader, '/metrics?ids=table@2&metrics=unreadable_partitions')).body) as {
      entities: { metrics: { value: number }[] }[];
    };
    expect(gauges.entities[0]?.metrics[0]?.value).toBe(2);
  });

  it('runs mixed versions and restarts with a new start time', async () => {
    const sim = await start();
    const r1 = sim.replicaServers[1] ?? '';
    const r0 = sim.replicaServers[0] ?? '';
    const startedAt = (await get(r0, '/recentStartTime')).body;
    sim.faults.mixedVersions({ replicas: [1] });
    expect(JSON.parse((await get(r1, '/version')).body)).toMatchObject({ Version: '2.5.0' });
    expect((await get(r1, '/metrics')).body).toBe('[]');
    expect(JSON.parse((await get(r0, '/version')).body)).toMatchObject({ Version: '2.6.0' });
    sim.tick(90_000);
    await sim.faults.restartReplica(0);
    expect((await get(r0, '/recentStartTime')).body).toBe('{"RecentStartTime":"2026-03-13 00:01:30"}\n');
    expect(startedAt).toBe('{"RecentStartTime":"2026-03-13 00:00:00"}\n');
  });
});
