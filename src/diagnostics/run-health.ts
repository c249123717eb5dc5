/**
 * `health`: every check an experienced administrator runs by hand in the Pegasus shell, gathered
 * concurrently (meta probe, cluster_info, meta level, tables, nodes, server_info and one load sample in
 * parallel, so the whole check takes about one sampling interval), each failure turned into a finding,
 * with a one-line summary on top.
 *
 * The `health` command reads load at node level (`loadScope: 'nodes'`): every node's memory, disks and RPC
 * QPS/P99 from a few KB per node, as `nodes -q` does, plus fresh per-table figures for the latency-sensitive
 * tables and the tables the latest inspection flagged; other tables' P99 comes from the inspection's minute
 * sample when it is recent, and the findings say so. On a 1,000-node cluster this reads about 15 MB instead
 * of 330 MB (every primary twice). The inspection loop keeps the full per-table sample (`'tables'`).
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { ClusterHandle } from '../commands/command-spec.js';
import type { Config, Thresholds } from '../config/config.js';
import type { LoadScope, MetaLevel, MetaServerStatus } from '../pegasus/cluster-api.js';
import { sortFindings, statusOf, type Finding, type Reply, type Status } from '../replies/reply.js';
import { ok, type Result } from '../result.js';
import type { Store } from '../store/store.js';
import { machineDownAdvice } from './advice.js';
import { checkCluster, leaderOf } from './check-cluster.js';
import { checkIds } from './check-ids.js';
import { checkSessions, sessionCounts } from './check-connections.js';
import {
  checkLoad,
  tableP99Limits,
  type LatencySensitiveTable,
  type StoredTableSample,
  type TableP99Figures,
} from './check-load.js';
import { checkNodes } from './check-nodes.js';
import { checkServers } from './check-servers.js';
import { checkTables } from './check-tables.js';
import { checkUnreachable, readFailureFinding } from './check-unreachable.js';
import { withDeadline } from './deadline.js';
import { plural } from './format.js';
import { nextHealthState, readHealthState, writeHealthState, type HealthState } from './health-state.js';

/** What `health` needs; a `CommandContext` fits. */
export interface HealthDeps {
  cluster: ClusterHandle;
  store: Store;
  clock: Clock;
  config: Pick<Config, 'timezone' | 'timeoutMs'>;
}

/** Tuning of one health run. */
export interface HealthOptions {
  /** Milliseconds between the two load samples (default: the client's own, assumed 1000 for the deadline). */
  intervalMs?: number;
  /** Deadline of each read of the cluster (default: the client timeout plus the sampling interval). */
  deadlineMs?: number;
  /** Remember what was seen for the next run (default true). */
  saveState?: boolean;
  /**
   * How load is read: `'tables'` samples every primary (per-table figures for every table, as `app_stat`;
   * the default of `collectHealth`, which the inspection loop records as history), `'nodes'` samples node-level
   * figures plus the latency-sensitive and recently flagged tables (the default of `runHealth`, the command).
   */
  loadScope?: LoadScope;
  /** With `'nodes'`: the oldest inspection sample whose table P99s are shown (default 2 minutes). */
  storedSampleMaxAgeMs?: number;
  /** With `'nodes'`: at most this many tables flagged by the inspection are sampled again (default 16). */
  maxFlaggedTables?: number;
}

/** Headline numbers of a health run (undefined when they could not be read). */
export interface HealthSummary {
  nodesAlive?: number;
  nodesTotal?: number;
  tableCount?: number;
  level?: MetaLevel;
  storedLevel?: MetaLevel;
  leader?: string;
}

/** The outcome of a health run, before it is shaped into a reply (the inspection loop uses this). */
export interface HealthReport {
  cluster: string;
  status: Status;
  title: string;
  /** Worst first. */
  findings: Finding[];
  /** False when no meta server could be read: status is `unknown`. */
  reachable: boolean;
  summary: HealthSummary;
  /** The meta servers tried, with why each did not answer (when unreachable). */
  tried: { address: string; error?: string }[];
  at: Date;
  durationMs: number;
}

async function settle<T>(promise: Promise<T>): Promise<Result<T>> {
  try {
    return ok(await promise);
  } catch (err) {
    return { ok: false, error: { code: 'STORE_ERROR', message: err instanceof Error ? err.message : String(err) } };
  }
}

/** `2 critical, 1 warning` or `all checks ok`. */
export function countsText(findings: readonly Finding[]): string {
  const crit = findings.filter((f) => f.severity === 'crit').length;
  const warn = findings.filter((f) => f.severity === 'warn').length;
  if (crit === 0 && warn === 0) return 'all checks ok';
  return [...(crit ? [`${crit} critical`] : []), ...(warn ? [plural(warn, 'warning')] : [])].join(', ');
}

/** `level steady`, `level freezed (stored lively)`, `level unknown`. */
export function levelSummary(level?: MetaLevel, stored?: MetaLevel): string {
  const shown = level ?? stored;
  if (!shown) return 'level unknown';
  return level && stored && level !== stored ? `level ${level} (stored ${stored})` : `level ${shown}`;
}

/** The headline: `prod: 2 critical, 1 warning — 5/5 nodes alive, 12 tables, level steady`. */
export function healthTitle(cluster: string, findings: readonly Finding[], s: HealthSummary): string {
  const nodes = s.nodesTotal !== undefined ? `${s.nodesAlive ?? 0}/${s.nodesTotal} nodes alive` : 'nodes unknown';
  const tables = s.tableCount !== undefined ? plural(s.tableCount, 'table') : 'tables unknown';
  return `${cluster}: ${countsText(findings)} — ${nodes}, ${tables}, ${levelSummary(s.level, s.storedLevel)}`;
}

function triedOf(metas: Result<MetaServerStatus[]>, configured: readonly string[]) {
  if (metas.ok && metas.value.length > 0) {
    return metas.value.map((m) => ({ address: m.address, ...(m.error ? { error: m.error } : {}) }));
  }
  return configured.map((address) => ({ address, ...(metas.ok ? {} : { error: metas.error.message }) }));
}

/** Runs every check on one cluster concurrently and returns the findings with a summary. */
export async function collectHealth(deps: HealthDeps, options: HealthOptions = {}): Promise<HealthReport> {
  const started = performance.now();
  const { api, name, config: cluster } = deps.cluster;
  const thresholds = cluster.thresholds;
  const intervalMs = options.intervalMs ?? 1000;
  const deadline = options.deadlineMs ?? deps.config.timeoutMs + intervalMs;
  const read = <T>(what: string, work: () => Promise<Result<T>>) => withDeadline(work, deadline, what);

  const scope = options.loadScope ?? 'tables';
  const sensitive = cluster.latencySensitiveTables;
  const startedAt = deps.clock.now();
  // Node-level: the inspection's recent table sample first, since the tables it flagged are sampled again.
  // A store that hangs must not hold the load sample back: a second, then without the stored figures.
  const recent =
    scope === 'nodes'
      ? withDeadline(
          () => settle(readStoredTableSample(deps.store, name, startedAt, options.storedSampleMaxAgeMs ?? 120_000)),
          1000,
          'the store',
        )
      : Promise.resolve(ok(undefined));
  const loadRead = async () => {
    const base = options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {};
    if (scope === 'tables') return read('the load sample (server_stat, app_stat)', () => api.load(base));
    const storedSample = await recent;
    const flagged = storedSample.ok
      ? flaggedTables(storedSample.value, thresholds, sensitive, options.maxFlaggedTables ?? 16)
      : [];
    const chosen = [...new Set([...sensitive.map((t) => t.name), ...flagged])];
    return read('the load sample (nodes -q, latency-sensitive tables)', () =>
      api.load({ ...base, scope: 'nodes', tables: chosen }),
    );
  };

  const [metas, info, stored, tables, nodes, servers, load, windows, previousRead, storedRead] = await Promise.all([
    read('the meta server probe', async () => ok(await api.probeMetas())),
    read('cluster_info', () => api.clusterInfo()),
    read('the stored meta level', () => api.getMetaLevel()),
    read('the table list (ls -d)', () => api.listTables()),
    read('the replica server list (nodes -d)', () => api.listNodes()),
    read('server_info', () => api.serverInfo()),
    loadRead(),
    settle(deps.store.listWindows({ cluster: name, statuses: ['running'] })),
    settle(readHealthState(deps.store, name)),
    recent,
  ]);
  const now = deps.clock.now();
  const previous: HealthState | undefined = previousRead.ok ? previousRead.value : undefined;
  const tried = triedOf(metas, api.metaServers);
  const reachable = (metas.ok && metas.value.some((m) => m.reachable)) || info.ok || tables.ok || nodes.ok;

  if (!reachable) {
    const findings: Finding[] = tried.map((t) => ({
      check: checkIds.metaServers,
      severity: 'crit',
      subject: t.address,
      summary: `meta server ${t.address} does not answer${t.error ? `: ${t.error}` : ''}`,
      ...(t.error ? { evidence: { error: t.error } } : {}),
      advice: machineDownAdvice,
    }));
    return {
      cluster: name,
      status: 'unknown',
      title: `${name}: cluster unreachable — tried ${tried.map((t) => t.address).join(', ')}`,
      findings,
      reachable: false,
      summary: {},
      tried,
      at: now,
      durationMs: Math.round(performance.now() - started),
    };
  }

  const findings: Finding[] = [];
  const metaList = metas.ok ? metas.value : [];
  if (!metas.ok) findings.push(readFailureFinding('the meta server probe', metas.error));
  if (!info.ok) findings.push(readFailureFinding('cluster_info', info.error));
  if (!stored.ok) findings.push(readFailureFinding('the stored meta level', stored.error));
  const storedLevel = stored.ok ? stored.value : undefined;
  findings.push(
    ...checkCluster(
      {
        metas: metaList,
        ...(info.ok ? { info: info.value } : {}),
        ...(storedLevel ? { storedLevel } : {}),
        rebalanceWindowOpen: windows.ok && windows.value.length > 0,
        latencySensitiveTables: sensitive.map((t) => t.name),
        ...(previous ? { previous } : {}),
        now,
      },
      thresholds,
    ),
  );

  if (tables.ok) findings.push(...checkTables(tables.value, cluster.expectedTables, previous));
  else findings.push(readFailureFinding('the table list', tables.error));

  if (nodes.ok) {
    findings.push(
      ...checkNodes(
        {
          nodes: nodes.value,
          ...(storedLevel ? { storedLevel } : {}),
          latencySensitiveTables: sensitive.map((t) => t.name),
          ...(info.ok
            ? {
                stddev: {
                  primary: info.value.primaryReplicaCountStddev,
                  total: info.value.totalReplicaCountStddev,
                },
              }
            : {}),
        },
        thresholds,
      ),
    );
  } else findings.push(readFailureFinding('the replica server list', nodes.error));

  if (servers.ok) findings.push(...checkServers(servers.value.results, now, thresholds, deps.config.timezone));
  else findings.push(readFailureFinding('server_info', servers.error));

  if (load.ok) {
    const storedSample = storedRead.ok ? storedRead.value : undefined;
    const allTables = tables.ok
      ? tables.value.map((t) => t.name)
      : [...new Set([...load.value.tables.map((t) => t.name), ...(storedSample?.tables.map((t) => t.name) ?? [])])];
    findings.push(
      ...checkLoad(load.value, thresholds, sensitive, {
        allTables,
        ...(storedSample ? { stored: storedSample } : {}),
        now: startedAt,
      }),
    );
    findings.push(...checkSessions(sessionCounts(load.value), thresholds));
    if (load.value.scope === 'nodes' && !storedRead.ok) {
      findings.push({
        check: checkIds.state,
        severity: 'info',
        subject: 'cluster',
        summary: `could not read the inspection's table samples from the store: ${storedRead.error.message}`,
      });
    }
  } else findings.push(readFailureFinding('the load sample', load.error));

  // A meta server that failed the probe is already reported by meta_servers.
  const silentMetas = new Set(metaList.filter((m) => !m.reachable).map((m) => m.address));
  findings.push(
    ...checkUnreachable(
      [...(servers.ok ? servers.value.unreachable : []), ...(load.ok ? load.value.unreachable : [])],
      silentMetas,
    ),
  );

  if (!windows.ok) {
    findings.push({
      check: checkIds.state,
      severity: 'info',
      subject: 'cluster',
      summary: `could not read rebalance windows from the store: ${windows.error.message}`,
    });
  }
  if (!previousRead.ok) {
    findings.push({
      check: checkIds.state,
      severity: 'info',
      subject: 'cluster',
      summary: `could not read the previous check from the store: ${previousRead.error.message}`,
    });
  }

  const leader = leaderOf(metaList);
  const summary: HealthSummary = {
    ...(nodes.ok
      ? { nodesAlive: nodes.value.filter((n) => n.status === 'ALIVE').length, nodesTotal: nodes.value.length }
      : {}),
    ...(tables.ok ? { tableCount: tables.value.length } : {}),
    ...(info.ok ? { level: info.value.metaFunctionLevel } : {}),
    ...(storedLevel ? { storedLevel } : {}),
    ...(leader ? { leader } : {}),
  };

  if (options.saveState ?? true) {
    const next = nextHealthState(
      previous,
      {
        ...(tables.ok ? { tables: tables.value.map((t) => t.name) } : {}),
        ...(info.ok ? { level: info.value.metaFunctionLevel, balanceTotal: info.value.balanceOperations.total } : {}),
        ...(storedLevel ? { storedLevel } : {}),
        ...(leader ? { leader } : {}),
      },
      now,
    );
    const saved = await settle(writeHealthState(deps.store, name, next));
    if (!saved.ok) {
      findings.push({
        check: checkIds.state,
        severity: 'info',
        subject: 'cluster',
        summary: `could not remember this check in the store: ${saved.error.message}`,
      });
    }
  }

  const sorted = sortFindings(findings);
  return {
    cluster: name,
    status: statusOf(sorted),
    title: healthTitle(name, sorted, summary),
    findings: sorted,
    reachable: true,
    summary,
    tried,
    at: now,
    durationMs: Math.round(performance.now() - started),
  };
}

/** Shapes a health report as the `health` reply. */
export function healthReply(report: HealthReport, command = 'health'): Reply {
  const s = report.summary;
  const fields = report.reachable
    ? [
        ...(s.leader ? [{ label: 'leader', value: s.leader }] : []),
        { label: 'meta level', value: levelSummary(s.level, s.storedLevel).replace(/^level /, '') },
        {
          label: 'replica servers',
          value: s.nodesTotal !== undefined ? `${s.nodesAlive ?? 0}/${s.nodesTotal} alive` : 'unknown',
        },
        { label: 'tables', value: s.tableCount !== undefined ? String(s.tableCount) : 'unknown' },
      ]
    : undefined;
  return {
    command,
    status: report.status,
    title: report.title,
    findings: report.findings,
    ...(fields ? { fields } : {}),
    ...(report.reachable
      ? {}
      : {
          text: [
            `No meta server of ${report.cluster} answered. Tried: ${report.tried
              .map((t) => (t.error ? `${t.address} (${t.error})` : t.address))
              .join(', ')}.`,
            'Check that the meta servers are running and reachable from the bot (firewall, DNS, the host:port list in the config), then run `health` again.',
          ],
        }),
    context: { cluster: report.cluster, at: report.at.toISOString(), durationMs: report.durationMs },
    data: { summary: report.summary, reachable: report.reachable },
  };
}

/** Runs `health` on one cluster and answers with its reply (load read at node level unless told otherwise). */
export async function runHealth(deps: HealthDeps, options: HealthOptions = {}): Promise<Reply> {
  return healthReply(await collectHealth(deps, { loadScope: 'nodes', ...options }));
}

/**
 * The per-table figures of the inspection's latest minute sample, if it started at most `maxAgeMs` ago (so
 * every figure in it is at most that old); undefined when there is none.
 */
export async function readStoredTableSample(
  store: Store,
  cluster: string,
  now: Date,
  maxAgeMs: number,
): Promise<StoredTableSample | undefined> {
  const samples = await store.listMetricSamples({
    cluster,
    resolution: 'minute',
    scope: 'table',
    since: new Date(now.getTime() - maxAgeMs),
  });
  let latest: number | undefined;
  for (const s of samples) if (latest === undefined || s.at.getTime() > latest) latest = s.at.getTime();
  if (latest === undefined) return undefined;
  const ms = 1_000_000;
  return {
    at: new Date(latest),
    tables: samples
      .filter((s) => s.at.getTime() === latest)
      .map((s): TableP99Figures => ({
        name: s.subject,
        readQps: s.readQps,
        writeQps: s.writeQps,
        readP99Ns: s.readP99Ms * ms,
        writeP99Ns: s.writeP99Ms * ms,
      })),
  };
}

/** Tables over their P99 limits in the stored sample, worst first (to be sampled again), at most `max`. */
export function flaggedTables(
  stored: StoredTableSample | undefined,
  thresholds: Thresholds,
  sensitive: readonly LatencySensitiveTable[],
  max: number,
): string[] {
  if (stored === undefined) return [];
  const over: { name: string; ratio: number }[] = [];
  for (const t of stored.tables) {
    const limits = tableP99Limits(t.name, thresholds, sensitive);
    const ratio = Math.max(t.readP99Ns / 1e6 / limits.readMs, t.writeP99Ns / 1e6 / limits.writeMs);
    if (ratio > 1) over.push({ name: t.name, ratio });
  }
  return over
    .sort((a, b) => b.ratio - a.ratio)
    .slice(0, Math.max(0, max))
    .map((t) => t.name);
}
