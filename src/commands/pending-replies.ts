/**
 * The replies of the confirmation/approval gate: the prompt, the approval request, the requester's
 * "waiting" note, the decided message that replaces the buttons, and the refusals of a decision.
 */
import { messageReply, statusOf, type Finding, type Reply } from '../replies/reply.js';
import type { PendingAction, PendingStatus } from '../store/store.js';
import type { Actor } from './command.js';
import { formatTime } from './format-time.js';

/** Display form of an actor: `Alice (slack:U1)` or `slack:U1`. */
export function actorLabel(actor: Actor): string {
  const key = `${actor.platform}:${actor.userId}`;
  return actor.displayName ? `${actor.displayName} (${key})` : key;
}

/** The prompt a requester gets for a change: describe line, preflight warnings, Confirm/Cancel. */
export function confirmationReply(p: PendingAction, describe: string, warnings: Finding[], timezone: string): Reply {
  return {
    ...messageReply(p.command, statusOf(warnings), `Confirm: ${describe}?`, [], p.createdAt),
    findings: warnings,
    text: [
      `This changes cluster ${p.cluster}. Confirm to run it, or cancel. The request ${p.id} expires at ${formatTime(p.expiresAt, timezone)}.`,
    ],
    actions: [
      { kind: 'confirm', ref: p.id, label: 'Confirm', style: 'primary' },
      { kind: 'cancel', ref: p.id, label: 'Cancel' },
    ],
    context: { cluster: p.cluster, at: p.createdAt.toISOString() },
    ephemeral: true,
    data: { pending: { id: p.id, kind: p.kind, expires_at: p.expiresAt.toISOString() } },
  };
}

/** The message posted for approvers: who asks for what, the warnings, Approve/Reject. */
export function approvalRequestReply(p: PendingAction, describe: string, warnings: Finding[], timezone: string): Reply {
  return {
    ...messageReply(p.command, statusOf(warnings), `Approval needed: ${describe}`, [], p.createdAt),
    findings: warnings,
    fields: [
      { label: 'requested by', value: actorLabel(p.requestedBy) },
      { label: 'command', value: p.command },
      { label: 'cluster', value: p.cluster },
      { label: 'request', value: p.id },
      { label: 'expires', value: formatTime(p.expiresAt, timezone) },
    ],
    text: [
      `A second person with the ${p.requiredRole} role must approve this dangerous change before it runs; the requester cannot approve it.`,
    ],
    actions: [
      {
        kind: 'approve',
        ref: p.id,
        label: 'Approve',
        style: 'primary',
        confirm: {
          title: 'Approve this change?',
          text: `${describe} (requested by ${actorLabel(p.requestedBy)})`,
          confirmLabel: 'Approve',
          denyLabel: 'Back',
        },
      },
      { kind: 'reject', ref: p.id, label: 'Reject', style: 'danger' },
    ],
    context: { cluster: p.cluster, at: p.createdAt.toISOString() },
    data: { pending: { id: p.id, kind: p.kind, expires_at: p.expiresAt.toISOString() } },
  };
}

/** What the requester of a dangerous change is told while it waits for approval. */
export function waitingReply(
  p: PendingAction,
  describe: string,
  warnings: Finding[],
  where: string | undefined,
  timezone: string,
): Reply {
  const posted = where
    ? `The request was posted to ${where} for approval.`
    : 'The approvers’ channel could not be reached, so the request is shown here: someone else with the role can approve it below.';
  return {
    ...messageReply(p.command, statusOf(warnings), `Waiting for approval: ${describe}`, [], p.createdAt),
    findings: warnings,
    text: [
      `${posted} A second person with the ${p.requiredRole} role must approve request ${p.id} before ${formatTime(p.expiresAt, timezone)}; you will be told the outcome here.`,
      `To withdraw it: cancel ${p.id}`,
    ],
    actions: where
      ? [{ kind: 'cancel', ref: p.id, label: 'Withdraw' }]
      : [
          { kind: 'approve', ref: p.id, label: 'Approve', style: 'primary' },
          { kind: 'reject', ref: p.id, label: 'Reject', style: 'danger' },
          { kind: 'cancel', ref: p.id, label: 'Withdraw' },
        ],
    context: { cluster: p.cluster, at: p.createdAt.toISOString() },
    // Without an approvers' message, this reply is the approval request and others must see it.
    ephemeral: where !== undefined,
    data: { pending: { id: p.id, kind: p.kind, expires_at: p.expiresAt.toISOString() } },
  };
}

function decisionVerb(p: PendingAction): string {
  switch (p.status) {
    case 'approved':
    case 'executed':
    case 'failed':
      return p.kind === 'confirmation' ? 'confirmed' : 'approved';
    case 'rejected':
      return 'rejected';
    case 'cancelled':
      return p.kind === 'confirmation' ? 'cancelled' : 'withdrawn';
    case 'expired':
      return 'expired';
    case 'pending':
      return 'pending';
  }
}

/** One line saying who decided what and when (`approved by Bob (slack:U2) at …`). */
export function decisionLine(p: PendingAction, timezone: string): string {
  if (p.status === 'expired') return `Request ${p.id} expired at ${formatTime(p.expiresAt, timezone)}.`;
  const by = p.decidedBy ? ` by ${actorLabel(p.decidedBy)}` : '';
  const at = p.decidedAt ? ` at ${formatTime(p.decidedAt, timezone)}` : '';
  const outcome = p.status === 'executed' || p.status === 'failed' ? ` Result: ${p.result ?? p.status}.` : '';
  return `Request ${p.id} (\`${p.command}\`) was ${decisionVerb(p)}${by}${at}.${outcome}`;
}

/** The content that replaces an approval/confirmation message once decided: no buttons left. */
export function decidedReply(p: PendingAction, timezone: string, at: Date): Reply {
  const status: PendingStatus = p.status;
  const replyStatus = status === 'failed' ? 'unknown' : 'ok';
  const verb = decisionVerb(p);
  return {
    ...messageReply(
      p.command,
      replyStatus,
      `${verb[0]?.toUpperCase() ?? ''}${verb.slice(1)}: ${p.command}`,
      [decisionLine(p, timezone)],
      at,
    ),
    fields: [
      { label: 'requested by', value: actorLabel(p.requestedBy) },
      { label: 'cluster', value: p.cluster },
      { label: 'request', value: p.id },
    ],
    context: { cluster: p.cluster, at: at.toISOString() },
    replaceOriginal: true,
    data: { pending: { id: p.id, kind: p.kind, status: p.status } },
  };
}

/** An answer to a second click: the request was decided already (ephemeral, nothing runs). */
export function alreadyDecidedReply(p: PendingAction, timezone: string, at: Date): Reply {
  return messageReply(
    p.command,
    'unknown',
    `Already decided: ${p.command}`,
    [decisionLine(p, timezone), 'Nothing was run again. Type the command again for a new request.'],
    at,
    {
      ephemeral: true,
      context: { cluster: p.cluster, at: at.toISOString() },
      data: { error: { code: 'ALREADY_DECIDED' } },
    },
  );
}
