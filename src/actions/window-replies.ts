/**
 * The messages of a rebalance window: the start (the thread root), progress each minute, notes (a leader
 * fail-over, a failed `steady`), the summary with the distribution before and after, and the views of
 * `rebalance status` and `rebalance list`.
 */
import { actorLabel } from '../commands/pending-replies.js';
import { formatDuration } from '../config/duration.js';
import { sortFindings, statusOf, type Finding, type Reply, type Status } from '../replies/reply.js';
import type { RebalanceWindow, WindowStatus } from '../store/store.js';
import {
  comparisonTable,
  distributionTable,
  formatOperations,
  pct,
  stddevChange,
  type Distribution,
} from './distribution.js';
import { formatWindowSpan, formatWindowTime } from './window-time.js';

/** What a progress step records (the step's `detail`), also shown by `rebalance status`. */
export interface ProgressDetail {
  operations: number;
  primaryStddev: number;
  totalStddev: number;
  replicaSkew: number;
  primarySkew: number;
  quietChecks: number;
}

function baseReply(window: RebalanceWindow, status: Status, title: string, at: Date): Reply {
  return {
    command: `rebalance status ${window.id}`,
    status,
    title,
    findings: [],
    context: { cluster: window.cluster, at: at.toISOString() },
  };
}

function windowFields(window: RebalanceWindow, timezone: string): { label: string; value: string }[] {
  return [
    { label: 'window', value: window.id },
    { label: 'cluster', value: window.cluster },
    { label: 'when', value: formatWindowSpan(window.start, window.end, timezone) },
    { label: 'status', value: window.status },
    { label: 'requested by', value: actorLabel(window.requestedBy) },
    ...(window.approvedBy ? [{ label: 'approved by', value: actorLabel(window.approvedBy) }] : []),
    ...(window.reason ? [{ label: 'reason', value: window.reason }] : []),
    ...(window.endReason ? [{ label: 'ended', value: window.endReason }] : []),
  ];
}

/** The thread root: the window started, the level is lively, and the distribution it starts from. */
export function startReply(window: RebalanceWindow, before: Distribution, timezone: string, at: Date): Reply {
  return {
    ...baseReply(
      window,
      'ok',
      `Rebalance window ${window.id} started on ${window.cluster}: meta level lively until ${formatWindowTime(window.end, timezone)}`,
      at,
    ),
    fields: windowFields({ ...window, status: 'running' }, timezone),
    tables: [distributionTable('distribution at the start', before)],
    text: [
      `Pre-checks passed (every replica server ALIVE, every partition healthy, not frozen); the meta level is now lively. Balance operations pending: ${formatOperations(before.balanceOperations)}; primary stddev ${before.primaryStddev.toFixed(2)}, total stddev ${before.totalStddev.toFixed(2)}.`,
      `Progress follows in this thread every minute. The window ends when balanced, at its end time, or when a guard trips; it always ends at steady. To stop it now: rebalance abort ${window.id}`,
    ],
    actions: [{ kind: 'run', ref: `rebalance abort ${window.id}`, label: 'Abort', style: 'danger' }],
  };
}

/** One minute of progress: operations left and the stddevs, before → now. */
export function progressReply(
  window: RebalanceWindow,
  before: Distribution | undefined,
  now: Distribution,
  quietChecks: number,
  timezone: string,
  at: Date,
): Reply {
  const ops = now.balanceOperations.total;
  const left = formatDuration(Math.max(0, window.end.getTime() - at.getTime()));
  return {
    ...baseReply(
      window,
      'ok',
      `Window ${window.id}: ${ops < 0 ? 'balance operations not collected yet' : `${ops} balance operation${ops === 1 ? '' : 's'} left`}`,
      at,
    ),
    fields: [
      { label: 'balance operations', value: formatOperations(now.balanceOperations) },
      {
        label: 'stddev',
        value: before
          ? stddevChange(before, now)
          : `primary ${now.primaryStddev.toFixed(2)}, total ${now.totalStddev.toFixed(2)}`,
      },
      { label: 'skew', value: `replicas ${pct(now.replicaSkew)}, primaries ${pct(now.primarySkew)}` },
      { label: 'quiet checks', value: `${quietChecks} of 2` },
      { label: 'time left', value: `${left} (until ${formatWindowTime(window.end, timezone)})` },
    ],
  };
}

/** A note in the window's thread (a leader fail-over, a retry). */
export function noteReply(window: RebalanceWindow, severity: 'info' | 'warn' | 'crit', text: string, at: Date): Reply {
  const findings: Finding[] = [{ check: 'rebalance_window', severity, subject: window.cluster, summary: text }];
  return {
    ...baseReply(window, statusOf(findings), `Window ${window.id}: ${text}`, at),
    findings,
  };
}

function statusWord(status: WindowStatus): string {
  switch (status) {
    case 'done':
      return 'finished';
    case 'aborted':
      return 'aborted';
    case 'failed':
      return 'failed';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    default:
      return status;
  }
}

/** The summary posted when a window ends: why, the level, and the distribution before and after. */
export function summaryReply(
  window: RebalanceWindow,
  before: Distribution | undefined,
  after: Distribution | undefined,
  levelNote: string,
  timezone: string,
  at: Date,
): Reply {
  const reason = window.endReason ?? 'ended';
  const status: Status = window.status === 'done' ? 'ok' : window.status === 'failed' ? 'crit' : 'warn';
  const findings: Finding[] = [];
  if (after && before) {
    findings.push({
      check: 'rebalance_window',
      severity: 'info',
      subject: window.cluster,
      summary: `${stddevChange(before, after)}; skew replicas ${pct(before.replicaSkew)} → ${pct(after.replicaSkew)}, primaries ${pct(before.primarySkew)} → ${pct(after.primarySkew)}`,
      evidence: {
        'operations before': formatOperations(before.balanceOperations),
        'operations after': formatOperations(after.balanceOperations),
      },
    });
  }
  if (window.status !== 'done') {
    findings.push({
      check: 'rebalance_window',
      severity: window.status === 'failed' ? 'crit' : 'warn',
      subject: window.cluster,
      summary: `the window ended early: ${reason}`,
    });
  }
  const ran =
    window.startedAt && window.endedAt
      ? ` after ${formatDuration(window.endedAt.getTime() - window.startedAt.getTime())}`
      : '';
  return {
    ...baseReply(window, status, `Rebalance window ${window.id} ${statusWord(window.status)}${ran}: ${reason}`, at),
    findings: sortFindings(findings),
    fields: windowFields(window, timezone),
    tables:
      before && after
        ? [comparisonTable('distribution before and after', before, after)]
        : after
          ? [distributionTable('distribution at the end', after)]
          : [],
    text: [levelNote, ...(after ? [] : ['The distribution at the end could not be read; see `nodes -d`.'])],
  };
}

/** `rebalance status <id>`: one window with its latest progress. */
export function windowDetailsReply(
  window: RebalanceWindow,
  progress: ProgressDetail | undefined,
  before: Distribution | undefined,
  after: Distribution | undefined,
  timezone: string,
  at: Date,
  extraText: string[] = [],
): Reply {
  const fields = windowFields(window, timezone);
  if (progress && window.status === 'running') {
    fields.push(
      { label: 'balance operations', value: String(progress.operations) },
      {
        label: 'stddev now',
        value: `primary ${progress.primaryStddev.toFixed(2)}, total ${progress.totalStddev.toFixed(2)}`,
      },
      { label: 'quiet checks', value: `${progress.quietChecks} of 2` },
    );
  }
  const status: Status = window.status === 'failed' ? 'warn' : 'ok';
  return {
    ...baseReply(window, status, `Rebalance window ${window.id} on ${window.cluster}: ${window.status}`, at),
    fields,
    tables:
      before && after
        ? [comparisonTable('distribution before and after', before, after)]
        : before
          ? [distributionTable('distribution at the start', before)]
          : [],
    ...(extraText.length > 0 ? { text: extraText } : {}),
  };
}

/** `rebalance list`: a table of windows, newest first. */
export function windowListReply(
  cluster: string,
  windows: readonly RebalanceWindow[],
  timezone: string,
  at: Date,
): Reply {
  return {
    command: 'rebalance list',
    status: 'ok',
    title:
      windows.length === 0
        ? `${cluster}: no rebalance windows`
        : `${cluster}: ${windows.length} rebalance window${windows.length === 1 ? '' : 's'}`,
    findings: [],
    tables:
      windows.length > 0
        ? [
            {
              title: 'rebalance windows',
              columns: ['id', 'status', 'when', 'requested by', 'reason / end'],
              rows: windows.map((w) => [
                w.id,
                w.status,
                formatWindowSpan(w.start, w.end, timezone),
                actorLabel(w.requestedBy),
                w.endReason ?? w.reason ?? '',
              ]),
            },
          ]
        : [],
    text:
      windows.length === 0
        ? [
            '`rebalance plan` shows the skew and proposes a window; `rebalance request <start> <duration>` asks for one.',
          ]
        : [],
    context: { cluster, at: at.toISOString() },
  };
}
