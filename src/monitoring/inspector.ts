/**
 * The periodic inspection: every `INSPECT_EVERY`, for each cluster, the health checks (reused from
 * `src/diagnostics`, their reads captured for the rules), the load samples kept as history for baselines,
 * every rule evaluated, and the verdicts handed to the alert pipeline. Each cluster is inspected under the
 * store lock `inspect:<cluster>`, and an inspection another instance ran recently is not repeated, so with
 * PostgreSQL exactly one instance inspects a cluster per period.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { ClusterHandle } from '../commands/command-spec.js';
import type { Config } from '../config/config.js';
import { collectHealth, type HealthReport } from '../diagnostics/run-health.js';
import type { Logger } from '../logger.js';
import type { FanOut, LoadReport, PegasusApi, ServerInfo } from '../pegasus/cluster-api.js';
import type { Result } from '../result.js';
import type { Store } from '../store/store.js';
import type { AlertPipeline, AlertSignal } from './alert-pipeline.js';
import type { ChangeNote } from './alert-replies.js';
import { loadBaselines, recordSamples, samplesFromLoad } from './baselines.js';
import type { HostStats, HostStatsSource } from './host-stats.js';
import { nextRestartHistory, parseRestartHistory, restartHistoryKey } from './restart-history.js';
import { evaluateRules, type Coverage, type RuleEvaluation } from './rules.js';

/** The outcome of one inspection of one cluster. */
export interface InspectionReport {
  cluster: string;
  at: Date;
  durationMs: number;
  health: HealthReport;
  evaluations: RuleEvaluation[];
  /** Rules whose data was read (their absent alerts count towards resolving). */
  covered: string[];
  /** Alert changes this inspection caused (empty without a pipeline). */
  changes: ChangeNote[];
  /** Problems of the inspection itself (store writes that failed), for logs and `inspect`. */
  problems: string[];
}

/** What `inspect:last:<cluster>` remembers (the ops server's `/healthz` reads it). */
export interface LastInspection {
  at: string;
  reachable: boolean;
  status: string;
  firing: number;
  durationMs: number;
}

/** The store key of a cluster's last inspection. */
export function lastInspectionKey(cluster: string): string {
  return `inspect:last:${cluster}`;
}

/** What the inspector is built from. */
export interface InspectorOptions {
  /** The clusters (a function: the list may change while running). */
  clusters: readonly ClusterHandle[] | (() => readonly ClusterHandle[]);
  store: Store;
  clock: Clock;
  config: Pick<Config, 'timezone' | 'timeoutMs' | 'inspectEveryMs'>;
  pipeline?: AlertPipeline;
  hostStats?: HostStatsSource;
  logger?: Logger;
  /** Milliseconds between the two load samples (default 1000). */
  sampleIntervalMs?: number;
  /** Told about every finished inspection (metrics). */
  onInspection?: (report: InspectionReport) => void;
}

/** Why an inspection did not run. */
export type InspectSkip = 'locked' | 'recent';

interface Captured {
  metas?: boolean;
  clusterInfo?: boolean;
  storedLevel?: boolean;
  tables?: boolean;
  nodes?: boolean;
  servers?: Result<FanOut<ServerInfo>>;
  load?: Result<LoadReport>;
}

/** A view of the cluster client that remembers what the health checks read, so nothing is asked twice. */
function capturingApi(api: PegasusApi, seen: Captured): PegasusApi {
  return {
    get metaServers() {
      return api.metaServers;
    },
    probeMetas: async () => {
      const r = await api.probeMetas();
      seen.metas = r.some((m) => m.reachable);
      return r;
    },
    clusterInfo: async () => {
      const r = await api.clusterInfo();
      seen.clusterInfo = r.ok;
      return r;
    },
    listTables: async () => {
      const r = await api.listTables();
      seen.tables = r.ok;
      return r;
    },
    listNodes: async () => {
      const r = await api.listNodes();
      seen.nodes = r.ok;
      return r;
    },
    tableDetail: (name) => api.tableDetail(name),
    serverInfo: async () => {
      const r = await api.serverInfo();
      seen.servers = r;
      return r;
    },
    load: async (options) => {
      const r = await api.load(options);
      seen.load = r;
      return r;
    },
    getMetaLevel: async () => {
      const r = await api.getMetaLevel();
      seen.storedLevel = r.ok;
      return r;
    },
    setMetaLevel: (level) => api.setMetaLevel(level),
    createTable: (options) => api.createTable(options),
    close: () => api.close(),
  };
}

/** Turns the firing verdicts into alert signals. */
export function signalsOf(evaluations: readonly RuleEvaluation[]): AlertSignal[] {
  return evaluations.flatMap((e) =>
    e.verdict === 'warn' || e.verdict === 'crit'
      ? [
          {
            rule: e.rule,
            subject: e.subject,
            severity: e.verdict,
            summary: e.summary,
            detail: {
              value: e.value,
              threshold: e.threshold,
              ...(e.evidence ? { evidence: e.evidence } : {}),
              ...(e.advice ? { advice: e.advice } : {}),
              ...(e.action ? { action: e.action } : {}),
            },
          },
        ]
      : [],
  );
}

/** Inspects clusters on a schedule or on demand. */
export class Inspector {
  private readonly options: InspectorOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly last = new Map<string, InspectionReport>();

  constructor(options: InspectorOptions) {
    this.options = options;
  }

  private clusters(): readonly ClusterHandle[] {
    const c = this.options.clusters;
    return typeof c === 'function' ? c() : c;
  }

  /** The last report of a cluster inspected by this instance. */
  lastReport(cluster: string): InspectionReport | undefined {
    return this.last.get(cluster);
  }

  /**
   * Inspects one cluster now under its lock. Without `force`, an inspection younger than most of a period
   * (by any instance) is not repeated.
   */
  async inspect(
    cluster: ClusterHandle,
    options: { force?: boolean } = {},
  ): Promise<{ ran: true; report: InspectionReport } | { ran: false; reason: InspectSkip }> {
    const { store, clock, config } = this.options;
    const outcome = await store.withLock(`inspect:${cluster.name}`, async () => {
      if (!options.force) {
        const last = await store.getState<LastInspection>(lastInspectionKey(cluster.name));
        const age = last ? clock.now().getTime() - Date.parse(last.at) : Infinity;
        if (age < config.inspectEveryMs * 0.8) return undefined;
      }
      return this.run(cluster);
    });
    if (!outcome.ran) return { ran: false, reason: 'locked' };
    if (!outcome.value) return { ran: false, reason: 'recent' };
    return { ran: true, report: outcome.value };
  }

  private async run(cluster: ClusterHandle): Promise<InspectionReport> {
    const { store, clock, config, pipeline, hostStats, logger } = this.options;
    const started = performance.now();
    const problems: string[] = [];
    const guard = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await work();
      } catch (err) {
        const message = `${what}: ${err instanceof Error ? err.message : String(err)}`;
        problems.push(message);
        logger?.warn({ cluster: cluster.name, err: message }, 'inspection step failed');
        return undefined;
      }
    };

    const seen: Captured = {};
    const handle: ClusterHandle = { ...cluster, api: capturingApi(cluster.api, seen) };
    const [health, hosts] = await Promise.all([
      collectHealth({ cluster: handle, store, clock, config }, { intervalMs: this.options.sampleIntervalMs ?? 1000 }),
      hostStats ? guard('host metrics', () => hostStats(cluster)) : Promise.resolve(undefined),
    ]);
    const now = health.at;
    const thresholds = cluster.config.thresholds;
    const load = seen.load?.ok ? seen.load.value : undefined;
    const servers = seen.servers?.ok ? seen.servers.value.results : undefined;

    const baselines = load
      ? await guard('reading baselines', () => loadBaselines(store, cluster.name, now))
      : undefined;
    const previousRestarts = parseRestartHistory(
      await guard('reading restart history', () => store.getState(restartHistoryKey(cluster.name))),
    );
    const restarts = servers
      ? nextRestartHistory(previousRestarts, servers, now, thresholds.restartLoopWindowMs)
      : previousRestarts;

    const coverage: Coverage = {
      metas: seen.metas === true,
      clusterInfo: seen.clusterInfo === true,
      tables: seen.tables === true,
      nodes: seen.nodes === true,
      servers: servers !== undefined,
      load: load !== undefined,
      baselines: baselines !== undefined,
    };
    const hostResult: Result<HostStats[]> | undefined = hostStats
      ? (hosts ?? { ok: false, error: { code: 'HOST_STATS', message: problems.at(-1) ?? 'unavailable' } })
      : undefined;
    const { evaluations, covered } = evaluateRules({
      now,
      thresholds,
      health,
      seen: coverage,
      ...(load ? { load } : {}),
      baselines: baselines ?? new Map(),
      restarts,
      ...(hostResult ? { hosts: hostResult } : {}),
    });

    if (load)
      await guard('storing load samples', () =>
        recordSamples(store, cluster.name, samplesFromLoad(cluster.name, load, now), now),
      );
    if (servers)
      await guard('storing restart history', () => store.setState(restartHistoryKey(cluster.name), restarts));

    const changes = pipeline
      ? ((await guard('recording alerts', () =>
          pipeline.observeInspection(cluster.name, signalsOf(evaluations), covered),
        )) ?? [])
      : [];
    const firing = evaluations.filter((e) => e.verdict === 'warn' || e.verdict === 'crit').length;
    const durationMs = Math.round(performance.now() - started);
    await guard('remembering the inspection', () =>
      store.setState(lastInspectionKey(cluster.name), {
        at: now.toISOString(),
        reachable: health.reachable,
        status: health.status,
        firing,
        durationMs,
      } satisfies LastInspection),
    );
    const report: InspectionReport = {
      cluster: cluster.name,
      at: now,
      durationMs,
      health,
      evaluations,
      covered: [...covered],
      changes,
      problems,
    };
    this.last.set(cluster.name, report);
    this.options.onInspection?.(report);
    return report;
  }

  /** Inspects every cluster that is due (one after another); resolves to the reports of those inspected. */
  async tick(): Promise<InspectionReport[]> {
    const reports: InspectionReport[] = [];
    for (const cluster of this.clusters()) {
      try {
        const outcome = await this.inspect(cluster);
        if (outcome.ran) reports.push(outcome.report);
      } catch (err) {
        this.options.logger?.error({ err, cluster: cluster.name }, 'inspection failed');
      }
    }
    return reports;
  }

  /** Inspects on a schedule (`inspectEveryMs`), never two rounds at once, until `stop()`. */
  start(): void {
    if (this.timer) return;
    const round = () => {
      if (this.running) return;
      this.running = this.tick().finally(() => {
        this.running = undefined;
      });
    };
    this.timer = setInterval(round, this.options.config.inspectEveryMs);
    this.timer.unref();
    round();
  }

  /** Stops the schedule and waits for a running round. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
