/**
 * What the rebalance commands and the window scheduler share: posting into a window's thread, settling
 * pending windows whose approval was decided (or ran out) elsewhere, and ending a window. The store is the
 * truth: every side effect is preceded by a recorded step (`store.recordWindowStep`), so a step never runs
 * twice, also across bot instances, and a bot restarted half-way resumes where the steps say it stopped.
 */
import type { ChatSink } from '../chat/chat-sink.js';
import type { Clock } from '../clock.js';
import type { Actor, MessageRef } from '../commands/command.js';
import type { ClusterHandle } from '../commands/command-spec.js';
import { actorLabel, decidedReply } from '../commands/pending-replies.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { MetaLevel } from '../pegasus/cluster-api.js';
import type { Reply } from '../replies/reply.js';
import type { AuditEntry, PendingAction, RebalanceWindow, Store, WindowStatus } from '../store/store.js';
import { asDistribution, readDistribution } from './distribution.js';
import { rememberLeader } from './leader-watch.js';
import { noteReply, summaryReply } from './window-replies.js';
import { effectiveTimeZone } from './window-time.js';

/** What window operations need. */
export interface WindowDeps {
  store: Store;
  clock: Clock;
  config: Config;
  sinks: readonly ChatSink[];
  logger?: Logger;
}

/** The actor the scheduler's own audit lines name. */
export const schedulerActor: Actor = { platform: 'console', userId: 'scheduler', displayName: 'rebalance scheduler' };

/** The command line of the approval a window request creates; the dispatcher runs it once approved. */
export function openCommand(windowId: string): string {
  return `rebalance open ${windowId}`;
}

/** Whether a pending action is the approval of a window request. */
export function isWindowApproval(pending: PendingAction): boolean {
  return pending.command.startsWith('rebalance open ');
}

/** The configured time zone, or UTC when it is unknown. */
export function zoneOf(deps: { config: Config }): string {
  return effectiveTimeZone(deps.config.timezone);
}

/** Appends an audit line; a failed write is logged, never thrown (the action already happened). */
export async function auditWindow(deps: WindowDeps, entry: Omit<AuditEntry, 'id' | 'at'>): Promise<void> {
  try {
    await deps.store.appendAudit({ ...entry, at: deps.clock.now() });
  } catch (err) {
    deps.logger?.error({ err, event: entry.event, ref: entry.ref }, 'audit write failed');
  }
}

/** Posts into the window's thread (or its channel before there is one); undefined when no sink can. */
export async function postToWindow(
  deps: WindowDeps,
  window: RebalanceWindow,
  reply: Reply,
): Promise<MessageRef | undefined> {
  const sink = deps.sinks.find((s) => s.platform === window.requestedBy.platform);
  if (!sink) return undefined;
  try {
    return await sink.post(
      window.thread ? { channelId: window.thread.channelId, threadOf: window.thread } : { channelId: window.channelId },
      reply,
    );
  } catch (err) {
    deps.logger?.error({ err, window: window.id }, 'posting to the window thread failed');
    return undefined;
  }
}

/** Edits the approval request's messages to show its decision. */
export async function updateApprovalMessages(deps: WindowDeps, pending: PendingAction): Promise<void> {
  const content = decidedReply(pending, zoneOf(deps), deps.clock.now());
  for (const ref of pending.messages) {
    const sink = deps.sinks.find((s) => s.platform === ref.platform);
    if (!sink) continue;
    try {
      await sink.update(ref, content);
    } catch (err) {
      deps.logger?.error({ err, ref: pending.id }, 'editing the approval message failed');
    }
  }
}

/** Moves a window out of `pending`/`approved` into a final status without touching the cluster. */
export async function closeUnstarted(
  deps: WindowDeps,
  window: RebalanceWindow,
  status: WindowStatus,
  reason: string,
): Promise<RebalanceWindow | undefined> {
  const closed = await deps.store.updateWindow(window.id, ['pending', 'approved'], {
    status,
    endReason: reason,
    endedAt: deps.clock.now(),
  });
  if (closed) {
    await auditWindow(deps, {
      actor: schedulerActor,
      channelId: window.channelId,
      cluster: window.cluster,
      event: 'window',
      command: `rebalance ${window.id}`,
      outcome: `${status}: ${reason}`,
      ref: window.id,
    });
  }
  return closed;
}

/**
 * Brings pending and approved-but-unstarted windows in line with their approvals: decided by a button
 * (approved, rejected, withdrawn), expired, or past their end before they could start.
 */
export async function settleWindows(deps: WindowDeps, cluster: string): Promise<void> {
  const now = deps.clock.now();
  const { store } = deps;
  for (const window of await store.listWindows({ cluster, statuses: ['pending', 'approved'] })) {
    if (window.status === 'approved') {
      const started = (await store.listWindowSteps(window.id)).some((s) => s.key === 'start');
      if (!started && now.getTime() >= window.end.getTime()) {
        await closeUnstarted(deps, window, 'expired', 'the window passed before it could start');
      }
      continue;
    }
    const pending = await store.getPending(window.id);
    if (!pending) {
      await closeUnstarted(deps, window, 'expired', 'its approval request is missing');
      continue;
    }
    switch (pending.status) {
      case 'pending': {
        const expired = now.getTime() >= pending.expiresAt.getTime();
        if (!expired && now.getTime() < window.end.getTime()) break;
        const done = await store.transitionPending(pending.id, ['pending'], 'expired');
        if (!done) break; // decided a moment ago: the next pass sees the decision
        await updateApprovalMessages(deps, done);
        await closeUnstarted(deps, window, 'expired', 'nobody approved it in time');
        break;
      }
      case 'approved':
      case 'executed':
        await store.updateWindow(window.id, ['pending'], {
          status: 'approved',
          ...(pending.decidedBy ? { approvedBy: pending.decidedBy } : {}),
        });
        break;
      case 'rejected':
        await closeUnstarted(
          deps,
          window,
          'rejected',
          `rejected by ${pending.decidedBy ? actorLabel(pending.decidedBy) : 'an approver'}`,
        );
        break;
      case 'cancelled':
        await closeUnstarted(deps, window, 'rejected', 'withdrawn by its requester');
        break;
      case 'expired':
        await closeUnstarted(deps, window, 'expired', 'nobody approved it in time');
        break;
      case 'failed':
        await closeUnstarted(deps, window, 'failed', `its approval could not be carried out: ${pending.result ?? ''}`);
        break;
    }
  }
}

/** How a window ends. `keepLevel` leaves the meta level alone (someone else set freezed or lower). */
export interface WindowOutcome {
  status: 'done' | 'aborted' | 'failed';
  reason: string;
  keepLevel?: MetaLevel;
}

function asOutcome(detail: unknown): WindowOutcome | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const d = detail as Record<string, unknown>;
  const status = d['status'];
  const reason = d['reason'];
  const keepLevel = d['keepLevel'];
  if ((status !== 'done' && status !== 'aborted' && status !== 'failed') || typeof reason !== 'string')
    return undefined;
  return { status, reason, ...(typeof keepLevel === 'string' ? { keepLevel: keepLevel as MetaLevel } : {}) };
}

/** The outcome already decided for a window (its recorded `end` step), if any. */
export async function decidedOutcome(store: Store, windowId: string): Promise<WindowOutcome | undefined> {
  const end = (await store.listWindowSteps(windowId)).find((s) => s.key === 'end');
  return end ? asOutcome(end.detail) : undefined;
}

function minuteKey(at: Date): string {
  return at.toISOString().slice(0, 16);
}

/**
 * Ends a window: records the outcome (the first one recorded wins), sets `steady` (once), reads the
 * distribution after, stores the final status and posts the summary. Resumable: when `steady` cannot be set,
 * the window stays `running` with its outcome recorded and the next call (the next scheduler tick) retries.
 * Call it under the cluster's `rebalance:<cluster>` lock. Resolves to the final window, or undefined while
 * unfinished.
 */
export async function finishWindow(
  deps: WindowDeps,
  handle: ClusterHandle,
  window: RebalanceWindow,
  proposed: WindowOutcome,
): Promise<RebalanceWindow | undefined> {
  const { store, clock } = deps;
  const tz = zoneOf(deps);
  const recorded = await store.recordWindowStep({
    windowId: window.id,
    key: 'end',
    at: clock.now(),
    detail: proposed,
  });
  const outcome = recorded ? proposed : ((await decidedOutcome(store, window.id)) ?? proposed);
  const steps = await store.listWindowSteps(window.id);
  let levelNote: string;
  if (outcome.keepLevel) {
    levelNote = `The meta level was left at fl_${outcome.keepLevel}, as someone else set it; set steady when appropriate (\`set_meta_level steady\`).`;
  } else if (steps.some((s) => s.key === 'steady')) {
    levelNote = 'The meta level is back to steady.';
  } else {
    const set = await handle.api.setMetaLevel('steady');
    if (!set.ok) {
      const now = clock.now();
      // Said once per ten minutes while the cluster does not answer, not every minute.
      const bucket = minuteKey(new Date(Math.floor(now.getTime() / 600_000) * 600_000));
      if (
        await store.recordWindowStep({
          windowId: window.id,
          key: `steady-failed:${bucket}`,
          at: now,
          detail: set.error,
        })
      ) {
        await postToWindow(
          deps,
          window,
          noteReply(
            window,
            'crit',
            `could not set the meta level back to steady: ${set.error.message}. The bot retries every minute; to do it by hand: set_meta_level steady`,
            now,
          ),
        );
      }
      deps.logger?.error({ window: window.id, error: set.error }, 'setting steady at the end of a window failed');
      return undefined;
    }
    await store.recordWindowStep({
      windowId: window.id,
      key: 'steady',
      at: clock.now(),
      detail: { oldLevel: set.value.oldLevel },
    });
    levelNote = `The meta level is back to steady (it was fl_${set.value.oldLevel}).`;
  }
  const read = await readDistribution(handle.api, clock.now());
  if (read.ok && !outcome.keepLevel && read.value.info.primaryMetaServer) {
    await rememberLeader(store, window.cluster, read.value.info.primaryMetaServer, 'steady', clock.now()).catch(
      () => undefined,
    );
  }
  const after = read.ok ? read.value.distribution : undefined;
  const ended = await store.updateWindow(window.id, ['running', 'approved'], {
    status: outcome.status,
    endReason: outcome.reason,
    ...(after ? { after } : {}),
    endedAt: clock.now(),
  });
  if (!ended) return store.getWindow(window.id);
  if (await store.recordWindowStep({ windowId: window.id, key: 'summary', at: clock.now(), detail: null })) {
    await postToWindow(
      deps,
      ended,
      summaryReply(ended, asDistribution(ended.before), after, levelNote, tz, clock.now()),
    );
  }
  await auditWindow(deps, {
    actor: schedulerActor,
    channelId: window.channelId,
    cluster: window.cluster,
    event: 'window',
    command: `rebalance end ${window.id}`,
    outcome: `${outcome.status}: ${outcome.reason}`,
    ...(window.approvedBy ? { approvers: [`${window.approvedBy.platform}:${window.approvedBy.userId}`] } : {}),
    ref: window.id,
  });
  return ended;
}

/** Runs `fn` under the cluster's window lock, retrying briefly while a scheduler tick holds it. */
export async function withWindowLock<T>(
  store: Store,
  cluster: string,
  fn: () => Promise<T>,
  attempts = 20,
  waitMs = 250,
): Promise<{ ran: true; value: T } | { ran: false }> {
  for (let i = 0; i < attempts; i++) {
    const result = await store.withLock(windowLockName(cluster), fn);
    if (result.ran) return result;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return { ran: false };
}

/** The lock under which one instance at a time runs a cluster's window steps. */
export function windowLockName(cluster: string): string {
  return `rebalance:${cluster}`;
}
