/**
 * Values of the simulated metrics, computed lazily from the model: request counters that grow with simulated
 * time (reads on primaries, writes on every member), latency percentiles that jitter per 10-second window
 * (Pegasus recomputes percentiles every 10 s), memory, disks, sst sizes and sessions. Pure functions of the
 * model state and the simulated clock, so two samples a second apart give plausible, deterministic rates.
 */
import { hashUnit } from '../random.js';
import type {
  ClusterModel,
  ReplicaServer,
  ReplicaState,
  SimDisk,
  SimPartition,
  SimProcess,
  SimTable,
} from './cluster-model.js';
import { opMix, readOps, writeOps, type DataOp, type ReadOp } from './table-spec.js';

/** The five percentiles Pegasus keeps (`kAllKthPercentiles`). */
export interface Percentiles {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/** A metric value: a number for gauges and counters, five numbers for percentiles. */
export type MetricValue = number | Percentiles;

const MB = 1024 * 1024;

const zeroPercentiles: Percentiles = { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0 };

const latencyOpFactor: Readonly<Record<DataOp, number>> = {
  get: 1,
  multi_get: 2.2,
  batch_get: 2.6,
  scan: 6,
  put: 1,
  multi_put: 1.8,
  remove: 0.9,
  multi_remove: 1.6,
  incr: 1.2,
  check_and_set: 1.5,
  check_and_mutate: 1.7,
};

const bytesFactor: Readonly<Partial<Record<DataOp, number>>> = {
  get: 1,
  multi_get: 10,
  batch_get: 8,
  scan: 50,
  put: 1,
  multi_put: 5,
  check_and_set: 1,
  check_and_mutate: 2,
};

const readOpSet: ReadonlySet<DataOp> = new Set(readOps);

function isRead(op: DataOp): op is ReadOp {
  return readOpSet.has(op);
}

/** Per-table base rate of one operation (requests per second over the whole table). */
export function opRate(table: SimTable, op: DataOp): number {
  return (isRead(op) ? table.spec.readQps : table.spec.writeQps) * opMix[op];
}

/** Everything needed to value one replica's metrics. */
export interface ReplicaView {
  model: ClusterModel;
  partition: SimPartition;
  node: number;
  primary: boolean;
  readUnits: number;
  writeUnits: number;
}

/** A view of the replica of `partition` on `node`, or undefined when the node is not a member. */
export function replicaView(model: ClusterModel, partition: SimPartition, node: number): ReplicaView | undefined {
  const units = model.replicaUnits(partition, node);
  const state = partition.replicas.get(node);
  if (!units || !state) return undefined;
  return { model, partition, node, primary: state.primary, readUnits: units.read, writeUnits: units.write };
}

/** Cumulative requests of one operation on one replica. */
export function requestCount(view: ReplicaView, op: DataOp): number {
  const units = isRead(op) ? view.readUnits : view.writeUnits;
  return Math.floor(opRate(view.partition.table, op) * view.partition.share * units);
}

/** Latency percentiles (ns) of one operation on one replica; reads on secondaries have no samples. */
export function latency(view: ReplicaView, op: DataOp): Percentiles {
  if (isRead(op) && !view.primary) return zeroPercentiles;
  const jitter = replicaJitter(view.model, view.partition, view.node);
  const p99 = rawP99(view.model, view.partition, op, opIndexOf.get(op) ?? 0, jitter);
  return {
    p50: Math.round(p99 * 0.22),
    p90: Math.round(p99 * 0.55),
    p95: Math.round(p99 * 0.7),
    p99: Math.round(p99),
    p999: Math.round(p99 * 2.6),
  };
}

const opIndexOf = new Map<DataOp, number>([...readOps, ...writeOps].map((op, i) => [op, i]));

/** The jitter of one replica's latencies in the current 10-second window (shared by its operations). */
function replicaJitter(model: ClusterModel, partition: SimPartition, node: number): number {
  const window = Math.floor(model.simNowMs / 10_000);
  return (
    0.8 +
    0.45 * hashUnit(model.seed, partition.table.appId, partition.pidx, node, readOps.length + writeOps.length, window)
  );
}

/** p99 (ns, unrounded) of one operation on one primary replica. */
function rawP99(model: ClusterModel, partition: SimPartition, op: DataOp, opIndex: number, jitter: number): number {
  const table = partition.table;
  const baseMs = isRead(op) ? table.spec.readP99Ms : table.spec.writeP99Ms;
  const window = Math.floor(model.simNowMs / 10_000);
  const opJitter = 0.9 + 0.2 * hashUnit(model.seed, table.appId, partition.pidx, opIndex, window);
  return baseMs * 1e6 * latencyOpFactor[op] * table.latencyFactor * jitter * opJitter;
}

/** Data size of one copy of a partition in MB, growing slowly with writes. */
export function sstMb(model: ClusterModel, partition: SimPartition): number {
  return sstMbWith(partition, model.loadUnits(partition.table, 0, model.simNowMs));
}

/** `sstMb` given the table's load units since the start (shared by its partitions). */
function sstMbWith(partition: SimPartition, loadUnits: number): number {
  const table = partition.table;
  const base = table.spec.dataMb * partition.share;
  const written = table.spec.writeQps * partition.share * loadUnits * table.spec.valueBytes;
  return Math.round(base + (written * 0.3) / MB);
}

function memtableBytes(partition: SimPartition): number {
  const table = partition.table;
  return Math.round(Math.min(64 * MB, 4 * MB + table.spec.writeQps * partition.share * table.spec.valueBytes * 20));
}

function indexBytes(model: ClusterModel, partition: SimPartition): number {
  return Math.round(sstMb(model, partition) * MB * 0.004);
}

function valueBytes(view: ReplicaView): number {
  return view.partition.table.spec.valueBytes;
}

function capacityUnits(view: ReplicaView, ops: readonly DataOp[]): number {
  const perRequest = Math.max(1, Math.ceil(valueBytes(view) / 4096));
  return ops.reduce((sum, op) => sum + requestCount(view, op), 0) * perRequest;
}

/** The value of one `replica` entity metric. */
export function replicaMetric(view: ReplicaView, name: string): MetricValue {
  if (name.endsWith('_requests')) {
    const op = name.slice(0, -'_requests'.length) as DataOp;
    if (op in opMix) return requestCount(view, op);
    if (name === 'committed_requests') return writeOps.reduce((s, o) => s + requestCount(view, o), 0);
    if (name === 'abnormal_read_requests') return Math.floor(requestCount(view, 'get') * 0.0002);
    return 0;
  }
  if (name.endsWith('_latency_ns')) {
    const op = name.slice(0, -'_latency_ns'.length) as DataOp;
    return op in opMix ? latency(view, op) : zeroPercentiles;
  }
  if (name.endsWith('_bytes') && !name.startsWith('rdb_') && !name.startsWith('backup') && !name.startsWith('learn')) {
    const op = name.slice(0, -'_bytes'.length) as DataOp;
    const factor = bytesFactor[op];
    return factor === undefined ? 0 : requestCount(view, op) * valueBytes(view) * factor;
  }
  const { model, partition } = view;
  switch (name) {
    case 'read_capacity_units':
      return capacityUnits(view, readOps);
    case 'write_capacity_units':
      return capacityUnits(view, writeOps);
    case 'read_expired_values':
      return Math.floor(requestCount(view, 'get') * 0.001);
    case 'read_filtered_values':
      return Math.floor(requestCount(view, 'scan') * 3);
    case 'rdb_total_sst_size_mb':
      return sstMb(model, partition);
    case 'rdb_total_sst_files':
      return Math.max(1, Math.ceil(sstMb(model, partition) / 64)) + (partition.pidx % 3);
    case 'rdb_estimated_keys':
      return Math.floor((sstMb(model, partition) * MB) / (valueBytes(view) + 40));
    case 'rdb_memtable_mem_usage_bytes':
      return memtableBytes(partition);
    case 'rdb_index_and_filter_blocks_mem_usage_bytes':
      return indexBytes(model, partition);
    case 'private_log_size_mb':
      return Math.min(1_000, 32 + (Math.floor((requestCount(view, 'put') * valueBytes(view)) / MB) % 900));
    case 'rdb_block_cache_total_count':
      return view.primary ? requestCount(view, 'get') * 3 : 0;
    case 'rdb_block_cache_hit_count':
      return view.primary ? Math.floor(requestCount(view, 'get') * 3 * 0.93) : 0;
    case 'rdb_memtable_total_count':
      return view.primary ? requestCount(view, 'get') : 0;
    case 'rdb_memtable_hit_count':
      return view.primary ? Math.floor(requestCount(view, 'get') * 0.12) : 0;
    case 'rdb_write_amplification':
      return 8;
    case 'rdb_read_amplification':
      return 3;
    default:
      return 0;
  }
}

/** Sessions accepted by a process: a steady base of clients, the real open connections and any flood. */
export function serverSessions(model: ClusterModel, process: SimProcess, openConnections: number): number {
  const base =
    process.role === 'meta'
      ? model.aliveNodes().length + 8 + Math.floor(hashUnit(model.seed, 7, process.index) * 10)
      : 40 + Math.floor(hashUnit(model.seed, 11, process.index) * 80);
  return base + openConnections + process.extraSessions;
}

/** Bytes of block cache a replica server uses. */
export function blockCacheBytes(node: ReplicaServer): number {
  return Math.min(node.members.size * 96 * MB, 6 * 1024 * MB);
}

/** Total and mutable memtable bytes on a node (`rdb_wbm_*`). */
export function memtableTotals(node: ReplicaServer): { total: number; mutable: number } {
  // A partition's memtable size only depends on its table and share: the sum changes with the membership.
  const layout = memberLayout(node);
  if (layout.memtableTotal === undefined) {
    let total = 0;
    for (const p of node.members) total += memtableBytes(p);
    layout.memtableTotal = total;
  }
  const total = layout.memtableTotal;
  return { total, mutable: Math.round(total * 0.6) };
}

/** `resident_mem_usage_mb` and `virtual_mem_usage_mb` of a process. */
export function memoryMb(model: ClusterModel, process: SimProcess): { resident: number; virtual: number } {
  if (process.role === 'meta') {
    let partitions = 0;
    for (const t of model.tables) partitions += t.partitionCount;
    const resident = 420 + Math.round(partitions * 0.02) + Math.floor(hashUnit(model.seed, 3, process.index) * 60);
    return { resident, virtual: resident * 3 + 900 };
  }
  const node = process as ReplicaServer;
  let index = 0;
  for (const mb of memberSstMb(model, node)) index += Math.round(mb * MB * 0.004);
  const resident = Math.round(
    1_100 +
      (blockCacheBytes(node) + memtableTotals(node).total + index) / MB +
      process.extraSessions * 0.02 +
      hashUnit(model.seed, 5, process.index) * 200,
  );
  return { resident, virtual: Math.round(resident * 1.7 + 3_000) };
}

/** Used and available MB of one disk of a node. */
export function diskUsage(
  model: ClusterModel,
  node: ReplicaServer,
  diskIndex: number,
): { total: number; avail: number } {
  const disk: SimDisk | undefined = node.disks[diskIndex];
  if (!disk) return { total: 0, avail: 0 };
  if (disk.forcedAvailRatio !== undefined) {
    return { total: disk.totalMb, avail: Math.round(disk.totalMb * disk.forcedAvailRatio) };
  }
  let used = disk.baseUsedMb;
  const { states } = memberLayout(node);
  memberSstMb(model, node).forEach((mb, m) => {
    if (states[m]?.disk === diskIndex) used += mb;
  });
  return { total: disk.totalMb, avail: Math.max(0, disk.totalMb - used) };
}

const sstCache = new WeakMap<ReplicaServer, { simMs: number; membership: number; values: Float64Array }>();

/**
 * `sstMb` of each member of a node (in `memberLayout` order) at the current simulated instant, computed once
 * for the memory gauge and every disk gauge of one answer (each is a sum over the node's ~200 replicas).
 */
function memberSstMb(model: ClusterModel, node: ReplicaServer): Float64Array {
  const cached = sstCache.get(node);
  if (cached?.simMs === model.simNowMs && cached.membership === node.membership) return cached.values;
  const { parts } = memberLayout(node);
  const units = new Map<SimTable, number>();
  const values = new Float64Array(parts.length);
  parts.forEach((p, m) => {
    let u = units.get(p.table);
    if (u === undefined) units.set(p.table, (u = model.loadUnits(p.table, 0, model.simNowMs)));
    values[m] = sstMbWith(p, u);
  });
  sstCache.set(node, { simMs: model.simNowMs, membership: node.membership, values });
  return values;
}

/** The RPC task of each data operation (profiler entity `task@<name>`). */
export const taskOfOp: Readonly<Record<DataOp, string>> = {
  get: 'RPC_RRDB_RRDB_GET',
  multi_get: 'RPC_RRDB_RRDB_MULTI_GET',
  batch_get: 'RPC_RRDB_RRDB_BATCH_GET',
  scan: 'RPC_RRDB_RRDB_SCAN',
  put: 'RPC_RRDB_RRDB_PUT',
  multi_put: 'RPC_RRDB_RRDB_MULTI_PUT',
  remove: 'RPC_RRDB_RRDB_REMOVE',
  multi_remove: 'RPC_RRDB_RRDB_MULTI_REMOVE',
  incr: 'RPC_RRDB_RRDB_INCR',
  check_and_set: 'RPC_RRDB_RRDB_CHECK_AND_SET',
  check_and_mutate: 'RPC_RRDB_RRDB_CHECK_AND_MUTATE',
};

/** Node-level view of one data RPC (the `profiler` entity `task@<RPC>`). */
export interface NodeTaskStats {
  /**
   * `profiler_executed_tasks`: RPCs of this kind the node executed, i.e. requests it served as primary (a
   * secondary applies writes through RPC_PREPARE, never as this task). Summed over the replicas it hosts, from
   * each replica's time as primary, so it equals the sum of the node's replica read counters, and for writes
   * that of its primaries' write counters while they have been primary.
   */
  executed: number;
  /** Current QPS of those requests (for 2.5's `.qps` rate counters). */
  qps: number;
  /** The worst current primary's latency (the node's RPC latency, never an average). */
  latency: Percentiles;
}

const allDataOps: readonly DataOp[] = [...readOps, ...writeOps];

/** A node's members and their replica states side by side, rebuilt when its membership changes. */
interface MemberLayout {
  membership: number;
  parts: SimPartition[];
  states: ReplicaState[];
  /** `opRate × share` of member m's operation i at `m * allDataOps.length + i` (shares never change). */
  rates: Float64Array;
  /** Sum of the members' memtable bytes, once computed. */
  memtableTotal?: number;
}

const layouts = new WeakMap<ReplicaServer, MemberLayout>();

/**
 * The node's members with their states, so a `/metrics` answer walks two arrays instead of looking each
 * replica up in its partition's map (64k maps do not stay in the cache).
 */
function memberLayout(node: ReplicaServer): MemberLayout {
  let layout = layouts.get(node);
  if (layout?.membership !== node.membership) {
    const parts: SimPartition[] = [];
    const states: ReplicaState[] = [];
    for (const p of node.members) {
      const state = p.replicas.get(node.index);
      if (!state) continue;
      parts.push(p);
      states.push(state);
    }
    const n = allDataOps.length;
    const rates = new Float64Array(parts.length * n);
    parts.forEach((p, m) => {
      const perOp = opRates(p.table);
      for (let i = 0; i < n; i++) rates[m * n + i] = (perOp[i] ?? 0) * p.share;
    });
    layout = { membership: node.membership, parts, states, rates };
    layouts.set(node, layout);
  }
  return layout;
}

/** `opRate` of every operation of a table (its spec never changes), in `allDataOps` order. */
const ratesByTable = new WeakMap<SimTable, Float64Array>();

function opRates(table: SimTable): Float64Array {
  let rates = ratesByTable.get(table);
  if (rates === undefined) {
    rates = Float64Array.from(allDataOps, (op) => opRate(table, op));
    ratesByTable.set(table, rates);
  }
  return rates;
}

/**
 * Node-level stats of every data RPC in one pass over the node's replicas (a 64k-partition cluster has about
 * 200 replicas per node, and a `/metrics` answer needs all eleven tasks). Latencies are only computed when
 * asked for.
 */
export function nodeTaskStats(
  model: ClusterModel,
  node: ReplicaServer,
): { executed: Record<DataOp, number>; qps: Record<DataOp, number>; latency: () => Record<DataOp, Percentiles> } {
  const n = allDataOps.length;
  const executed = new Float64Array(n);
  const qps = new Float64Array(n);
  const primaries: SimPartition[] = [];
  const { parts, states, rates } = memberLayout(node);
  for (let m = 0; m < parts.length; m++) {
    const p = parts[m];
    const state = states[m];
    if (p === undefined || state === undefined) continue;
    // As `replicaUnits`: a replica serves requests only while primary.
    let readUnits = state.readUnits;
    let factor = 0;
    if (state.primary) {
      primaries.push(p);
      readUnits += model.loadUnits(p.table, state.since, model.simNowMs);
      factor = model.loadFactor(p.table);
    }
    for (let i = 0, at = m * n; i < n; i++, at++) {
      const rate = rates[at] ?? 0;
      // Same rounding as the replica counters: each replica's count is a whole number.
      executed[i] = (executed[i] ?? 0) + Math.floor(rate * readUnits);
      qps[i] = (qps[i] ?? 0) + rate * factor;
    }
  }
  const record = (values: Float64Array) =>
    Object.fromEntries(allDataOps.map((op, i) => [op, values[i] ?? 0])) as Record<DataOp, number>;
  let latencies: Record<DataOp, Percentiles> | undefined;
  const worstLatencies = (): Record<DataOp, Percentiles> => {
    if (latencies) return latencies;
    const worst = Object.fromEntries(allDataOps.map((op) => [op, zeroPercentiles])) as Record<DataOp, Percentiles>;
    // Compare rounded p99s as `latency()` gives them, and build the object only for the worst replica.
    const best = new Float64Array(n);
    const at: (SimPartition | undefined)[] = new Array<SimPartition | undefined>(n);
    for (const p of primaries) {
      const jitter = replicaJitter(model, p, node.index);
      for (let i = 0; i < n; i++) {
        const op = allDataOps[i] ?? 'get';
        const p99 = Math.round(rawP99(model, p, op, i, jitter));
        if (p99 > (best[i] ?? 0)) {
          best[i] = p99;
          at[i] = p;
        }
      }
    }
    allDataOps.forEach((op, i) => {
      const p = at[i];
      const view = p ? replicaView(model, p, node.index) : undefined;
      if (view) worst[op] = latency(view, op);
    });
    latencies = worst;
    return worst;
  };
  return { executed: record(executed), qps: record(qps), latency: worstLatencies };
}

/** Node-level view of one operation: executed requests, current QPS and the worst primary's latency. */
export function nodeOpStats(
  model: ClusterModel,
  node: ReplicaServer,
  op: DataOp,
): { executed: number; qps: number; latency: Percentiles } {
  const stats = nodeTaskStats(model, node);
  return { executed: stats.executed[op], qps: stats.qps[op], latency: stats.latency()[op] };
}

/** Mutations committed per second on a node: writes applied by every replica it hosts, primary or secondary. */
export function nodeCommitQps(model: ClusterModel, node: ReplicaServer): number {
  let total = 0;
  for (const p of node.members) {
    if (!p.replicas.has(node.index)) continue;
    for (const op of writeOps) total += opRate(p.table, op) * p.share * model.loadFactor(p.table);
  }
  return total;
}

/** Current QPS of one operation on one replica (for 2.5 perf counters, which are already rates). */
export function replicaQps(view: ReplicaView, op: DataOp): number {
  if (isRead(op) && !view.primary) return 0;
  const table = view.partition.table;
  return opRate(table, op) * view.partition.share * view.model.loadFactor(table);
}

/** Memtable and index bytes of one partition copy (for 2.5 perf counters). */
export function partitionMemory(model: ClusterModel, partition: SimPartition): { memtable: number; index: number } {
  return { memtable: memtableBytes(partition), index: indexBytes(model, partition) };
}
