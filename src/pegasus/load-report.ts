/**
 * Turns what the samplers read from each replica server into a `LoadReport`. Both generations (2.6 `/metrics`
 * and 2.5 perf counters) produce the same `NodeSample`, so the maths lives here once:
 * - table QPS sums **primaries only** (write counters grow on every replica that applies a mutation);
 * - percentiles are never averaged: a table's p99 is the max over its primaries, a node's the max over the
 *   primaries it hosts (the replicas that serve requests);
 * - a node's QPS is that of all replicas it hosts, as `nodes -q` counts it: reads of its primaries, and for
 *   every partition it hosts (primary or secondary) the writes its primary applied, since each replica
 *   applies the same mutations. This needs samples from primaries only, a third of the bytes.
 * In the node-level scope (`scope: 'nodes'`) a node's figures come from its own RPC counters instead (the
 * `profiler` entities, as `nodes -q` reads latency): QPS of the RPCs it served, which are its primaries'
 * requests, and the p99 of each RPC; the topology then holds only the tables whose primaries were sampled.
 */
import type {
  LoadReport,
  LoadScope,
  MetaStats,
  NodeStats,
  PartitionInfo,
  PartitionStats,
  TableInfo,
  TableStats,
  Unreachable,
} from './cluster-api.js';

/** Read operations, in `app_stat` column order. */
export const readOps = ['get', 'multi_get', 'batch_get', 'scan'] as const;
/** Write operations, in `app_stat` column order. */
export const writeOps = [
  'put',
  'multi_put',
  'remove',
  'multi_remove',
  'incr',
  'check_and_set',
  'check_and_mutate',
] as const;
/** A data operation whose QPS and latency are sampled. */
export type Op = (typeof readOps)[number] | (typeof writeOps)[number];
/** All sampled operations. */
export const allOps: readonly Op[] = [...readOps, ...writeOps];

/** Load of one primary replica over the sampled interval. */
export interface ReplicaLoad {
  appId: number;
  pidx: number;
  /** Requests per second per operation. */
  qps: Partial<Record<Op, number>>;
  /** p99 latency (ns) per operation. */
  p99Ns: Partial<Record<Op, number>>;
  sstMb: number;
  sstFiles: number;
  memtableBytes: number;
}

/** A node's own RPC figures (`profiler` entities or 2.5 `zion*profiler*` counters): per data operation. */
export interface NodeRpcLoad {
  /** Requests per second the node served (as primary). */
  qps: Partial<Record<Op, number>>;
  /** `profiler_server_rpc_latency_ns` p99 of each RPC over the whole node. */
  p99Ns: Partial<Record<Op, number>>;
}

/** What one replica server answered. */
export interface NodeSample {
  address: string;
  residentMemMb: number;
  virtualMemMb: number;
  sessions: number;
  diskTotalMb: number;
  diskAvailMb: number;
  replicas: Record<string, number>;
  /** The primaries it hosts (other replicas are not sampled); in the node-level scope, those of the chosen tables. */
  primaries: ReplicaLoad[];
  /** Node-level scope: the node's own RPC figures, which then give its QPS and P99. */
  rpc?: NodeRpcLoad;
}

/** The cluster layout a load round is computed against. */
export interface Topology {
  /** ALIVE replica servers. */
  nodes: string[];
  tables: TableInfo[];
  /** Partitions per app id (pidx order). */
  partitions: Map<number, PartitionInfo[]>;
}

/** Everything `buildLoadReport` needs besides the topology. */
export interface LoadInputs {
  intervalMs: number;
  samples: NodeSample[];
  metas?: MetaStats[];
  unreachable: Unreachable[];
  bytesFetched: number;
  /** Restrict tables to this one and add per-partition stats. */
  table?: string;
  /** `'nodes'` when node figures come from the nodes' RPC counters (marked on the report). */
  scope?: LoadScope;
}

/** The primaries each replica server hosts (app id and pidx), from the topology. */
export function primariesByNode(topology: Topology): Map<string, { appId: number; pidx: number }[]> {
  const out = new Map<string, { appId: number; pidx: number }[]>();
  for (const [appId, partitions] of topology.partitions) {
    for (const p of partitions) {
      if (p.primary === undefined) continue;
      let list = out.get(p.primary);
      if (list === undefined) out.set(p.primary, (list = []));
      list.push({ appId, pidx: p.pidx });
    }
  }
  return out;
}

function sumOps(load: ReplicaLoad, ops: readonly Op[]): number {
  let total = 0;
  for (const op of ops) total += load.qps[op] ?? 0;
  return total;
}

function maxOps(load: ReplicaLoad, ops: readonly Op[]): number {
  let max = 0;
  for (const op of ops) max = Math.max(max, load.p99Ns[op] ?? 0);
  return max;
}

const mib = 1024 * 1024;

/** Aggregates node samples into the report: nodes, tables (primaries only) and, for one table, partitions. */
export function buildLoadReport(topology: Topology, inputs: LoadInputs): LoadReport {
  const loadByPartition = new Map<string, ReplicaLoad>();
  for (const sample of inputs.samples) {
    for (const load of sample.primaries) loadByPartition.set(`${load.appId}.${load.pidx}`, load);
  }

  // Writes applied per node: every replica of a partition applies what its primary applied.
  const writeQpsByNode = new Map<string, number>();
  for (const [appId, partitions] of topology.partitions) {
    for (const p of partitions) {
      const load = loadByPartition.get(`${appId}.${p.pidx}`);
      if (load === undefined) continue;
      const writes = sumOps(load, writeOps);
      for (const address of [p.primary, ...p.secondaries]) {
        if (address !== undefined) writeQpsByNode.set(address, (writeQpsByNode.get(address) ?? 0) + writes);
      }
    }
  }

  const nodes = inputs.samples
    .map((sample): NodeStats => {
      const figures = sample.rpc ? rpcFigures(sample.rpc) : primaryFigures(sample, writeQpsByNode);
      return {
        address: sample.address,
        residentMemMb: sample.residentMemMb,
        virtualMemMb: sample.virtualMemMb,
        sessions: sample.sessions,
        diskTotalMb: sample.diskTotalMb,
        diskAvailMb: sample.diskAvailMb,
        replicas: sample.replicas,
        ...figures,
      };
    })
    .sort((a, b) => a.address.localeCompare(b.address));

  const tables: TableStats[] = [];
  let partitions: PartitionStats[] | undefined;
  for (const table of topology.tables) {
    if (inputs.table !== undefined && table.name !== inputs.table) continue;
    const stats: TableStats = {
      appId: table.appId,
      name: table.name,
      partitionCount: table.partitionCount,
      qps: Object.fromEntries(allOps.map((op) => [op, 0])),
      readQps: 0,
      writeQps: 0,
      readP99Ns: 0,
      writeP99Ns: 0,
      sstMb: 0,
      sstFiles: 0,
      memtableMb: 0,
    };
    let memtableBytes = 0;
    const perPartition: PartitionStats[] = [];
    for (const p of topology.partitions.get(table.appId) ?? []) {
      const load = loadByPartition.get(`${table.appId}.${p.pidx}`);
      if (load === undefined || p.primary === undefined) continue;
      for (const op of allOps) stats.qps[op] = (stats.qps[op] ?? 0) + (load.qps[op] ?? 0);
      const read = sumOps(load, readOps);
      const write = sumOps(load, writeOps);
      const readP99 = maxOps(load, readOps);
      const writeP99 = maxOps(load, writeOps);
      stats.readQps += read;
      stats.writeQps += write;
      stats.readP99Ns = Math.max(stats.readP99Ns, readP99);
      stats.writeP99Ns = Math.max(stats.writeP99Ns, writeP99);
      stats.sstMb += load.sstMb;
      stats.sstFiles += load.sstFiles;
      memtableBytes += load.memtableBytes;
      perPartition.push({
        pidx: p.pidx,
        primary: p.primary,
        readQps: read,
        writeQps: write,
        readP99Ns: readP99,
        writeP99Ns: writeP99,
        sstMb: load.sstMb,
      });
    }
    stats.memtableMb = memtableBytes / mib;
    tables.push(stats);
    if (inputs.table !== undefined) partitions = perPartition;
  }

  const report: LoadReport = {
    intervalMs: inputs.intervalMs,
    nodes,
    tables,
    unreachable: inputs.unreachable,
    bytesFetched: inputs.bytesFetched,
  };
  if (partitions !== undefined) report.partitions = partitions;
  if (inputs.metas !== undefined) report.metas = inputs.metas;
  if (inputs.scope === 'nodes') report.scope = 'nodes';
  return report;
}

type NodeFigures = Pick<NodeStats, 'readQps' | 'writeQps' | 'readP99Ns' | 'writeP99Ns'>;

/** A node's figures from its primaries: their reads, every write it applied, the worst primary's p99. */
function primaryFigures(sample: NodeSample, writeQpsByNode: ReadonlyMap<string, number>): NodeFigures {
  let readQps = 0;
  let readP99Ns = 0;
  let writeP99Ns = 0;
  for (const load of sample.primaries) {
    readQps += sumOps(load, readOps);
    readP99Ns = Math.max(readP99Ns, maxOps(load, readOps));
    writeP99Ns = Math.max(writeP99Ns, maxOps(load, writeOps));
  }
  return { readQps, writeQps: writeQpsByNode.get(sample.address) ?? 0, readP99Ns, writeP99Ns };
}

/** A node's figures from its RPC counters: QPS summed over operations, p99 the worst operation's. */
function rpcFigures(rpc: NodeRpcLoad): NodeFigures {
  let readQps = 0;
  let writeQps = 0;
  let readP99Ns = 0;
  let writeP99Ns = 0;
  for (const op of readOps) {
    readQps += rpc.qps[op] ?? 0;
    readP99Ns = Math.max(readP99Ns, rpc.p99Ns[op] ?? 0);
  }
  for (const op of writeOps) {
    writeQps += rpc.qps[op] ?? 0;
    writeP99Ns = Math.max(writeP99Ns, rpc.p99Ns[op] ?? 0);
  }
  return { readQps, writeQps, readP99Ns, writeP99Ns };
}
