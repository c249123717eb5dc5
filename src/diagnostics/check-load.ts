/**
 * Load checks (`server_stat`, `app_stat`): memory and free disk per node, P99 per node and per table
 * (latency-sensitive tables with their own limits), against the high-water marks of the cluster config.
 * A node-level load sample (`scope: 'nodes'`) measures only some tables' P99; the others come from the
 * inspection's recent minute sample, and a finding says so, or they are named as not measured.
 */
import type { ClusterConfig, Thresholds } from '../config/config.js';
import type { LoadReport, NodeStats, TableStats } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import { diskAdvice, latencyAdvice, memoryAdvice } from './advice.js';
import { checkIds } from './check-ids.js';
import {
  diskFreePct,
  formatGbFromMb,
  formatAge,
  formatLatencyNs,
  formatMb,
  formatPct,
  formatQps,
  listForSentence,
  nsToMs,
  plural,
} from './format.js';

/** A latency-sensitive table with its own P99 limits (ms). */
export type LatencySensitiveTable = ClusterConfig['latencySensitiveTables'][number];

/** `node_memory`: resident memory per node under `memoryMbWarn` / `memoryMbCrit`. */
export function checkNodeMemory(nodes: readonly NodeStats[], thresholds: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const n of nodes) {
    const severity =
      n.residentMemMb >= thresholds.memoryMbCrit ? 'crit' : n.residentMemMb >= thresholds.memoryMbWarn ? 'warn' : 'ok';
    if (severity === 'ok') continue;
    findings.push({
      check: checkIds.nodeMemory,
      severity,
      subject: n.address,
      summary: `${n.address} uses ${formatMb(n.residentMemMb)} MB resident memory (${severity} at ${formatMb(severity === 'crit' ? thresholds.memoryMbCrit : thresholds.memoryMbWarn)} MB)`,
      evidence: {
        res_mem_mb: formatMb(n.residentMemMb),
        virt_mem_mb: formatMb(n.virtualMemMb),
        warn_mb: thresholds.memoryMbWarn,
        crit_mb: thresholds.memoryMbCrit,
      },
      advice: memoryAdvice,
    });
  }
  if (findings.length === 0 && nodes.length > 0) {
    const top = [...nodes].sort((a, b) => b.residentMemMb - a.residentMemMb)[0];
    findings.push({
      check: checkIds.nodeMemory,
      severity: 'ok',
      subject: 'cluster',
      summary: `resident memory under ${thresholds.memoryMbWarn} MB on ${plural(nodes.length, 'node')}${top ? ` (max ${formatMb(top.residentMemMb)} MB on ${top.address})` : ''}`,
    });
  }
  return findings;
}

/** `node_disk`: free disk per node above `diskFreePctWarn` / `diskFreePctCrit`. */
export function checkNodeDisk(nodes: readonly NodeStats[], thresholds: Thresholds): Finding[] {
  const findings: Finding[] = [];
  let measured = 0;
  let lowest: { address: string; pct: number } | undefined;
  for (const n of nodes) {
    const pct = diskFreePct(n.diskAvailMb, n.diskTotalMb);
    if (pct === undefined) continue;
    measured++;
    if (!lowest || pct < lowest.pct) lowest = { address: n.address, pct };
    const severity = pct <= thresholds.diskFreePctCrit ? 'crit' : pct <= thresholds.diskFreePctWarn ? 'warn' : 'ok';
    if (severity === 'ok') continue;
    findings.push({
      check: checkIds.nodeDisk,
      severity,
      subject: n.address,
      summary: `${n.address} has ${formatPct(pct)} disk free (${formatGbFromMb(n.diskAvailMb)} of ${formatGbFromMb(n.diskTotalMb)} GB)`,
      evidence: {
        disk_avail_gb: formatGbFromMb(n.diskAvailMb),
        disk_total_gb: formatGbFromMb(n.diskTotalMb),
        free: formatPct(pct),
        'warn at': formatPct(thresholds.diskFreePctWarn),
        'crit at': formatPct(thresholds.diskFreePctCrit),
      },
      advice: diskAdvice,
    });
  }
  if (findings.length === 0 && lowest) {
    findings.push({
      check: checkIds.nodeDisk,
      severity: 'ok',
      subject: 'cluster',
      summary: `free disk above ${formatPct(thresholds.diskFreePctWarn)} on ${plural(measured, 'node')} (lowest ${formatPct(lowest.pct)} on ${lowest.address})`,
    });
  }
  return findings;
}

function p99Finding(
  check: string,
  subject: string,
  what: string,
  stats: { readP99Ns: number; writeP99Ns: number; readQps: number; writeQps: number },
  limits: { readMs: number; writeMs: number },
): Finding | undefined {
  const over = [
    ...(nsToMs(stats.readP99Ns) > limits.readMs
      ? [`read P99 ${formatLatencyNs(stats.readP99Ns)} ms > ${limits.readMs} ms`]
      : []),
    ...(nsToMs(stats.writeP99Ns) > limits.writeMs
      ? [`write P99 ${formatLatencyNs(stats.writeP99Ns)} ms > ${limits.writeMs} ms`]
      : []),
  ];
  if (over.length === 0) return undefined;
  return {
    check,
    severity: 'warn',
    subject,
    summary: `${what}: ${over.join(', ')}`,
    evidence: {
      read_p99_ms: formatLatencyNs(stats.readP99Ns),
      write_p99_ms: formatLatencyNs(stats.writeP99Ns),
      read_qps: formatQps(stats.readQps),
      write_qps: formatQps(stats.writeQps),
      read_limit_ms: limits.readMs,
      write_limit_ms: limits.writeMs,
    },
    advice: latencyAdvice,
  };
}

/**
 * `node_p99`: read and write P99 per node under `readP99MsWarn` / `writeP99MsWarn`; `rpcLatency` when the
 * figures are each node's own RPC latency (a node-level sample) rather than its worst primary's.
 */
export function checkNodeP99(nodes: readonly NodeStats[], thresholds: Thresholds, rpcLatency = false): Finding[] {
  const limits = { readMs: thresholds.readP99MsWarn, writeMs: thresholds.writeP99MsWarn };
  const findings = nodes.flatMap((n) => p99Finding(checkIds.nodeP99, n.address, n.address, n, limits) ?? []);
  if (findings.length === 0 && nodes.length > 0) {
    findings.push({
      check: checkIds.nodeP99,
      severity: 'ok',
      subject: 'cluster',
      summary: `P99 under ${limits.readMs} ms (read) and ${limits.writeMs} ms (write) on ${plural(nodes.length, 'node')}${rpcLatency ? ' (each node’s RPC latency)' : ''}`,
    });
  }
  return findings;
}

/** The P99 limits (ms) of a table: its own when it is latency-sensitive, the cluster's otherwise. */
export function tableP99Limits(
  table: string,
  thresholds: Thresholds,
  latencySensitive: readonly LatencySensitiveTable[],
): { readMs: number; writeMs: number; sensitive: boolean } {
  const own = latencySensitive.find((t) => t.name === table);
  return {
    readMs: own?.readP99Ms ?? thresholds.readP99MsWarn,
    writeMs: own?.writeP99Ms ?? thresholds.writeP99MsWarn,
    sensitive: own !== undefined,
  };
}

/** The figures a table P99 check reads. */
export type TableP99Figures = Pick<TableStats, 'name' | 'readP99Ns' | 'writeP99Ns' | 'readQps' | 'writeQps'>;

/** `table_p99`: read and write P99 per table, latency-sensitive tables against their own limits. */
export function checkTableP99(
  tables: readonly TableP99Figures[],
  thresholds: Thresholds,
  latencySensitive: readonly LatencySensitiveTable[] = [],
): Finding[] {
  const findings: Finding[] = [];
  for (const t of tables) {
    const f = tableP99Finding(t, thresholds, latencySensitive);
    if (f) findings.push(f);
  }
  if (findings.length === 0 && tables.length > 0) {
    findings.push({
      check: checkIds.tableP99,
      severity: 'ok',
      subject: 'cluster',
      summary: `P99 within limits on ${plural(tables.length, 'table')}${latencySensitive.length > 0 ? ` (${plural(latencySensitive.length, 'latency-sensitive table')} with their own limits)` : ''}`,
    });
  }
  return findings;
}

function tableP99Finding(
  t: TableP99Figures,
  thresholds: Thresholds,
  latencySensitive: readonly LatencySensitiveTable[],
  source?: string,
): Finding | undefined {
  const limits = tableP99Limits(t.name, thresholds, latencySensitive);
  const f = p99Finding(
    checkIds.tableP99,
    t.name,
    `table ${t.name}${limits.sensitive ? ' (latency-sensitive)' : ''}`,
    t,
    limits,
  );
  if (f && source !== undefined) {
    f.summary += ` (${source})`;
    f.evidence = { ...f.evidence, source };
  }
  return f;
}

/** Per-table figures of the inspection's latest minute sample (`MetricSample`s of scope `table`). */
export interface StoredTableSample {
  /** Start of the minute the inspection sampled in: the figures are at most `now - at` old. */
  at: Date;
  tables: readonly TableP99Figures[];
}

/** Where the per-table P99 of a node-level health comes from besides the tables it sampled. */
export interface TableP99Sources {
  /** Every table of the cluster (`ls`), to name those whose P99 nobody measured. */
  allTables: readonly string[];
  /** The inspection's recent sample, when young enough to show. */
  stored?: StoredTableSample;
  now: Date;
}

/** `inspection sample at most 95s old`. */
export function storedSourceText(stored: StoredTableSample, now: Date): string {
  return `inspection sample at most ${formatAge(now.getTime() - stored.at.getTime())} old`;
}

/**
 * `table_p99` for a node-level sample: the tables it sampled now (latency-sensitive and flagged ones), the
 * others from the inspection's recent sample with its age in the finding, and an `info` finding naming the
 * tables whose P99 neither measured.
 */
export function checkTableP99Sources(
  fresh: readonly TableP99Figures[],
  sources: TableP99Sources,
  thresholds: Thresholds,
  latencySensitive: readonly LatencySensitiveTable[] = [],
): Finding[] {
  const findings: Finding[] = [];
  const freshNames = new Set(fresh.map((t) => t.name));
  const known = new Set(sources.allTables);
  const stored = (sources.stored?.tables ?? []).filter((t) => !freshNames.has(t.name) && known.has(t.name));
  const storedNames = new Set(stored.map((t) => t.name));
  const source = sources.stored ? storedSourceText(sources.stored, sources.now) : undefined;
  for (const t of fresh) {
    const f = tableP99Finding(t, thresholds, latencySensitive, 'sampled now');
    if (f) findings.push(f);
  }
  for (const t of stored) {
    const f = tableP99Finding(t, thresholds, latencySensitive, source);
    if (f) findings.push(f);
  }
  if (findings.length === 0 && fresh.length + stored.length > 0) {
    const parts = [
      ...(fresh.length > 0 ? [`${plural(fresh.length, 'table')} sampled now`] : []),
      ...(stored.length > 0 && source !== undefined ? [`${plural(stored.length, 'table')} (${source})`] : []),
    ];
    findings.push({
      check: checkIds.tableP99,
      severity: 'ok',
      subject: 'cluster',
      summary: `P99 within limits on ${parts.join(' and ')}${latencySensitive.length > 0 ? ` (${plural(latencySensitive.length, 'latency-sensitive table')} with their own limits)` : ''}`,
    });
  }
  const unmeasured = sources.allTables.filter((name) => !freshNames.has(name) && !storedNames.has(name));
  if (unmeasured.length > 0) {
    findings.push({
      check: checkIds.tableP99,
      severity: 'info',
      subject: 'cluster',
      summary: `per-table P99 not measured for ${plural(unmeasured.length, 'table')} (${listForSentence(unmeasured)}): health samples node P99 and the latency-sensitive tables, and no recent inspection sample covers the others; \`app_stat\` samples every table`,
    });
  }
  return findings;
}

/**
 * All load checks over one sampled round: `node_memory`, `node_disk`, `node_p99`, `table_p99`. A node-level
 * round (`report.scope` `'nodes'`) checks the tables it sampled and, with `sources`, the others as
 * `checkTableP99Sources` does.
 */
export function checkLoad(
  report: LoadReport,
  thresholds: Thresholds,
  latencySensitive: readonly LatencySensitiveTable[] = [],
  sources?: TableP99Sources,
): Finding[] {
  const nodeLevel = report.scope === 'nodes';
  return [
    ...checkNodeMemory(report.nodes, thresholds),
    ...checkNodeDisk(report.nodes, thresholds),
    ...checkNodeP99(report.nodes, thresholds, nodeLevel),
    ...(nodeLevel && sources
      ? checkTableP99Sources(report.tables, sources, thresholds, latencySensitive)
      : checkTableP99(report.tables, thresholds, latencySensitive)),
  ];
}
