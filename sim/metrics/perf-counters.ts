/**
 * The perf counters of a 2.5 process (`src/perf_counter/` at v2.5.0): full names `app*section*name`, types
 * NUMBER / VOLATILE_NUMBER / RATE / PERCENTILE (QPS counters are already rates), served by the
 * `perf-counters*` and `server-stat` remote commands and by `/perfCounter`.
 */
import type { ClusterModel, ReplicaServer, SimProcess } from '../model/cluster-model.js';
import {
  blockCacheBytes,
  diskUsage,
  memoryMb,
  nodeCommitQps,
  nodeTaskStats,
  partitionMemory,
  replicaQps,
  replicaView,
  requestCount,
  sstMb,
  latency,
  taskOfOp,
} from '../model/load-model.js';
import { readOps, writeOps, type DataOp } from '../model/table-spec.js';

/** One counter as a snapshot holds it. */
export interface PerfCounter {
  name: string;
  type: 'NUMBER' | 'VOLATILE_NUMBER' | 'RATE' | 'PERCENTILE';
  value: number;
  /** Percentile counters also have a p999. */
  p999?: number;
  description: string;
}

const allOps: readonly DataOp[] = [...readOps, ...writeOps];

function replicaCounters(model: ClusterModel, node: ReplicaServer, out: PerfCounter[]): void {
  for (const partition of node.members) {
    const view = replicaView(model, partition, node.index);
    if (!view) continue;
    const gpid = partition.gpid;
    const prefix = 'replica*app.pegasus*';
    for (const op of allOps) {
      out.push({
        name: `${prefix}${op}_qps@${gpid}`,
        type: 'RATE',
        value: replicaQps(view, op),
        description: `statistic the qps of ${op.toUpperCase()} request`,
      });
      const l = latency(view, op);
      out.push({
        name: `${prefix}${op}_latency@${gpid}`,
        type: 'PERCENTILE',
        value: l.p99,
        p999: l.p999,
        description: `statistic the latency of ${op.toUpperCase()} request`,
      });
    }
    const mem = partitionMemory(model, partition);
    const size = sstMb(model, partition);
    const reads = readOps.reduce((s, op) => s + replicaQps(view, op), 0);
    const writes = writeOps.reduce((s, op) => s + replicaQps(view, op), 0);
    const numbers: [string, number, string][] = [
      ['disk.storage.sst(MB)', size, 'statistic the size of sstable files'],
      ['disk.storage.sst.count', Math.max(1, Math.ceil(size / 64)), 'statistic the count of sstable files'],
      ['rdb.memtable.memory_usage', mem.memtable, 'statistic the memory usage of rocksdb memtable'],
      [
        'rdb.index_and_filter_blocks.memory_usage',
        mem.index,
        'statistic the memory usage of rocksdb index and filter blocks',
      ],
      [
        'rdb.estimate_num_keys',
        Math.floor((size * 1048576) / (partition.table.spec.valueBytes + 40)),
        'statistics the estimated number of keys inside the rocksdb',
      ],
      [
        'rdb.block_cache.hit_count',
        Math.floor(requestCount(view, 'get') * 2.8),
        'statistic the hit count of rocksdb block cache',
      ],
      [
        'rdb.block_cache.total_count',
        requestCount(view, 'get') * 3,
        'statistic the total count of rocksdb block cache',
      ],
    ];
    for (const [name, value, description] of numbers) {
      out.push({ name: `${prefix}${name}@${gpid}`, type: 'NUMBER', value, description });
    }
    const volatile: [string, number, string][] = [
      ['recent.read.cu', Math.round(reads * 10), 'statistic the recent read capacity units'],
      ['recent.write.cu', Math.round(writes * 10), 'statistic the recent write capacity units'],
      ['recent.expire.count', Math.round(reads * 0.01), 'statistic the recent expired value read count'],
      ['recent.filter.count', Math.round(reads * 0.02), 'statistic the recent filtered value read count'],
      ['recent.abnormal.count', 0, 'statistic the recent abnormal read count'],
      ['recent.write.throttling.delay.count', 0, 'statistic the recent write throttling delay count'],
      ['recent.write.throttling.reject.count', 0, 'statistic the recent write throttling reject count'],
    ];
    for (const [name, value, description] of volatile) {
      out.push({ name: `${prefix}${name}@${gpid}`, type: 'VOLATILE_NUMBER', value, description });
    }
  }
}

function replicaServerCounters(model: ClusterModel, node: ReplicaServer, out: PerfCounter[]): void {
  const mem = memoryMb(model, node);
  const disks = node.disks.map((_, i) => diskUsage(model, node, i));
  const total = disks.reduce((s, d) => s + d.total, 0);
  const avail = disks.reduce((s, d) => s + d.avail, 0);
  const ratios = disks.map((d) => (d.total > 0 ? Math.floor((d.avail * 100) / d.total) : 0));
  const counts = model.roleCounts(node);
  const commitQps = nodeCommitQps(model, node);
  const number = (name: string, value: number, description: string): void => {
    out.push({ name, type: 'NUMBER', value, description });
  };
  number('replica*server*memused.res(MB)', mem.resident, 'resident memory used by this process');
  number('replica*server*memused.virt(MB)', mem.virtual, 'virtual memory used by this process');
  number('replica*eon.replica_stub*replica(Count)', counts.primary + counts.secondary, '# in replica_stub._replicas');
  number('replica*eon.replica_stub*opening.replica(Count)', 0, '# in replica_stub._opening_replicas');
  number('replica*eon.replica_stub*closing.replica(Count)', 0, '# in replica_stub._closing_replicas');
  number('replica*eon.replica_stub*replicas.learning.count', 0, 'current learning count');
  number('replica*eon.replica_stub*disk.capacity.total(MB)', total, 'total disk capacity in MB');
  number(
    'replica*eon.replica_stub*disk.available.total.ratio',
    total > 0 ? Math.floor((avail * 100) / total) : 0,
    'available disk capacity ratio',
  );
  number(
    'replica*eon.replica_stub*disk.available.min.ratio',
    Math.min(...ratios),
    'minimal available disk capacity ratio',
  );
  number(
    'replica*eon.replica_stub*disk.available.max.ratio',
    Math.max(...ratios),
    'maximal available disk capacity ratio',
  );
  number('replica*eon.replica_stub*shared.log.size(MB)', 0, 'shared log size(MB)');
  number(
    'replica*app.pegasus*rdb.block_cache.memory_usage',
    blockCacheBytes(node),
    'statistic the memory usage of rocksdb block cache',
  );
  number('replica*app.pegasus*manual.compact.running.count', 0, 'current manual compaction running count');
  number('replica*app.pegasus*manual.compact.enqueue.count', 0, 'current manual compaction enqueue count');
  out.push({
    name: 'replica*eon.replica_stub*replicas.commit.qps',
    type: 'RATE',
    value: commitQps,
    description: 'server-level commit throughput',
  });
  const tasks = nodeTaskStats(model, node);
  for (const op of allOps) {
    const stats = { qps: tasks.qps[op], latency: tasks.latency()[op] };
    const task = taskOfOp[op];
    out.push({ name: `zion*profiler*${task}.qps`, type: 'RATE', value: stats.qps, description: `${task}.qps` });
    out.push({
      name: `zion*profiler*${task}.latency.server`,
      type: 'PERCENTILE',
      value: Math.round(stats.latency.p99 * 1.05),
      p999: Math.round(stats.latency.p999 * 1.05),
      description: `${task}.latency.server`,
    });
  }
}

/** Every perf counter of one process, sorted by name (the snapshot is a `std::map`). */
export function perfCounters(model: ClusterModel, process: SimProcess): PerfCounter[] {
  const out: PerfCounter[] = [];
  if (process.role === 'replica') {
    const node = process as ReplicaServer;
    replicaServerCounters(model, node, out);
    replicaCounters(model, node, out);
  } else {
    const mem = memoryMb(model, process);
    out.push(
      {
        name: 'meta*server*memused.res(MB)',
        type: 'NUMBER',
        value: mem.resident,
        description: 'resident memory used by this process',
      },
      {
        name: 'meta*server*memused.virt(MB)',
        type: 'NUMBER',
        value: mem.virtual,
        description: 'virtual memory used by this process',
      },
    );
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One counter by full name (percentile counters also answer to `<name>.p999`). */
export function findPerfCounter(model: ClusterModel, process: SimProcess, name: string): PerfCounter | undefined {
  return perfCounters(model, process).find((c) => c.name === name);
}

/** The snapshot entries the `perf-counters*` commands iterate: a percentile counter also yields `.p999`. */
export function snapshotEntries(
  model: ClusterModel,
  process: SimProcess,
): { name: string; type: string; value: number }[] {
  const entries: { name: string; type: string; value: number }[] = [];
  for (const c of perfCounters(model, process)) {
    entries.push({ name: c.name, type: c.type, value: c.value });
    if (c.type === 'PERCENTILE') entries.push({ name: `${c.name}.p999`, type: c.type, value: c.p999 ?? c.value });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
