/**
 * Cluster checks: every configured meta server answers and one of them leads; the meta function level is
 * steady (effective and stored both shown when they differ); balance operations are not left pending.
 */
import type { Thresholds } from '../config/config.js';
import type { BalanceOperations, ClusterInfo, MetaLevel, MetaServerStatus } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import {
  cureStoppedAdvice,
  freezeProtectionAdvice,
  livelyOutsideWindowAdvice,
  metaDownAdvice,
  rebalanceAdvice,
} from './advice.js';
import { checkIds } from './check-ids.js';
import { formatAge, plural } from './format.js';
import type { HealthState } from './health-state.js';

/** What the cluster checks look at. */
export interface ClusterCheckInput {
  /** How each configured meta server answered (`probeMetas`). */
  metas: readonly MetaServerStatus[];
  /** `cluster_info`; undefined when it could not be read. */
  info?: ClusterInfo;
  /** The stored level (`get_meta_level`); undefined when it could not be read. */
  storedLevel?: MetaLevel;
  /** An approved rebalance window is running for this cluster. */
  rebalanceWindowOpen: boolean;
  /** Latency-sensitive tables of this cluster (for the rebalance advice). */
  latencySensitiveTables?: readonly string[];
  /** What the previous check saw. */
  previous?: HealthState;
  now: Date;
}

/** The leader among the meta servers that answered, when exactly one claims it. */
export function leaderOf(metas: readonly MetaServerStatus[]): string | undefined {
  const leaders = metas.filter((m) => m.reachable && m.isLeader);
  return leaders.length === 1 ? leaders[0]?.address : undefined;
}

/** `meta_servers`: every configured meta server answers, exactly one leads, the leader did not change silently. */
export function checkMetaServers(
  metas: readonly MetaServerStatus[],
  info?: ClusterInfo,
  previous?: HealthState,
  now?: Date,
): Finding[] {
  const findings: Finding[] = [];
  const reachable = metas.filter((m) => m.reachable);
  const leaders = reachable.filter((m) => m.isLeader);
  for (const m of metas) {
    if (m.reachable) continue;
    findings.push({
      check: checkIds.metaServers,
      severity: leaders.length === 1 ? 'warn' : 'crit',
      subject: m.address,
      summary: `meta server ${m.address} does not answer${m.error ? `: ${m.error}` : ''}`,
      evidence: { reachable: `${reachable.length}/${metas.length}`, ...(m.error ? { error: m.error } : {}) },
      advice: metaDownAdvice,
    });
  }
  if (reachable.length > 0 && leaders.length === 0) {
    findings.push({
      check: checkIds.metaServers,
      severity: 'crit',
      subject: 'cluster',
      summary: `none of the ${plural(reachable.length, 'meta server')} that answer is the leader`,
      evidence: { answering: reachable.map((m) => m.address).join(', ') },
      advice:
        'The meta servers elect their leader through a lock in ZooKeeper: check that ZooKeeper (zookeeper_hosts in `cluster_info`) is up and reachable from the meta servers, and read the meta server logs.',
    });
  }
  if (leaders.length > 1) {
    findings.push({
      check: checkIds.metaServers,
      severity: 'crit',
      subject: 'cluster',
      summary: `several meta servers claim to lead: ${leaders.map((m) => m.address).join(', ')}`,
      evidence: { leaders: leaders.map((m) => m.address).join(', ') },
      advice:
        'Only one meta server may hold the ZooKeeper lock: check the meta server logs and ZooKeeper sessions, and restart the stale one.',
    });
  }
  if (info) {
    const configured = new Set(metas.map((m) => m.address));
    const unknown = info.metaServers.filter((a) => !configured.has(a));
    if (unknown.length > 0) {
      findings.push({
        check: checkIds.metaServers,
        severity: 'info',
        subject: 'cluster',
        summary: `the cluster lists meta servers the bot is not configured with: ${unknown.join(', ')}`,
        evidence: { cluster: info.metaServers.join(', '), configured: [...configured].join(', ') },
        advice: 'Add them to the bot configuration (meta servers of this cluster) so it can fail over to them.',
      });
    }
  }
  const leader = leaders.length === 1 ? leaders[0]?.address : undefined;
  if (leader && previous?.leader && previous.leader !== leader) {
    const since = now ? ` (last check ${formatAge(now.getTime() - Date.parse(previous.at))} ago)` : '';
    findings.push({
      check: checkIds.metaServers,
      severity: 'info',
      subject: 'cluster',
      summary: `the meta leader changed from ${previous.leader} to ${leader} since the last check${since}`,
      evidence: { previous: previous.leader, leader },
      advice:
        'The meta level lives in the leader’s memory: after a fail-over the new leader runs with its own start level. Check it with `get_meta_level`.',
    });
  }
  if (findings.every((f) => f.severity === 'info') && leader) {
    findings.unshift({
      check: checkIds.metaServers,
      severity: 'ok',
      subject: 'cluster',
      summary: `${reachable.length}/${metas.length} meta servers answer, leader ${leader}`,
      evidence: { leader },
    });
  }
  return findings;
}

const cureStopping: readonly MetaLevel[] = ['freezed', 'blind', 'stopped'];

function levelText(effective: MetaLevel | undefined, stored: MetaLevel | undefined): string {
  if (effective && stored && effective !== stored) return `${effective} (effective; stored ${stored})`;
  return effective ?? stored ?? 'unknown';
}

/** `meta_level`: steady is ok; lively outside a rebalance window warns; freezed, blind and stopped are critical. */
export function checkMetaLevel(input: ClusterCheckInput): Finding[] {
  const effective = input.info?.metaFunctionLevel;
  const stored = input.storedLevel;
  const level = effective ?? stored;
  const findings: Finding[] = [];
  if (!level) {
    return [
      {
        check: checkIds.metaLevel,
        severity: 'warn',
        subject: 'cluster',
        summary: 'the meta level could not be read',
        advice: 'Check that the leader meta server answers (`cluster_info`, `get_meta_level`).',
      },
    ];
  }
  const evidence: Record<string, string> = {
    ...(effective ? { effective: `fl_${effective}` } : {}),
    ...(stored ? { stored: `fl_${stored}` } : {}),
  };
  const text = levelText(effective, stored);
  if (effective === 'freezed' && stored && stored !== 'freezed' && !cureStopping.includes(stored)) {
    findings.push({
      check: checkIds.metaLevel,
      severity: 'crit',
      subject: 'cluster',
      summary: `meta level is ${text}: freeze protection, too few replica servers are alive`,
      evidence,
      advice: freezeProtectionAdvice,
    });
  } else if (cureStopping.includes(level)) {
    findings.push({
      check: checkIds.metaLevel,
      severity: 'crit',
      subject: 'cluster',
      summary: `meta level is ${text}: the meta server does not cure lost replicas`,
      evidence,
      advice: cureStoppedAdvice,
      action: { kind: 'run', ref: 'set_meta_level steady', label: 'Set steady' },
    });
  } else if (level === 'lively' && !input.rebalanceWindowOpen) {
    findings.push({
      check: checkIds.metaLevel,
      severity: 'warn',
      subject: 'cluster',
      summary: `meta level is ${text} with no approved rebalance window running`,
      evidence,
      advice: livelyOutsideWindowAdvice,
      action: { kind: 'run', ref: 'set_meta_level steady', label: 'Set steady' },
    });
  } else if (level === 'lively') {
    findings.push({
      check: checkIds.metaLevel,
      severity: 'info',
      subject: 'cluster',
      summary: `meta level is ${text} for the running rebalance window`,
      evidence,
    });
  } else {
    findings.push({
      check: checkIds.metaLevel,
      severity: effective && stored && effective !== stored ? 'info' : 'ok',
      subject: 'cluster',
      summary: `meta level is ${text}`,
      evidence,
    });
  }
  const before = input.previous?.level;
  if (effective && before && before !== effective) {
    findings.push({
      check: checkIds.metaLevel,
      severity: 'info',
      subject: 'cluster',
      summary: `meta level changed from ${before} to ${effective} since the last check`,
      evidence: { previous: `fl_${before}`, now: `fl_${effective}`, 'last check': input.previous?.at ?? '-' },
    });
  }
  return findings;
}

/** `copy_pri=0, copy_sec=0, move_pri=0, total=0`, as the meta server lists them. */
export function formatBalanceOperations(ops: BalanceOperations): string {
  return `copy_pri=${ops.copyPri}, copy_sec=${ops.copySec}, move_pri=${ops.movePri}, total=${ops.total}`;
}

/** `balance_pending`: balance operations the balancer wants, reported when left pending too long outside a window. */
export function checkBalancePending(input: ClusterCheckInput, thresholds: Thresholds): Finding[] {
  const ops = input.info?.balanceOperations;
  if (!ops) return [];
  const evidence: Record<string, string | number> = {
    move_pri: ops.movePri,
    copy_pri: ops.copyPri,
    copy_sec: ops.copySec,
    total: ops.total,
  };
  if (ops.total < 0) {
    return [
      {
        check: checkIds.balancePending,
        severity: 'info',
        subject: 'cluster',
        summary: 'the balancer has not collected replica information from every node yet (total = -1)',
        evidence,
      },
    ];
  }
  if (ops.total === 0) {
    return [
      {
        check: checkIds.balancePending,
        severity: 'ok',
        subject: 'cluster',
        summary: 'no balance operations pending',
        evidence,
      },
    ];
  }
  const level = input.info?.metaFunctionLevel ?? input.storedLevel;
  if (input.rebalanceWindowOpen || level === 'lively') {
    return [
      {
        check: checkIds.balancePending,
        severity: 'info',
        subject: 'cluster',
        summary: `rebalance in progress: ${plural(ops.total, 'balance operation')} left (${formatBalanceOperations(ops)})`,
        evidence,
      },
    ];
  }
  const since = input.previous?.balancePendingSince;
  const pendingMs = since ? input.now.getTime() - Date.parse(since) : 0;
  if (pendingMs >= thresholds.balancePendingMs) {
    return [
      {
        check: checkIds.balancePending,
        severity: 'warn',
        subject: 'cluster',
        summary: `${plural(ops.total, 'balance operation')} pending for ${formatAge(pendingMs)}: replicas are unbalanced`,
        evidence: { ...evidence, 'pending for': formatAge(pendingMs), since: since ?? '-' },
        advice: rebalanceAdvice(input.latencySensitiveTables ?? []),
        action: { kind: 'run', ref: 'rebalance plan', label: 'Plan a rebalance window' },
      },
    ];
  }
  return [
    {
      check: checkIds.balancePending,
      severity: 'info',
      subject: 'cluster',
      summary: `${plural(ops.total, 'balance operation')} pending${since ? ` for ${formatAge(pendingMs)}` : ''} (the balancer would run them at level lively)`,
      evidence,
    },
  ];
}

/** All cluster checks: `meta_servers`, `meta_level`, `balance_pending`. */
export function checkCluster(input: ClusterCheckInput, thresholds: Thresholds): Finding[] {
  return [
    ...checkMetaServers(input.metas, input.info, input.previous, input.now),
    ...checkMetaLevel(input),
    ...checkBalancePending(input, thresholds),
  ];
}
