/**
 * The replica distribution a rebalance is about: per node replica and primary counts, the balancer's own
 * standard deviations and pending operations from `cluster_info`, and the worst deviation from the mean
 * (the same measure as the `replica_skew`/`primary_skew` checks). Windows keep one snapshot from their start
 * and one from their end.
 */
import { z } from 'zod';
import type { BalanceOperations, ClusterInfo, NodeInfo, PegasusApi } from '../pegasus/cluster-api.js';
import type { ReplyTable } from '../replies/reply.js';
import { ok, type Result } from '../result.js';

/** One node's share. */
export interface NodeShare {
  address: string;
  status: 'ALIVE' | 'UNALIVE';
  replicas: number;
  primaries: number;
}

/** A distribution snapshot (stored as JSON in a window's `before` and `after`). */
export interface Distribution {
  /** ISO time it was read. */
  at: string;
  nodes: NodeShare[];
  primaryStddev: number;
  totalStddev: number;
  balanceOperations: BalanceOperations;
  /** Worst |count − mean| / mean over ALIVE nodes. */
  replicaSkew: number;
  primarySkew: number;
}

/** The worst relative deviation from the mean among ALIVE nodes (0 with fewer than two). */
export function worstDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean === 0) return 0;
  return Math.max(...values.map((v) => Math.abs(v - mean) / mean));
}

/** Builds a snapshot from what `nodes -d` and `cluster_info` returned. */
export function distributionOf(nodes: readonly NodeInfo[], info: ClusterInfo, at: Date): Distribution {
  const alive = nodes.filter((n) => n.status === 'ALIVE');
  return {
    at: at.toISOString(),
    nodes: nodes.map((n) => ({
      address: n.address,
      status: n.status,
      replicas: n.replicaCount,
      primaries: n.primaryCount,
    })),
    primaryStddev: info.primaryReplicaCountStddev,
    totalStddev: info.totalReplicaCountStddev,
    balanceOperations: { ...info.balanceOperations },
    replicaSkew: worstDeviation(alive.map((n) => n.replicaCount)),
    primarySkew: worstDeviation(alive.map((n) => n.primaryCount)),
  };
}

/** Reads a snapshot from the cluster (`nodes -d` and `cluster_info` together). */
export async function readDistribution(
  api: PegasusApi,
  at: Date,
): Promise<Result<{ distribution: Distribution; info: ClusterInfo; nodes: NodeInfo[] }>> {
  const [nodes, info] = await Promise.all([api.listNodes(), api.clusterInfo()]);
  if (!nodes.ok) return nodes;
  if (!info.ok) return info;
  return ok({ distribution: distributionOf(nodes.value, info.value, at), info: info.value, nodes: nodes.value });
}

const distributionSchema = z.object({
  at: z.string(),
  nodes: z.array(
    z.object({
      address: z.string(),
      status: z.enum(['ALIVE', 'UNALIVE']),
      replicas: z.number(),
      primaries: z.number(),
    }),
  ),
  primaryStddev: z.number(),
  totalStddev: z.number(),
  balanceOperations: z.object({ movePri: z.number(), copyPri: z.number(), copySec: z.number(), total: z.number() }),
  replicaSkew: z.number(),
  primarySkew: z.number(),
});

/** Reads a stored snapshot back; undefined when absent or written by an incompatible version. */
export function asDistribution(value: unknown): Distribution | undefined {
  const parsed = distributionSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** Whether the skew is within the allowed fraction for both replicas and primaries. */
export function skewWithin(d: Distribution, ratio: number): boolean {
  return d.replicaSkew <= ratio && d.primarySkew <= ratio;
}

/** `44 (move_pri 40, copy_pri 0, copy_sec 4)`, or `not collected yet` for −1. */
export function formatOperations(ops: BalanceOperations): string {
  if (ops.total < 0) return 'not collected yet (the leader is still gathering replica info)';
  if (ops.total === 0) return '0';
  return `${ops.total} (move_pri ${ops.movePri}, copy_pri ${ops.copyPri}, copy_sec ${ops.copySec})`;
}

/** A percentage with one decimal, e.g. `19.0%`. */
export function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Shell-style table of one snapshot. */
export function distributionTable(title: string, d: Distribution): ReplyTable {
  return {
    title,
    columns: ['address', 'status', 'replica_count', 'primary_count'],
    rows: d.nodes.map((n) => [n.address, n.status, String(n.replicas), String(n.primaries)]),
  };
}

/** Before/after table: each node's replica and primary counts at both times. */
export function comparisonTable(title: string, before: Distribution, after: Distribution): ReplyTable {
  const addresses = [...new Set([...before.nodes.map((n) => n.address), ...after.nodes.map((n) => n.address)])];
  const cell = (d: Distribution, address: string, key: 'replicas' | 'primaries'): string => {
    const n = d.nodes.find((x) => x.address === address);
    return n ? String(n[key]) : '-';
  };
  return {
    title,
    columns: ['address', 'replicas before', 'replicas after', 'primaries before', 'primaries after'],
    rows: addresses.map((a) => [
      a,
      cell(before, a, 'replicas'),
      cell(after, a, 'replicas'),
      cell(before, a, 'primaries'),
      cell(after, a, 'primaries'),
    ]),
  };
}

/** `primary stddev 23.71 → 1.72, total stddev 7.39 → 1.85`. */
export function stddevChange(before: Distribution, now: Distribution): string {
  return `primary stddev ${before.primaryStddev.toFixed(2)} → ${now.primaryStddev.toFixed(2)}, total stddev ${before.totalStddev.toFixed(2)} → ${now.totalStddev.toFixed(2)}`;
}
