/**
 * The simulator's node-level `profiler` entities agree with the replica counters it serves, as in Pegasus:
 * a data RPC is executed by the node that serves it as primary, so `profiler_executed_tasks` of a read task is
 * the sum of the node's replica read counters, that of a write task the sum of its primaries' write counters
 * (a secondary applies writes through RPC_PREPARE), and the node's RPC latency is its worst primary's.
 * Also checks that the fast `/metrics` writer prints exactly rapidjson's pretty layout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { taskOfOp } from '../../sim/model/load-model.js';
import { readOps, writeOps, type DataOp } from '../../sim/model/table-spec.js';
import { get } from './sim-client.js';

interface Entity {
  type: string;
  id: string;
  metrics: Record<string, number | string>[];
}

const start = Date.UTC(2026, 2, 13, 8, 0, 0);
const ops: readonly DataOp[] = [...readOps, ...writeOps];

async function entities(address: string, query: string): Promise<Entity[]> {
  const r = await get(address, `/metrics?${query}`);
  expect(r.status).toBe(200);
  return (JSON.parse(r.body) as { entities: Entity[] }).entities;
}

function field(entity: Entity | undefined, metric: string, name: string): number {
  const m = entity?.metrics.find((x) => x['name'] === metric);
  if (m?.[name] === undefined) throw new Error(`no ${metric}.${name} in ${entity?.id ?? 'nothing'}`);
  return Number(m[name]);
}

describe('simulated profiler entities', () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSimCluster({ autoTick: false, clock: () => start, seed: 5 });
    sim.tick(30_000);
  });

  afterAll(async () => {
    await sim.stop();
  });

  /** Per node: profiler counters and p99s, and the replica counters and p99s split by role. */
  async function readNode(index: number) {
    const address = sim.replicaServers[index] ?? '';
    const node = sim.model.node(index);
    const primaryIds = new Set(
      [...node.members].filter((p) => p.primary === index).map((p) => `replica@${p.table.appId}.${p.pidx}`),
    );
    const profiler = await entities(
      address,
      'types=profiler&metrics=profiler_executed_tasks,profiler_server_rpc_latency_ns&with_metric_fields=name,value,p99',
    );
    const names = ops.flatMap((op) => [`${op}_requests`, `${op}_latency_ns`]);
    const replicas = await entities(
      address,
      `types=replica&metrics=${names.join(',')}&with_metric_fields=name,value,p99`,
    );
    return { profiler, replicas, primaryIds };
  }

  it('counts executed RPCs as the node’s replica read counters and its primaries’ write counters', async () => {
    for (let index = 0; index < sim.replicaServers.length; index++) {
      const { profiler, replicas, primaryIds } = await readNode(index);
      expect(primaryIds.size).toBeGreaterThan(0);
      for (const op of ops) {
        const task = profiler.find((e) => e.id === `task@${taskOfOp[op]}`);
        const executed = field(task, 'profiler_executed_tasks', 'value');
        const isRead = (readOps as readonly string[]).includes(op);
        const counted = replicas
          .filter((e) => isRead || primaryIds.has(e.id))
          .reduce((sum, e) => sum + field(e, `${op}_requests`, 'value'), 0);
        expect(executed, `${sim.replicaServers[index] ?? ''} ${op}`).toBe(counted);
        if (op === 'get' || op === 'put') expect(executed).toBeGreaterThan(0);
      }
      // Secondaries apply every write too: the replica write counters over all replicas are higher.
      const allPuts = replicas.reduce((sum, e) => sum + field(e, 'put_requests', 'value'), 0);
      const task = profiler.find((e) => e.id === 'task@RPC_RRDB_RRDB_PUT');
      expect(allPuts).toBeGreaterThan(field(task, 'profiler_executed_tasks', 'value'));
    }
  });

  it('grows executed RPCs by exactly the replica counters’ growth', async () => {
    const before = await readNode(0);
    sim.tick(10_000);
    const after = await readNode(0);
    const executed = (n: typeof before, op: DataOp) =>
      field(
        n.profiler.find((e) => e.id === `task@${taskOfOp[op]}`),
        'profiler_executed_tasks',
        'value',
      );
    const counters = (n: typeof before, op: DataOp) =>
      n.replicas.filter((e) => n.primaryIds.has(e.id)).reduce((sum, e) => sum + field(e, `${op}_requests`, 'value'), 0);
    for (const op of ['get', 'multi_get', 'put', 'multi_put'] as const) {
      const delta = executed(after, op) - executed(before, op);
      expect(delta).toBeGreaterThan(0);
      expect(delta).toBe(counters(after, op) - counters(before, op));
    }
  });

  it('keeps counting the node’s replicas after the balancer moved some in and out', async () => {
    const skewed = await startSimCluster({ autoTick: false, clock: () => start, seed: 9, scenario: 'skewed' });
    try {
      const address = skewed.replicaServers[0] ?? '';
      const read = async () => {
        const profiler = await entities(
          address,
          'types=profiler&metrics=profiler_executed_tasks&with_metric_fields=name,value',
        );
        const replicas = await entities(address, 'types=replica&metrics=get_requests,multi_get_requests');
        return { profiler, replicas };
      };
      const executedGet = (p: Entity[]) =>
        field(
          p.find((e) => e.id === 'task@RPC_RRDB_RRDB_GET'),
          'profiler_executed_tasks',
          'value',
        );
      const before = await read();
      const membersBefore = skewed.model.node(0).members.size;
      skewed.model.setMetaLevel('lively');
      for (let round = 0; round < 30 && skewed.model.node(0).members.size === membersBefore; round++) skewed.tick();
      expect(skewed.model.node(0).members.size).not.toBe(membersBefore);
      const after = await read();
      for (const { profiler, replicas } of [before, after]) {
        expect(executedGet(profiler)).toBe(replicas.reduce((s, e) => s + field(e, 'get_requests', 'value'), 0));
      }
      expect(after.replicas.length).toBe(skewed.model.node(0).members.size);
    } finally {
      await skewed.stop();
    }
  });

  it('reports the worst primary’s latency as the node’s RPC latency, never an average', async () => {
    const { profiler, replicas, primaryIds } = await readNode(1);
    for (const op of ops) {
      const task = profiler.find((e) => e.id === `task@${taskOfOp[op]}`);
      const p99s = replicas.filter((e) => primaryIds.has(e.id)).map((e) => field(e, `${op}_latency_ns`, 'p99'));
      const worst = Math.max(...p99s);
      const mean = p99s.reduce((a, b) => a + b, 0) / p99s.length;
      expect(worst).toBeGreaterThan(mean);
      // The server-side RPC latency includes the wait in the queue: 5% above the replica's own in the sim.
      expect(field(task, 'profiler_server_rpc_latency_ns', 'p99')).toBe(Math.round(worst * 1.05));
    }
  });

  it('prints exactly rapidjson’s pretty layout for every field selection', async () => {
    const address = sim.replicaServers[2] ?? '';
    const queries = [
      'detail=true',
      'types=replica&with_metric_fields=name,value,p99',
      'types=profiler,server,disk&with_metric_fields=p50,name,p999',
      'types=replica&metrics=get_latency_ns,put_requests&with_metric_fields=type,unit',
      'types=server&with_metric_fields=nothing',
      '',
    ];
    for (const query of queries) {
      const body = (await get(address, `/metrics?${query}`)).body;
      // JSON.stringify with 4 spaces is the same layout; timestamp_ns is above 2^53, so compare it as text.
      const stamp = /"timestamp_ns": (\d+)/.exec(body)?.[1];
      expect(stamp).toBe(String(BigInt(Math.round(sim.model.nowWallMs)) * 1_000_000n));
      const reprinted = JSON.stringify(JSON.parse(body), null, 4).replace(
        /"timestamp_ns": \d+(\.\d+)?(e\+\d+)?/,
        `"timestamp_ns": ${stamp ?? ''}`,
      );
      expect(reprinted, query).toBe(body);
    }
  });
});
