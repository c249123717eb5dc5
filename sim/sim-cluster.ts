/**
 * Starts a simulated Pegasus cluster on loopback: one port per meta and replica server (HTTP and THFT on the
 * same socket), a control API on its own port, and a model that advances with the clock (`autoTick`) or only
 * when a test calls `tick(ms)`.
 */
import type { MetaLevel } from '../src/pegasus/cluster-api.js';
import { startControlApi, type ControlApi } from './control-api.js';
import { SimFaults } from './faults.js';
import type { HttpRequest, HttpResponse } from './http/http-parser.js';
import type { HandlerContext } from './http/common-handlers.js';
import { routeHttp } from './http/http-router.js';
import { parsePegasusRequest } from './http/pegasus-request.js';
import { findPerfCounter } from './metrics/perf-counters.js';
import { ClusterModel, type PegasusVersion, type SimProcess } from './model/cluster-model.js';
import { largeTables, tablesForCount, type TableSpec } from './model/table-spec.js';
import { openThftSession } from './rpc/thft-session.js';
import { applyScenario, type ScenarioName } from './scenarios.js';
import { ProcessServer } from './server/process-server.js';

/** Options of `startSimCluster`; everything is optional. */
export interface SimClusterOptions {
  /** Meta servers (default 3; the first is the leader). */
  metas?: number;
  /** Replica servers (default 5; 1,000 for `large`). */
  nodes?: number;
  /** How many tables (the defaults, then generated ones) or the exact tables to create. */
  tables?: number | readonly TableSpec[];
  scenario?: ScenarioName;
  /** `2.6.0` (default: `/metrics`) or `2.5.0` (perf counters). */
  pegasusVersion?: PegasusVersion;
  /** Simulated seconds per real second when `autoTick` is on (default 1). */
  speed?: number;
  /** Onebox-style ports: metas at base+1…, replicas at base+201…; default 0 = ephemeral ports. */
  basePort?: number;
  /** Port of the control API (default: `basePort` if given, else ephemeral). */
  controlPort?: number;
  /** Wall clock in ms (default `Date.now`); the simulated time starts at its first reading. */
  clock?: () => number;
  /** Advance the model with the clock (default true); tests turn it off and call `tick`. */
  autoTick?: boolean;
  /** Seed for placement, load and jitter (default 42). */
  seed?: number;
  /** `[replication] cluster_name` (default `onebox`). */
  clusterName?: string;
  /** Time zone of the servers' printed dates, minutes east of UTC (default 0). */
  utcOffsetMinutes?: number;
  /** `meta_function_level_on_start` (default `steady`). */
  levelOnStart?: MetaLevel;
  /**
   * Every process started when the simulation starts (as after a whole-cluster restart). By default the
   * processes have been up for days, as in a cluster the bot meets, so a fresh simulator shows no restarts.
   */
  freshStart?: boolean;
}

/** A running simulated cluster. */
export interface SimCluster {
  /** `127.0.0.1:<port>` of each meta server, ready for `PEGASUS_META_SERVERS`. */
  readonly metaServers: string[];
  /** `127.0.0.1:<port>` of each replica server. */
  readonly replicaServers: string[];
  /** Base URL of the control API, e.g. `http://127.0.0.1:34600`. */
  readonly controlUrl: string;
  /** Fault switches. */
  readonly faults: SimFaults;
  /** The model, for assertions (treat as read-only; change it through `faults`). */
  readonly model: ClusterModel;
  /** Advances simulated time by `ms` (default one balancer interval, 10 s), running the meta rounds due. */
  tick(ms?: number): void;
  /** Closes every port. */
  stop(): Promise<void>;
}

const localhost = '127.0.0.1';

class RunningCluster implements SimCluster {
  readonly metaServers: string[];
  readonly replicaServers: string[];
  controlUrl = '';
  readonly faults: SimFaults;
  readonly model: ClusterModel;
  private readonly servers: Map<SimProcess, ProcessServer>;
  private readonly clock: () => number;
  private readonly speed: number;
  private lastClock: number;
  private timer: NodeJS.Timeout | undefined;
  private control: ControlApi | undefined;
  private pending: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    model: ClusterModel,
    servers: Map<SimProcess, ProcessServer>,
    options: { clock: () => number; speed: number; autoTick: boolean },
  ) {
    this.model = model;
    this.servers = servers;
    this.clock = options.clock;
    this.speed = options.speed;
    this.lastClock = options.clock();
    this.metaServers = model.metas.map((m) => m.address);
    this.replicaServers = model.nodes.map((n) => n.address);
    this.faults = new SimFaults(model, { settled: () => this.pending });
    model.onProcessChange((process) => {
      this.syncPort(process);
    });
    if (options.autoTick) {
      this.timer = setInterval(() => {
        this.sync();
      }, 1_000);
      this.timer.unref();
    }
  }

  setControl(control: ControlApi): void {
    this.control = control;
    this.controlUrl = control.url;
  }

  /** Catches the model up with the clock (auto-tick mode). */
  sync(): void {
    if (!this.timer) return;
    const now = this.clock();
    const elapsed = now - this.lastClock;
    this.lastClock = now;
    if (elapsed > 0) this.model.advance(elapsed * this.speed);
  }

  tick(ms?: number): void {
    this.model.advance(ms ?? this.model.lbIntervalMs());
  }

  private syncPort(process: SimProcess): void {
    const server = this.servers.get(process);
    if (!server || this.stopped) return;
    this.pending = this.pending.then(async () => {
      if (this.stopped) return;
      if (process.up && !server.listening) await server.listen();
      if (!process.up && server.listening) await server.close();
    });
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    await this.pending;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.servers.values()].map((s) => s.close()));
    await this.control?.close();
  }

  context(process: SimProcess): HandlerContext {
    return {
      model: this.model,
      process,
      connections: this.servers.get(process)?.connections ?? 0,
      perfCounter: (name) => {
        if (name.endsWith('.p999')) {
          const base = findPerfCounter(this.model, process, name.slice(0, -'.p999'.length));
          return base?.type === 'PERCENTILE' ? { ...base, value: base.p999 ?? base.value } : undefined;
        }
        return findPerfCounter(this.model, process, name);
      },
    };
  }

  http(process: SimProcess, request: HttpRequest): HttpResponse {
    const parsed = parsePegasusRequest(request.method, request.target, request.body);
    if (!parsed.ok) return { status: 400, body: `failed to parse request: ${parsed.error}` };
    return routeHttp(this.context(process), parsed.value);
  }
}

function portFor(base: number | undefined, offset: number): number {
  return base === undefined || base === 0 ? 0 : base + offset;
}

/** Starts a simulated cluster; resolves once every port listens. */
export async function startSimCluster(options: SimClusterOptions = {}): Promise<SimCluster> {
  const scenario = options.scenario ?? 'healthy';
  const large = scenario === 'large';
  const metaCount = options.metas ?? 3;
  const nodeCount = options.nodes ?? (large ? 1_000 : 5);
  if (!Number.isInteger(metaCount) || metaCount < 1) throw new RangeError('metas must be a positive integer');
  if (!Number.isInteger(nodeCount) || nodeCount < 1) throw new RangeError('nodes must be a positive integer');
  const tables: readonly TableSpec[] =
    typeof options.tables === 'number'
      ? tablesForCount(options.tables)
      : (options.tables ?? (large ? largeTables() : tablesForCount(6)));
  const clock = options.clock ?? Date.now;
  // The hooks need the cluster, the cluster needs the servers' ports: fill the slot once both exist.
  const slot: { cluster?: RunningCluster } = {};
  const hooks = {
    beforeRequest: () => slot.cluster?.sync(),
    http: (process: SimProcess, request: HttpRequest): HttpResponse => {
      if (!slot.cluster) return { status: 500, body: 'the simulated cluster is starting' };
      return slot.cluster.http(process, request);
    },
    thft: (process: SimProcess, send: (reply: Buffer) => void, close: () => void) =>
      openThftSession({
        process,
        context: () => {
          const cluster = slot.cluster;
          if (!cluster) throw new Error('the simulated cluster is starting');
          cluster.sync();
          return cluster.context(process);
        },
        send,
        close,
      }),
  };
  const metaServers = Array.from(
    { length: metaCount },
    (_, i) => new ProcessServer(portFor(options.basePort, 1 + i), hooks),
  );
  const replicaServers = Array.from(
    { length: nodeCount },
    (_, i) => new ProcessServer(portFor(options.basePort, 201 + i), hooks),
  );
  const all = [...metaServers, ...replicaServers];
  try {
    await Promise.all(all.map((s) => s.listen()));
  } catch (err) {
    await Promise.all(all.map((s) => s.close()));
    throw err;
  }
  const model = new ClusterModel({
    metaAddresses: metaServers.map((s) => `${localhost}:${s.port}`),
    replicaAddresses: replicaServers.map((s) => `${localhost}:${s.port}`),
    tables,
    pegasusVersion: options.pegasusVersion ?? '2.6.0',
    seed: options.seed ?? 42,
    startWallMs: clock(),
    clusterName: options.clusterName ?? 'onebox',
    utcOffsetMinutes: options.utcOffsetMinutes ?? 0,
    levelOnStart: options.levelOnStart ?? 'steady',
    freshStart: options.freshStart ?? false,
  });
  const servers = new Map<SimProcess, ProcessServer>();
  model.metas.forEach((m, i) => {
    const s = metaServers[i];
    if (s) {
      s.attach(m);
      servers.set(m, s);
    }
  });
  model.nodes.forEach((n, i) => {
    const s = replicaServers[i];
    if (s) {
      s.attach(n);
      servers.set(n, s);
    }
  });
  const cluster = new RunningCluster(model, servers, {
    clock,
    speed: options.speed ?? 1,
    autoTick: options.autoTick ?? true,
  });
  slot.cluster = cluster;
  try {
    const control = await startControlApi(cluster, options.controlPort ?? options.basePort ?? 0);
    cluster.setControl(control);
    await applyScenario(scenario, model, cluster.faults);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
