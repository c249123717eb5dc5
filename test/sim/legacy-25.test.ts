import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCliCallResponse, encodeCliCallRequest } from '../../src/pegasus/thft/index.js';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { get, thftExchange } from './sim-client.js';

async function remote(address: string, cmd: string, args: string[] = []): Promise<string> {
  const { frames } = await thftExchange(address, encodeCliCallRequest({ cmd, arguments: args }, { seqid: 3 }));
  const decoded = frames[0] ? decodeCliCallResponse(frames[0]) : undefined;
  if (!decoded?.ok) throw new Error(`no reply to ${cmd}`);
  return decoded.value;
}

describe('simulated Pegasus 2.5.0', () => {
  let sim: SimCluster;
  let leader: string;
  let replica: string;

  beforeAll(async () => {
    sim = await startSimCluster({
      freshStart: true,
      autoTick: false,
      pegasusVersion: '2.5.0',
      clock: () => Date.UTC(2026, 2, 13),
      seed: 9,
    });
    leader = sim.metaServers[0] ?? '';
    replica = sim.replicaServers[0] ?? '';
    sim.tick(10_000);
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('reports its version and an empty /metrics array (no metric is defined in 2.5.0)', async () => {
    expect((await get(replica, '/version')).body).toBe(
      '{"Version":"2.5.0","GitCommit":"0ca31b70eac7321bb17fb034105695597245d47b"}\n',
    );
    expect((await get(replica, '/metrics')).body).toBe('[]');
    expect((await get(leader, '/metrics?types=server')).body).toBe('[]');
    expect((await get(replica, '/metrics?detail')).status).toBe(400);
  });

  it('prints balance_operation_count as k=v pairs in /meta/cluster and the remote command', async () => {
    const info = JSON.parse((await get(leader, '/meta/cluster')).body) as Record<string, string>;
    expect(info['balance_operation_count']).toBe('move_pri=0,copy_pri=0,copy_sec=0,total=0');
    expect(await remote(leader, 'meta.lb.get_balance_operation_count')).toBe('total=0');
    expect(await remote(leader, 'meta.lb.get_balance_operation_count', ['move_pri'])).toBe('move_pri=0');
    expect(await remote(leader, 'meta.lb.get_balance_operation_count', ['oops'])).toBe('ERR: invalid arguments');
    expect(await remote(leader, 'meta.lb.only_move_primary', ['true'])).toBe('OK');
    expect(await remote(leader, 'meta.lb.only_move_primary')).toBe('true');
  });

  it('answers server-info with the 2.5 plain string', async () => {
    expect(await remote(replica, 'server-info')).toBe(
      'Pegasus Server 2.5.0 (0ca31b70eac7321bb17fb034105695597245d47b) Release, Started at 2026-03-13 00:00:00',
    );
  });

  it('answers server-stat from perf counters, found ones in name order, missing ones last', async () => {
    const onReplica = await remote(replica, 'server-stat');
    const keys = onReplica.split(', ').map((kv) => kv.split('=')[0]);
    expect(keys.slice(0, 3)).toEqual([
      'manual_compact_enqueue_count',
      'manual_compact_running_count',
      'rdb_block_cache_memory_usage',
    ]);
    expect(keys).toContain('get_qps');
    expect(Number(/get_qps=(\d+)/.exec(onReplica)?.[1])).toBeGreaterThan(0);
    const onMeta = await remote(leader, 'server-stat');
    expect(onMeta.startsWith('memused_res(MB)=')).toBe(false);
    expect(onMeta).toContain('replica*server*memused.res(MB)=not_found');
  });

  it('lists perf counters by regular expression with the perf_counter_info JSON', async () => {
    const body = JSON.parse(await remote(replica, 'perf-counters', ['.*@2\\..*'])) as {
      result: string;
      timestamp: number;
      timestamp_str: string;
      counters: { name: string; type: string; value: number }[];
    };
    expect(body.result).toBe('OK');
    expect(body.timestamp_str).toBe('2026-03-13 00:00:10');
    expect(body.counters.length).toBeGreaterThan(0);
    expect(body.counters.every((c) => /@2\.\d+(\.p999)?$/.test(c.name))).toBe(true);
    expect(body.counters.map((c) => c.name)).toEqual([...body.counters.map((c) => c.name)].sort());
    const qps = body.counters.find((c) => c.type === 'RATE' && c.name.includes('get_qps') && c.value > 0);
    expect(qps).toBeDefined();
    const bad = JSON.parse(await remote(replica, 'perf-counters', ['a\\{'])) as { result: string; counters: unknown[] };
    expect(bad).toMatchObject({ result: 'ERROR: invalid filter: a\\{', counters: [] });
  });

  it('serves /perfCounter for one counter, {} for an unknown name', async () => {
    const mem = JSON.parse((await get(replica, '/perfCounter?name=replica*server*memused.res(MB)')).body) as Record<
      string,
      string
    >;
    expect(Object.keys(mem)).toEqual(['name', 'value', 'type', 'description']);
    expect(mem['value']).toMatch(/^\d+\.00$/);
    const latency = JSON.parse(
      (await get(replica, '/perfCounter?name=zion*profiler*RPC_RRDB_RRDB_GET.latency.server')).body,
    ) as Record<string, string>;
    expect(Object.keys(latency)).toEqual(['name', 'p99', 'p999', 'type', 'description']);
    expect((await get(replica, '/perfCounter?name=nope')).body).toBe('{}\n');
  });

  it('uses the 2.5 help texts, lists /perfCounter, and answers 404 for an empty table name', async () => {
    const calls = JSON.parse((await get(leader, '/')).body) as Record<string, string>;
    expect(calls['/metrics']).toBe('ip:port/metrics');
    expect(calls['/perfCounter']).toBe('Gets the value of a perf counter');
    expect(calls['/envs/list']).toBeUndefined();
    expect(await get(leader, '/meta/app')).toMatchObject({ status: 404, body: 'table not found: ""' });
    const help = await remote(leader, 'help');
    expect(help.split('\n').filter((l) => l.startsWith('help|Help|h|H'))).toHaveLength(4);
    expect(await remote(leader, 'help', ['server-stat'])).toBe(
      'server-stat: server-stat - query selected perf counters\nserver-stat\n',
    );
  });

  it('answers query_cfg without the host_port fields', async () => {
    const { encodeQueryConfigRequest, decodeQueryConfigResponse } = await import('../../src/pegasus/thft/index.js');
    const { frames } = await thftExchange(
      leader,
      encodeQueryConfigRequest({ appName: 'temp', partitionIndices: [0] }, { seqid: 1 }),
    );
    const decoded = frames[0] ? decodeQueryConfigResponse(frames[0]) : undefined;
    if (!decoded?.ok) throw new Error('no reply');
    expect(decoded.value.partitions).toHaveLength(1);
    expect(decoded.value.partitions[0]?.hpPrimary).toBeUndefined();
    expect(decoded.value.partitions[0]?.primary).toMatch(/^127\.0\.0\.1:\d+$/);
  });
});
