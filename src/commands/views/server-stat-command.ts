/**
 * `server_stat [-i ms]`: one sampled round of every ALIVE replica server (memory, replicas, QPS, P99, disk)
 * and of the meta servers when the client samples them; findings against the memory, disk and P99 marks.
 */
import { checkNodeDisk, checkNodeMemory, checkNodeP99 } from '../../diagnostics/check-load.js';
import { checkUnreachable } from '../../diagnostics/check-unreachable.js';
import {
  diskFreePct,
  formatGbFromMb,
  formatLatencyNs,
  formatMb,
  formatPct,
  formatQps,
  plural,
} from '../../diagnostics/format.js';
import type { ReplyTable } from '../../replies/reply.js';
import type { CommandSpec } from '../command-spec.js';
import { commandLine, failureReply, parseIntervalOnly, viewReply } from './view-support.js';

const usage = 'server_stat [-i <ms>]';

/** Parameters of `server_stat`. */
export interface ServerStatParams {
  /** Milliseconds between the two samples (the client's default when absent). */
  intervalMs?: number;
}

/** The `server_stat` command. */
export const serverStatCommand: CommandSpec<ServerStatParams> = {
  name: 'server_stat',
  summary: 'Memory, replicas, QPS, P99 and disk of every replica server (one sampled round)',
  usage,
  examples: ['server_stat', 'server_stat -i 2000'],
  group: 'nodes',
  valueFlags: ['i'],
  risk: () => 'read',
  parse: (args) => parseIntervalOnly(args, usage),
  async run(ctx, params) {
    const command = commandLine('server_stat', params.intervalMs !== undefined && `-i ${params.intervalMs}`);
    const load = await ctx.cluster.api.load(params.intervalMs !== undefined ? { intervalMs: params.intervalMs } : {});
    if (!load.ok) return failureReply(ctx, command, 'the load sample', load.error);
    const report = load.value;
    const thresholds = ctx.cluster.config.thresholds;
    const nodes = [...report.nodes].sort((a, b) => a.address.localeCompare(b.address));
    const findings = [
      ...checkNodeMemory(nodes, thresholds),
      ...checkNodeDisk(nodes, thresholds),
      ...checkNodeP99(nodes, thresholds),
      ...checkUnreachable(report.unreachable),
    ];
    const tables: ReplyTable[] = [
      {
        title: 'replica-server',
        columns: [
          'node',
          'res_mem_mb',
          'virt_mem_mb',
          'total_replicas',
          'primary_replicas',
          'secondary_replicas',
          'read_qps',
          'write_qps',
          'read_p99_ms',
          'write_p99_ms',
          'disk_avail_gb',
          'disk_total_gb',
          'disk_free',
        ],
        rows: nodes.map((n) => {
          const free = diskFreePct(n.diskAvailMb, n.diskTotalMb);
          return [
            n.address,
            formatMb(n.residentMemMb),
            formatMb(n.virtualMemMb),
            ...['total', 'primary', 'secondary'].map((k) =>
              n.replicas[k] !== undefined ? String(n.replicas[k]) : '-',
            ),
            formatQps(n.readQps),
            formatQps(n.writeQps),
            formatLatencyNs(n.readP99Ns),
            formatLatencyNs(n.writeP99Ns),
            formatGbFromMb(n.diskAvailMb),
            formatGbFromMb(n.diskTotalMb),
            free !== undefined ? formatPct(free) : '-',
          ];
        }),
      },
    ];
    if (report.metas) {
      tables.unshift({
        title: 'meta-server',
        columns: ['node', 'res_mem_mb', 'virt_mem_mb'],
        rows: [...report.metas]
          .sort((a, b) => a.address.localeCompare(b.address))
          .map((m) => [m.address, formatMb(m.residentMemMb), formatMb(m.virtualMemMb)]),
      });
    }
    return viewReply(ctx, command, {
      findings,
      facts: `${plural(nodes.length, 'replica server')} sampled over ${report.intervalMs} ms${
        report.unreachable.length > 0 ? `, ${report.unreachable.length} did not answer` : ''
      }`,
      tables,
      data: { intervalMs: report.intervalMs },
    });
  },
};
