/**
 * `cluster_info`: the meta server's key/values (with `cluster_name`), the effective and the stored meta
 * level when they differ, and the cluster findings (meta servers, level, pending balance operations).
 */
import { checkCluster, formatBalanceOperations } from '../../diagnostics/check-cluster.js';
import { levelSummary } from '../../diagnostics/run-health.js';
import type { CommandSpec } from '../command-spec.js';
import { failureReply, parseNoArgs, readRemembered, viewReply } from './view-support.js';

const usage = 'cluster_info';

/** The `cluster_info` command. */
export const clusterInfoCommand: CommandSpec<Record<string, never>> = {
  name: 'cluster_info',
  summary: 'Meta servers, leader, ZooKeeper, meta level (effective and stored), balance operations',
  usage,
  examples: ['cluster_info'],
  group: 'cluster',
  risk: () => 'read',
  parse: (args) => parseNoArgs(args, usage),
  async run(ctx) {
    const api = ctx.cluster.api;
    const [info, stored, metas, remembered] = await Promise.all([
      api.clusterInfo(),
      api.getMetaLevel(),
      api.probeMetas(),
      readRemembered(ctx),
    ]);
    if (!info.ok) return failureReply(ctx, 'cluster_info', 'cluster_info', info.error);
    const i = info.value;
    const storedLevel = stored;
    const findings = checkCluster(
      {
        metas,
        info: i,
        ...(storedLevel.ok ? { storedLevel: storedLevel.value } : {}),
        rebalanceWindowOpen: remembered.rebalanceWindowOpen,
        latencySensitiveTables: ctx.cluster.config.latencySensitiveTables.map((t) => t.name),
        ...(remembered.previous ? { previous: remembered.previous } : {}),
        now: ctx.clock.now(),
      },
      ctx.cluster.config.thresholds,
    );
    const differs = storedLevel.ok && storedLevel.value !== i.metaFunctionLevel;
    const fields = [
      { label: 'cluster_name', value: i.clusterName ?? '-' },
      { label: 'meta_servers', value: i.metaServers.join(',') },
      { label: 'primary_meta_server', value: i.primaryMetaServer },
      { label: 'zookeeper_hosts', value: i.zookeeperHosts },
      { label: 'zookeeper_root', value: i.zookeeperRoot },
      { label: 'meta_function_level', value: i.metaFunctionLevel },
      ...(differs ? [{ label: 'stored_meta_function_level', value: storedLevel.value }] : []),
      { label: 'balance_operation_count', value: formatBalanceOperations(i.balanceOperations) },
      { label: 'primary_replica_count_stddev', value: i.primaryReplicaCountStddev.toFixed(2) },
      { label: 'total_replica_count_stddev', value: i.totalReplicaCountStddev.toFixed(2) },
    ];
    return viewReply(ctx, 'cluster_info', {
      findings,
      facts: `leader ${i.primaryMetaServer}, ${levelSummary(i.metaFunctionLevel, storedLevel.ok ? storedLevel.value : undefined)}`,
      fields,
      ...(i.clusterName === undefined
        ? { text: ['cluster_name is only available over RPC; this cluster client did not report it.'] }
        : {}),
    });
  },
};
