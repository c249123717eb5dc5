/**
 * `ls [-d]`: the available tables as the shell's `[general_info]`, with `-d` the `[healthy_info]` partition
 * counts; findings on the table count (expected list, last check) and, with `-d`, partition health.
 */
import { checkTableCount, checkTableHealth } from '../../diagnostics/check-tables.js';
import { plural } from '../../diagnostics/format.js';
import type { CommandSpec } from '../command-spec.js';
import { commandLine, failureReply, parseDetailOnly, readRemembered, viewReply } from './view-support.js';

const usage = 'ls [-d]';

/** Parameters of `ls`. */
export interface LsParams {
  /** `-d`: add partition health. */
  detail: boolean;
}

/** The `ls` command. */
export const lsCommand: CommandSpec<LsParams> = {
  name: 'ls',
  summary: 'Tables; with -d their healthy, unhealthy, write- and read-unhealthy partition counts',
  usage,
  examples: ['ls', 'ls -d'],
  group: 'tables',
  risk: () => 'read',
  parse: (args) => parseDetailOnly(args, usage),
  async run(ctx, params) {
    const command = commandLine('ls', params.detail && '-d');
    const [tables, remembered] = await Promise.all([ctx.cluster.api.listTables(), readRemembered(ctx)]);
    if (!tables.ok) return failureReply(ctx, command, 'the table list', tables.error);
    const list = [...tables.value].sort((a, b) => a.appId - b.appId);
    const findings = [
      ...checkTableCount({
        tables: list.map((t) => t.name),
        ...(ctx.cluster.config.expectedTables ? { expected: ctx.cluster.config.expectedTables } : {}),
        ...(remembered.previous ? { previous: remembered.previous } : {}),
      }),
      ...(params.detail ? checkTableHealth(list) : []),
    ];
    const general = {
      title: 'general_info',
      columns: [
        'app_id',
        'status',
        'app_name',
        'app_type',
        'partition_count',
        'replica_count',
        'is_stateful',
        'create_time',
        'drop_time',
        'drop_expire',
        'envs_count',
      ],
      rows: list.map((t) => [
        String(t.appId),
        t.status,
        t.name,
        t.appType,
        String(t.partitionCount),
        String(t.replicaCount),
        String(t.isStateful),
        t.createTime,
        '-',
        '-',
        String(t.envsCount),
      ]),
    };
    const healthy = {
      title: 'healthy_info',
      columns: [
        'app_id',
        'app_name',
        'partition_count',
        'fully_healthy',
        'unhealthy',
        'write_unhealthy',
        'read_unhealthy',
      ],
      rows: list.map((t) => [
        String(t.appId),
        t.name,
        String(t.partitionCount),
        ...(t.health
          ? [t.health.fullyHealthy, t.health.unhealthy, t.health.writeUnhealthy, t.health.readUnhealthy].map(String)
          : ['-', '-', '-', '-']),
      ]),
    };
    const count = (pick: (h: NonNullable<(typeof list)[number]['health']>) => boolean) =>
      String(list.filter((t) => t.health && pick(t.health)).length);
    const fields = [
      { label: 'total_app_count', value: String(list.length) },
      ...(params.detail
        ? [
            { label: 'fully_healthy_app_count', value: count((h) => h.unhealthy === 0) },
            { label: 'unhealthy_app_count', value: count((h) => h.unhealthy > 0) },
            { label: 'write_unhealthy_app_count', value: count((h) => h.writeUnhealthy > 0) },
            { label: 'read_unhealthy_app_count', value: count((h) => h.readUnhealthy > 0) },
          ]
        : []),
    ];
    return viewReply(ctx, command, {
      findings,
      facts: plural(list.length, 'table'),
      tables: params.detail && list.length > 0 ? [general, healthy] : [general],
      fields,
    });
  },
};
