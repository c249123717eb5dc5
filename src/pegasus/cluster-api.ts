/**
 * The typed view of one Pegasus cluster that diagnostics, commands and monitoring consume. The client in
 * this folder implements it over HTTP and THFT RPC; tests may use a hand-written fake. Every value is parsed
 * and typed (numbers are numbers, Pegasus's string-typed bodies are converted at the edge).
 */
import type { Result } from '../result.js';

/** `meta_function_level` names without the `fl_` prefix. */
export type MetaLevel = 'stopped' | 'blind' | 'freezed' | 'steady' | 'lively';

/** All meta levels, from least to most active (their enum values are 100..500). */
export const metaLevels: readonly MetaLevel[] = ['stopped', 'blind', 'freezed', 'steady', 'lively'];

/** Pegasus generation of a server, from `/version`: 2.6+ has `/metrics`, 2.5 has perf counters. */
export interface ServerVersion {
  /** e.g. `2.6.0`, `2.5.0`, `2.6.0-SNAPSHOT`. */
  version: string;
  gitCommit?: string;
  /** true when `/metrics` carries the real metrics (2.6+). */
  hasMetrics: boolean;
}

/** `balance_operation_count`; `total` is -1 while the leader has not collected replica info from all nodes. */
export interface BalanceOperations {
  movePri: number;
  copyPri: number;
  copySec: number;
  total: number;
}

/** `cluster_info`. */
export interface ClusterInfo {
  clusterName?: string;
  metaServers: string[];
  primaryMetaServer: string;
  zookeeperHosts: string;
  zookeeperRoot: string;
  /** The effective level (forced to `freezed` when too few nodes are alive). */
  metaFunctionLevel: MetaLevel;
  balanceOperations: BalanceOperations;
  primaryReplicaCountStddev: number;
  totalReplicaCountStddev: number;
}

/** How each configured meta server answered. */
export interface MetaServerStatus {
  address: string;
  reachable: boolean;
  isLeader: boolean;
  /** Why it did not answer (connection refused, timeout …). */
  error?: string;
  version?: ServerVersion;
}

/** Per-table partition health as `ls -d` counts it. */
export interface TableHealth {
  fullyHealthy: number;
  unhealthy: number;
  writeUnhealthy: number;
  readUnhealthy: number;
}

/** One table of `ls -d`. */
export interface TableInfo {
  appId: number;
  name: string;
  status: string;
  appType: string;
  partitionCount: number;
  replicaCount: number;
  isStateful: boolean;
  createTime: string;
  envsCount: number;
  health?: TableHealth;
}

/** One replica server of `nodes -d`. */
export interface NodeInfo {
  address: string;
  status: 'ALIVE' | 'UNALIVE';
  replicaCount: number;
  primaryCount: number;
  secondaryCount: number;
}

/** One partition of `app <t> -d`. */
export interface PartitionInfo {
  pidx: number;
  ballot: number;
  currentReplicaCount: number;
  maxReplicaCount: number;
  primary?: string;
  secondaries: string[];
}

/** `app <t> -d`. */
export interface TableDetail {
  name: string;
  appId: number;
  partitionCount: number;
  maxReplicaCount: number;
  partitions: PartitionInfo[];
  nodes: { node: string; primary: number; secondary: number; total: number }[];
  health: TableHealth;
}

/** `server_info` of one server. */
export interface ServerInfo {
  address: string;
  role: 'meta' | 'replica';
  version: string;
  gitSha?: string;
  buildType?: string;
  /** Process start time as the server prints it (server local time, `YYYY-MM-DD HH:MM:SS`). */
  startTime: string;
}

/** A server that did not answer within its deadline. */
export interface Unreachable {
  address: string;
  role: 'meta' | 'replica';
  reason: string;
}

/** The result of asking many servers: what answered, and who did not. */
export interface FanOut<T> {
  results: T[];
  unreachable: Unreachable[];
}

/** Latencies in nanoseconds (p99 of the worst primary, never averaged). */
export interface LatencyP99 {
  readP99Ns: number;
  writeP99Ns: number;
}

/**
 * Load and resources of one replica server, from one sampled round (`server_stat`, `nodes -u -q`). In a
 * node-level report (`LoadReport.scope` `'nodes'`) QPS and P99 come from the node's RPC counters (`profiler`
 * entities): the requests it served, i.e. as primary, and the p99 of each RPC over the whole node.
 */
export interface NodeStats extends LatencyP99 {
  address: string;
  residentMemMb: number;
  virtualMemMb: number;
  /** Sessions accepted by this process (`network_server_sessions`). */
  sessions: number;
  diskTotalMb: number;
  diskAvailMb: number;
  /** Replicas hosted, from the server entity gauges (total, primary, secondary …). */
  replicas: Record<string, number>;
  /**
   * Read/write QPS over all replicas this node hosts (primaries and secondaries, as `nodes -q`); in a
   * node-level report, the RPCs it served (writes its secondaries applied are not counted).
   */
  readQps: number;
  writeQps: number;
}

/** Memory and sessions of one meta server (`server_stat` on metas, `network_server_sessions`). Optional in a report. */
export interface MetaStats {
  address: string;
  residentMemMb: number;
  virtualMemMb: number;
  sessions: number;
}

/** Load of one table, counting primaries only (`app_stat`). */
export interface TableStats extends LatencyP99 {
  appId: number;
  name: string;
  partitionCount: number;
  /** Per-operation QPS: get, multi_get, batch_get, scan, put, multi_put, remove, multi_remove, incr, check_and_set, check_and_mutate. */
  qps: Record<string, number>;
  readQps: number;
  writeQps: number;
  sstMb: number;
  sstFiles: number;
  memtableMb: number;
}

/** Per-partition load of one table (`app_stat -a t`). */
export interface PartitionStats extends LatencyP99 {
  pidx: number;
  primary: string;
  readQps: number;
  writeQps: number;
  sstMb: number;
}

/**
 * What a load sample reads: `'tables'` every primary replica of every table (per-table and per-partition
 * figures, as `app_stat`; hundreds of bytes per primary per sample), `'nodes'` each replica server's node-level
 * entities (server, disk and the data RPCs' profiler entities: a few KB per node) plus the primaries of the
 * tables asked for.
 */
export type LoadScope = 'tables' | 'nodes';

/** One sampled round over all alive replica servers (two samples `intervalMs` apart). */
export interface LoadReport {
  intervalMs: number;
  /** `'nodes'` for a node-level round: `tables` then holds only the tables asked for. Absent: `'tables'`. */
  scope?: LoadScope;
  nodes: NodeStats[];
  /** Meta servers that answered, when the client samples them too (for `server_stat` and `connections`). */
  metas?: MetaStats[];
  tables: TableStats[];
  /** Only when a table was asked for. */
  partitions?: PartitionStats[];
  unreachable: Unreachable[];
  /** Bytes read from the cluster for this report (for benchmarks). */
  bytesFetched: number;
}

/** Options of a load sample. */
export interface LoadOptions {
  /** Milliseconds between the two samples (default 1000). */
  intervalMs?: number;
  /** Restrict table stats to one table and add per-partition stats. */
  table?: string;
  /** `'tables'` (default) or `'nodes'` (see `LoadScope`). */
  scope?: LoadScope;
  /**
   * With scope `'nodes'`: tables whose primaries are sampled too, for their per-table figures (e.g. the
   * latency-sensitive ones). Names that are not tables of the cluster are left out of the report.
   */
  tables?: readonly string[];
}

/** Options to create a table (`RPC_CM_CREATE_APP`). */
export interface CreateTableOptions {
  name: string;
  partitionCount: number;
  replicaCount: number;
  envs?: Record<string, string>;
}

/**
 * Read and control one Pegasus cluster. Expected failures (cluster unreachable, unknown table, not leader)
 * are `Result` failures with stable codes: `CLUSTER_UNREACHABLE`, `TABLE_NOT_FOUND`, `RPC_ERROR`, `TIMEOUT`,
 * `BAD_RESPONSE`.
 */
export interface PegasusApi {
  /** The configured meta server list (`host:port`). */
  readonly metaServers: readonly string[];
  /** Asks every configured meta server, in parallel, whether it answers and which is the leader. */
  probeMetas(): Promise<MetaServerStatus[]>;
  /** `cluster_info` (from the leader; with `cluster_name` when the RPC is available). */
  clusterInfo(): Promise<Result<ClusterInfo>>;
  /** `ls -d`: available tables with their health. */
  listTables(): Promise<Result<TableInfo[]>>;
  /** `nodes -d`. */
  listNodes(): Promise<Result<NodeInfo[]>>;
  /** `app <t> -d`; `TABLE_NOT_FOUND` when there is no such table. */
  tableDetail(name: string): Promise<Result<TableDetail>>;
  /** `server_info` on every meta server and every ALIVE replica server, concurrently with a bound. */
  serverInfo(): Promise<Result<FanOut<ServerInfo>>>;
  /** One sampled round of load over every ALIVE replica server (`server_stat` + `app_stat`). */
  load(options?: LoadOptions): Promise<Result<LoadReport>>;
  /** The stored meta level on the leader (`RPC_CM_CONTROL_META` with `fl_invalid`). */
  getMetaLevel(): Promise<Result<MetaLevel>>;
  /** Sets the meta level on the leader; returns the old stored level. */
  setMetaLevel(level: MetaLevel): Promise<Result<{ oldLevel: MetaLevel }>>;
  /** Creates a table; returns its app id. */
  createTable(options: CreateTableOptions): Promise<Result<{ appId: number }>>;
  /** Releases connections. */
  close(): Promise<void>;
}
