import pLimit from 'p-limit';
import { describe, expect, it } from 'vitest';
import {
  metaCounterFilters,
  primaryLoadsFromCounters,
  replicaCounterFilters,
  samplePerfCounterServers,
} from '../../src/pegasus/perf-counter-sampler.js';
import { fail, ok } from '../../src/result.js';

const matches = (filters: readonly string[], name: string) => filters.some((f) => new RegExp(`^(?:${f})$`).test(name));

describe('perf-counter filters', () => {
  it('match the 2.5 names the load report needs, parentheses included, and nothing else', () => {
    const wanted = [
      'replica*app.pegasus*get_qps@2.3',
      'replica*app.pegasus*check_and_mutate_qps@12.100',
      'replica*app.pegasus*multi_put_latency@2.3',
      'replica*app.pegasus*disk.storage.sst(MB)@2.3',
      'replica*app.pegasus*disk.storage.sst.count@2.3',
      'replica*app.pegasus*rdb.memtable.memory_usage@2.3',
      'replica*server*memused.res(MB)',
      'replica*server*memused.virt(MB)',
      'server*network*client_session_count',
      'replica*eon.replica_stub*disk.capacity.total(MB)',
      'replica*eon.replica_stub*disk.available.total(MB)',
      'replica*eon.replica_stub*disk.available.total.ratio',
      'replica*eon.replica_stub*replica(Count)',
      'replica*eon.replica_stub*opening.replica(Count)',
    ];
    for (const name of wanted) expect(matches(replicaCounterFilters, name), name).toBe(true);
    const unwanted = [
      'replica*app.pegasus*get_latency@2.3.p999',
      'replica*app.pegasus*recent.read.cu@2.3',
      'replica*app.pegasus*rdb.block_cache.hit_count@2.3',
      'zion*profiler*RPC_RRDB_RRDB_GET.qps',
      'replica*eon.replica_stub*shared.log.size(MB)',
    ];
    for (const name of unwanted) expect(matches(replicaCounterFilters, name), name).toBe(false);
    expect(matches(metaCounterFilters, 'meta*server*memused.res(MB)')).toBe(true);
  });
});

describe('primaryLoadsFromCounters', () => {
  it('keeps primaries only and reads rates, p99 and gauges as they are', () => {
    const loads = primaryLoadsFromCounters(
      [
        { name: 'replica*app.pegasus*get_qps@2.0', value: 120.5 },
        { name: 'replica*app.pegasus*put_qps@2.0', value: 7 },
        { name: 'replica*app.pegasus*get_latency@2.0', value: 880_000 },
        { name: 'replica*app.pegasus*disk.storage.sst(MB)@2.0', value: 64 },
        { name: 'replica*app.pegasus*disk.storage.sst.count@2.0', value: 3 },
        { name: 'replica*app.pegasus*rdb.memtable.memory_usage@2.0', value: 2048 },
        { name: 'replica*app.pegasus*put_qps@2.1', value: 999 },
      ],
      new Set(['2.0']),
    );
    expect(loads).toEqual([
      {
        appId: 2,
        pidx: 0,
        qps: { get: 120.5, put: 7 },
        p99Ns: { get: 880_000 },
        sstMb: 64,
        sstFiles: 3,
        memtableBytes: 2048,
      },
    ]);
  });
});

describe('samplePerfCounterServers', () => {
  const counters = (extra: { name: string; value: number }[]) =>
    JSON.stringify({
      result: 'OK',
      timestamp: 1701396000,
      timestamp_str: '2023-12-01 10:00:00',
      counters: [
        { name: 'replica*server*memused.res(MB)', type: 'NUMBER', value: 512 },
        { name: 'replica*eon.replica_stub*disk.capacity.total(MB)', type: 'NUMBER', value: 2000 },
        ...extra.map((c) => ({ ...c, type: 'NUMBER' })),
      ],
    });

  it('derives free disk from the ratio when the MB counter is absent', async () => {
    let bytes = 0;
    const result = await samplePerfCounterServers([{ address: 'a:1', primaries: [] }], {
      remoteCommand: async () =>
        ok(counters([{ name: 'replica*eon.replica_stub*disk.available.total.ratio', value: 25 }])),
      limit: pLimit(2),
      onBytes: (n) => (bytes += n),
    });
    expect(result.samples[0]).toMatchObject({
      address: 'a:1',
      residentMemMb: 512,
      diskTotalMb: 2000,
      diskAvailMb: 500,
    });
    expect(bytes).toBeGreaterThan(100);
  });

  it('turns a failed command or an ERROR result into an unreachable entry', async () => {
    const result = await samplePerfCounterServers(
      [
        { address: 'a:1', primaries: [] },
        { address: 'b:1', primaries: [] },
      ],
      {
        remoteCommand: async (address) =>
          address === 'a:1'
            ? fail('TIMEOUT', 'timed out after 5s')
            : ok('{"result":"ERROR: invalid filter: [","timestamp":0,"timestamp_str":"","counters":[]}'),
        limit: pLimit(2),
      },
    );
    expect(result.samples).toEqual([]);
    expect(result.unreachable).toEqual([
      { address: 'a:1', role: 'replica', reason: 'timed out after 5s' },
      { address: 'b:1', role: 'replica', reason: 'perf-counters answered ERROR: invalid filter: [' },
    ]);
  });
});
