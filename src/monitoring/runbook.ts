/**
 * The runbook hint of each rule, in the words of the Pegasus administration guide, and the action attached
 * to it. Inspection findings already carry the guide's advice from `src/diagnostics/advice.ts`; this adds
 * the cases the health checks do not cover (restart loops, baselines, host metrics) and gives Alertmanager
 * alerts named after a rule the same hint.
 */
import {
  cureStoppedAdvice,
  diskAdvice,
  freezeAdvice,
  latencyAdvice,
  machineDownAdvice,
  memoryAdvice,
  processExitedAdvice,
  rebalanceAdvice,
  sessionsAdvice,
  unaliveAdvice,
  unavailablePartitionsAdvice,
  versionsAdvice,
} from '../diagnostics/advice.js';
import type { ReplyAction } from '../replies/reply.js';
import type { RuleId } from './rule-ids.js';

/** A restart loop: stop the supervisor from hiding the cause. */
export const restartLoopAdvice = `The server keeps restarting: pause the process supervisor (systemd, supervisord, the container restart policy) while investigating, so the crash and its logs stay visible. ${processExitedAdvice}`;

/** IOPS far from the baseline. */
export const iopsChangeAdvice =
  'Traffic moved far from its usual level: a sudden rise may be a client retry storm or a new job (check `app_stat` for the table and the client hosts with `connections`); a sudden fall often means clients are failing (check their error logs) or a partition is unavailable (`ls -d`).';

/** P99 far above its baseline. */
export const p99SpikeAdvice = `P99 latency jumped against its usual level. ${latencyAdvice}`;

/** CPU over the high-water mark. */
export const cpuAdvice =
  'CPU is saturated on this host: look for compactions, hot partitions (`app_stat -a <table>`) or a rebalance in progress, and for other processes on the machine (top).';

/** Network over the high-water mark. */
export const networkAdvice =
  'The network interface is near its capacity: look for a rebalance or replica learning in progress (`cluster_info` balance operations), large scans, or bulk loads; spread heavy clients or add bandwidth.';

/** The action that proposes a rebalance window. */
export const planRebalanceAction: ReplyAction = {
  kind: 'run',
  ref: 'rebalance plan',
  label: 'Plan a rebalance window',
};

/** The action that freezes the cluster (dangerous: goes through approval). */
export const freezeAction: ReplyAction = {
  kind: 'run',
  ref: 'set_meta_level freezed',
  label: 'Freeze the cluster',
  style: 'danger',
};

/** The hint and action of each rule. */
export const runbook: Record<RuleId, { advice: string; action?: ReplyAction }> = {
  cluster_unreachable: { advice: machineDownAdvice },
  meta_servers: {
    advice:
      'The meta servers elect their leader through ZooKeeper: check that ZooKeeper is up and reachable from the meta servers, and read the meta server logs.',
  },
  unreachable: { advice: machineDownAdvice },
  availability: { advice: unavailablePartitionsAdvice },
  table_count: {
    advice:
      'A table disappeared or an expected one is missing: find who dropped it (`audit`, the meta server log); a dropped table can be recovered until its drop_expire time.',
  },
  node_unalive: { advice: unaliveAdvice },
  faulty_servers: { advice: freezeAdvice, action: freezeAction },
  restart: { advice: `If nobody restarted it on purpose: ${processExitedAdvice}` },
  restart_loop: { advice: restartLoopAdvice },
  version_drift: { advice: versionsAdvice },
  meta_level: { advice: cureStoppedAdvice },
  balance_pending: { advice: rebalanceAdvice([]), action: planRebalanceAction },
  skew: { advice: rebalanceAdvice([]), action: planRebalanceAction },
  memory: { advice: memoryAdvice },
  disk: { advice: diskAdvice },
  sessions: { advice: sessionsAdvice },
  cpu: { advice: cpuAdvice },
  network: { advice: networkAdvice },
  p99_high: { advice: latencyAdvice },
  p99_spike: { advice: p99SpikeAdvice },
  iops_change: { advice: iopsChangeAdvice },
};
