/**
 * `app_stat [-a <table>] [-i ms]`: per-table QPS by operation (primaries only), P99, file and memtable
 * sizes, with a `(total:N)` row; with `-a` the table's partitions. Findings on P99 per table, latency-sensitive
 * tables against their own limits.
 */
import { checkTableP99 } from '../../diagnostics/check-load.js';
import { checkUnreachable } from '../../diagnostics/check-unreachable.js';
import { formatLatencyNs, formatMb, formatQps, plural } from '../../diagnostics/format.js';
import type { PartitionStats, TableStats } from '../../pegasus/cluster-api.js';
import type { ReplyTable } from '../../replies/reply.js';
import { ok } from '../../result.js';
import type { CommandSpec } from '../command-spec.js';
import {
  checkArgs,
  commandLine,
  failureReply,
  intervalFlag,
  unknownTableReply,
  valueFlag,
  viewReply,
} from './view-support.js';

const usage = 'app_stat [-a <table>] [-i <ms>]';

/** The shell's operation columns and the `TableStats.qps` key behind each. */
export const operationColumns: readonly (readonly [string, string])[] = [
  ['GET', 'get'],
  ['MGET', 'multi_get'],
  ['BGET', 'batch_get'],
  ['PUT', 'put'],
  ['MPUT', 'multi_put'],
  ['DEL', 'remove'],
  ['MDEL', 'multi_remove'],
  ['INCR', 'incr'],
  ['CAS', 'check_and_set'],
  ['CAM', 'check_and_mutate'],
  ['SCAN', 'scan'],
];

/** Parameters of `app_stat`. */
export interface AppStatParams {
  /** `-a`: one table, with its partitions. */
  table?: string;
  intervalMs?: number;
}

const tableColumns = [
  'app_id',
  'app_name',
  'pcount',
  ...operationColumns.map(([c]) => c),
  'read_p99_ms',
  'write_p99_ms',
  'file_mb',
  'file_num',
  'mem_tbl_mb',
];

function tableRow(t: TableStats): string[] {
  return [
    String(t.appId),
    t.name,
    String(t.partitionCount),
    ...operationColumns.map(([, key]) => formatQps(t.qps[key] ?? 0)),
    formatLatencyNs(t.readP99Ns),
    formatLatencyNs(t.writeP99Ns),
    formatMb(t.sstMb),
    String(t.sstFiles),
    formatMb(t.memtableMb),
  ];
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
// Percentiles are never averaged: a total shows the worst.
const max = (values: readonly number[]) => values.reduce((a, b) => Math.max(a, b), 0);

function totalRow(tables: readonly TableStats[]): string[] {
  return [
    `(total:${tables.length})`,
    '-',
    String(sum(tables.map((t) => t.partitionCount))),
    ...operationColumns.map(([, key]) => formatQps(round2(sum(tables.map((t) => t.qps[key] ?? 0))))),
    formatLatencyNs(max(tables.map((t) => t.readP99Ns))),
    formatLatencyNs(max(tables.map((t) => t.writeP99Ns))),
    formatMb(sum(tables.map((t) => t.sstMb))),
    String(sum(tables.map((t) => t.sstFiles))),
    formatMb(sum(tables.map((t) => t.memtableMb))),
  ];
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function partitionTable(partitions: readonly PartitionStats[]): ReplyTable {
  const sorted = [...partitions].sort((a, b) => a.pidx - b.pidx);
  return {
    title: 'partitions',
    columns: ['pidx', 'primary', 'read_qps', 'write_qps', 'read_p99_ms', 'write_p99_ms', 'file_mb'],
    rows: [
      ...sorted.map((p) => [
        String(p.pidx),
        p.primary,
        formatQps(round2(p.readQps)),
        formatQps(round2(p.writeQps)),
        formatLatencyNs(p.readP99Ns),
        formatLatencyNs(p.writeP99Ns),
        formatMb(p.sstMb),
      ]),
      [
        `(total:${sorted.length})`,
        '-',
        formatQps(round2(sum(sorted.map((p) => p.readQps)))),
        formatQps(round2(sum(sorted.map((p) => p.writeQps)))),
        formatLatencyNs(max(sorted.map((p) => p.readP99Ns))),
        formatLatencyNs(max(sorted.map((p) => p.writeP99Ns))),
        formatMb(sum(sorted.map((p) => p.sstMb))),
      ],
    ],
  };
}

/** The `app_stat` command. */
export const appStatCommand: CommandSpec<AppStatParams> = {
  name: 'app_stat',
  summary: 'QPS per operation, P99 and disk per table (primaries only); -a for one table by partition',
  usage,
  examples: ['app_stat', 'app_stat -a temp'],
  group: 'tables',
  valueFlags: ['a', 'i'],
  risk: () => 'read',
  parse(args) {
    const checked = checkArgs(args, { flags: ['a', 'i'], usage });
    if (!checked.ok) return checked;
    const table = valueFlag(args, 'a', 'a table name, e.g. -a temp', usage);
    if (!table.ok) return table;
    const interval = intervalFlag(args, usage);
    if (!interval.ok) return interval;
    return ok({
      ...(table.value !== undefined ? { table: table.value } : {}),
      ...(interval.value !== undefined ? { intervalMs: interval.value } : {}),
    });
  },
  async run(ctx, params) {
    const command = commandLine(
      'app_stat',
      params.table !== undefined && `-a ${params.table}`,
      params.intervalMs !== undefined && `-i ${params.intervalMs}`,
    );
    const api = ctx.cluster.api;
    const [load, listed] = await Promise.all([
      api.load({
        ...(params.table !== undefined ? { table: params.table } : {}),
        ...(params.intervalMs !== undefined ? { intervalMs: params.intervalMs } : {}),
      }),
      params.table !== undefined ? api.listTables() : Promise.resolve(undefined),
    ]);
    const names = listed?.ok ? listed.value.map((t) => t.name) : undefined;
    if (params.table !== undefined) {
      const missing = (!load.ok && load.error.code === 'TABLE_NOT_FOUND') || (names && !names.includes(params.table));
      if (missing) return unknownTableReply(ctx, command, params.table, names);
    }
    if (!load.ok) return failureReply(ctx, command, 'the load sample', load.error);
    const report = load.value;
    const tables = [...report.tables]
      .filter((t) => params.table === undefined || t.name === params.table)
      .sort((a, b) => a.appId - b.appId);
    const findings = [
      ...checkTableP99(tables, ctx.cluster.config.thresholds, ctx.cluster.config.latencySensitiveTables),
      ...checkUnreachable(report.unreachable),
    ];
    const replyTables: ReplyTable[] = [
      {
        title: params.table !== undefined ? 'table' : 'app_stat',
        columns: tableColumns,
        rows: params.table !== undefined ? tables.map(tableRow) : [...tables.map(tableRow), totalRow(tables)],
      },
    ];
    if (report.partitions) replyTables.push(partitionTable(report.partitions));
    const silent = report.unreachable.length;
    return viewReply(ctx, command, {
      findings,
      facts: `${params.table !== undefined ? `table ${params.table}` : plural(tables.length, 'table')} sampled over ${report.intervalMs} ms${
        silent > 0 ? `; ${plural(silent, 'replica server')} did not answer, figures are partial` : ''
      }`,
      tables: replyTables,
      text: ['QPS count primaries only; P99 totals show the worst, never an average.'],
      data: { intervalMs: report.intervalMs },
    });
  },
};
