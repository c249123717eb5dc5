/**
 * Node checks (`nodes -d`): every replica server ALIVE, with a freeze recommendation when too many are not,
 * and the skew of replica and primary counts beyond the configured ratio.
 */
import type { Thresholds } from '../config/config.js';
import type { MetaLevel, NodeInfo } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import { freezeAdvice, rebalanceAdvice, unaliveAdvice } from './advice.js';
import { checkIds } from './check-ids.js';
import { formatPct, listForSentence, plural } from './format.js';

/** What the node checks look at. */
export interface NodesCheckInput {
  nodes: readonly NodeInfo[];
  /** The stored meta level: no freeze action is offered when it is already freezed or lower. */
  storedLevel?: MetaLevel;
  /** Latency-sensitive tables of the cluster (for the rebalance advice). */
  latencySensitiveTables?: readonly string[];
  /** `cluster_info` standard deviations, shown as evidence when known. */
  stddev?: { primary: number; total: number };
}

const frozenOrLower: readonly MetaLevel[] = ['freezed', 'blind', 'stopped'];

/** `nodes_alive`: every replica server is ALIVE; freezing is recommended past `unaliveFreezeRatio`. */
export function checkNodesAlive(
  nodes: readonly NodeInfo[],
  thresholds: Thresholds,
  storedLevel?: MetaLevel,
): Finding[] {
  const unalive = nodes.filter((n) => n.status !== 'ALIVE');
  const alive = nodes.length - unalive.length;
  if (nodes.length === 0) {
    return [
      {
        check: checkIds.nodesAlive,
        severity: 'crit',
        subject: 'cluster',
        summary: 'the meta server knows no replica server',
        advice: 'Start the replica servers and check that their meta server list points at this cluster.',
      },
    ];
  }
  if (unalive.length === 0) {
    return [
      {
        check: checkIds.nodesAlive,
        severity: 'ok',
        subject: 'cluster',
        summary: `${alive}/${nodes.length} replica servers ALIVE`,
        evidence: { alive, total: nodes.length },
      },
    ];
  }
  const findings: Finding[] = unalive.map((n) => ({
    check: checkIds.nodesAlive,
    severity: 'crit',
    subject: n.address,
    summary: `replica server ${n.address} is UNALIVE`,
    evidence: { alive: `${alive}/${nodes.length}` },
    advice: unaliveAdvice,
  }));
  const ratio = unalive.length / nodes.length;
  if (ratio >= thresholds.unaliveFreezeRatio) {
    const alreadyFrozen = storedLevel !== undefined && frozenOrLower.includes(storedLevel);
    findings.unshift({
      check: checkIds.nodesAlive,
      severity: 'crit',
      subject: 'cluster',
      summary: `${unalive.length} of ${nodes.length} replica servers are UNALIVE (${formatPct(ratio * 100)}, limit ${formatPct(thresholds.unaliveFreezeRatio * 100)})${alreadyFrozen ? `; the meta level is already ${storedLevel}` : ': freeze the cluster'}`,
      evidence: {
        unalive: unalive.length,
        total: nodes.length,
        ratio: formatPct(ratio * 100),
        'freeze at': formatPct(thresholds.unaliveFreezeRatio * 100),
        servers: listForSentence(unalive.map((n) => n.address)),
      },
      advice: freezeAdvice,
      ...(alreadyFrozen
        ? {}
        : {
            action: {
              kind: 'run' as const,
              ref: 'set_meta_level freezed',
              label: 'Freeze the cluster',
              style: 'danger' as const,
            },
          }),
    });
  }
  return findings;
}

type SkewKind = 'replica' | 'primary';

/** `replica_skew` / `primary_skew`: each ALIVE node's count within `skewRatio` of the mean. */
export function checkSkew(
  kind: SkewKind,
  nodes: readonly NodeInfo[],
  thresholds: Thresholds,
  latencySensitiveTables: readonly string[] = [],
  stddev?: number,
): Finding[] {
  const check = kind === 'replica' ? checkIds.replicaSkew : checkIds.primarySkew;
  const column = kind === 'replica' ? 'replica_count' : 'primary_count';
  const alive = nodes.filter((n) => n.status === 'ALIVE');
  const count = (n: NodeInfo) => (kind === 'replica' ? n.replicaCount : n.primaryCount);
  if (alive.length < 2) return [];
  const mean = alive.reduce((sum, n) => sum + count(n), 0) / alive.length;
  if (mean === 0) return [];
  const deviation = (n: NodeInfo) => Math.abs(count(n) - mean) / mean;
  const sorted = [...alive].sort((a, b) => count(b) - count(a));
  const max = sorted[0];
  const min = sorted[sorted.length - 1];
  if (!max || !min) return [];
  const worst = Math.max(deviation(max), deviation(min));
  const evidence: Record<string, string | number> = {
    mean: mean.toFixed(1),
    max: `${max.address} = ${count(max)}`,
    min: `${min.address} = ${count(min)}`,
    'max deviation': formatPct(worst * 100),
    allowed: formatPct(thresholds.skewRatio * 100),
    ...(stddev !== undefined ? { stddev: stddev.toFixed(2) } : {}),
  };
  const skewed = sorted.filter((n) => deviation(n) > thresholds.skewRatio);
  if (skewed.length === 0) {
    return [
      {
        check,
        severity: 'ok',
        subject: 'cluster',
        summary: `${column} balanced: ${count(min)}..${count(max)} per node (mean ${mean.toFixed(1)})`,
        evidence,
      },
    ];
  }
  const unalive = nodes.length - alive.length;
  const first =
    unalive > 0 ? 'Bring the UNALIVE replica servers back first: balancing waits for healthy partitions. ' : '';
  return [
    {
      check,
      severity: 'warn',
      subject: 'cluster',
      summary: `${column} skewed beyond ${formatPct(thresholds.skewRatio * 100)}: ${listForSentence(
        skewed.map((n) => `${n.address} has ${count(n)}`),
        4,
      )} (mean ${mean.toFixed(1)})`,
      evidence: { ...evidence, skewed: plural(skewed.length, 'node') },
      advice: first + rebalanceAdvice(latencySensitiveTables),
      action: { kind: 'run', ref: 'rebalance plan', label: 'Plan a rebalance window' },
    },
  ];
}

/** All node checks: `nodes_alive`, `replica_skew`, `primary_skew`. */
export function checkNodes(input: NodesCheckInput, thresholds: Thresholds): Finding[] {
  const sensitive = input.latencySensitiveTables ?? [];
  return [
    ...checkNodesAlive(input.nodes, thresholds, input.storedLevel),
    ...checkSkew('replica', input.nodes, thresholds, sensitive, input.stddev?.total),
    ...checkSkew('primary', input.nodes, thresholds, sensitive, input.stddev?.primary),
  ];
}
