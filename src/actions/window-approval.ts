/**
 * Requesting and deciding rebalance windows. In chat a request stores the window as `pending` together with
 * an approval request (a pending action of the dispatcher's kind, with the window's id and the command line
 * `rebalance open <id>`): the Approve/Reject buttons and the typed `approve <id>` go through the dispatcher's
 * gate, which runs `rebalance open <id>` exactly once after approval; `rebalance approve|reject <id>` are
 * aliases decided here with the same rules (someone else, with the approver role, before expiry, once). At the
 * machine (console, exec) there is no second person: a local admin's confirmed request is approved at once.
 */
import { randomBytes } from 'node:crypto';
import type { CommandContext } from '../commands/command-spec.js';
import {
  actorLabel,
  alreadyDecidedReply,
  approvalRequestReply,
  decidedReply,
  decisionLine,
  waitingReply,
} from '../commands/pending-replies.js';
import { actorKey, authorize, checkChannel, isLocal, mayDecide, ruleFor } from '../commands/policy.js';
import { formatTime } from '../commands/format-time.js';
import { messageReply, type Finding, type Reply } from '../replies/reply.js';
import type { PendingAction, RebalanceWindow } from '../store/store.js';
import { formatOperations, pct, readDistribution, skewWithin } from './distribution.js';
import {
  auditWindow,
  closeUnstarted,
  isWindowApproval,
  openCommand,
  updateApprovalMessages,
  withWindowLock,
  zoneOf,
  type WindowDeps,
} from './window-lifecycle.js';
import { formatWindowSpan, formatWindowTime } from './window-time.js';

/** Stable codes of window refusals. */
export const WindowCode = {
  overlap: 'WINDOW_OVERLAP',
  unknownWindow: 'UNKNOWN_WINDOW',
  notPending: 'NOT_PENDING',
  busy: 'BUSY',
} as const;

/** A window as asked for. */
export interface WindowRequest {
  start: Date;
  end: Date;
  reason?: string;
}

function depsOf(ctx: CommandContext): WindowDeps {
  return { store: ctx.store, clock: ctx.clock, config: ctx.config, sinks: ctx.sinks };
}

/** A refusal reply: status unknown, a stable code, what happened and what to do. */
export function windowRefusal(
  ctx: CommandContext,
  command: string,
  code: string,
  title: string,
  text: string[],
): Reply {
  return messageReply(command, 'unknown', title, text, ctx.clock.now(), {
    ephemeral: true,
    data: { error: { code } },
    context: { cluster: ctx.cluster.name, at: ctx.clock.now().toISOString() },
  });
}

function overlaps(a: { start: Date; end: Date }, b: { start: Date; end: Date }): boolean {
  return a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime();
}

/** The open windows of a cluster (pending, approved or running) that overlap a period. */
export async function overlappingWindows(
  ctx: CommandContext,
  period: { start: Date; end: Date },
): Promise<RebalanceWindow[]> {
  const open = await ctx.store.listWindows({ cluster: ctx.cluster.name, statuses: ['pending', 'approved', 'running'] });
  return open.filter((w) => overlaps(w, period));
}

/** One line for prompts: `open a rebalance window on prod: 2026-01-02 02:00–04:00 UTC (2h)`. */
export function describeWindow(ctx: CommandContext, request: WindowRequest): string {
  return `open a rebalance window on ${ctx.cluster.name}: ${formatWindowSpan(request.start, request.end, zoneOf(ctx))}${request.reason ? ` (${request.reason})` : ''}`;
}

/** What the requester and the approvers should know before deciding. */
export async function windowWarnings(ctx: CommandContext, request: WindowRequest): Promise<Finding[]> {
  const name = ctx.cluster.name;
  const findings: Finding[] = [];
  for (const w of await overlappingWindows(ctx, request)) {
    findings.push({
      check: 'rebalance_window',
      severity: 'crit',
      subject: name,
      summary: `overlaps window ${w.id} (${w.status}, ${formatWindowSpan(w.start, w.end, zoneOf(ctx))}): the request will be refused`,
    });
  }
  const [read, tables] = await Promise.all([
    readDistribution(ctx.cluster.api, ctx.clock.now()),
    ctx.cluster.api.listTables(),
  ]);
  if (read.ok) {
    const d = read.value.distribution;
    const unalive = d.nodes.filter((n) => n.status === 'UNALIVE');
    if (unalive.length > 0) {
      findings.push({
        check: 'nodes_alive',
        severity: 'warn',
        subject: name,
        summary: `${unalive.map((n) => n.address).join(', ')} UNALIVE now: the pre-checks at the start fail unless every replica server is ALIVE by then`,
      });
    }
    const ratio = ctx.cluster.config.thresholds.skewRatio;
    if (skewWithin(d, ratio) && d.balanceOperations.total === 0) {
      findings.push({
        check: 'rebalance_window',
        severity: 'info',
        subject: name,
        summary: `the cluster looks balanced now (skew replicas ${pct(d.replicaSkew)}, primaries ${pct(d.primarySkew)}; no balance operations pending): the window may end at its first checks`,
      });
    } else {
      findings.push({
        check: 'rebalance_window',
        severity: 'info',
        subject: name,
        summary: `skew now: replicas ${pct(d.replicaSkew)}, primaries ${pct(d.primarySkew)} (allowed ${pct(ratio)}); balance operations pending: ${formatOperations(d.balanceOperations)}`,
      });
    }
  }
  if (tables.ok) {
    const ill = tables.value.reduce((sum, t) => sum + (t.health?.unhealthy ?? 0), 0);
    if (ill > 0) {
      findings.push({
        check: 'table_health',
        severity: 'warn',
        subject: name,
        summary: `${ill} partition${ill === 1 ? ' is' : 's are'} unhealthy now: the balancer does not run while any partition is unhealthy, and the pre-checks at the start fail`,
      });
    }
  }
  const sensitive = ctx.cluster.config.latencySensitiveTables;
  if (sensitive.length > 0) {
    const t = ctx.cluster.config.thresholds;
    findings.push({
      check: 'latency_sensitive',
      severity: 'info',
      subject: name,
      summary: `guarded: the window ends early if the P99 of ${sensitive
        .map(
          (s) => `${s.name} (read ${s.readP99Ms ?? t.readP99MsWarn} ms, write ${s.writeP99Ms ?? t.writeP99MsWarn} ms)`,
        )
        .join(', ')} goes over its limit`,
    });
  }
  return findings;
}

function randomId(): string {
  return randomBytes(4).toString('hex');
}

/**
 * Creates a window: in chat as `pending` with an approval request posted to the approvers; at the machine
 * (a local admin who confirmed) as `approved` at once. Overlapping windows are refused.
 */
export async function createWindowRequest(
  ctx: CommandContext,
  command: string,
  request: WindowRequest,
  newId: () => string = randomId,
): Promise<Reply> {
  const tz = zoneOf(ctx);
  const deps = depsOf(ctx);
  const local = isLocal(ctx.actor.platform);
  if (local) {
    // Dangerous at the machine means: the local user holds the approver's role and has confirmed.
    const allowed = authorize(
      { actor: ctx.actor, channelId: ctx.channelId, cluster: ctx.cluster.name, command, risk: 'dangerous' },
      ctx.config,
    );
    if (!allowed.ok) return windowRefusal(ctx, command, allowed.error.code, 'Not allowed', [allowed.error.message]);
  }
  const describe = describeWindow(ctx, request);
  const warnings = (await windowWarnings(ctx, request)).filter(
    (f) => f.check !== 'rebalance_window' || f.severity !== 'crit',
  );
  const now = ctx.clock.now();
  const id = newId();
  const locked = await withWindowLock(ctx.store, ctx.cluster.name, async () => {
    const clash = await overlappingWindows(ctx, request);
    if (clash.length > 0) return { clash };
    const window: RebalanceWindow = {
      id,
      cluster: ctx.cluster.name,
      start: request.start,
      end: request.end,
      ...(request.reason ? { reason: request.reason } : {}),
      requestedBy: ctx.actor,
      channelId: ctx.channelId,
      status: local ? 'approved' : 'pending',
      ...(local ? { approvedBy: ctx.actor } : {}),
      quietChecks: 0,
      updatedAt: now,
    };
    await ctx.store.createWindow(window);
    return { window };
  });
  if (!locked.ran) {
    return windowRefusal(ctx, command, WindowCode.busy, 'Try again', [
      'The window scheduler is busy with this cluster right now, so nothing was created. Try again in a few seconds.',
    ]);
  }
  if ('clash' in locked.value) {
    const list = locked.value.clash.map((w) => `${w.id} (${w.status}, ${formatWindowSpan(w.start, w.end, tz)})`);
    return windowRefusal(ctx, command, WindowCode.overlap, 'Overlapping window', [
      `The window ${formatWindowSpan(request.start, request.end, tz)} overlaps ${list.join(', ')}, so nothing was created.`,
      'Pick a time outside it (`rebalance list` shows the windows), or abort the other one first (`rebalance abort <id>`).',
    ]);
  }
  const window = locked.value.window;
  if (local) {
    await auditWindow(deps, {
      actor: ctx.actor,
      channelId: ctx.channelId,
      cluster: window.cluster,
      event: 'window',
      command,
      args: { start: window.start.toISOString(), end: window.end.toISOString(), reason: window.reason },
      outcome: 'approved: local admin, confirmed',
      ref: window.id,
    });
    return {
      ...messageReply(command, 'ok', `Rebalance window ${window.id} approved: ${describe}`, [], now),
      findings: warnings,
      fields: [
        { label: 'window', value: window.id },
        { label: 'when', value: formatWindowSpan(window.start, window.end, tz) },
      ],
      text: [
        'At the machine there is no second person, so your confirmed request is approved. At the start the bot checks that every replica server is ALIVE, every partition healthy and the cluster not frozen, then sets lively; it sets steady again when balanced, at the end time, on abort, or when a guard trips.',
        `To cancel it: rebalance abort ${window.id}`,
      ],
      context: { cluster: window.cluster, at: now.toISOString() },
      data: { window: { id: window.id, status: window.status } },
    };
  }
  const rule = ruleFor('dangerous', ctx.actor.platform);
  const pending: PendingAction = {
    id: window.id,
    kind: 'approval',
    command: openCommand(window.id),
    cluster: window.cluster,
    params: { sub: 'open', id: window.id },
    risk: 'dangerous',
    requestedBy: ctx.actor,
    channelId: ctx.channelId,
    requiredRole: rule.approverRole ?? 'admin',
    createdAt: now,
    // An approval after the window's end is pointless; before, it may still start late.
    expiresAt: new Date(Math.min(now.getTime() + ctx.config.approvalTtlMs, window.end.getTime())),
    status: 'pending',
    messages: [],
  };
  await ctx.store.createPending(pending);
  await auditWindow(deps, {
    actor: ctx.actor,
    channelId: ctx.channelId,
    cluster: window.cluster,
    event: 'approval_requested',
    command,
    args: { start: window.start.toISOString(), end: window.end.toISOString(), reason: window.reason },
    outcome: 'pending',
    ref: window.id,
  });
  const platform = ctx.actor.platform;
  const sink = ctx.sinks.find((s) => s.platform === platform);
  const approvalChannel =
    (platform === 'slack' || platform === 'discord' ? ctx.config.approvalChannels[platform] : undefined) ??
    ctx.channelId;
  let where: string | undefined;
  if (sink) {
    try {
      const ref = await sink.post(
        { channelId: approvalChannel },
        approvalRequestReply(pending, describe, warnings, tz),
      );
      await ctx.store.addPendingMessage(pending.id, ref);
      where = approvalChannel === ctx.channelId ? 'this channel' : `the approvers’ channel (${approvalChannel})`;
    } catch {
      where = undefined;
    }
  }
  const waiting = waitingReply(pending, describe, warnings, where, tz);
  return {
    ...waiting,
    command,
    text: [`Window ${window.id} is stored as pending. ${waiting.text?.[0] ?? ''}`, ...(waiting.text?.slice(1) ?? [])],
    data: { ...waiting.data, window: { id: window.id, status: window.status } },
  };
}

/** Runs after the dispatcher's gate approved a window request (`rebalance open <id>`): the window becomes approved. */
export async function openApprovedWindow(ctx: CommandContext, id: string): Promise<Reply> {
  const command = openCommand(id);
  const tz = zoneOf(ctx);
  const [window, pending] = await Promise.all([ctx.store.getWindow(id), ctx.store.getPending(id)]);
  if (!window) {
    return windowRefusal(ctx, command, WindowCode.unknownWindow, 'Unknown window', [
      `There is no rebalance window ${id}. \`rebalance list\` shows the windows.`,
    ]);
  }
  let current = window;
  if (window.status === 'pending' && pending && (pending.status === 'approved' || pending.status === 'executed')) {
    current =
      (await ctx.store.updateWindow(id, ['pending'], {
        status: 'approved',
        ...(pending.decidedBy ? { approvedBy: pending.decidedBy } : {}),
      })) ??
      (await ctx.store.getWindow(id)) ??
      window;
  }
  if (current.status === 'approved') {
    const by = current.approvedBy ? ` by ${actorLabel(current.approvedBy)}` : '';
    return {
      ...messageReply(
        command,
        'ok',
        `Rebalance window ${id} approved${by}: ${formatWindowSpan(current.start, current.end, tz)}`,
        [
          `${
            current.start.getTime() <= ctx.clock.now().getTime()
              ? 'Within a minute'
              : `At its start (${formatWindowTime(current.start, tz)} ${tz})`
          } the bot checks that every replica server is ALIVE, every partition healthy and the cluster not frozen, then sets lively; progress goes to a thread in the channel the request came from. To cancel: rebalance abort ${id}`,
        ],
        ctx.clock.now(),
      ),
      context: { cluster: current.cluster, at: ctx.clock.now().toISOString() },
      data: { window: { id, status: current.status } },
    };
  }
  if (current.status === 'pending') {
    return windowRefusal(ctx, command, WindowCode.notPending, 'Waiting for approval', [
      `Window ${id} waits for a second person's approval: \`approve ${id}\` or \`rebalance approve ${id}\` (by someone with the ${pending?.requiredRole ?? 'admin'} role, not the requester).`,
    ]);
  }
  return windowRefusal(ctx, command, WindowCode.notPending, `Window ${id} is ${current.status}`, [
    `Window ${id} is ${current.status}${current.endReason ? ` (${current.endReason})` : ''}; nothing was changed.`,
  ]);
}

/**
 * `rebalance approve|reject <id>`: decides a window's approval request with the dispatcher's rules (not the
 * requester, the approver role, before expiry, exactly once through `store.transitionPending`).
 */
export async function decideWindowRequest(ctx: CommandContext, id: string, kind: 'approve' | 'reject'): Promise<Reply> {
  const command = `rebalance ${kind} ${id}`;
  const deps = depsOf(ctx);
  const tz = zoneOf(ctx);
  const now = ctx.clock.now();
  const refuse = async (
    pending: PendingAction | undefined,
    code: string,
    title: string,
    text: string[],
  ): Promise<Reply> => {
    await auditWindow(deps, {
      actor: ctx.actor,
      channelId: ctx.channelId,
      ...(pending ? { cluster: pending.cluster } : {}),
      event: 'refused',
      command,
      outcome: `refused: ${code}`,
      ref: id,
    });
    return windowRefusal(ctx, command, code, title, text);
  };
  const pending = await ctx.store.getPending(id);
  if (!pending || !isWindowApproval(pending)) {
    const window = await ctx.store.getWindow(id);
    if (window) {
      return refuse(undefined, WindowCode.notPending, `Window ${id} needs no approval`, [
        `Window ${id} is ${window.status}${window.approvedBy ? `, approved by ${actorLabel(window.approvedBy)}` : ''}; there is nothing to ${kind}.`,
      ]);
    }
    return refuse(undefined, WindowCode.unknownWindow, 'Unknown window', [
      pending
        ? `Request ${id} is not a rebalance window; decide it with \`${kind} ${id}\`.`
        : `There is no rebalance window request ${id}. \`rebalance list\` shows the windows.`,
    ]);
  }
  if (pending.status !== 'pending') {
    await refuse(pending, 'ALREADY_DECIDED', 'Already decided', []);
    return alreadyDecidedReply(pending, tz, now);
  }
  const may = mayDecide(ctx.actor, pending, ctx.config);
  if (!may.ok) return refuse(pending, may.error.code, 'Not allowed', [may.error.message]);
  if (pending.cluster !== ctx.cluster.name || ctx.channelId !== pending.channelId) {
    const platform = ctx.actor.platform;
    const approvalChannel =
      platform === 'slack' || platform === 'discord' ? ctx.config.approvalChannels[platform] : undefined;
    if (ctx.channelId !== approvalChannel) {
      const channel = checkChannel(platform, ctx.channelId, pending.cluster, ctx.config);
      if (!channel.ok) return refuse(pending, channel.error.code, 'Not allowed here', [channel.error.message]);
    }
  }
  const window = await ctx.store.getWindow(id);
  if (now.getTime() >= pending.expiresAt.getTime()) {
    const expired = await ctx.store.transitionPending(id, ['pending'], 'expired');
    if (!expired) return alreadyDecidedReply((await ctx.store.getPending(id)) ?? pending, tz, now);
    await updateApprovalMessages(deps, expired);
    if (window) await closeUnstarted(deps, window, 'expired', 'nobody approved it in time');
    return refuse(expired, 'EXPIRED', 'Request expired', [
      `Request ${id} (window ${formatWindow(window, tz)}) expired at ${formatTime(pending.expiresAt, tz)} and was not approved. Ask for a new window with \`rebalance request\`.`,
    ]);
  }
  const to = kind === 'approve' ? 'approved' : 'rejected';
  const decided = await ctx.store.transitionPending(id, ['pending'], to, { decidedBy: ctx.actor, decidedAt: now });
  if (!decided) return alreadyDecidedReply((await ctx.store.getPending(id)) ?? pending, tz, now);
  await auditWindow(deps, {
    actor: ctx.actor,
    channelId: ctx.channelId,
    cluster: decided.cluster,
    event: kind === 'approve' ? 'approved' : 'rejected',
    command: decided.command,
    outcome: kind === 'approve' ? 'approved' : 'rejected',
    ...(kind === 'approve' ? { approvers: [actorKey(ctx.actor)] } : {}),
    ref: id,
  });
  let final: PendingAction = decided;
  let reply: Reply;
  if (kind === 'approve') {
    reply = await openApprovedWindow(ctx, id);
    const failed = reply.status === 'unknown';
    final =
      (await ctx.store.transitionPending(id, ['approved'], failed ? 'failed' : 'executed', {
        result: `${reply.status}: ${reply.title}`,
      })) ?? decided;
    await auditWindow(deps, {
      actor: pending.requestedBy,
      channelId: pending.channelId,
      cluster: pending.cluster,
      event: 'result',
      command: pending.command,
      outcome: failed ? `error: ${reply.title}` : reply.status,
      approvers: [actorKey(ctx.actor)],
      ref: id,
    });
  } else {
    if (window) await closeUnstarted(deps, window, 'rejected', `rejected by ${actorLabel(ctx.actor)}`);
    reply = decidedReply(decided, tz, now);
  }
  await updateApprovalMessages(deps, final);
  const outcome: Reply = {
    ...reply,
    command,
    text: [decisionLine(final, tz), ...(reply.text ?? []).filter((t) => t !== decisionLine(final, tz))],
    ephemeral: false,
    data: { ...reply.data, pending: { id, kind: final.kind, status: final.status } },
  };
  if (ctx.channelId !== pending.channelId) {
    const sink = ctx.sinks.find((s) => s.platform === pending.requestedBy.platform);
    await sink?.post({ channelId: pending.channelId }, { ...outcome, replaceOriginal: false }).catch(() => undefined);
  }
  return outcome;
}

function formatWindow(window: RebalanceWindow | undefined, tz: string): string {
  return window ? formatWindowSpan(window.start, window.end, tz) : 'unknown';
}
