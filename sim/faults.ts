/**
 * Faults a test or an administrator can switch on and off while the simulated cluster runs. Each one shows
 * up where a real cluster would show it: a stopped process closes its port and turns UNALIVE in
 * `/meta/nodes`; a slow or hanging one answers late or never; unhealthy partitions appear in `/meta/apps?detail`
 * and the table gauges; a latency spike in the table's `*_latency_ns`; a full disk in `disk_capacity_avail_mb`;
 * a session flood in `network_server_sessions`; mixed versions in `/version`; a fail-over moves the 307s and
 * resets the stored meta level to the start-up level.
 */
import type { MetaLevel } from '../src/pegasus/cluster-api.js';
import type { ClusterModel, PegasusVersion, SimPartition, SimProcess } from './model/cluster-model.js';

/**
 * A process: `{ meta: i }`, `{ replica: i }`, or its address (`127.0.0.1:port`). Methods that only apply to
 * replica servers also take a bare index.
 */
export type ProcessRef = { meta: number } | { replica: number } | string;

/** Kinds of unhealthy partition (`partition_health_status`). */
export type UnhealthyKind = 'writable_ill' | 'unwritable' | 'unreadable' | 'dead';

/** One fault currently in effect, for listings. */
export interface ActiveFault {
  kind: string;
  target: string;
  detail: string;
}

/** Starts/stops ports when processes change; the cluster implements it. */
export interface PortControl {
  /** Resolves once every port open/close caused so far has happened. */
  settled(): Promise<void>;
}

/** The fault switches of one simulated cluster. */
export class SimFaults {
  private readonly model: ClusterModel;
  private readonly ports: PortControl;

  constructor(model: ClusterModel, ports: PortControl) {
    this.model = model;
    this.ports = ports;
  }

  /** Resolves a reference to a process (throws `RangeError` on an unknown one: a bug in the caller). */
  process(ref: ProcessRef): SimProcess {
    if (typeof ref === 'string') {
      const found = this.model.processByAddress(ref);
      if (!found) throw new RangeError(`no simulated process at ${ref}`);
      return found;
    }
    return 'meta' in ref ? this.model.meta(ref.meta) : this.model.node(ref.replica);
  }

  private replicaIndex(ref: number | string): number {
    if (typeof ref === 'number') return this.model.node(ref).index;
    const p = this.process(ref);
    if (p.role !== 'replica') throw new RangeError(`${ref} is not a replica server`);
    return p.index;
  }

  private metaIndex(ref: number | string): number {
    if (typeof ref === 'number') return this.model.meta(ref).index;
    const p = this.process(ref);
    if (p.role !== 'meta') throw new RangeError(`${ref} is not a meta server`);
    return p.index;
  }

  /** Stops a replica server: its port closes, the leader marks it UNALIVE and drops its replicas. */
  async stopReplica(ref: number | string): Promise<void> {
    this.model.stopReplica(this.replicaIndex(ref));
    await this.ports.settled();
  }

  /** Starts a stopped replica server (new start time; cure gives it replicas again). */
  async startReplica(ref: number | string): Promise<void> {
    this.model.startReplica(this.replicaIndex(ref));
    await this.ports.settled();
  }

  /** Restarts a replica server quickly: same replicas, new start time, counters from zero. */
  async restartReplica(ref: number | string): Promise<void> {
    this.model.restartReplica(this.replicaIndex(ref));
    await this.ports.settled();
  }

  /** Stops a meta server (a leader hands over to the next running meta). */
  async stopMeta(ref: number | string): Promise<void> {
    this.model.stopMeta(this.metaIndex(ref));
    await this.ports.settled();
  }

  /** Starts a stopped meta server. */
  async startMeta(ref: number | string): Promise<void> {
    this.model.startMeta(this.metaIndex(ref));
    await this.ports.settled();
  }

  /** Restarts a meta server (new start time, start-up level; a leader loses the lock). */
  async restartMeta(ref: number | string): Promise<void> {
    this.model.restartMeta(this.metaIndex(ref));
    await this.ports.settled();
  }

  /**
   * Leader fail-over: the leader loses its lock and the next running meta takes over with the level in its
   * own memory (the start-up level unless it led before).
   */
  failover(): { from: string; to: string; storedLevel: MetaLevel | undefined } {
    const from = this.model.leader()?.address ?? '';
    this.model.failover();
    const leader = this.model.leader();
    return { from, to: leader?.address ?? '', storedLevel: leader?.storedLevel };
  }

  /** Makes a process answer every request `delayMs` late (0 clears it). */
  slow(target: ProcessRef, delayMs: number): void {
    this.process(target).faults.slowMs = Math.max(0, delayMs);
  }

  /** Makes a process accept connections and read requests but never answer (`false` clears it). */
  hang(target: ProcessRef, hanging = true): void {
    this.process(target).faults.hang = hanging;
  }

  /**
   * Holds `count` partitions of a table unhealthy (cure leaves them alone until `clear`). Returns the
   * partition indexes.
   */
  unhealthyPartitions(options: { table: string; count?: number; kind?: UnhealthyKind }): number[] {
    const table = this.model.table(options.table);
    if (!table) throw new RangeError(`no table ${options.table}`);
    const kind = options.kind ?? 'writable_ill';
    const count = Math.min(options.count ?? 1, table.partitionCount);
    const chosen: number[] = [];
    for (const partition of table.partitions) {
      if (chosen.length >= count) break;
      if (partition.stuck) continue;
      this.degrade(partition, kind);
      partition.stuck = true;
      chosen.push(partition.pidx);
    }
    this.model.updateHealthCounts();
    return chosen;
  }

  private degrade(p: SimPartition, kind: UnhealthyKind): void {
    const drop = (node: number | undefined): void => {
      if (node !== undefined && node >= 0) this.model.removeMember(p, node);
    };
    if (kind === 'writable_ill') drop(p.secondaries[0]);
    else if (kind === 'unwritable') for (const s of [...p.secondaries]) drop(s);
    else if (kind === 'unreadable') drop(p.primary);
    else for (const m of p.members()) drop(m);
  }

  /**
   * Skews placement towards one replica server: it becomes primary wherever it is a member, and takes over a
   * secondary in a `fraction` of the other partitions. The balancer evens it out again in `lively`.
   */
  skewPlacement(options: { node?: number | string; fraction?: number } = {}): void {
    const node = this.replicaIndex(options.node ?? 0);
    if (!this.model.node(node).alive) throw new RangeError(`replica server #${node} is not alive`);
    const fraction = options.fraction ?? 0.6;
    for (const table of this.model.tables) {
      for (const p of table.partitions) {
        if (p.primary === node) continue;
        if (p.secondaries.includes(node)) {
          this.model.promote(p, node);
          continue;
        }
        const victim = p.secondaries[0];
        if (victim === undefined || this.model.random.next() >= fraction) continue;
        this.model.addSecondary(p, node);
        this.model.removeMember(p, victim);
        this.model.promote(p, node);
      }
    }
    this.model.updateHealthCounts();
  }

  /**
   * Runs some processes on the other Pegasus generation (restarting them): by default every other replica
   * server on 2.5.0 when the cluster runs 2.6.0, and vice versa.
   */
  mixedVersions(options: { replicas?: number[]; metas?: number[]; version?: PegasusVersion } = {}): void {
    const base = this.model.nodes[0]?.version ?? '2.6.0';
    const version = options.version ?? (base === '2.6.0' ? '2.5.0' : '2.6.0');
    const replicas = options.replicas ?? this.model.nodes.map((n) => n.index).filter((i) => i % 2 === 1);
    for (const i of replicas) {
      this.model.node(i).version = version;
      this.model.restartReplica(i);
    }
    for (const i of options.metas ?? []) {
      this.model.meta(i).version = version;
      this.model.restartMeta(i);
    }
  }

  /** Multiplies one table's latencies (1 clears it). */
  latencySpike(tableName: string, factor = 20): void {
    const table = this.model.table(tableName);
    if (!table) throw new RangeError(`no table ${tableName}`);
    table.latencyFactor = factor;
  }

  /** Fills a replica server's disks until only `availPercent` of each is free (`null` clears it). */
  fillDisk(node: number | string, availPercent: number | null = 3, diskIndex?: number): void {
    const server = this.model.node(this.replicaIndex(node));
    server.disks.forEach((disk, i) => {
      if (diskIndex !== undefined && diskIndex !== i) return;
      if (availPercent === null) delete disk.forcedAvailRatio;
      else disk.forcedAvailRatio = Math.max(0, Math.min(100, availPercent)) / 100;
    });
  }

  /** Adds `sessions` client sessions to a process (0 clears it). */
  sessionFlood(target: ProcessRef, sessions = 20_000): void {
    this.process(target).extraSessions = Math.max(0, sessions);
  }

  /**
   * Clears every reversible fault: slow and hanging processes, latency spikes, full disks, session floods and
   * held partitions (which cure then repairs). Stopped processes, versions and placement stay as they are.
   */
  clear(): void {
    for (const p of this.model.processes()) {
      p.faults.slowMs = 0;
      p.faults.hang = false;
      p.extraSessions = 0;
    }
    for (const node of this.model.nodes) for (const disk of node.disks) delete disk.forcedAvailRatio;
    for (const table of this.model.tables) {
      table.latencyFactor = 1;
      for (const p of table.partitions) p.stuck = false;
    }
  }

  /** The faults in effect now. */
  list(): ActiveFault[] {
    const out: ActiveFault[] = [];
    for (const p of this.model.processes()) {
      const name = `${p.role} ${p.address}`;
      if (!p.up) out.push({ kind: 'stopped', target: name, detail: 'port closed' });
      if (p.faults.slowMs > 0) out.push({ kind: 'slow', target: name, detail: `${p.faults.slowMs} ms per answer` });
      if (p.faults.hang) out.push({ kind: 'hang', target: name, detail: 'reads requests, never answers' });
      if (p.extraSessions > 0)
        out.push({ kind: 'session-flood', target: name, detail: `+${p.extraSessions} sessions` });
      if (p.version !== this.baseVersion()) {
        out.push({ kind: 'version', target: name, detail: p.version });
      }
    }
    for (const node of this.model.nodes) {
      node.disks.forEach((d) => {
        if (d.forcedAvailRatio !== undefined) {
          out.push({
            kind: 'disk-full',
            target: `replica ${node.address} ${d.tag}`,
            detail: `${Math.round(d.forcedAvailRatio * 100)}% free`,
          });
        }
      });
    }
    for (const table of this.model.tables) {
      if (table.latencyFactor !== 1)
        out.push({ kind: 'latency-spike', target: `table ${table.name}`, detail: `x${table.latencyFactor}` });
      const stuck = table.partitions.filter((p) => p.stuck).map((p) => p.pidx);
      if (stuck.length > 0)
        out.push({ kind: 'unhealthy', target: `table ${table.name}`, detail: `partitions ${stuck.join(',')}` });
    }
    return out;
  }

  private baseVersion(): PegasusVersion {
    const counts = new Map<PegasusVersion, number>();
    for (const p of this.model.processes()) counts.set(p.version, (counts.get(p.version) ?? 0) + 1);
    return (counts.get('2.5.0') ?? 0) > (counts.get('2.6.0') ?? 0) ? '2.5.0' : '2.6.0';
  }
}
