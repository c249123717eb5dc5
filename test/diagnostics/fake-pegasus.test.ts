import { describe, expect, it } from 'vitest';
import { FakePegasus } from '../support/fake-pegasus.js';

const r = (i: number) => `127.0.0.1:${34800 + i}`;

function unwrap<T>(result: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('FakePegasus', () => {
  it('lays replicas out evenly by default, counts following the partition layout', async () => {
    const fake = new FakePegasus();
    const nodes = unwrap(await fake.listNodes());
    expect(nodes.map((n) => [n.replicaCount, n.primaryCount])).toEqual(Array.from({ length: 5 }, () => [9, 3]));
    const detail = unwrap(await fake.tableDetail('temp'));
    expect(detail.nodes.reduce((s, n) => s + n.total, 0)).toBe(30);
  });

  it('derives partition health from the unhealthy shapes by the shell rule', async () => {
    const fake = new FakePegasus();
    fake.makePartitionsUnhealthy('temp', { noPrimary: 1, primaryOnly: 2, missingSecondary: 3 });
    const temp = unwrap(await fake.listTables()).find((t) => t.name === 'temp');
    expect(temp?.health).toEqual({ fullyHealthy: 4, unhealthy: 6, writeUnhealthy: 3, readUnhealthy: 1 });
    const detail = unwrap(await fake.tableDetail('temp'));
    expect(detail.partitions[0]?.primary).toBeUndefined();
    expect(detail.partitions[1]?.secondaries).toEqual([]);
  });

  it('applies freeze protection to the effective level only', async () => {
    const fake = new FakePegasus();
    fake.setStoredLevel('lively').makeUnalive(r(1)).makeUnalive(r(2));
    expect(unwrap(await fake.clusterInfo()).metaFunctionLevel).toBe('freezed');
    expect(unwrap(await fake.getMetaLevel())).toBe('lively');
  });

  it('fails over to the next meta server, which starts from its own level', async () => {
    const fake = new FakePegasus();
    fake.setStoredLevel('lively').makeMetaDown('127.0.0.1:34601');
    const probe = await fake.probeMetas();
    expect(probe.find((m) => m.isLeader)?.address).toBe('127.0.0.1:34602');
    expect(probe[0]).toMatchObject({ reachable: false, error: 'connect ECONNREFUSED' });
    expect(unwrap(await fake.getMetaLevel())).toBe('steady');
  });

  it('asks only ALIVE replica servers and reports silent ones as unreachable', async () => {
    const fake = new FakePegasus({ nodeTimeoutMs: 20 });
    fake.makeUnalive(r(1)).makeUnreachable(r(2)).makeSlow(r(3), 10_000);
    const load = unwrap(await fake.load());
    expect(load.nodes.map((n) => n.address)).toEqual([r(4), r(5)]);
    expect(load.unreachable).toEqual([
      { address: r(2), role: 'replica', reason: 'connect ECONNREFUSED' },
      { address: r(3), role: 'replica', reason: 'timeout after 20 ms' },
    ]);
  });

  it('answers TABLE_NOT_FOUND and CLUSTER_UNREACHABLE as values', async () => {
    const fake = new FakePegasus();
    expect(await fake.tableDetail('nope')).toMatchObject({ ok: false, error: { code: 'TABLE_NOT_FOUND' } });
    expect(await fake.load({ table: 'nope' })).toMatchObject({ ok: false, error: { code: 'TABLE_NOT_FOUND' } });
    fake.makeClusterUnreachable();
    expect(await fake.listNodes()).toMatchObject({ ok: false, error: { code: 'CLUSTER_UNREACHABLE' } });
  });

  it('gives per-partition stats with one slow partition when a table is asked for', async () => {
    const fake = new FakePegasus();
    const load = unwrap(await fake.load({ table: 'stat' }));
    expect(load.tables.map((t) => t.name)).toEqual(['stat']);
    expect(load.partitions).toHaveLength(5);
    expect(load.partitions?.[0]?.readP99Ns).toBe(3_000_000);
    expect(load.partitions?.[1]?.readP99Ns).toBe(1_500_000);
  });
});
