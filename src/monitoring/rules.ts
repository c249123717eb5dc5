/**
 * The inspection rules. Each has a stable id (`rule-ids.ts`) and reads its thresholds from the cluster's
 * `thresholds`. Most rules turn the health checks' findings into verdicts (the checks live once, in
 * `src/diagnostics`); the others compare the load with its baselines (IOPS, P99 spikes), follow start times
 * between inspections (restart loops) or read host metrics (CPU, network). A rule whose data could not be read
 * this time says "no data", and its open alerts are left alone rather than resolved.
 */
import type { Thresholds } from '../config/config.js';
import type { HealthReport } from '../diagnostics/run-health.js';
import { checkIds } from '../diagnostics/check-ids.js';
import { formatAge, formatPct, formatQps, plural } from '../diagnostics/format.js';
import type { LoadReport } from '../pegasus/cluster-api.js';
import type { Finding, ReplyAction } from '../replies/reply.js';
import type { Result } from '../result.js';
import { minMovingSamples, subjectKey, type Baseline } from './baselines.js';
import type { HostStats } from './host-stats.js';
import type { RestartHistory } from './restart-history.js';
import { ruleIds, type RuleId } from './rule-ids.js';
import { runbook } from './runbook.js';

/** What a rule concluded about one subject. `learning`: no baseline yet; `no data`: the input could not be read. */
export type Verdict = 'ok' | 'warn' | 'crit' | 'learning' | 'no data';

/** One row of `inspect`: what a rule saw about one subject, against what. */
export interface RuleEvaluation {
  rule: RuleId;
  subject: string;
  verdict: Verdict;
  /** What was seen, e.g. `4500 qps`, `UNALIVE`. */
  value: string;
  /** The threshold or baseline it was compared with. */
  threshold: string;
  summary: string;
  evidence?: Record<string, string | number>;
  advice?: string;
  action?: ReplyAction;
}

/** Which parts of the cluster view this inspection could read. */
export interface Coverage {
  metas: boolean;
  clusterInfo: boolean;
  tables: boolean;
  nodes: boolean;
  servers: boolean;
  load: boolean;
  /** The load history could be read (baselines). */
  baselines: boolean;
}

/** Everything the rules look at. */
export interface RuleInput {
  now: Date;
  thresholds: Thresholds;
  health: HealthReport;
  seen: Coverage;
  load?: LoadReport;
  /** Baselines by `subjectKey(scope, subject)`. */
  baselines: ReadonlyMap<string, Baseline>;
  restarts: RestartHistory;
  /** Host metrics; undefined when no source is configured. */
  hosts?: Result<HostStats[]>;
}

/** The verdicts of every rule, and the rules whose data was read (only those may resolve alerts). */
export interface RulesOutcome {
  evaluations: RuleEvaluation[];
  covered: Set<RuleId>;
}

type Firing = 'warn' | 'crit';

function isFiring(f: Finding): f is Finding & { severity: Firing } {
  return f.severity === 'warn' || f.severity === 'crit';
}

function ev(e: Finding['evidence'], key: string): string | number | undefined {
  return e?.[key];
}

/** How a health check's findings become one rule's verdicts. */
interface FindingRule {
  rule: RuleId;
  checks: readonly string[];
  /** Which findings of those checks belong to this rule (default: all). */
  accept?: (f: Finding) => boolean;
  /** The alert subject (default: the finding's subject). */
  subject?: (f: Finding) => string;
  covered: (seen: Coverage) => boolean;
  threshold: (t: Thresholds) => string;
  value?: (f: Finding) => string | undefined;
}

const notCluster = (f: Finding) => f.subject !== 'cluster';
const onlyCluster = (f: Finding) => f.subject === 'cluster';

const findingRules: readonly FindingRule[] = [
  {
    rule: ruleIds.metaServers,
    checks: [checkIds.metaServers],
    accept: onlyCluster,
    covered: (s) => s.metas,
    threshold: () => 'exactly one leader among the meta servers',
  },
  {
    rule: ruleIds.unreachable,
    checks: [checkIds.unreachable, checkIds.metaServers],
    // A part of the view that could not be read is a data gap ("no data"), not a server down.
    accept: notCluster,
    covered: (s) => s.metas && (s.servers || s.load),
    threshold: () => 'every server answers',
    value: () => 'no answer',
  },
  {
    rule: ruleIds.availability,
    checks: [checkIds.tableHealth],
    covered: (s) => s.tables,
    threshold: () => '100% of partitions healthy, readable and writable',
    value: (f) =>
      f.evidence
        ? `${ev(f.evidence, 'unhealthy') ?? 0} unhealthy, ${ev(f.evidence, 'read_unhealthy') ?? 0} unreadable, ${ev(f.evidence, 'write_unhealthy') ?? 0} unwritable of ${ev(f.evidence, 'partition_count') ?? '?'}`
        : undefined,
  },
  {
    rule: ruleIds.tableCount,
    checks: [checkIds.tableCount],
    covered: (s) => s.tables,
    threshold: () => 'the expected tables, none dropped since the last inspection',
  },
  {
    rule: ruleIds.nodeUnalive,
    checks: [checkIds.nodesAlive],
    accept: notCluster,
    covered: (s) => s.nodes,
    threshold: () => 'ALIVE',
    value: () => 'UNALIVE',
  },
  {
    rule: ruleIds.faultyServers,
    checks: [checkIds.nodesAlive],
    accept: onlyCluster,
    covered: (s) => s.nodes,
    threshold: (t) => `freeze when ${formatPct(t.unaliveFreezeRatio * 100)} or more are UNALIVE`,
    value: (f) => {
      const u = ev(f.evidence, 'unalive');
      const n = ev(f.evidence, 'total');
      return u !== undefined && n !== undefined ? `${u} of ${n} UNALIVE` : undefined;
    },
  },
  {
    rule: ruleIds.restart,
    checks: [checkIds.restarts],
    accept: (f) => notCluster(f) && f.severity !== 'info',
    covered: (s) => s.servers,
    threshold: (t) => `up for at least ${formatAge(t.recentRestartMs)}`,
    value: (f) => {
      const up = ev(f.evidence, 'uptime');
      return up !== undefined ? `up ${up}` : undefined;
    },
  },
  {
    rule: ruleIds.versionDrift,
    checks: [checkIds.versions],
    covered: (s) => s.servers,
    threshold: () => 'one version on every server',
  },
  {
    rule: ruleIds.metaLevel,
    checks: [checkIds.metaLevel],
    covered: (s) => s.clusterInfo,
    threshold: () => 'steady (lively only inside an approved rebalance window)',
    value: (f) => {
      const e = ev(f.evidence, 'effective') ?? ev(f.evidence, 'stored');
      return e !== undefined ? String(e) : undefined;
    },
  },
  {
    rule: ruleIds.balancePending,
    checks: [checkIds.balancePending],
    covered: (s) => s.clusterInfo,
    threshold: (t) => `not pending longer than ${formatAge(t.balancePendingMs)} outside a window`,
    value: (f) => {
      const total = ev(f.evidence, 'total');
      return total !== undefined ? `${total} operations` : undefined;
    },
  },
  {
    rule: ruleIds.skew,
    checks: [checkIds.replicaSkew, checkIds.primarySkew],
    subject: (f) => (f.check === checkIds.replicaSkew ? 'replica_count' : 'primary_count'),
    covered: (s) => s.nodes,
    threshold: (t) => `within ${formatPct(t.skewRatio * 100)} of the mean`,
    value: (f) => {
      const d = ev(f.evidence, 'max deviation');
      return d !== undefined ? `max deviation ${d}` : undefined;
    },
  },
  {
    rule: ruleIds.memory,
    checks: [checkIds.nodeMemory],
    covered: (s) => s.load,
    threshold: (t) => `warn ${t.memoryMbWarn} MB, crit ${t.memoryMbCrit} MB resident`,
    value: (f) => {
      const mb = ev(f.evidence, 'res_mem_mb');
      return mb !== undefined ? `${mb} MB` : undefined;
    },
  },
  {
    rule: ruleIds.disk,
    checks: [checkIds.nodeDisk],
    covered: (s) => s.load,
    threshold: (t) => `warn at ${t.diskFreePctWarn}% free, crit at ${t.diskFreePctCrit}%`,
    value: (f) => {
      const free = ev(f.evidence, 'free');
      return free !== undefined ? `${free} free` : undefined;
    },
  },
  {
    rule: ruleIds.sessions,
    checks: [checkIds.sessions],
    covered: (s) => s.load,
    threshold: (t) => `warn ${t.sessionsWarn}, crit ${t.sessionsCrit} per server`,
    value: (f) => {
      const n = ev(f.evidence, 'sessions');
      return n !== undefined ? `${n} sessions` : undefined;
    },
  },
  {
    rule: ruleIds.p99High,
    checks: [checkIds.nodeP99, checkIds.tableP99],
    covered: (s) => s.load,
    threshold: (t) => `read ${t.readP99MsWarn} ms, write ${t.writeP99MsWarn} ms (latency-sensitive tables: their own)`,
    value: (f) => {
      const r = ev(f.evidence, 'read_p99_ms');
      const w = ev(f.evidence, 'write_p99_ms');
      return r !== undefined && w !== undefined ? `read ${r} ms, write ${w} ms` : undefined;
    },
  },
];

function row(
  rule: RuleId,
  subject: string,
  verdict: Verdict,
  value: string,
  threshold: string,
  summary: string,
  extra: Pick<RuleEvaluation, 'evidence' | 'advice' | 'action'> = {},
): RuleEvaluation {
  return { rule, subject, verdict, value, threshold, summary, ...extra };
}

function noData(rule: RuleId, threshold: string, why: string): RuleEvaluation {
  return row(rule, 'cluster', 'no data', '-', threshold, why);
}

function fromFindings(spec: FindingRule, input: RuleInput): RuleEvaluation[] {
  const threshold = spec.threshold(input.thresholds);
  if (!spec.covered(input.seen)) return [noData(spec.rule, threshold, 'its input could not be read this time')];
  const mine = input.health.findings.filter((f) => spec.checks.includes(f.check) && (spec.accept?.(f) ?? true));
  const firing = mine.filter(isFiring);
  if (firing.length > 0) {
    return firing.map((f) =>
      row(
        spec.rule,
        spec.subject ? spec.subject(f) : f.subject,
        f.severity,
        spec.value?.(f) ?? f.summary,
        threshold,
        f.summary,
        {
          ...(f.evidence ? { evidence: f.evidence } : {}),
          advice: f.advice ?? runbook[spec.rule].advice,
          ...((f.action ?? runbook[spec.rule].action) ? { action: f.action ?? runbook[spec.rule].action } : {}),
        },
      ),
    );
  }
  const okSummary = mine.find((f) => f.severity === 'ok')?.summary;
  return [row(spec.rule, 'cluster', 'ok', okSummary ?? 'nothing to report', threshold, okSummary ?? 'ok')];
}

function fmtMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(2);
}

function baselineText(b: Baseline): string {
  return b.method === 'same hour' ? `same hour, ${plural(b.basis, 'day')}` : `moving average of ${b.basis} samples`;
}

interface LoadSubject {
  scope: 'table' | 'node';
  name: string;
  readQps: number;
  writeQps: number;
  readP99Ms: number;
  writeP99Ms: number;
}

function loadSubjects(load: LoadReport): LoadSubject[] {
  const ms = (ns: number) => ns / 1_000_000;
  return [
    ...load.tables.map((t) => ({
      scope: 'table' as const,
      name: t.name,
      readQps: t.readQps,
      writeQps: t.writeQps,
      readP99Ms: ms(t.readP99Ns),
      writeP99Ms: ms(t.writeP99Ns),
    })),
    ...load.nodes.map((n) => ({
      scope: 'node' as const,
      name: n.address,
      readQps: n.readQps,
      writeQps: n.writeQps,
      readP99Ms: ms(n.readP99Ns),
      writeP99Ms: ms(n.writeP99Ns),
    })),
  ];
}

const directions = ['read', 'write'] as const;

/** `iops_change`: read/write QPS per table and node against its baseline, ignoring quiet ones. */
export function evaluateIops(input: RuleInput): RuleEvaluation[] {
  const t = input.thresholds;
  const threshold = `×${t.iopsRiseRatio} or ×${t.iopsFallRatio} of the baseline, when either reaches ${t.iopsMinQps} qps`;
  if (!input.seen.load || !input.seen.baselines || !input.load) {
    return [noData(ruleIds.iopsChange, threshold, 'no load sample or no load history this time')];
  }
  const rows: RuleEvaluation[] = [];
  let learning = 0;
  let quiet = 0;
  let compared = 0;
  for (const s of loadSubjects(input.load)) {
    const base = input.baselines.get(subjectKey(s.scope, s.name));
    if (!base) {
      learning++;
      continue;
    }
    for (const dir of directions) {
      const current = dir === 'read' ? s.readQps : s.writeQps;
      const usual = dir === 'read' ? base.readQps : base.writeQps;
      if (Math.max(current, usual) < t.iopsMinQps) {
        quiet++;
        continue;
      }
      compared++;
      const rise = current >= usual * t.iopsRiseRatio;
      const fall = current <= usual * t.iopsFallRatio;
      if (!rise && !fall) continue;
      const factor = usual > 0 ? `${(current / usual).toFixed(1)}×` : 'from 0 to';
      const what = `${s.scope} ${s.name}: ${dir} QPS ${formatQps(round2(current))} is ${factor} its baseline ${formatQps(round2(usual))}`;
      rows.push(
        row(
          ruleIds.iopsChange,
          `${s.name} ${dir}`,
          'warn',
          `${formatQps(round2(current))} qps`,
          `baseline ${formatQps(round2(usual))} qps (${baselineText(base)}); ${threshold}`,
          `${what} (a sudden ${rise ? 'rise' : 'fall'})`,
          {
            evidence: {
              [`${dir}_qps`]: formatQps(round2(current)),
              baseline_qps: formatQps(round2(usual)),
              baseline: baselineText(base),
            },
            advice: runbook.iops_change.advice,
          },
        ),
      );
    }
  }
  if (rows.length === 0 && (compared > 0 || quiet > 0 || learning === 0)) {
    rows.push(
      row(
        ruleIds.iopsChange,
        'cluster',
        'ok',
        `${compared} compared, ${quiet} quiet`,
        threshold,
        `QPS within its usual range on ${plural(compared, 'series', 'series')} (${quiet} quiet below ${t.iopsMinQps} qps)`,
      ),
    );
  }
  if (learning > 0) rows.push(learningRow(ruleIds.iopsChange, learning, threshold));
  return rows;
}

/** `p99_spike`: P99 per table and node against its baseline, both relative and absolute, with traffic behind it. */
export function evaluateP99Spikes(input: RuleInput): RuleEvaluation[] {
  const t = input.thresholds;
  const threshold = `×${t.p99SpikeRatio} the baseline and at least ${t.p99SpikeMinMs} ms, with ${t.p99MinQps} qps or more`;
  if (!input.seen.load || !input.seen.baselines || !input.load) {
    return [noData(ruleIds.p99Spike, threshold, 'no load sample or no load history this time')];
  }
  const rows: RuleEvaluation[] = [];
  let learning = 0;
  let compared = 0;
  for (const s of loadSubjects(input.load)) {
    const base = input.baselines.get(subjectKey(s.scope, s.name));
    if (!base) {
      learning++;
      continue;
    }
    for (const dir of directions) {
      const qps = dir === 'read' ? s.readQps : s.writeQps;
      if (qps < t.p99MinQps) continue;
      compared++;
      const current = dir === 'read' ? s.readP99Ms : s.writeP99Ms;
      const usual = dir === 'read' ? base.readP99Ms : base.writeP99Ms;
      if (current < t.p99SpikeMinMs || current < usual * t.p99SpikeRatio) continue;
      rows.push(
        row(
          ruleIds.p99Spike,
          `${s.name} ${dir}`,
          'warn',
          `${fmtMs(current)} ms`,
          `baseline ${fmtMs(usual)} ms (${baselineText(base)}); ${threshold}`,
          `${s.scope} ${s.name}: ${dir} P99 ${fmtMs(current)} ms is ${usual > 0 ? `${(current / usual).toFixed(1)}×` : 'far above'} its baseline ${fmtMs(usual)} ms`,
          {
            evidence: {
              [`${dir}_p99_ms`]: fmtMs(current),
              baseline_ms: fmtMs(usual),
              [`${dir}_qps`]: formatQps(round2(qps)),
              baseline: baselineText(base),
            },
            advice: runbook.p99_spike.advice,
          },
        ),
      );
    }
  }
  if (rows.length === 0 && (compared > 0 || learning === 0)) {
    rows.push(
      row(
        ruleIds.p99Spike,
        'cluster',
        'ok',
        `${compared} compared`,
        threshold,
        `P99 near its baseline on ${plural(compared, 'series', 'series')}`,
      ),
    );
  }
  if (learning > 0) rows.push(learningRow(ruleIds.p99Spike, learning, threshold));
  return rows;
}

function learningRow(rule: RuleId, count: number, threshold: string): RuleEvaluation {
  return row(
    rule,
    'cluster',
    'learning',
    `${plural(count, 'table or node', 'tables or nodes')} without history`,
    threshold,
    `${plural(count, 'table or node', 'tables or nodes')} have no baseline yet (it needs ${minMovingSamples} minutes of samples, or the same hour on an earlier day)`,
  );
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** `restart_loop`: a server whose start time changed `restartLoopCount` times within `restartLoopWindowMs`. */
export function evaluateRestartLoops(input: RuleInput): RuleEvaluation[] {
  const t = input.thresholds;
  const threshold = `fewer than ${t.restartLoopCount} restarts within ${formatAge(t.restartLoopWindowMs)}`;
  if (!input.seen.servers) return [noData(ruleIds.restartLoop, threshold, 'server_info could not be read this time')];
  const rows: RuleEvaluation[] = [];
  for (const [address, entry] of Object.entries(input.restarts)) {
    if (entry.changes.length < t.restartLoopCount) continue;
    rows.push(
      row(
        ruleIds.restartLoop,
        address,
        'crit',
        `${entry.changes.length} restarts`,
        threshold,
        `${address} restarted ${entry.changes.length} times within ${formatAge(t.restartLoopWindowMs)} (start time now ${entry.startTime})`,
        {
          evidence: {
            restarts: entry.changes.length,
            'seen at': entry.changes.join(', '),
            start_time: entry.startTime,
          },
          advice: runbook.restart_loop.advice,
        },
      ),
    );
  }
  if (rows.length === 0) {
    const tracked = Object.keys(input.restarts).length;
    rows.push(
      row(ruleIds.restartLoop, 'cluster', 'ok', `${tracked} servers tracked`, threshold, 'no server keeps restarting'),
    );
  }
  return rows;
}

/** `cpu` and `network`: per host, over the high-water marks, from the host metrics source. */
export function evaluateHosts(input: RuleInput): RuleEvaluation[] {
  const t = input.thresholds;
  const cpuThreshold = `warn ${t.cpuPctWarn}%, crit ${t.cpuPctCrit}%`;
  const netThreshold = `warn ${t.networkMbpsWarn} Mbit/s, crit ${t.networkMbpsCrit} Mbit/s`;
  const hosts = input.hosts;
  if (!hosts) {
    const why =
      'no host metrics: Pegasus exports no CPU or network figures; point PROMETHEUS_URL at a Prometheus that scrapes node_exporter';
    return [noData(ruleIds.cpu, cpuThreshold, why), noData(ruleIds.network, netThreshold, why)];
  }
  if (!hosts.ok) {
    const why = `host metrics could not be read: ${hosts.error.message}`;
    return [noData(ruleIds.cpu, cpuThreshold, why), noData(ruleIds.network, netThreshold, why)];
  }
  const rows: RuleEvaluation[] = [];
  let cpuSeen = 0;
  let netSeen = 0;
  for (const h of hosts.value) {
    if (h.cpuPct !== undefined) {
      cpuSeen++;
      const sev = h.cpuPct >= t.cpuPctCrit ? 'crit' : h.cpuPct >= t.cpuPctWarn ? 'warn' : undefined;
      if (sev) {
        rows.push(
          row(
            ruleIds.cpu,
            h.host,
            sev,
            `${h.cpuPct.toFixed(1)}%`,
            cpuThreshold,
            `host ${h.host} CPU at ${h.cpuPct.toFixed(1)}%`,
            {
              evidence: { cpu_pct: h.cpuPct.toFixed(1) },
              advice: runbook.cpu.advice,
            },
          ),
        );
      }
    }
    const net = Math.max(h.netRxMbps ?? -1, h.netTxMbps ?? -1);
    if (net >= 0) {
      netSeen++;
      const sev = net >= t.networkMbpsCrit ? 'crit' : net >= t.networkMbpsWarn ? 'warn' : undefined;
      if (sev) {
        rows.push(
          row(
            ruleIds.network,
            h.host,
            sev,
            `${net.toFixed(0)} Mbit/s`,
            netThreshold,
            `host ${h.host} network at ${net.toFixed(0)} Mbit/s (in ${(h.netRxMbps ?? 0).toFixed(0)}, out ${(h.netTxMbps ?? 0).toFixed(0)})`,
            {
              evidence: { rx_mbps: (h.netRxMbps ?? 0).toFixed(0), tx_mbps: (h.netTxMbps ?? 0).toFixed(0) },
              advice: runbook.network.advice,
            },
          ),
        );
      }
    }
  }
  if (!rows.some((r) => r.rule === ruleIds.cpu)) {
    rows.push(
      cpuSeen > 0
        ? row(
            ruleIds.cpu,
            'cluster',
            'ok',
            `${cpuSeen} hosts`,
            cpuThreshold,
            `CPU under ${t.cpuPctWarn}% on ${plural(cpuSeen, 'host')}`,
          )
        : noData(ruleIds.cpu, cpuThreshold, 'the host metrics carry no CPU figures'),
    );
  }
  if (!rows.some((r) => r.rule === ruleIds.network)) {
    rows.push(
      netSeen > 0
        ? row(
            ruleIds.network,
            'cluster',
            'ok',
            `${netSeen} hosts`,
            netThreshold,
            `network under ${t.networkMbpsWarn} Mbit/s on ${plural(netSeen, 'host')}`,
          )
        : noData(ruleIds.network, netThreshold, 'the host metrics carry no network figures'),
    );
  }
  return rows;
}

/** Runs every rule over one inspection's input. */
export function evaluateRules(input: RuleInput): RulesOutcome {
  if (!input.health.reachable) {
    const why = `no meta server answered (tried ${input.health.tried.map((t) => t.address).join(', ')})`;
    return {
      evaluations: [
        row(ruleIds.clusterUnreachable, 'cluster', 'crit', 'no answer', 'a meta server answers', input.health.title, {
          evidence: Object.fromEntries(input.health.tried.map((t) => [t.address, t.error ?? 'no answer'])),
          advice: runbook.cluster_unreachable.advice,
        }),
        ...findingRules.map((spec) => noData(spec.rule, spec.threshold(input.thresholds), why)),
      ],
      covered: new Set([ruleIds.clusterUnreachable]),
    };
  }
  const evaluations: RuleEvaluation[] = [
    row(ruleIds.clusterUnreachable, 'cluster', 'ok', 'answers', 'a meta server answers', 'the cluster answers'),
    ...findingRules.flatMap((spec) => fromFindings(spec, input)),
    ...evaluateRestartLoops(input),
    ...evaluateP99Spikes(input),
    ...evaluateIops(input),
    ...evaluateHosts(input),
  ];
  const covered = new Set<RuleId>(evaluations.filter((e) => e.verdict !== 'no data').map((e) => e.rule));
  // A rule with some rows "no data" and others not is still covered only if none said "no data".
  for (const e of evaluations) if (e.verdict === 'no data') covered.delete(e.rule);
  return { evaluations, covered };
}
