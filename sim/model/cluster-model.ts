/**
 * The simulated cluster's state: meta servers (one leader), replica servers, tables whose partitions have
 * replicas placed on nodes, and the meta server's periodic round (partition health, cure, balancer) run every
 * `lb_interval_ms` of simulated time. Everything the HTTP and RPC sides show is read from here; counters and
 * gauges are computed lazily from simulated time (see `load-model.ts`), so a 64k-partition cluster costs
 * nothing until somebody asks.
 */
import type { MetaLevel } from '../../src/pegasus/cluster-api.js';
import { flagCatalog } from '../flag-catalog.js';
import { createRandom, type Random } from '../random.js';
import { planBalance, type BalanceOp } from './balancer.js';
import { placeTable } from './placement.js';
import type { TableSpec } from './table-spec.js';

/** The two Pegasus generations the simulator speaks. */
export type PegasusVersion = '2.6.0' | '2.5.0';

/** `meta_function_level` enum values (`idl/meta_admin.thrift`). */
export const metaLevelValues: Readonly<Record<MetaLevel, number>> = {
  stopped: 100,
  blind: 200,
  freezed: 300,
  steady: 400,
  lively: 500,
};

/** Git commits reported by `/version` and `server-info` for each generation. */
export const gitCommits: Readonly<Record<PegasusVersion, string>> = {
  '2.6.0': 'db756dcdf24e2af6169659a67548501ed61f106c',
  '2.5.0': '0ca31b70eac7321bb17fb034105695597245d47b',
};

/** Counters of one replica (of one partition on one node), integrated lazily over simulated time. */
export interface ReplicaState {
  /** Simulated ms when this replica (in this process) came to be. */
  bornAt: number;
  /** Load units accumulated as primary up to `since` (reads are served by primaries only). */
  readUnits: number;
  /** Load units accumulated as a member up to `since` (every member applies writes). */
  writeUnits: number;
  since: number;
  primary: boolean;
  /** Index into the node's disks. */
  disk: number;
}

/** A node that left a partition, and when (for the delayed re-replication rule). */
export interface Drop {
  node: number;
  at: number;
}

/** Partition health as the meta's table metrics classify it (`partition_health_status`). */
export type PartitionHealth = 'healthy' | 'writable_ill' | 'unwritable' | 'unreadable' | 'dead';

/** One partition: its configuration (ballot, primary, secondaries) and its replicas' counters. */
export class SimPartition {
  ballot = 1;
  primary = -1;
  secondaries: number[] = [];
  lastDrops: Drop[] = [];
  /** Held unhealthy by a fault: cure leaves it alone until the fault is cleared. */
  stuck = false;
  /** Share of the table's load this partition gets. */
  share = 0;
  readonly replicas = new Map<number, ReplicaState>();
  configChanges = 0;
  writableChanges = 0;
  unwritableChanges = 0;
  greedyMovePri = 0;
  greedyCopyPri = 0;
  greedyCopySec = 0;
  recentBalanceOps = 0;

  readonly table: SimTable;
  readonly pidx: number;
  readonly weight: number;

  constructor(table: SimTable, pidx: number, weight: number) {
    this.table = table;
    this.pidx = pidx;
    this.weight = weight;
  }

  /** `app_id.pidx`. */
  get gpid(): string {
    return `${this.table.appId}.${this.pidx}`;
  }

  /** Primary first, then secondaries. */
  members(): number[] {
    return this.primary >= 0 ? [this.primary, ...this.secondaries] : [...this.secondaries];
  }
}

/** One table (`app_info`) with its load profile. */
export class SimTable {
  readonly partitions: SimPartition[] = [];
  readonly envs: Map<string, string>;
  readonly appType = 'pegasus';
  readonly isStateful = true;
  /** Latency multiplier (a latency spike fault raises it). */
  latencyFactor = 1;
  /** Partition health counts as of the leader's last round (the `table` entity gauges). */
  healthCounts: Record<PartitionHealth, number> = {
    healthy: 0,
    writable_ill: 0,
    unwritable: 0,
    unreadable: 0,
    dead: 0,
  };

  readonly appId: number;
  readonly name: string;
  readonly partitionCount: number;
  readonly maxReplicaCount: number;
  readonly createSecond: number;
  readonly spec: Required<Omit<TableSpec, 'envs'>>;
  /** Phase of the table's load wave, so tables do not peak together. */
  readonly phase: number;

  constructor(init: {
    appId: number;
    name: string;
    partitionCount: number;
    maxReplicaCount: number;
    createSecond: number;
    spec: Required<Omit<TableSpec, 'envs'>>;
    envs: Record<string, string>;
    phase: number;
  }) {
    this.appId = init.appId;
    this.name = init.name;
    this.partitionCount = init.partitionCount;
    this.maxReplicaCount = init.maxReplicaCount;
    this.createSecond = init.createSecond;
    this.spec = init.spec;
    this.phase = init.phase;
    this.envs = new Map(Object.entries(init.envs));
  }
}

/** A disk of a replica server. */
export interface SimDisk {
  tag: string;
  dataDir: string;
  totalMb: number;
  /** Used space that is not sst files (logs, checkpoints). */
  baseUsedMb: number;
  /** When set by the disk-filling fault: available space forced to this fraction of the total. */
  forcedAvailRatio?: number;
}

/** Process-level faults, applied by the servers (slow and hanging answers). */
export interface ProcessFaults {
  slowMs: number;
  hang: boolean;
}

/** What every simulated process (meta or replica server) has. */
export interface SimProcess {
  readonly role: 'meta' | 'replica';
  readonly index: number;
  address: string;
  port: number;
  /** The process is running (its port is open). */
  up: boolean;
  startWallMs: number;
  version: PegasusVersion;
  faults: ProcessFaults;
  /** Values changed through `/updateConfig` (lost on restart). */
  flagOverrides: Map<string, string>;
  /** Sessions added by the session-flood fault. */
  extraSessions: number;
}

/** One replica server. */
export interface ReplicaServer extends SimProcess {
  readonly role: 'replica';
  /** The leader's view: ALIVE or UNALIVE (follows `up` immediately; Pegasus's failure detector takes ~20 s). */
  alive: boolean;
  readonly disks: SimDisk[];
  /** Partitions this node is a member of. */
  readonly members: Set<SimPartition>;
  /** Bumped whenever `members` (or a member's replica state object) changes, for caches of per-node sums. */
  membership: number;
  /** Simulated ms of the last time it was declared dead (for `replica_server_disconnections`). */
  disconnections: number;
}

/** The balancer's last report (`t_operation_counters`). */
export interface BalanceCounters {
  movePri: number;
  copyPri: number;
  copySec: number;
  total: number;
}

/** Remote-command settings of the leader's balancer (`meta.lb.*`). */
export interface BalancerSettings {
  balancerInTurn: boolean;
  onlyPrimaryBalancer: boolean;
  onlyMovePrimary: boolean;
  assignDelayMs: number;
  ignoredAppIds: Set<number>;
}

/** One meta server. */
export interface MetaServer extends SimProcess {
  readonly role: 'meta';
  /** `_function_level` held in this process's memory (only the leader's matters). */
  storedLevel: MetaLevel;
  counters: BalanceCounters;
  lb: BalancerSettings;
}

/** How to build a model. */
export interface ModelOptions {
  metaAddresses: readonly string[];
  replicaAddresses: readonly string[];
  tables: readonly TableSpec[];
  pegasusVersion: PegasusVersion;
  seed: number;
  /** Wall-clock ms at which the simulated time starts. */
  startWallMs: number;
  clusterName: string;
  /** Offset of the servers' local time zone from UTC, for the dates they print. */
  utcOffsetMinutes: number;
  /** Level every meta starts with (`meta_function_level_on_start`). */
  levelOnStart: MetaLevel;
  /** Every process starts with the simulation instead of having been up for days. */
  freshStart?: boolean;
}

const diskTotalMb = 1_843_200;

function port(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

/** The state of one simulated cluster; advance it with `advance(ms)`. */
/**
 * How long a process has been up when the simulation starts: a cluster the bot meets has been running for
 * days, so a fresh simulator must not look as if every server had just restarted. Deterministic per index.
 */
function processUptimeAtStartMs(index: number): number {
  return 9 * 86_400_000 + ((index * 7919) % 1440) * 60_000;
}

export class ClusterModel {
  readonly metas: MetaServer[];
  readonly nodes: ReplicaServer[];
  readonly tables: SimTable[] = [];
  readonly random: Random;
  readonly clusterName: string;
  readonly zookeeperHosts = '127.0.0.1:22181';
  readonly zookeeperRoot: string;
  readonly utcOffsetMinutes: number;
  readonly levelOnStart: MetaLevel;
  readonly seed: number;
  /** Wall-clock ms of simulated time zero. */
  readonly epochWallMs: number;
  private simMs = 0;
  private nextRoundMs: number;
  private leaderIndex: number;
  private nextAppId = 1;
  private placementCursor = { value: 0 };
  /** Rounds run so far (for tests and the control API). */
  rounds = 0;
  /** Listeners told about every process that stops or starts, so its port opens or closes. */
  private readonly processListeners: ((process: SimProcess) => void)[] = [];

  constructor(options: ModelOptions) {
    this.random = createRandom(options.seed);
    this.seed = options.seed;
    this.clusterName = options.clusterName;
    this.zookeeperRoot = `/pegasus/${options.clusterName}/127.0.0.1`;
    this.utcOffsetMinutes = options.utcOffsetMinutes;
    this.levelOnStart = options.levelOnStart;
    this.epochWallMs = options.startWallMs;
    this.nextRoundMs = this.lbIntervalMs();
    this.metas = options.metaAddresses.map((address, index) => ({
      role: 'meta',
      index,
      address,
      port: port(address),
      up: true,
      startWallMs: options.startWallMs - (options.freshStart ? 0 : processUptimeAtStartMs(index)),
      version: options.pegasusVersion,
      faults: { slowMs: 0, hang: false },
      flagOverrides: new Map(),
      extraSessions: 0,
      storedLevel: options.levelOnStart,
      counters: { movePri: 0, copyPri: 0, copySec: 0, total: 0 },
      lb: this.defaultBalancerSettings(),
    }));
    this.leaderIndex = this.metas.length > 0 ? 0 : -1;
    this.nodes = options.replicaAddresses.map((address, index) => ({
      role: 'replica',
      index,
      address,
      port: port(address),
      up: true,
      alive: true,
      startWallMs: options.startWallMs - (options.freshStart ? 0 : processUptimeAtStartMs(index + 100)),
      version: options.pegasusVersion,
      faults: { slowMs: 0, hang: false },
      flagOverrides: new Map(),
      extraSessions: 0,
      disks: ['ssd1', 'ssd2'].map((tag) => ({
        tag,
        dataDir: `/home/work/${tag}/pegasus/${options.clusterName}/replica/reps`,
        totalMb: diskTotalMb,
        baseUsedMb: Math.round(diskTotalMb * (0.04 + 0.02 * this.random.next())),
      })),
      members: new Set(),
      membership: 0,
      disconnections: 0,
    }));
    for (const spec of options.tables) this.createTable(spec);
    // The leader's first round: health metrics and the balancer's first report.
    this.runRound();
  }

  // ---------------------------------------------------------------- time

  /** Simulated wall-clock time in ms (what timestamps and start times are measured in). */
  get nowWallMs(): number {
    return this.epochWallMs + this.simMs;
  }

  /** Simulated ms since the model started. */
  get simNowMs(): number {
    return this.simMs;
  }

  /** Advances simulated time, running every meta round that falls due. */
  advance(ms: number): void {
    if (!(ms > 0)) return;
    const target = this.simMs + ms;
    while (this.nextRoundMs <= target) {
      this.simMs = this.nextRoundMs;
      this.nextRoundMs += this.lbIntervalMs();
      this.runRound();
    }
    this.simMs = target;
  }

  /** `lb_interval_ms` (not mutable in Pegasus; 10 s). */
  lbIntervalMs(): number {
    return 10_000;
  }

  /**
   * The load integral of a table between two simulated instants, in "seconds at base load": the table's load
   * swings ±20% around its base over a 10-minute period, so rates computed from two samples move.
   */
  loadUnits(table: SimTable, fromMs: number, toMs: number): number {
    return this.loadIntegral(table, toMs) - this.loadIntegral(table, fromMs);
  }

  private loadIntegral(table: SimTable, ms: number): number {
    const t = ms / 1000;
    const period = 600;
    const amplitude = 0.2;
    const w = (2 * Math.PI) / period;
    return t + (amplitude / w) * (Math.cos(table.phase) - Math.cos(w * t + table.phase));
  }

  /** The load multiplier of a table right now (1 ± 0.2). */
  loadFactor(table: SimTable): number {
    const t = this.simMs / 1000;
    return 1 + 0.2 * Math.sin(((2 * Math.PI) / 600) * t + table.phase);
  }

  // ---------------------------------------------------------------- processes

  /** Registers a listener called whenever a process stops or starts. */
  onProcessChange(listener: (process: SimProcess) => void): void {
    this.processListeners.push(listener);
  }

  private notify(process: SimProcess): void {
    for (const listener of this.processListeners) listener(process);
  }

  /** The leader meta server, if any meta is up. */
  leader(): MetaServer | undefined {
    return this.leaderIndex >= 0 ? this.metas[this.leaderIndex] : undefined;
  }

  /** Every process, metas first. */
  processes(): SimProcess[] {
    return [...this.metas, ...this.nodes];
  }

  /** The process listening on `address`, if any. */
  processByAddress(address: string): SimProcess | undefined {
    return this.processes().find((p) => p.address === address);
  }

  /** Stops a replica server: its port closes and the leader declares it dead. */
  stopReplica(index: number): void {
    const node = this.node(index);
    if (!node.up) return;
    node.up = false;
    this.declareDead(node);
    this.notify(node);
  }

  /** Starts a stopped replica server (a new process: new start time, counters from zero, no replicas). */
  startReplica(index: number): void {
    const node = this.node(index);
    if (node.up) return;
    node.up = true;
    node.alive = true;
    node.startWallMs = this.nowWallMs;
    node.flagOverrides.clear();
    this.notify(node);
  }

  /**
   * Restarts a replica server faster than the failure detector notices: same replicas, new start time,
   * counters from zero.
   */
  restartReplica(index: number): void {
    const node = this.node(index);
    if (!node.up) {
      this.startReplica(index);
      return;
    }
    node.startWallMs = this.nowWallMs;
    node.flagOverrides.clear();
    for (const partition of node.members) {
      const state = partition.replicas.get(index);
      if (state) Object.assign(state, this.freshReplica(partition, state.primary));
    }
    this.notify(node);
  }

  /** Stops a meta server; if it led, the next running meta takes over. */
  stopMeta(index: number): void {
    const meta = this.meta(index);
    if (!meta.up) return;
    meta.up = false;
    if (this.leaderIndex === index) this.electLeader(index);
    this.notify(meta);
  }

  /** Starts a stopped meta server (its level is the start-up level again). */
  startMeta(index: number): void {
    const meta = this.meta(index);
    if (meta.up) return;
    meta.up = true;
    this.resetMetaProcess(meta);
    if (this.leaderIndex < 0) this.becomeLeader(index);
    this.notify(meta);
  }

  /** Restarts a meta server: new start time, start-up level; a leader loses the lock to the next meta. */
  restartMeta(index: number): void {
    const meta = this.meta(index);
    if (!meta.up) {
      this.startMeta(index);
      return;
    }
    const wasLeader = this.leaderIndex === index;
    meta.up = false;
    if (wasLeader) this.electLeader(index);
    meta.up = true;
    this.resetMetaProcess(meta);
    if (this.leaderIndex < 0) this.becomeLeader(index);
    this.notify(meta);
  }

  /** The leader gives up its lock and the next running meta takes over. Returns the new leader's index. */
  failover(): number {
    if (this.leaderIndex < 0) return -1;
    this.electLeader(this.leaderIndex);
    return this.leaderIndex;
  }

  private resetMetaProcess(meta: MetaServer): void {
    meta.startWallMs = this.nowWallMs;
    meta.storedLevel = this.levelOnStart;
    meta.flagOverrides.clear();
    meta.counters = { movePri: 0, copyPri: 0, copySec: 0, total: 0 };
    meta.lb = this.defaultBalancerSettings();
  }

  private electLeader(previous: number): void {
    const n = this.metas.length;
    for (let k = 1; k <= n; k++) {
      const candidate = (previous + k) % n;
      if (candidate !== previous && this.metas[candidate]?.up === true) {
        this.becomeLeader(candidate);
        return;
      }
    }
    this.leaderIndex = -1;
  }

  private becomeLeader(index: number): void {
    this.leaderIndex = index;
    const meta = this.meta(index);
    // A new leader's balancer has reported nothing yet; the lock holder rebuilds its view at once.
    meta.counters = { movePri: 0, copyPri: 0, copySec: 0, total: 0 };
  }

  private defaultBalancerSettings(): BalancerSettings {
    return {
      balancerInTurn: false,
      onlyPrimaryBalancer: false,
      onlyMovePrimary: false,
      assignDelayMs: 600_000,
      ignoredAppIds: new Set(),
    };
  }

  /** Replica server by index (throws on a bad index: a bug in the caller). */
  node(index: number): ReplicaServer {
    const node = this.nodes[index];
    if (!node) throw new RangeError(`no replica server #${index}`);
    return node;
  }

  /** Meta server by index. */
  meta(index: number): MetaServer {
    const meta = this.metas[index];
    if (!meta) throw new RangeError(`no meta server #${index}`);
    return meta;
  }

  // ---------------------------------------------------------------- flags and levels

  /** A flag's current value in one process (override or default). */
  flag(process: SimProcess, name: string): string {
    const override = process.flagOverrides.get(name);
    if (override !== undefined) return override;
    return this.flagDefault(process, name);
  }

  /** A flag's value at process start (`process` only matters for per-node flags such as `data_dirs`). */
  flagDefault(process: SimProcess | undefined, name: string): string {
    switch (name) {
      case 'server_list':
        return this.metas.map((m) => m.address).join(',');
      case 'cluster_name':
        return this.clusterName;
      case 'cluster_root':
        return this.zookeeperRoot;
      case 'hosts_list':
        return this.zookeeperHosts;
      case 'meta_function_level_on_start':
        return this.levelOnStart;
      case 'data_dirs':
        return process?.role === 'replica'
          ? (process as ReplicaServer).disks.map((d) => `${d.tag}:${d.dataDir}`).join(',')
          : '';
      default:
        return flagCatalog.find((f) => f.name === name)?.defaultValue ?? '';
    }
  }

  private leaderFlagNumber(name: string): number {
    const leader = this.leader();
    return Number(leader ? this.flag(leader, name) : this.flagDefault(undefined, name));
  }

  /** Replica servers the leader considers alive. */
  aliveNodes(): ReplicaServer[] {
    return this.nodes.filter((n) => n.alive);
  }

  /** Whether freeze protection is on (`meta_service::check_freeze`). */
  frozen(): boolean {
    const alive = this.aliveNodes().length;
    if (alive < this.leaderFlagNumber('min_live_node_count_for_unfreeze')) return true;
    return alive * 100 < this.leaderFlagNumber('node_live_percentage_threshold_for_update') * this.nodes.length;
  }

  /** The effective level (`get_function_level`): the stored level, forced to `freezed` by freeze protection. */
  effectiveLevel(): MetaLevel {
    const stored = this.leader()?.storedLevel ?? this.levelOnStart;
    if (metaLevelValues[stored] > metaLevelValues.freezed && this.frozen()) return 'freezed';
    return stored;
  }

  /** `RPC_CM_CONTROL_META` on the leader: stores a level, returns the old stored one. */
  setMetaLevel(level: MetaLevel): MetaLevel {
    const leader = this.leader();
    if (!leader) throw new Error('no leader meta server');
    const old = leader.storedLevel;
    leader.storedLevel = level;
    return old;
  }

  // ---------------------------------------------------------------- tables

  /** Creates a table and places its replicas on the alive nodes (what `RPC_CM_CREATE_APP` ends with). */
  createTable(spec: TableSpec): SimTable {
    const appId = this.nextAppId++;
    const full: Required<Omit<TableSpec, 'envs'>> = {
      name: spec.name,
      partitionCount: spec.partitionCount,
      replicaCount: spec.replicaCount ?? 3,
      readQps: spec.readQps ?? 100,
      writeQps: spec.writeQps ?? 50,
      valueBytes: spec.valueBytes ?? 1_024,
      dataMb: spec.dataMb ?? 1_024,
      readP99Ms: spec.readP99Ms ?? 2.5,
      writeP99Ms: spec.writeP99Ms ?? 4,
    };
    const table = new SimTable({
      appId,
      name: spec.name,
      partitionCount: spec.partitionCount,
      maxReplicaCount: full.replicaCount,
      createSecond: Math.floor(this.nowWallMs / 1000),
      spec: full,
      envs: spec.envs ?? {},
      phase: this.random.next() * 2 * Math.PI,
    });
    let weightSum = 0;
    for (let pidx = 0; pidx < spec.partitionCount; pidx++) {
      const weight = Math.exp(0.3 * this.random.gaussian());
      weightSum += weight;
      table.partitions.push(new SimPartition(table, pidx, weight));
    }
    const alive = this.aliveNodes().map((n) => n.index);
    const placements = placeTable(alive, spec.partitionCount, full.replicaCount, this.placementCursor);
    for (const partition of table.partitions) {
      partition.share = partition.weight / weightSum;
      const placement = placements[partition.pidx] ?? [];
      placement.forEach((node, i) => {
        this.attach(partition, node, i === 0);
      });
    }
    this.tables.push(table);
    return table;
  }

  /** A table by name. */
  table(name: string): SimTable | undefined {
    return this.tables.find((t) => t.name === name);
  }

  // ---------------------------------------------------------------- partition configuration

  private freshReplica(partition: SimPartition, primary: boolean): ReplicaState {
    return {
      bornAt: this.simMs,
      readUnits: 0,
      writeUnits: 0,
      since: this.simMs,
      primary,
      disk: (partition.table.appId * 31 + partition.pidx) % 2,
    };
  }

  /** Brings a replica's integrals up to now (before its role changes). */
  private settle(partition: SimPartition, state: ReplicaState): void {
    const units = this.loadUnits(partition.table, state.since, this.simMs);
    state.writeUnits += units;
    if (state.primary) state.readUnits += units;
    state.since = this.simMs;
  }

  private attach(partition: SimPartition, node: number, primary: boolean): void {
    if (primary) partition.primary = node;
    else partition.secondaries.push(node);
    partition.replicas.set(node, this.freshReplica(partition, primary));
    this.node(node).members.add(partition);
    this.node(node).membership++;
    partition.lastDrops = partition.lastDrops.filter((d) => d.node !== node);
  }

  private changed(partition: SimPartition, steps = 1): void {
    partition.ballot += steps;
    partition.configChanges += steps;
  }

  /** Records a health transition for the writable/unwritable change counters. */
  private trackWritable(partition: SimPartition, wasWritable: boolean): void {
    const writable = this.isWritable(partition);
    if (wasWritable && !writable) partition.unwritableChanges++;
    if (!wasWritable && writable) partition.writableChanges++;
  }

  private isWritable(partition: SimPartition): boolean {
    const h = this.health(partition);
    return h === 'healthy' || h === 'writable_ill';
  }

  /** Adds a secondary (`CT_ADD_SECONDARY`: the learner becomes a secondary). */
  addSecondary(partition: SimPartition, node: number): void {
    const was = this.isWritable(partition);
    this.attach(partition, node, false);
    this.changed(partition);
    this.trackWritable(partition, was);
  }

  /** Removes a member from a partition; it goes to `last_drops`. */
  removeMember(partition: SimPartition, node: number): void {
    const was = this.isWritable(partition);
    if (partition.primary === node) partition.primary = -1;
    else partition.secondaries = partition.secondaries.filter((s) => s !== node);
    partition.replicas.delete(node);
    this.node(node).members.delete(partition);
    this.node(node).membership++;
    partition.lastDrops = [...partition.lastDrops.filter((d) => d.node !== node), { node, at: this.simMs }].slice(
      -partition.table.maxReplicaCount,
    );
    this.changed(partition);
    this.trackWritable(partition, was);
  }

  /** Makes a secondary the primary (`CT_UPGRADE_TO_PRIMARY`), the old primary (if any) becoming a secondary. */
  promote(partition: SimPartition, node: number): void {
    const was = this.isWritable(partition);
    const old = partition.primary;
    const oldState = old >= 0 ? partition.replicas.get(old) : undefined;
    const newState = partition.replicas.get(node);
    if (oldState) this.settle(partition, oldState);
    if (newState) this.settle(partition, newState);
    partition.secondaries = partition.secondaries.filter((s) => s !== node);
    if (old >= 0) partition.secondaries.push(old);
    partition.primary = node;
    if (oldState) oldState.primary = false;
    if (newState) newState.primary = true;
    this.changed(partition, old >= 0 ? 2 : 1);
    this.trackWritable(partition, was);
  }

  /** Assigns a primary to a dead partition from a returning member (`CT_ASSIGN_PRIMARY`). */
  assignPrimary(partition: SimPartition, node: number): void {
    const was = this.isWritable(partition);
    this.attach(partition, node, true);
    this.changed(partition);
    this.trackWritable(partition, was);
  }

  private declareDead(node: ReplicaServer): void {
    if (!node.alive) return;
    node.alive = false;
    node.disconnections++;
    for (const partition of [...node.members]) this.removeMember(partition, node.index);
  }

  /** Health by the meta's rule (`partition_health_status`). */
  health(partition: SimPartition): PartitionHealth {
    if (partition.primary < 0) return partition.secondaries.length === 0 ? 'dead' : 'unreadable';
    const count = partition.secondaries.length + 1;
    if (count < this.mutation2pcMinReplicaCount(partition.table)) return 'unwritable';
    if (count < partition.table.maxReplicaCount) return 'writable_ill';
    return 'healthy';
  }

  private mutation2pcMinReplicaCount(table: SimTable): number {
    const configured = Number(this.flagDefault(undefined, 'mutation_2pc_min_replica_count'));
    if (configured > 0) return configured;
    return table.maxReplicaCount <= 2 ? 1 : Math.floor(table.maxReplicaCount / 2) + 1;
  }

  /** Whether every partition of every table has a primary and enough secondaries. */
  allHealthy(): boolean {
    for (const table of this.tables) {
      for (const partition of table.partitions) {
        if (partition.primary < 0 || partition.secondaries.length + 1 < table.maxReplicaCount) return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------- the meta round

  /** One `check_all_partitions` round of the leader: cure, then balance or check. */
  runRound(): void {
    this.rounds++;
    const leader = this.leader();
    if (!leader) return;
    this.updateHealthCounts();
    const level = this.effectiveLevel();
    if (metaLevelValues[level] <= metaLevelValues.freezed) return;
    this.cure(leader);
    if (!this.allHealthy()) return;
    if (level === 'steady') {
      this.report(leader, planBalance(this, leader.lb, true), true);
      return;
    }
    const ops = planBalance(this, leader.lb, false);
    if (ops.length > 0) {
      for (const op of ops) this.applyBalanceOp(op);
      this.report(leader, ops, false);
      return;
    }
    this.report(leader, planBalance(this, leader.lb, true), true);
  }

  /** `update_partition_metrics`: the table gauges, refreshed every round whatever the level. */
  updateHealthCounts(): void {
    for (const table of this.tables) {
      const counts: Record<PartitionHealth, number> = {
        healthy: 0,
        writable_ill: 0,
        unwritable: 0,
        unreadable: 0,
        dead: 0,
      };
      for (const p of table.partitions) counts[this.health(p)]++;
      table.healthCounts = counts;
    }
  }

  private report(leader: MetaServer, ops: readonly BalanceOp[], checker: boolean): void {
    const counters: BalanceCounters = { movePri: 0, copyPri: 0, copySec: 0, total: ops.length };
    for (const table of this.tables) for (const p of table.partitions) p.recentBalanceOps = 0;
    for (const op of ops) {
      if (op.kind === 'move_pri') counters.movePri++;
      else if (op.kind === 'copy_pri') counters.copyPri++;
      else counters.copySec++;
      if (checker) op.partition.recentBalanceOps++;
      else if (op.kind === 'move_pri') op.partition.greedyMovePri++;
      else if (op.kind === 'copy_pri') op.partition.greedyCopyPri++;
      else op.partition.greedyCopySec++;
    }
    leader.counters = counters;
  }

  /** Carries out one balancer proposal (the learning is instant in the simulator). */
  applyBalanceOp(op: BalanceOp): void {
    const p = op.partition;
    if (op.kind === 'move_pri') {
      if (p.primary === op.from && p.secondaries.includes(op.to)) this.promote(p, op.to);
      return;
    }
    if (op.kind === 'copy_pri') {
      if (p.primary !== op.from || p.members().includes(op.to)) return;
      this.addSecondary(p, op.to);
      this.promote(p, op.to);
      this.removeMember(p, op.from);
      return;
    }
    if (!p.secondaries.includes(op.from) || p.members().includes(op.to)) return;
    this.addSecondary(p, op.to);
    this.removeMember(p, op.from);
  }

  /** The partition guardian's cure for every partition (one action per partition per round). */
  private cure(leader: MetaServer): void {
    const aliveCount = this.aliveNodes().length;
    for (const table of this.tables) {
      for (const partition of table.partitions) {
        if (partition.stuck) continue;
        if (partition.primary < 0) {
          const first = partition.secondaries[0];
          if (first !== undefined) {
            this.promote(partition, first);
            continue;
          }
          // A dead partition waits for the last member that dropped out to come back.
          const last = partition.lastDrops[partition.lastDrops.length - 1];
          if (last !== undefined && this.nodes[last.node]?.alive === true) this.assignPrimary(partition, last.node);
          continue;
        }
        if (partition.secondaries.length + 1 >= table.maxReplicaCount) continue;
        if (partition.secondaries.length + 1 >= aliveCount) continue;
        const returning = [...partition.lastDrops]
          .reverse()
          .find((d) => this.nodes[d.node]?.alive === true && !partition.members().includes(d.node));
        if (returning) {
          this.addSecondary(partition, returning.node);
          continue;
        }
        const lastDrop = partition.lastDrops[partition.lastDrops.length - 1];
        if (lastDrop !== undefined && this.simMs - lastDrop.at < leader.lb.assignDelayMs) continue;
        const target = this.leastLoadedNode(partition);
        if (target >= 0) this.addSecondary(partition, target);
      }
    }
  }

  private leastLoadedNode(partition: SimPartition): number {
    let best = -1;
    let bestCount = Number.POSITIVE_INFINITY;
    const members = partition.members();
    for (const node of this.nodes) {
      if (!node.alive || members.includes(node.index)) continue;
      if (node.members.size < bestCount) {
        best = node.index;
        bestCount = node.members.size;
      }
    }
    return best;
  }

  /** `primary_replica_count_stddev` and `total_replica_count_stddev` (`greedy_load_balancer::score`). */
  balanceScore(): { primaryStddev: number; totalStddev: number } {
    const primaries: number[] = [];
    const totals: number[] = [];
    let primaryPartial = false;
    let partial = false;
    for (const node of this.nodes) {
      let primaryCount = 0;
      for (const p of node.members) if (p.primary === node.index) primaryCount++;
      const total = node.members.size;
      if (node.alive) {
        if (total !== 0) {
          primaries.push(primaryCount);
          totals.push(total);
        }
      } else {
        if (primaryCount !== 0) primaryPartial = true;
        if (total !== 0) partial = true;
      }
    }
    if (primaries.length <= 1 || totals.length <= 1) return { primaryStddev: 0, totalStddev: 0 };
    return { primaryStddev: meanStddev(primaries, primaryPartial), totalStddev: meanStddev(totals, partial) };
  }

  /** Primaries and secondaries a node hosts. */
  roleCounts(node: ReplicaServer): { primary: number; secondary: number } {
    let primary = 0;
    for (const p of node.members) if (p.primary === node.index) primary++;
    return { primary, secondary: node.members.size - primary };
  }

  /** Current state of one replica's load integrals (without changing it). */
  replicaUnits(partition: SimPartition, node: number): { read: number; write: number } | undefined {
    const state = partition.replicas.get(node);
    if (!state) return undefined;
    const units = this.loadUnits(partition.table, state.since, this.simMs);
    return { read: state.readUnits + (state.primary ? units : 0), write: state.writeUnits + units };
  }
}

/** `utils::mean_stddev`, including its rounding to two decimals. */
export function meanStddev(values: readonly number[], partialSample: boolean): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const accum = values.reduce((a, v) => a + (v - mean) * (v - mean), 0);
  const stddev = Math.sqrt(accum / (partialSample ? values.length - 1 : values.length));
  return Math.trunc((stddev + 0.005) * 100) / 100;
}
