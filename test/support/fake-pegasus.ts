/**
 * A configurable in-memory Pegasus cluster implementing `PegasusApi`, for tests of diagnostics, commands,
 * actions and monitoring. It keeps the rules that matter to the checks: partition health follows the
 * shell's rule, node replica counts follow the partition layout, the effective meta level falls to
 * `freezed` when too few nodes are alive (freeze protection), a meta fail-over resets the stored level,
 * fan-outs only ask ALIVE replica servers and report the ones that miss their deadline as unreachable.
 *
 * Faults are set with helpers: `makeUnalive`, `makePartitionsUnhealthy`, `skew`, `makeSlow`,
 * `makeUnreachable`, `setVersion`, `restart`, `setNodeLoad`, `setStoredLevel`, `setBalanceOperations`,
 * `makeMetaDown`, `makeClusterUnreachable`, `failWith`, `hang` …
 */
import type {
  BalanceOperations,
  ClusterInfo,
  CreateTableOptions,
  FanOut,
  LoadOptions,
  LoadReport,
  MetaLevel,
  MetaServerStatus,
  MetaStats,
  NodeInfo,
  NodeStats,
  PartitionInfo,
  PartitionStats,
  PegasusApi,
  ServerInfo,
  TableDetail,
  TableHealth,
  TableInfo,
  TableStats,
  Unreachable,
} from '../../src/pegasus/cluster-api.js';
import { fail, ok, type Failure, type Result } from '../../src/result.js';

/** Load and resources of a server, as the fake reports them. */
export interface FakeServerLoad {
  residentMemMb: number;
  virtualMemMb: number;
  sessions: number;
  diskTotalMb: number;
  diskAvailMb: number;
  readQps: number;
  writeQps: number;
  readP99Ns: number;
  writeP99Ns: number;
}

/** A replica server of the fake. */
export interface FakeNode extends FakeServerLoad {
  address: string;
  status: 'ALIVE' | 'UNALIVE';
  version: string;
  gitSha: string;
  /** `YYYY-MM-DD HH:MM:SS`, server local time. */
  startTime: string;
  /** Milliseconds each HTTP answer takes; past `nodeTimeoutMs` the node is reported unreachable. */
  delayMs: number;
  /** When set, every call to this server fails with this reason (connection refused …). */
  downReason?: string;
  /** Absolute replica counts that replace the ones computed from the layout. */
  countsOverride?: Partial<Pick<NodeInfo, 'replicaCount' | 'primaryCount' | 'secondaryCount'>>;
  /** Added to the counts computed from the layout. */
  countsExtra: { replicas: number; primaries: number };
}

/** A meta server of the fake. */
export interface FakeMeta {
  address: string;
  version: string;
  gitSha: string;
  startTime: string;
  reachable: boolean;
  error?: string;
  delayMs: number;
  residentMemMb: number;
  virtualMemMb: number;
  sessions: number;
}

/** How many partitions of a table are in each unhealthy shape (the rest are fully healthy). */
export interface UnhealthyPartitions {
  /** No primary: neither readable nor writable. */
  noPrimary?: number;
  /** A primary alone: readable, not writable. */
  primaryOnly?: number;
  /** A primary and some secondaries, fewer than the replica count: serving, without full redundancy. */
  missingSecondary?: number;
}

/** A table of the fake. */
export interface FakeTable {
  appId: number;
  name: string;
  partitionCount: number;
  replicaCount: number;
  createTime: string;
  envsCount: number;
  unhealthy: Required<UnhealthyPartitions>;
  /** Per-operation QPS (primaries): get, multi_get, batch_get, scan, put, multi_put, remove, multi_remove, incr, check_and_set, check_and_mutate. */
  qps: Record<string, number>;
  readP99Ns: number;
  writeP99Ns: number;
  sstMb: number;
  sstFiles: number;
  memtableMb: number;
}

/** How to build the fake. */
export interface FakePegasusOptions {
  /** Number of meta servers (127.0.0.1:34601 …), default 3. */
  metas?: number;
  /** Number of replica servers (127.0.0.1:34801 …), default 5. */
  nodes?: number;
  /** Tables (default `temp` with 10 partitions and `stat` with 5, three replicas each: an even layout on 5 nodes). */
  tables?: { name: string; partitions?: number; replicas?: number }[];
  /** Version of every server, default `2.6.0`. */
  version?: string;
  /** `cluster_name`, default `onebox`; `null` for a client that cannot read it (HTTP only). */
  clusterName?: string | null;
  /** Start time of every server, default `2025-12-01 10:00:00`. */
  startTime?: string;
  /** Time zone the fake prints start times in (for `restart(addr, date)`), default UTC. */
  timeZone?: string;
  /** Per-server deadline of fan-out calls, default 100 ms. */
  nodeTimeoutMs?: number;
  /** Freeze protection: `min_live_node_count_for_unfreeze` (default 1) and `node_live_percentage_threshold_for_update` (65). */
  minLiveNodes?: number;
  livePercentage?: number;
  /** Level a meta server starts with (and a new leader after fail-over), default `steady`. */
  levelOnStart?: MetaLevel;
  /** Whether `load()` reports meta server stats (`LoadReport.metas`), default true. */
  reportMetaStats?: boolean;
}

/** Methods that return a `Result` and can be made to fail or hang. */
export type FakeResultMethod =
  | 'clusterInfo'
  | 'listTables'
  | 'listNodes'
  | 'tableDetail'
  | 'serverInfo'
  | 'load'
  | 'getMetaLevel'
  | 'setMetaLevel'
  | 'createTable';

/** Every method that can hang. */
export type FakeMethod = FakeResultMethod | 'probeMetas';

const defaultQps = (): Record<string, number> => ({
  get: 80,
  multi_get: 10,
  batch_get: 0,
  scan: 1,
  put: 40,
  multi_put: 5,
  remove: 2,
  multi_remove: 0,
  incr: 0,
  check_and_set: 0,
  check_and_mutate: 0,
});

/** Operations counted as reads in `readQps`; the others are writes. */
export const readOperations: readonly string[] = ['get', 'multi_get', 'batch_get', 'scan'];

const defaultLoad = (): FakeServerLoad => ({
  residentMemMb: 4096,
  virtualMemMb: 8192,
  sessions: 120,
  diskTotalMb: 1_000_000,
  diskAvailMb: 600_000,
  readQps: 100,
  writeQps: 50,
  readP99Ns: 2_000_000,
  writeP99Ns: 5_000_000,
});

const levelRank: Record<MetaLevel, number> = { stopped: 100, blind: 200, freezed: 300, steady: 400, lively: 500 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `YYYY-MM-DD HH:MM:SS` of a date in a time zone, as a Pegasus server prints its start time. */
export function serverTimeString(date: Date, timeZone = 'UTC'): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')}`;
}

/** A hand-written in-memory Pegasus cluster. */
export class FakePegasus implements PegasusApi {
  readonly metaServers: readonly string[];
  readonly metas: FakeMeta[];
  readonly nodes: FakeNode[];
  readonly tables: FakeTable[];
  clusterName: string | undefined;
  storedLevel: MetaLevel;
  /** Replaces the computed effective level when set. */
  effectiveLevelOverride: MetaLevel | undefined;
  balance: BalanceOperations = { movePri: 0, copyPri: 0, copySec: 0, total: 0 };
  nodeTimeoutMs: number;
  minLiveNodes: number;
  livePercentage: number;
  levelOnStart: MetaLevel;
  reportMetaStats: boolean;
  timeZone: string;
  zookeeperHosts = '127.0.0.1:22181';
  /** Every call made, in order. */
  readonly calls: { method: FakeMethod; args: unknown[] }[] = [];
  /** Highest number of calls in flight at once (shows that callers ask concurrently). */
  maxInFlight = 0;
  /** Extra milliseconds every meta-level call takes (to make concurrency observable). */
  callDelayMs = 0;
  closed = false;
  private leaderAddress: string;
  private inFlight = 0;
  private readonly failures = new Map<FakeResultMethod, Failure>();
  private readonly hanging = new Set<FakeMethod>();
  private nextAppId: number;

  constructor(options: FakePegasusOptions = {}) {
    const version = options.version ?? '2.6.0';
    const startTime = options.startTime ?? '2025-12-01 10:00:00';
    this.timeZone = options.timeZone ?? 'UTC';
    this.metas = Array.from({ length: options.metas ?? 3 }, (_, i) => ({
      address: `127.0.0.1:${34601 + i}`,
      version,
      gitSha: 'abc1234',
      startTime,
      reachable: true,
      delayMs: 0,
      residentMemMb: 512,
      virtualMemMb: 2048,
      sessions: 30,
    }));
    this.metaServers = this.metas.map((m) => m.address);
    this.leaderAddress = this.metas[0]?.address ?? '';
    this.nodes = Array.from({ length: options.nodes ?? 5 }, (_, i) => ({
      address: `127.0.0.1:${34801 + i}`,
      status: 'ALIVE' as const,
      version,
      gitSha: 'abc1234',
      startTime,
      delayMs: 0,
      countsExtra: { replicas: 0, primaries: 0 },
      ...defaultLoad(),
    }));
    const tables = options.tables ?? [
      { name: 'temp', partitions: 10 },
      { name: 'stat', partitions: 5 },
    ];
    this.tables = tables.map((t, i) => this.newTable(2 + i, t.name, t.partitions ?? 8, t.replicas ?? 3));
    this.nextAppId = 2 + this.tables.length;
    this.clusterName = options.clusterName === null ? undefined : (options.clusterName ?? 'onebox');
    this.levelOnStart = options.levelOnStart ?? 'steady';
    this.storedLevel = this.levelOnStart;
    this.effectiveLevelOverride = undefined;
    this.nodeTimeoutMs = options.nodeTimeoutMs ?? 100;
    this.minLiveNodes = options.minLiveNodes ?? 1;
    this.livePercentage = options.livePercentage ?? 65;
    this.reportMetaStats = options.reportMetaStats ?? true;
  }

  // ---- helpers to shape the cluster -------------------------------------------------------------------

  /** The replica server with this address (throws on a typo in a test). */
  node(address: string): FakeNode {
    const n = this.nodes.find((x) => x.address === address);
    if (!n) throw new Error(`fake: no replica server ${address}`);
    return n;
  }

  /** The meta server with this address. */
  meta(address: string): FakeMeta {
    const m = this.metas.find((x) => x.address === address);
    if (!m) throw new Error(`fake: no meta server ${address}`);
    return m;
  }

  /** The table with this name. */
  table(name: string): FakeTable {
    const t = this.tables.find((x) => x.name === name);
    if (!t) throw new Error(`fake: no table ${name}`);
    return t;
  }

  /** The leader meta server's address. */
  get leader(): string {
    return this.leaderAddress;
  }

  /** Marks a replica server UNALIVE (its replicas move to the others in the layout). */
  makeUnalive(address: string): this {
    this.node(address).status = 'UNALIVE';
    return this;
  }

  /** Marks a replica server ALIVE again. */
  makeAlive(address: string): this {
    this.node(address).status = 'ALIVE';
    return this;
  }

  /** Puts partitions of a table in unhealthy shapes (the partition health follows the shell's rule). */
  makePartitionsUnhealthy(table: string, shape: UnhealthyPartitions): this {
    const t = this.table(table);
    const next = {
      noPrimary: shape.noPrimary ?? 0,
      primaryOnly: shape.primaryOnly ?? 0,
      missingSecondary: shape.missingSecondary ?? 0,
    };
    if (next.noPrimary + next.primaryOnly + next.missingSecondary > t.partitionCount) {
      throw new Error(`fake: table ${table} has only ${t.partitionCount} partitions`);
    }
    t.unhealthy = next;
    return this;
  }

  /** Adds replicas and primaries to a node on top of the layout (negative to take some away). */
  skew(address: string, extra: { replicas?: number; primaries?: number }): this {
    const n = this.node(address);
    n.countsExtra = { replicas: extra.replicas ?? 0, primaries: extra.primaries ?? 0 };
    return this;
  }

  /** Sets a node's counts outright, ignoring the layout. */
  setNodeCounts(
    address: string,
    counts: Partial<Pick<NodeInfo, 'replicaCount' | 'primaryCount' | 'secondaryCount'>>,
  ): this {
    this.node(address).countsOverride = counts;
    return this;
  }

  /** Makes a server answer after `delayMs` (past `nodeTimeoutMs` it is reported unreachable). */
  makeSlow(address: string, delayMs: number): this {
    this.server(address).delayMs = delayMs;
    return this;
  }

  /** Makes a replica server fail every call (the meta still sees it ALIVE). */
  makeUnreachable(address: string, reason = 'connect ECONNREFUSED'): this {
    this.node(address).downReason = reason;
    return this;
  }

  /** Undoes `makeUnreachable` and `makeSlow`. */
  makeReachable(address: string): this {
    const n = this.node(address);
    delete n.downReason;
    n.delayMs = 0;
    return this;
  }

  /** Sets the version of one server (meta or replica). */
  setVersion(address: string, version: string): this {
    this.server(address).version = version;
    return this;
  }

  /** Sets a server's start time (a `Date` is printed in the fake's time zone). */
  restart(address: string, at: Date | string): this {
    this.server(address).startTime = typeof at === 'string' ? at : serverTimeString(at, this.timeZone);
    return this;
  }

  /** Changes the load figures of a replica server (memory, disk, sessions, QPS, P99). */
  setNodeLoad(address: string, load: Partial<FakeServerLoad>): this {
    Object.assign(this.node(address), load);
    return this;
  }

  /** Changes memory and sessions of a meta server. */
  setMetaLoad(address: string, load: Partial<Pick<FakeMeta, 'residentMemMb' | 'virtualMemMb' | 'sessions'>>): this {
    Object.assign(this.meta(address), load);
    return this;
  }

  /** Changes the load figures of a table (QPS per operation, P99, file sizes). */
  setTableLoad(
    table: string,
    load: Partial<Pick<FakeTable, 'qps' | 'readP99Ns' | 'writeP99Ns' | 'sstMb' | 'sstFiles' | 'memtableMb'>>,
  ): this {
    const t = this.table(table);
    Object.assign(t, { ...load, qps: { ...t.qps, ...load.qps } });
    return this;
  }

  /** Sets the stored level (as `set_meta_level` would). */
  setStoredLevel(level: MetaLevel): this {
    this.storedLevel = level;
    return this;
  }

  /** Forces the effective level `cluster_info` reports (undefined to compute it again). */
  forceEffectiveLevel(level: MetaLevel | undefined): this {
    this.effectiveLevelOverride = level;
    return this;
  }

  /** Sets the balance operation counts; `total` defaults to their sum. */
  setBalanceOperations(ops: Partial<BalanceOperations>): this {
    const next = { ...this.balance, ...ops };
    this.balance = { ...next, total: ops.total ?? next.movePri + next.copyPri + next.copySec };
    return this;
  }

  /** Takes a meta server down; when it was the leader, the next one leads with its start level. */
  makeMetaDown(address: string, error = 'connect ECONNREFUSED'): this {
    const m = this.meta(address);
    m.reachable = false;
    m.error = error;
    if (address === this.leaderAddress) {
      const next = this.metas.find((x) => x.reachable);
      if (next) {
        this.leaderAddress = next.address;
        // The level lives in the leader's memory only: a new leader starts from its configured level.
        this.storedLevel = this.levelOnStart;
      }
    }
    return this;
  }

  /** Brings a meta server back (as a backup). */
  makeMetaUp(address: string): this {
    const m = this.meta(address);
    m.reachable = true;
    delete m.error;
    if (!this.meta(this.leaderAddress).reachable) this.leaderAddress = address;
    return this;
  }

  /** Takes every meta server down. */
  makeClusterUnreachable(error = 'connect ECONNREFUSED'): this {
    for (const m of this.metas) {
      m.reachable = false;
      m.error = error;
    }
    return this;
  }

  /** Makes a method answer with this failure until `restore`. */
  failWith(method: FakeResultMethod, failure: Failure): this {
    this.failures.set(method, failure);
    return this;
  }

  /** Makes a method never answer until `restore`. */
  hang(method: FakeMethod): this {
    this.hanging.add(method);
    return this;
  }

  /** Undoes `failWith` and `hang` for a method. */
  restore(method: FakeMethod): this {
    this.failures.delete(method as FakeResultMethod);
    this.hanging.delete(method);
    return this;
  }

  /** Adds a table directly (as if created elsewhere). */
  addTable(name: string, partitions = 8, replicas = 3): FakeTable {
    const t = this.newTable(this.nextAppId++, name, partitions, replicas);
    this.tables.push(t);
    return t;
  }

  /** Drops a table directly. */
  dropTable(name: string): this {
    const i = this.tables.findIndex((t) => t.name === name);
    if (i < 0) throw new Error(`fake: no table ${name}`);
    this.tables.splice(i, 1);
    return this;
  }

  /** The level `cluster_info` reports: freeze protection applied to the stored level. */
  effectiveLevel(): MetaLevel {
    if (this.effectiveLevelOverride) return this.effectiveLevelOverride;
    const alive = this.nodes.filter((n) => n.status === 'ALIVE').length;
    const total = this.nodes.length;
    const tooFew = alive < this.minLiveNodes || alive * 100 < this.livePercentage * total;
    return tooFew && levelRank[this.storedLevel] > levelRank.freezed ? 'freezed' : this.storedLevel;
  }

  /** The partition layout of a table over the ALIVE nodes, with its unhealthy partitions first. */
  partitionsOf(table: FakeTable): PartitionInfo[] {
    const alive = this.nodes.filter((n) => n.status === 'ALIVE').map((n) => n.address);
    // A running offset over all tables spreads primaries evenly, as the balancer would.
    let offset = 0;
    for (const t of this.tables) {
      if (t === table) break;
      offset += t.partitionCount;
    }
    const { noPrimary, primaryOnly, missingSecondary } = table.unhealthy;
    return Array.from({ length: table.partitionCount }, (_, pidx) => {
      const members = alive.length
        ? Array.from(
            { length: Math.min(table.replicaCount, alive.length) },
            (_, k) => alive[(offset + pidx + k) % alive.length] ?? '',
          )
        : [];
      let primary: string | undefined = members[0];
      let secondaries = members.slice(1);
      if (pidx < noPrimary) {
        primary = undefined;
        secondaries = secondaries.slice(0, 1);
      } else if (pidx < noPrimary + primaryOnly) {
        secondaries = [];
      } else if (pidx < noPrimary + primaryOnly + missingSecondary) {
        secondaries = secondaries.slice(0, Math.max(1, table.replicaCount - 2));
      }
      return {
        pidx,
        ballot: 3 + pidx,
        currentReplicaCount: (primary ? 1 : 0) + secondaries.length,
        maxReplicaCount: table.replicaCount,
        ...(primary ? { primary } : {}),
        secondaries,
      };
    });
  }

  /** Partition health by the shell's rule. */
  healthOf(table: FakeTable): TableHealth {
    let fullyHealthy = 0;
    let writeUnhealthy = 0;
    let readUnhealthy = 0;
    for (const p of this.partitionsOf(table)) {
      if (!p.primary) {
        writeUnhealthy++;
        readUnhealthy++;
      } else if (1 + p.secondaries.length >= p.maxReplicaCount) fullyHealthy++;
      else if (1 + p.secondaries.length < 2) writeUnhealthy++;
    }
    return { fullyHealthy, unhealthy: table.partitionCount - fullyHealthy, writeUnhealthy, readUnhealthy };
  }

  // ---- PegasusApi ------------------------------------------------------------------------------------

  async probeMetas(): Promise<MetaServerStatus[]> {
    return this.call('probeMetas', [], async () =>
      Promise.all(
        this.metas.map(async (m): Promise<MetaServerStatus> => {
          if (!m.reachable)
            return { address: m.address, reachable: false, isLeader: false, error: m.error ?? 'unreachable' };
          if (m.delayMs > this.nodeTimeoutMs) {
            await sleep(this.nodeTimeoutMs);
            return {
              address: m.address,
              reachable: false,
              isLeader: false,
              error: `timeout after ${this.nodeTimeoutMs} ms`,
            };
          }
          await sleep(m.delayMs);
          return {
            address: m.address,
            reachable: true,
            isLeader: m.address === this.leaderAddress,
            version: { version: m.version, gitCommit: m.gitSha, hasMetrics: !m.version.startsWith('2.5') },
          };
        }),
      ),
    );
  }

  async clusterInfo(): Promise<Result<ClusterInfo>> {
    return this.metaCall('clusterInfo', [], () => {
      const alive = this.nodes.filter((n) => n.status === 'ALIVE').map((n) => this.nodeInfo(n));
      return ok({
        ...(this.clusterName !== undefined ? { clusterName: this.clusterName } : {}),
        metaServers: [...this.metaServers],
        primaryMetaServer: this.leaderAddress,
        zookeeperHosts: this.zookeeperHosts,
        zookeeperRoot: `/pegasus/${this.clusterName ?? 'cluster'}`,
        metaFunctionLevel: this.effectiveLevel(),
        balanceOperations: { ...this.balance },
        primaryReplicaCountStddev: stddev(alive.map((n) => n.primaryCount)),
        totalReplicaCountStddev: stddev(alive.map((n) => n.replicaCount)),
      });
    });
  }

  async listTables(): Promise<Result<TableInfo[]>> {
    return this.metaCall('listTables', [], () =>
      ok(
        this.tables.map((t) => ({
          appId: t.appId,
          name: t.name,
          status: 'AVAILABLE',
          appType: 'pegasus',
          partitionCount: t.partitionCount,
          replicaCount: t.replicaCount,
          isStateful: true,
          createTime: t.createTime,
          envsCount: t.envsCount,
          health: this.healthOf(t),
        })),
      ),
    );
  }

  async listNodes(): Promise<Result<NodeInfo[]>> {
    return this.metaCall('listNodes', [], () =>
      ok([...this.nodes].sort((a, b) => a.address.localeCompare(b.address)).map((n) => this.nodeInfo(n))),
    );
  }

  async tableDetail(name: string): Promise<Result<TableDetail>> {
    return this.metaCall('tableDetail', [name], () => {
      const t = this.tables.find((x) => x.name === name);
      if (!t) return fail('TABLE_NOT_FOUND', `table not found: "${name}"`);
      const partitions = this.partitionsOf(t);
      const perNode = new Map<string, { primary: number; secondary: number }>();
      for (const p of partitions) {
        if (p.primary) {
          const e = perNode.get(p.primary) ?? { primary: 0, secondary: 0 };
          e.primary++;
          perNode.set(p.primary, e);
        }
        for (const s of p.secondaries) {
          const e = perNode.get(s) ?? { primary: 0, secondary: 0 };
          e.secondary++;
          perNode.set(s, e);
        }
      }
      return ok({
        name: t.name,
        appId: t.appId,
        partitionCount: t.partitionCount,
        maxReplicaCount: t.replicaCount,
        partitions,
        nodes: [...perNode.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([node, c]) => ({ node, primary: c.primary, secondary: c.secondary, total: c.primary + c.secondary })),
        health: this.healthOf(t),
      });
    });
  }

  async serverInfo(): Promise<Result<FanOut<ServerInfo>>> {
    return this.metaCall('serverInfo', [], async () => {
      const results: ServerInfo[] = [];
      const unreachable: Unreachable[] = [];
      await Promise.all([
        ...this.metas.map(async (m) => {
          const answered = await this.ask(
            m.address,
            'meta',
            m.reachable ? undefined : (m.error ?? 'unreachable'),
            m.delayMs,
          );
          if (!answered.ok) unreachable.push(answered.error);
          else
            results.push({
              address: m.address,
              role: 'meta',
              version: m.version,
              gitSha: m.gitSha,
              buildType: 'Release',
              startTime: m.startTime,
            });
        }),
        ...this.aliveNodes().map(async (n) => {
          const answered = await this.ask(n.address, 'replica', n.downReason, n.delayMs);
          if (!answered.ok) unreachable.push(answered.error);
          else
            results.push({
              address: n.address,
              role: 'replica',
              version: n.version,
              gitSha: n.gitSha,
              buildType: 'Release',
              startTime: n.startTime,
            });
        }),
      ]);
      results.sort((a, b) => a.role.localeCompare(b.role) || a.address.localeCompare(b.address));
      return ok({ results, unreachable });
    });
  }

  async load(options: LoadOptions = {}): Promise<Result<LoadReport>> {
    return this.metaCall('load', [options], async () => {
      const only = options.table;
      const tables = only === undefined ? this.tables : this.tables.filter((t) => t.name === only);
      const first = tables[0];
      if (only !== undefined && !first) return fail('TABLE_NOT_FOUND', `table not found: "${only}"`);
      const nodes: NodeStats[] = [];
      const unreachable: Unreachable[] = [];
      await Promise.all(
        this.aliveNodes().map(async (n) => {
          const answered = await this.ask(n.address, 'replica', n.downReason, n.delayMs);
          if (!answered.ok) {
            unreachable.push(answered.error);
            return;
          }
          const info = this.nodeInfo(n);
          nodes.push({
            address: n.address,
            residentMemMb: n.residentMemMb,
            virtualMemMb: n.virtualMemMb,
            sessions: n.sessions,
            diskTotalMb: n.diskTotalMb,
            diskAvailMb: n.diskAvailMb,
            replicas: { total: info.replicaCount, primary: info.primaryCount, secondary: info.secondaryCount },
            readQps: n.readQps,
            writeQps: n.writeQps,
            readP99Ns: n.readP99Ns,
            writeP99Ns: n.writeP99Ns,
          });
        }),
      );
      nodes.sort((a, b) => a.address.localeCompare(b.address));
      const metas: MetaStats[] = this.metas
        .filter((m) => m.reachable)
        .map((m) => ({
          address: m.address,
          residentMemMb: m.residentMemMb,
          virtualMemMb: m.virtualMemMb,
          sessions: m.sessions,
        }));
      const report: LoadReport = {
        intervalMs: options.intervalMs ?? 1000,
        nodes,
        ...(this.reportMetaStats ? { metas } : {}),
        tables: tables.map((t) => this.tableStats(t)),
        unreachable,
        bytesFetched: 2048 * (nodes.length + metas.length),
      };
      if (first && only !== undefined) report.partitions = this.partitionStats(first);
      return ok(report);
    });
  }

  async getMetaLevel(): Promise<Result<MetaLevel>> {
    return this.metaCall('getMetaLevel', [], () => ok(this.storedLevel));
  }

  async setMetaLevel(level: MetaLevel): Promise<Result<{ oldLevel: MetaLevel }>> {
    return this.metaCall('setMetaLevel', [level], () => {
      const oldLevel = this.storedLevel;
      this.storedLevel = level;
      return ok({ oldLevel });
    });
  }

  async createTable(options: CreateTableOptions): Promise<Result<{ appId: number }>> {
    return this.metaCall('createTable', [options], () => {
      if (this.tables.some((t) => t.name === options.name))
        return fail('RPC_ERROR', `ERR_APP_EXIST: table ${options.name} already exists`);
      const t = this.addTable(options.name, options.partitionCount, options.replicaCount);
      t.envsCount = Object.keys(options.envs ?? {}).length;
      return ok({ appId: t.appId });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  // ---- internals ---------------------------------------------------------------------------------------

  private newTable(appId: number, name: string, partitions: number, replicas: number): FakeTable {
    return {
      appId,
      name,
      partitionCount: partitions,
      replicaCount: replicas,
      createTime: '2025-12-01 10:00:00.000',
      envsCount: 0,
      unhealthy: { noPrimary: 0, primaryOnly: 0, missingSecondary: 0 },
      qps: defaultQps(),
      readP99Ns: 3_000_000,
      writeP99Ns: 6_000_000,
      sstMb: 1024,
      sstFiles: 20,
      memtableMb: 64,
    };
  }

  private server(address: string): FakeNode | FakeMeta {
    const found = this.nodes.find((n) => n.address === address) ?? this.metas.find((m) => m.address === address);
    if (!found) throw new Error(`fake: no server ${address}`);
    return found;
  }

  private aliveNodes(): FakeNode[] {
    return this.nodes.filter((n) => n.status === 'ALIVE');
  }

  private nodeInfo(n: FakeNode): NodeInfo {
    let primary = 0;
    let secondary = 0;
    if (n.status === 'ALIVE') {
      for (const t of this.tables) {
        for (const p of this.partitionsOf(t)) {
          if (p.primary === n.address) primary++;
          if (p.secondaries.includes(n.address)) secondary++;
        }
      }
    }
    primary += n.countsExtra.primaries;
    secondary += n.countsExtra.replicas - n.countsExtra.primaries;
    const o = n.countsOverride ?? {};
    const primaryCount = o.primaryCount ?? primary;
    const secondaryCount =
      o.secondaryCount ?? (o.replicaCount !== undefined ? o.replicaCount - primaryCount : secondary);
    return {
      address: n.address,
      status: n.status,
      replicaCount: o.replicaCount ?? primaryCount + secondaryCount,
      primaryCount,
      secondaryCount,
    };
  }

  private tableStats(t: FakeTable): TableStats {
    const readQps = sum(readOperations.map((op) => t.qps[op] ?? 0));
    const writeQps = sum(
      Object.entries(t.qps)
        .filter(([op]) => !readOperations.includes(op))
        .map(([, v]) => v),
    );
    return {
      appId: t.appId,
      name: t.name,
      partitionCount: t.partitionCount,
      qps: { ...t.qps },
      readQps,
      writeQps,
      readP99Ns: t.readP99Ns,
      writeP99Ns: t.writeP99Ns,
      sstMb: t.sstMb,
      sstFiles: t.sstFiles,
      memtableMb: t.memtableMb,
    };
  }

  private partitionStats(t: FakeTable): PartitionStats[] {
    const stats = this.tableStats(t);
    const parts = this.partitionsOf(t).filter((p) => p.primary !== undefined);
    return parts.map((p) => ({
      pidx: p.pidx,
      primary: p.primary ?? '-',
      readQps: stats.readQps / t.partitionCount,
      writeQps: stats.writeQps / t.partitionCount,
      // Partition 0 is the slowest so tests can see that totals take the max, never the mean.
      readP99Ns: p.pidx === 0 ? t.readP99Ns : Math.round(t.readP99Ns / 2),
      writeP99Ns: p.pidx === 0 ? t.writeP99Ns : Math.round(t.writeP99Ns / 2),
      sstMb: t.sstMb / t.partitionCount,
    }));
  }

  /** One call to one server with its deadline. */
  private async ask(
    address: string,
    role: Unreachable['role'],
    downReason: string | undefined,
    delayMs: number,
  ): Promise<Result<true, Unreachable>> {
    if (downReason) return { ok: false, error: { address, role, reason: downReason } };
    if (delayMs > this.nodeTimeoutMs) {
      await sleep(this.nodeTimeoutMs);
      return { ok: false, error: { address, role, reason: `timeout after ${this.nodeTimeoutMs} ms` } };
    }
    if (delayMs > 0) await sleep(delayMs);
    return { ok: true, value: true };
  }

  private async call<T>(method: FakeMethod, args: unknown[], work: () => Promise<T> | T): Promise<T> {
    this.calls.push({ method, args });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hanging.has(method)) await new Promise<never>(() => undefined);
      if (this.callDelayMs > 0) await sleep(this.callDelayMs);
      return await work();
    } finally {
      this.inFlight--;
    }
  }

  private async metaCall<T>(
    method: FakeResultMethod,
    args: unknown[],
    work: () => Promise<Result<T>> | Result<T>,
  ): Promise<Result<T>> {
    return this.call(method, args, async () => {
      const injected = this.failures.get(method);
      if (injected) return { ok: false as const, error: injected };
      if (!this.metas.some((m) => m.reachable)) {
        return fail('CLUSTER_UNREACHABLE', `no meta server answered (tried ${this.metaServers.join(', ')})`);
      }
      return work();
    });
  }
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function stddev(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const mean = sum(values) / values.length;
  return Math.sqrt(sum(values.map((v) => (v - mean) ** 2)) / values.length);
}
