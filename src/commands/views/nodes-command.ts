/**
 * `nodes [-d]`: the replica servers and their status as the shell's `[details]`, with `-d` their replica,
 * primary and secondary counts; findings on liveness (freeze advice past the ratio) and, with `-d`, skew.
 */
import { checkNodesAlive, checkSkew } from '../../diagnostics/check-nodes.js';
import type { CommandSpec } from '../command-spec.js';
import { commandLine, failureReply, parseDetailOnly, viewReply } from './view-support.js';

const usage = 'nodes [-d]';

/** Parameters of `nodes`. */
export interface NodesParams {
  /** `-d`: add replica, primary and secondary counts. */
  detail: boolean;
}

/** The `nodes` command. */
export const nodesCommand: CommandSpec<NodesParams> = {
  name: 'nodes',
  summary: 'Replica servers and their status; with -d replica and primary counts and skew',
  usage,
  examples: ['nodes', 'nodes -d'],
  group: 'nodes',
  risk: () => 'read',
  parse: (args) => parseDetailOnly(args, usage),
  async run(ctx, params) {
    const command = commandLine('nodes', params.detail && '-d');
    const api = ctx.cluster.api;
    const [nodes, stored, info] = await Promise.all([
      api.listNodes(),
      api.getMetaLevel(),
      params.detail ? api.clusterInfo() : Promise.resolve(undefined),
    ]);
    if (!nodes.ok) return failureReply(ctx, command, 'the replica server list', nodes.error);
    const list = [...nodes.value].sort((a, b) => a.address.localeCompare(b.address));
    const thresholds = ctx.cluster.config.thresholds;
    const sensitive = ctx.cluster.config.latencySensitiveTables.map((t) => t.name);
    const stddev = info?.ok ? info.value : undefined;
    const findings = [
      ...checkNodesAlive(list, thresholds, stored.ok ? stored.value : undefined),
      ...(params.detail
        ? [
            ...checkSkew('replica', list, thresholds, sensitive, stddev?.totalReplicaCountStddev),
            ...checkSkew('primary', list, thresholds, sensitive, stddev?.primaryReplicaCountStddev),
          ]
        : []),
    ];
    const alive = list.filter((n) => n.status === 'ALIVE').length;
    return viewReply(ctx, command, {
      findings,
      facts: `${alive}/${list.length} replica servers alive`,
      tables: [
        {
          title: 'details',
          columns: params.detail
            ? ['address', 'status', 'replica_count', 'primary_count', 'secondary_count']
            : ['address', 'status'],
          rows: list.map((n) =>
            params.detail
              ? [n.address, n.status, String(n.replicaCount), String(n.primaryCount), String(n.secondaryCount)]
              : [n.address, n.status],
          ),
        },
      ],
      fields: [
        { label: 'total_node_count', value: String(list.length) },
        { label: 'alive_node_count', value: String(alive) },
        { label: 'unalive_node_count', value: String(list.length - alive) },
      ],
    });
  },
};
