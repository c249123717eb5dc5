/**
 * How alert threads read: the root message (the group's current state, edited in place on every change)
 * and the replies in its thread (what changed: fired, updated, fired again, resolved, reminders, who
 * acknowledged or silenced). Neutral `Reply`s; each adapter renders them its own way.
 */
import { formatTime } from '../commands/format-time.js';
import type { Actor } from '../commands/command.js';
import { formatAge } from '../diagnostics/format.js';
import type { Finding, Reply, ReplyAction, Severity, Status } from '../replies/reply.js';
import type { AlertGroup, AlertRecord } from '../store/store.js';

/** What happened to an alert (or its group) in one step of the lifecycle. */
export type ChangeKind =
  'firing' | 'updated' | 'refiring' | 'resolved' | 'reminder' | 'acked' | 'unacked' | 'silenced' | 'unsilenced';

/** One change, as queued in the outbox and shown in the thread. */
export interface ChangeNote {
  kind: ChangeKind;
  /** The alert's fingerprint (absent for group notes: ack, silence, reminder). */
  fingerprint?: string;
  subject?: string;
  severity?: AlertRecord['severity'];
  previousSeverity?: AlertRecord['severity'];
  summary?: string;
  /** ISO time of the change. */
  at: string;
  /** How long the episode lasted (resolved) or has been firing (reminder). */
  durationMs?: number;
  /** Times fired again within the flap window. */
  flaps?: number;
  /** Who acknowledged or silenced. */
  by?: string;
  /** ISO end of a silence. */
  until?: string;
  /** Evidence and advice of the alert at the time of the change. */
  evidence?: Record<string, string | number>;
  advice?: string;
  action?: ReplyAction;
}

/** What one outbox entry carries. */
export interface DeliveryPayload {
  notes: ChangeNote[];
  /** Only refresh the root (a flapping alert, a change nobody needs to read twice). */
  quiet?: boolean;
  /** Delivered even while the group is silenced (the silence notice itself). */
  always?: boolean;
}

/** What alerts carry in `AlertRecord.detail`. */
export interface AlertDetail {
  evidence?: Record<string, string | number>;
  advice?: string;
  action?: ReplyAction;
  value?: string;
  threshold?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  generatorURL?: string;
}

/** Reads `AlertRecord.detail` defensively (it is JSON from the store). */
export function detailOf(alert: AlertRecord): AlertDetail {
  const d = alert.detail;
  return typeof d === 'object' && d !== null ? d : {};
}

/** Who did it, for people: `Alice (slack:U1)`. */
export function actorText(actor: Actor): string {
  const key = `${actor.platform}:${actor.userId}`;
  return actor.displayName ? `${actor.displayName} (${key})` : key;
}

/** Most alerts listed in one message; the rest are counted (`alerts` lists them all). */
export const maxListed = 20;

const rank: Record<Severity, number> = { ok: 0, info: 1, warn: 2, crit: 3 };

function worst(alerts: readonly AlertRecord[]): Status {
  let w: Severity = 'ok';
  for (const a of alerts) if (rank[a.severity] > rank[w]) w = a.severity;
  return w === 'crit' ? 'crit' : w === 'warn' ? 'warn' : 'ok';
}

function alertFinding(a: AlertRecord, now: Date): Finding {
  const d = detailOf(a);
  const resolved = a.status === 'resolved';
  const flapping = a.flaps > 0 ? ` (fired again ${a.flaps}× this episode)` : '';
  const summary = resolved
    ? `resolved after ${formatAge((a.resolvedAt ?? now).getTime() - a.startedAt.getTime())}: ${a.summary}`
    : `${a.summary} — for ${formatAge(now.getTime() - a.startedAt.getTime())}${flapping}`;
  return {
    check: a.rule,
    severity: resolved ? 'ok' : a.severity,
    subject: a.subject,
    summary,
    ...(d.evidence && !resolved ? { evidence: d.evidence } : {}),
    ...(d.advice && !resolved ? { advice: d.advice } : {}),
    ...(d.action && !resolved ? { action: d.action } : {}),
  };
}

/** `prod · node_unalive` or the Alertmanager group's title. */
export function groupLabel(group: AlertGroup): string {
  return group.title;
}

/** The buttons of a group: Ack (until acknowledged), Silence 1h, a health check of the cluster. */
export function groupActions(group: AlertGroup, firing: boolean, clusterKnown: boolean): ReplyAction[] {
  const actions: ReplyAction[] = [];
  if (firing && !group.ackedBy) actions.push({ kind: 'ack', ref: group.key, label: 'Acknowledge', style: 'primary' });
  if (firing) actions.push({ kind: 'silence', ref: group.key, label: 'Silence 1h' });
  if (clusterKnown) actions.push({ kind: 'run', ref: `health --cluster ${group.cluster}`, label: 'Run health' });
  return actions;
}

/** The root message of a thread: the group's current state. */
export function groupRootReply(
  group: AlertGroup,
  alerts: readonly AlertRecord[],
  now: Date,
  timezone: string,
  clusterKnown = true,
): Reply {
  const firing = alerts.filter((a) => a.status === 'firing');
  const resolved = alerts.filter((a) => a.status === 'resolved');
  const state =
    firing.length > 0
      ? `${firing.length} firing${resolved.length > 0 ? `, ${resolved.length} resolved` : ''}`
      : 'resolved';
  const shown = [...firing, ...resolved].slice(0, maxListed);
  const silenced =
    group.silencedUntil && group.silencedUntil.getTime() > now.getTime() ? group.silencedUntil : undefined;
  const fields = [
    { label: 'cluster', value: group.cluster },
    { label: 'group', value: group.key },
    ...(firing[0] ? [{ label: 'since', value: formatTime(firing[0].startedAt, timezone) }] : []),
    ...(group.ackedBy && firing.length > 0
      ? [
          {
            label: 'acknowledged',
            value: `by ${actorText(group.ackedBy)}${group.ackedAt ? ` at ${formatTime(group.ackedAt, timezone)}` : ''}`,
          },
        ]
      : []),
    ...(silenced
      ? [
          {
            label: 'silenced',
            value: `until ${formatTime(silenced, timezone)}${group.silencedBy ? ` by ${actorText(group.silencedBy)}` : ''}`,
          },
        ]
      : []),
  ];
  const more = alerts.length - shown.length;
  return {
    command: 'alerts',
    status: firing.length > 0 ? worst(firing) : 'ok',
    title: `${firing.length > 0 ? 'FIRING' : 'RESOLVED'} ${group.title}: ${state}`,
    findings: shown.map((a) => alertFinding(a, now)),
    fields,
    ...(more > 0 ? { text: [`… and ${more} more; \`alerts ${group.key}\` lists them all.`] } : {}),
    actions: groupActions(group, firing.length > 0, clusterKnown),
    context: { cluster: group.cluster, at: now.toISOString() },
    data: { alertGroup: group.key, firing: firing.length, resolved: resolved.length },
  };
}

function noteFinding(n: ChangeNote): Finding | undefined {
  if (!n.subject || !n.summary) return undefined;
  const severity: Severity = n.kind === 'resolved' ? 'ok' : (n.severity ?? 'warn');
  const lead =
    n.kind === 'firing'
      ? 'FIRING'
      : n.kind === 'refiring'
        ? `FIRING AGAIN${n.flaps ? ` (${n.flaps}× within the flap window)` : ''}`
        : n.kind === 'updated'
          ? `UPDATED ${n.previousSeverity ?? '?'} → ${n.severity ?? '?'}`
          : n.kind === 'resolved'
            ? `RESOLVED${n.durationMs !== undefined ? ` after ${formatAge(n.durationMs)}` : ''}`
            : n.kind.toUpperCase();
  return {
    check: n.kind,
    severity,
    subject: n.subject,
    summary: `${lead}: ${n.summary}`,
    ...(n.evidence && n.kind !== 'resolved' ? { evidence: n.evidence } : {}),
    ...(n.advice && (n.kind === 'firing' || n.kind === 'refiring') ? { advice: n.advice } : {}),
    ...(n.action && (n.kind === 'firing' || n.kind === 'refiring') ? { action: n.action } : {}),
  };
}

function noteLine(n: ChangeNote, timezone: string): string | undefined {
  switch (n.kind) {
    case 'acked':
      return `Acknowledged by ${n.by ?? 'someone'}: reminders stop until the group resolves.`;
    case 'unacked':
      return 'The group fired again after resolving: the acknowledgement was cleared.';
    case 'silenced':
      return `Silenced by ${n.by ?? 'someone'} until ${n.until ? formatTime(new Date(n.until), timezone) : '?'}: no posts in this thread until then (\`alerts\` still lists the group).`;
    case 'unsilenced':
      return `Silence ended${n.by ? ` by ${n.by}` : ''}.`;
    case 'reminder':
      return `Reminder: still firing${n.durationMs !== undefined ? ` after ${formatAge(n.durationMs)}` : ''} and nobody acknowledged it. Acknowledge to stop reminders.`;
    default:
      return undefined;
  }
}

/** A reply in the thread: the changes since the last one, coalesced. */
export function changesReply(
  group: AlertGroup,
  notes: readonly ChangeNote[],
  now: Date,
  timezone: string,
  clusterKnown = true,
): Reply {
  const findings = notes.flatMap((n) => noteFinding(n) ?? []);
  const lines = notes.flatMap((n) => noteLine(n, timezone) ?? []);
  const count = (k: ChangeKind) => notes.filter((n) => n.kind === k).length;
  const parts = [
    count('firing') + count('refiring') > 0 ? `${count('firing') + count('refiring')} firing` : '',
    count('updated') > 0 ? `${count('updated')} updated` : '',
    count('resolved') > 0 ? `${count('resolved')} resolved` : '',
  ].filter(Boolean);
  const shown = findings.slice(0, maxListed);
  const more = findings.length - shown.length;
  const firingNow = findings.some((f) => f.severity === 'warn' || f.severity === 'crit');
  return {
    command: 'alerts',
    status: findings.length === 0 ? 'ok' : firingNow ? worstOf(shown) : 'ok',
    title: `${group.title}: ${parts.length > 0 ? parts.join(', ') : lines.length > 0 ? 'update' : 'no change'}`,
    findings: shown,
    ...(lines.length > 0 || more > 0
      ? { text: [...lines, ...(more > 0 ? [`… and ${more} more changes; \`alerts ${group.key}\` lists them.`] : [])] }
      : {}),
    ...(notes.some((n) => n.kind === 'reminder') ? { actions: groupActions(group, true, clusterKnown) } : {}),
    context: { cluster: group.cluster, at: now.toISOString() },
    data: { alertGroup: group.key, changes: notes.length },
  };
}

function worstOf(findings: readonly Finding[]): Status {
  let w: Severity = 'ok';
  for (const f of findings) if (rank[f.severity] > rank[w]) w = f.severity;
  return w === 'crit' ? 'crit' : w === 'warn' ? 'warn' : 'ok';
}
