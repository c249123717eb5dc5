/**
 * `app <table> [-d]`: a table's general info, with `-d` its partitions (ballot, replica count, primary,
 * secondaries), replicas per node and partition health; an unknown table is answered with the table list.
 */
import { checkTableHealth } from '../../diagnostics/check-tables.js';
import { fail, ok } from '../../result.js';
import type { CommandSpec } from '../command-spec.js';
import {
  badInputCode,
  booleanFlag,
  checkArgs,
  commandLine,
  failureReply,
  unknownTableReply,
  viewReply,
} from './view-support.js';

const usage = 'app <table> [-d]';

/** Parameters of `app`. */
export interface AppParams {
  table: string;
  /** `-d`: add partitions, nodes and health. */
  detail: boolean;
}

/** The `app` command. */
export const appCommand: CommandSpec<AppParams> = {
  name: 'app',
  summary: 'One table; with -d its partitions, replicas per node and partition health',
  usage,
  examples: ['app temp', 'app temp -d'],
  group: 'tables',
  risk: () => 'read',
  parse(args) {
    const checked = checkArgs(args, { flags: ['d'], usage, maxPositionals: 1 });
    if (!checked.ok) return checked;
    const table = args.positionals[0];
    if (table === undefined || table.trim() === '') {
      return fail(
        badInputCode,
        `Which table? Give its name, e.g. \`app temp -d\` (\`ls\` lists them). Usage: ${usage}`,
      );
    }
    const detail = booleanFlag(args, 'd', usage);
    return detail.ok ? ok({ table: table.trim(), detail: detail.value }) : detail;
  },
  async run(ctx, params) {
    const command = commandLine('app', params.table, params.detail && '-d');
    const api = ctx.cluster.api;
    const detail = await api.tableDetail(params.table);
    if (!detail.ok) {
      if (detail.error.code !== 'TABLE_NOT_FOUND')
        return failureReply(ctx, command, `table ${params.table}`, detail.error);
      const tables = await api.listTables();
      return unknownTableReply(ctx, command, params.table, tables.ok ? tables.value.map((t) => t.name) : undefined);
    }
    const d = detail.value;
    const findings = checkTableHealth([{ name: d.name, partitionCount: d.partitionCount, health: d.health }]);
    const fields = [
      { label: 'app_name', value: d.name },
      { label: 'app_id', value: String(d.appId) },
      { label: 'partition_count', value: String(d.partitionCount) },
      { label: 'max_replica_count', value: String(d.maxReplicaCount) },
    ];
    const facts = `table ${d.name}, ${d.health.fullyHealthy}/${d.partitionCount} partitions fully healthy`;
    if (!params.detail) return viewReply(ctx, command, { findings, facts, fields });
    const totals = d.nodes.reduce(
      (acc, n) => ({
        primary: acc.primary + n.primary,
        secondary: acc.secondary + n.secondary,
        total: acc.total + n.total,
      }),
      { primary: 0, secondary: 0, total: 0 },
    );
    return viewReply(ctx, command, {
      findings,
      facts,
      fields,
      tables: [
        {
          title: 'replicas',
          columns: ['pidx', 'ballot', 'replica_count', 'primary', 'secondaries'],
          rows: d.partitions.map((p) => [
            String(p.pidx),
            String(p.ballot),
            `${p.currentReplicaCount}/${p.maxReplicaCount}`,
            p.primary ?? '-',
            `[${p.secondaries.join(',')}]`,
          ]),
        },
        {
          title: 'nodes',
          columns: ['node', 'primary', 'secondary', 'total'],
          rows: [
            ...d.nodes.map((n) => [n.node, String(n.primary), String(n.secondary), String(n.total)]),
            ['total', String(totals.primary), String(totals.secondary), String(totals.total)],
          ],
        },
        {
          title: 'healthy',
          columns: [
            'fully_healthy_partition_count',
            'unhealthy_partition_count',
            'write_unhealthy_partition_count',
            'read_unhealthy_partition_count',
          ],
          rows: [
            [d.health.fullyHealthy, d.health.unhealthy, d.health.writeUnhealthy, d.health.readUnhealthy].map(String),
          ],
        },
      ],
    });
  },
};
