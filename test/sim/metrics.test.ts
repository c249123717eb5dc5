import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { get, rawHttp } from './sim-client.js';

type Metric = Record<string, string | number>;
interface Entity {
  type: string;
  id: string;
  attributes: Record<string, string>;
  metrics: Metric[];
}
interface Snapshot {
  cluster: string;
  role: string;
  host: string;
  port: number;
  timestamp_ns: number;
  entities: Entity[];
}

const start = Date.UTC(2026, 2, 13, 20, 33, 17);

async function metrics(address: string, query = ''): Promise<Snapshot> {
  const r = await get(address, `/metrics${query}`);
  expect(r.status).toBe(200);
  return JSON.parse(r.body) as Snapshot;
}

function value(entity: Entity | undefined, name: string): number {
  const m = entity?.metrics.find((x) => x['name'] === name);
  if (!m) throw new Error(`no metric ${name} in ${entity?.id ?? 'nothing'}`);
  return Number(m['value']);
}

describe('simulated /metrics (2.6)', () => {
  let sim: SimCluster;
  let replica: string;

  beforeAll(async () => {
    sim = await startSimCluster({ autoTick: false, clock: () => start, seed: 11 });
    replica = sim.replicaServers[0] ?? '';
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('wraps the entities in cluster/role/host/port/timestamp_ns, pretty-printed with 4 spaces', async () => {
    const r = await get(replica, '/metrics?types=server&metrics=total_replicas');
    expect(r.body).toBe(
      `{\n    "cluster": "onebox",\n    "role": "replica",\n    "host": "127.0.0.1",\n    "port": ${replica.split(':')[1] ?? ''},\n` +
        `    "timestamp_ns": ${BigInt(start) * 1_000_000n},\n    "entities": [\n        {\n            "type": "server",\n` +
        `            "id": "server",\n            "attributes": {},\n            "metrics": [\n                {\n` +
        `                    "name": "total_replicas",\n                    "value": ${sim.model.node(0).members.size}\n` +
        `                }\n            ]\n        }\n    ]\n}`,
    );
  });

  it('prints name/value or name/p50…p999 by default, every field with detail=true', async () => {
    const brief = await metrics(replica, '?types=replica&metrics=get_requests,get_latency_ns');
    const first = brief.entities[0];
    const keysOf = (name: string): string[] => Object.keys(first?.metrics.find((m) => m['name'] === name) ?? {});
    expect(first?.metrics.length).toBe(2);
    expect(keysOf('get_requests')).toEqual(['name', 'value']);
    expect(keysOf('get_latency_ns')).toEqual(['name', 'p50', 'p90', 'p95', 'p99', 'p999']);
    const detail = await metrics(replica, '?types=replica&metrics=get_requests&detail=true');
    expect(detail.entities[0]?.metrics[0]).toEqual({
      type: 'Counter',
      name: 'get_requests',
      unit: 'Requests',
      desc: 'The number of GET requests',
      value: expect.any(Number) as number,
    });
    const chosen = await metrics(
      replica,
      '?types=replica&metrics=get_requests&detail=true&with_metric_fields=type,value',
    );
    expect(Object.keys(chosen.entities[0]?.metrics[0] ?? {})).toEqual(['type', 'value']);
  });

  it('filters by type, id, attributes (any pair matches) and metric name', async () => {
    const node = sim.model.node(0);
    const replicas = await metrics(replica, '?types=replica');
    expect(replicas.entities.length).toBe(node.members.size);
    expect(new Set(replicas.entities.map((e) => e.type))).toEqual(new Set(['replica']));
    const ids = replicas.entities.slice(0, 2).map((e) => e.id);
    const byId = await metrics(replica, `?ids=${ids.join(',')},replica@99.0`);
    expect(byId.entities.map((e) => e.id)).toEqual(ids);
    const table2 = await metrics(replica, '?types=replica&attributes=table_id,2');
    expect(table2.entities.length).toBeGreaterThan(0);
    expect(table2.entities.every((e) => e.attributes['table_id'] === '2')).toBe(true);
    const either = await metrics(replica, '?types=replica&attributes=table_id,2,partition_id,0');
    expect(either.entities.every((e) => e.attributes['table_id'] === '2' || e.attributes['partition_id'] === '0')).toBe(
      true,
    );
    expect(either.entities.length).toBeGreaterThan(table2.entities.length);
    // An entity without any chosen metric is left out.
    const onlyDisk = await metrics(replica, '?metrics=disk_capacity_avail_mb');
    expect(onlyDisk.entities.map((e) => e.id)).toEqual(['disk@ssd1', 'disk@ssd2']);
  });

  it('answers the documented 400s with pretty error bodies', async () => {
    const expectError = async (query: string, message: string): Promise<void> => {
      const r = await get(replica, `/metrics${query}`);
      expect(r.status).toBe(400);
      expect(r.body).toBe(`{\n    "error_message": ${JSON.stringify(message)}\n}`);
    };
    await expectError('?detail', 'the value of detail should be a boolean value, i.e. true or false');
    await expectError('?detail=yes', 'the value of detail should be a boolean value, i.e. true or false');
    await expectError('?foo=bar', 'unknown field foo=bar');
    await expectError(
      '?attributes=table_id',
      'the number of arguments for attributes should be even, since each attribute name always pairs with a value',
    );
    const { responses } = await rawHttp(replica, 'POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n');
    expect(responses[0]?.status).toBe(400);
    expect(responses[0]?.body).toBe(`{\n    "error_message": "please use 'GET' method while querying for metrics"\n}`);
  });

  it('grows request counters with simulated time: reads on primaries only, writes on every replica', async () => {
    const table = sim.model.table('temp');
    if (!table) throw new Error('no temp table');
    const sample = async (): Promise<Map<string, Entity>> => {
      const out = new Map<string, Entity>();
      for (const address of sim.replicaServers) {
        const snap = await metrics(address, '?types=replica&attributes=table_id,2&metrics=get_requests,put_requests');
        for (const e of snap.entities) out.set(`${address}/${e.id}`, e);
      }
      return out;
    };
    const before = await sample();
    sim.tick(10_000);
    const after = await sample();
    let getDelta = 0;
    for (const p of table.partitions) {
      for (const [i, address] of sim.replicaServers.entries()) {
        const key = `${address}/replica@2.${p.pidx}`;
        const b = before.get(key);
        const a = after.get(key);
        if (i === p.primary) {
          getDelta += value(a, 'get_requests') - value(b, 'get_requests');
        } else if (p.secondaries.includes(i)) {
          expect(value(a, 'get_requests')).toBe(0);
        }
        if (a) expect(value(a, 'put_requests')).toBeGreaterThan(value(b, 'put_requests'));
      }
    }
    // temp reads 800/s, 70% of them GETs; the load swings ±20% around that.
    const qps = getDelta / 10;
    expect(qps).toBeGreaterThan(560 * 0.75);
    expect(qps).toBeLessThan(560 * 1.25);
  });

  it('reports ordered, non-zero latency percentiles on primaries and zero on secondaries', async () => {
    const table = sim.model.table('temp');
    const p = table?.partitions[0];
    if (!p) throw new Error('no partition');
    const primary = sim.replicaServers[p.primary] ?? '';
    const snap = await metrics(primary, '?ids=replica@2.0&metrics=get_latency_ns');
    const l = snap.entities[0]?.metrics[0] ?? {};
    const ps = ['p50', 'p90', 'p95', 'p99', 'p999'].map((k) => Number(l[k]));
    expect(ps[0]).toBeGreaterThan(0);
    expect(ps).toEqual([...ps].sort((a, b) => a - b));
    const secondary = sim.replicaServers[p.secondaries[0] ?? 0] ?? '';
    const sec = await metrics(secondary, '?ids=replica@2.0&metrics=get_latency_ns');
    expect(sec.entities[0]?.metrics[0]?.['p99']).toBe(0);
  });

  it('shows disks, memory and sessions on replica servers, profiler tasks for the data RPCs', async () => {
    const snap = await metrics(replica, '?types=disk,server,profiler');
    const disk = snap.entities.find((e) => e.id === 'disk@ssd1');
    expect(disk?.attributes['tag']).toBe('ssd1');
    expect(value(disk, 'disk_capacity_avail_mb')).toBeLessThan(value(disk, 'disk_capacity_total_mb'));
    const server = snap.entities.find((e) => e.type === 'server');
    expect(value(server, 'resident_mem_usage_mb')).toBeGreaterThan(1_000);
    expect(value(server, 'virtual_mem_usage_mb')).toBeGreaterThan(value(server, 'resident_mem_usage_mb'));
    expect(value(server, 'network_server_sessions')).toBeGreaterThan(0);
    expect(value(server, 'primary_replicas') + value(server, 'secondary_replicas')).toBe(
      value(server, 'total_replicas'),
    );
    expect(snap.entities.map((e) => e.id)).toContain('task@RPC_RRDB_RRDB_GET');
  });

  it('has table and partition entities on the leader meta only', async () => {
    const leader = await metrics(sim.metaServers[0] ?? '', '?types=table,server');
    const tables = leader.entities.filter((e) => e.type === 'table');
    expect(tables.map((e) => e.id)).toEqual(sim.model.tables.map((t) => `table@${t.appId}`));
    expect(value(tables[1], 'healthy_partitions')).toBe(8);
    expect(
      value(
        leader.entities.find((e) => e.type === 'server'),
        'alive_replica_servers',
      ),
    ).toBe(5);
    expect(leader.role).toBe('meta');
    const backup = await metrics(sim.metaServers[1] ?? '', '?types=table,partition,server');
    expect(backup.entities.map((e) => e.type)).toEqual(['server']);
    expect(value(backup.entities[0], 'alive_replica_servers')).toBe(0);
  });
});
