/**
 * Row shapes and their conversion to the port's objects, shared by both stores. Both drivers hand JSON
 * columns over as text (SQL NULL as null) so that "absent" and JSON `null` stay distinct; times arrive as
 * epoch milliseconds (SQLite) or `Date` (PostgreSQL).
 */
import type { Actor, MessageRef, Platform } from '../commands/command.js';
import type {
  AuditEntry,
  PendingAction,
  PendingStatus,
  RebalanceWindow,
  Risk,
  Store,
  WindowStatus,
  WindowStep,
} from './store.js';

/** A JSON column as text, or null when the value is absent. */
type JsonText = string | null;
/** A time column: epoch milliseconds (SQLite) or a Date (PostgreSQL). */
type TimeValue = number | Date;

/** A `pending_actions` row. */
export interface PendingRow {
  id: string;
  kind: string;
  command: string;
  cluster: string;
  params: JsonText;
  risk: string;
  requested_by: string;
  channel_id: string;
  required_role: string;
  created_at: TimeValue;
  expires_at: TimeValue;
  status: string;
  decided_by: JsonText;
  decided_at: TimeValue | null;
  result: string | null;
  messages: string;
}

/** An `audit_log` row. */
export interface AuditRow {
  id: number;
  at: TimeValue;
  actor: string;
  channel_id: string;
  cluster: string | null;
  event: string;
  command: string;
  args: JsonText;
  outcome: string;
  approvers: JsonText;
  ref: string | null;
}

/** A `rebalance_windows` row. */
export interface WindowRow {
  id: string;
  cluster: string;
  start_at: TimeValue;
  end_at: TimeValue;
  reason: string | null;
  requested_by: string;
  channel_id: string;
  status: string;
  approved_by: JsonText;
  end_reason: string | null;
  before_state: JsonText;
  after_state: JsonText;
  thread: JsonText;
  quiet_checks: number;
  started_at: TimeValue | null;
  ended_at: TimeValue | null;
  updated_at: TimeValue;
}

/** A `window_steps` row. */
export interface StepRow {
  window_id: string;
  step_key: string;
  at: TimeValue;
  detail: JsonText;
}

/** What `updateWindow` may change. */
export type WindowPatch = Parameters<Store['updateWindow']>[2];

/** What `transitionPending` may set besides the status. */
export type PendingPatch = NonNullable<Parameters<Store['transitionPending']>[3]>;

/** How a patchable field (of a window, an alert group, an application) is stored. */
export interface PatchColumn<F extends string = string> {
  field: F;
  column: string;
  type: 'time' | 'json' | 'text' | 'int';
}

/** The patch's fields that are set, with their columns, in column order (undefined leaves a field alone). */
export function patchEntries<F extends string>(
  columns: readonly PatchColumn<F>[],
  patch: Partial<Record<F, unknown>>,
): { col: PatchColumn<F>; value: unknown }[] {
  const entries: { col: PatchColumn<F>; value: unknown }[] = [];
  for (const col of columns) {
    const value = patch[col.field];
    if (value !== undefined) entries.push({ col, value });
  }
  return entries;
}

/** The window fields `updateWindow` may set, and their columns. */
export const windowPatchColumns: readonly PatchColumn<keyof WindowPatch>[] = [
  { field: 'start', column: 'start_at', type: 'time' },
  { field: 'end', column: 'end_at', type: 'time' },
  { field: 'reason', column: 'reason', type: 'text' },
  { field: 'status', column: 'status', type: 'text' },
  { field: 'approvedBy', column: 'approved_by', type: 'json' },
  { field: 'endReason', column: 'end_reason', type: 'text' },
  { field: 'before', column: 'before_state', type: 'json' },
  { field: 'after', column: 'after_state', type: 'json' },
  { field: 'thread', column: 'thread', type: 'json' },
  { field: 'quietChecks', column: 'quiet_checks', type: 'int' },
  { field: 'startedAt', column: 'started_at', type: 'time' },
  { field: 'endedAt', column: 'ended_at', type: 'time' },
  { field: 'updatedAt', column: 'updated_at', type: 'time' },
];

/** JSON text for a column; undefined becomes SQL NULL ("absent"). */
export function toJson(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

function fromJson(text: JsonText): unknown {
  return text === null ? undefined : JSON.parse(text);
}

function toDate(value: TimeValue): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value);
}

const platforms: readonly string[] = ['slack', 'discord', 'console', 'exec'] satisfies Platform[];

/**
 * Reads the audit `user` filter: `platform:userId` matches that platform's user, a bare id matches that
 * user id on any platform.
 */
export function parseAuditUser(user: string): { platform?: Platform; userId: string } {
  const colon = user.indexOf(':');
  if (colon > 0) {
    const platform = user.slice(0, colon);
    if (platforms.includes(platform)) return { platform: platform as Platform, userId: user.slice(colon + 1) };
  }
  return { userId: user };
}

/** The audit query's limit as a row count: a whole number, at least 0 (nonsense asks for nothing). */
export function auditLimit(limit: number): number {
  return Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : 0;
}

/** Converts a `pending_actions` row. */
export function pendingFromRow(row: PendingRow): PendingAction {
  const action: PendingAction = {
    id: row.id,
    kind: row.kind as PendingAction['kind'],
    command: row.command,
    cluster: row.cluster,
    params: fromJson(row.params),
    risk: row.risk as Risk,
    requestedBy: JSON.parse(row.requested_by) as Actor,
    channelId: row.channel_id,
    requiredRole: row.required_role as PendingAction['requiredRole'],
    createdAt: toDate(row.created_at),
    expiresAt: toDate(row.expires_at),
    status: row.status as PendingStatus,
    messages: JSON.parse(row.messages) as MessageRef[],
  };
  if (row.decided_by !== null) action.decidedBy = JSON.parse(row.decided_by) as Actor;
  if (row.decided_at !== null) action.decidedAt = toDate(row.decided_at);
  if (row.result !== null) action.result = row.result;
  return action;
}

/** Converts an `audit_log` row. */
export function auditFromRow(row: AuditRow): AuditEntry {
  const entry: AuditEntry = {
    id: row.id,
    at: toDate(row.at),
    actor: JSON.parse(row.actor) as Actor,
    channelId: row.channel_id,
    event: row.event,
    command: row.command,
    outcome: row.outcome,
  };
  if (row.cluster !== null) entry.cluster = row.cluster;
  if (row.args !== null) entry.args = fromJson(row.args);
  if (row.approvers !== null) entry.approvers = JSON.parse(row.approvers) as string[];
  if (row.ref !== null) entry.ref = row.ref;
  return entry;
}

/** Converts a `rebalance_windows` row. */
export function windowFromRow(row: WindowRow): RebalanceWindow {
  const window: RebalanceWindow = {
    id: row.id,
    cluster: row.cluster,
    start: toDate(row.start_at),
    end: toDate(row.end_at),
    requestedBy: JSON.parse(row.requested_by) as Actor,
    channelId: row.channel_id,
    status: row.status as WindowStatus,
    quietChecks: row.quiet_checks,
    updatedAt: toDate(row.updated_at),
  };
  if (row.reason !== null) window.reason = row.reason;
  if (row.approved_by !== null) window.approvedBy = JSON.parse(row.approved_by) as Actor;
  if (row.end_reason !== null) window.endReason = row.end_reason;
  if (row.before_state !== null) window.before = fromJson(row.before_state);
  if (row.after_state !== null) window.after = fromJson(row.after_state);
  if (row.thread !== null) window.thread = JSON.parse(row.thread) as MessageRef;
  if (row.started_at !== null) window.startedAt = toDate(row.started_at);
  if (row.ended_at !== null) window.endedAt = toDate(row.ended_at);
  return window;
}

/** Converts a `window_steps` row. */
export function stepFromRow(row: StepRow): WindowStep {
  return { windowId: row.window_id, key: row.step_key, at: toDate(row.at), detail: fromJson(row.detail) };
}

/** The window patch's fields that are set, with their columns. */
export function windowPatchEntries(patch: WindowPatch): { col: PatchColumn; value: unknown }[] {
  return patchEntries(windowPatchColumns, patch);
}
