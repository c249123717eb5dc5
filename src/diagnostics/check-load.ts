/**
 * Load checks (`server_stat`, `app_stat`): memory and free disk per node, P99 per node and per table
 * (latency-sensitive tables with their own limits), against the high-water marks of the cluster config.
 */
import type { ClusterConfig, Thresholds } from '../config/config.js';
import type { LoadReport, NodeStats, TableStats } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import { diskAdvice, latencyAdvice, memoryAdvice } from './advice.js';
import { checkIds } from './check-ids.js';
import {
  diskFreePct,
  formatGbFromMb,
  formatLatencyNs,
  formatMb,
  formatPct,
  formatQps,
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

/** `node_p99`: read and write P99 per node under `readP99MsWarn` / `writeP99MsWarn`. */
export function checkNodeP99(nodes: readonly NodeStats[], thresholds: Thresholds): Finding[] {
  const limits = { readMs: thresholds.readP99MsWarn, writeMs: thresholds.writeP99MsWarn };
  const findings = nodes.flatMap((n) => p99Finding(checkIds.nodeP99, n.address, n.address, n, limits) ?? []);
  if (findings.length === 0 && nodes.length > 0) {
    findings.push({
      check: checkIds.nodeP99,
      severity: 'ok',
      subject: 'cluster',
      summary: `P99 under ${limits.readMs} ms (read) and ${limits.writeMs} ms (write) on ${plural(nodes.length, 'node')}`,
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

/** `table_p99`: read and write P99 per table, latency-sensitive tables against their own limits. */
export function checkTableP99(
  tables: readonly TableStats[],
  thresholds: Thresholds,
  latencySensitive: readonly LatencySensitiveTable[] = [],
): Finding[] {
  const findings: Finding[] = [];
  for (const t of tables) {
    const limits = tableP99Limits(t.name, thresholds, latencySensitive);
    const f = p99Finding(
      checkIds.tableP99,
      t.name,
      `table ${t.name}${limits.sensitive ? ' (latency-sensitive)' : ''}`,
      t,
      limits,
    );
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

/** All load checks over one sampled round: `node_memory`, `node_disk`, `node_p99`, `table_p99`. */
export function checkLoad(
  report: LoadReport,
  thresholds: Thresholds,
  latencySensitive: readonly LatencySensitiveTable[] = [],
): Finding[] {
  return [
    ...checkNodeMemory(report.nodes, thresholds),
    ...checkNodeDisk(report.nodes, thresholds),
    ...checkNodeP99(report.nodes, thresholds),
    ...checkTableP99(report.tables, thresholds, latencySensitive),
  ];
}
