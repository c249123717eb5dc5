/**
 * The storage port. Two implementations pass one contract suite (`test/store/store.contract.ts`):
 * SQLite (better-sqlite3, the embedded default, a file under `./data/`) and PostgreSQL (`DATABASE_URL`,
 * for several bot instances). The store is the truth for everything that must survive a restart:
 * pending confirmations and approvals, rebalance windows, the audit log, bot state, alerts, applications.
 */
import type { Actor, MessageRef } from '../commands/command.js';

/** How risky a command is: read runs at once, change needs the caller's confirmation, dangerous a second person's approval. */
export type Risk = 'read' | 'change' | 'dangerous';

/** Lifecycle of a pending confirmation or approval. */
export type PendingStatus = 'pending' | 'approved' | 'rejected' | 'cancelled' | 'expired' | 'executed' | 'failed';

/** A change waiting for the caller's confirmation or for a second person's approval. */
export interface PendingAction {
  /** Short unique id shown to people and carried by buttons. */
  id: string;
  kind: 'confirmation' | 'approval';
  /** The normalised command line, e.g. `set_meta_level lively`. */
  command: string;
  cluster: string;
  /** Parsed parameters of the command, as JSON. */
  params: unknown;
  risk: Risk;
  requestedBy: Actor;
  channelId: string;
  /** Role a decider must hold (approvals). */
  requiredRole: 'operator' | 'admin';
  createdAt: Date;
  expiresAt: Date;
  status: PendingStatus;
  decidedBy?: Actor;
  decidedAt?: Date;
  /** Outcome text after execution (or the failure). */
  result?: string;
  /** Messages showing this request (approval posts), to edit them in place after a decision. */
  messages: MessageRef[];
}

/** One line of the append-only audit log. */
export interface AuditEntry {
  id: number;
  at: Date;
  actor: Actor;
  channelId: string;
  cluster?: string;
  /** What happened: `command`, `refused`, `confirm_requested`, `confirmed`, `cancelled`, `approval_requested`, `approved`, `rejected`, `expired`, `action`, `result`, `window`, `alert` … */
  event: string;
  /** The command line or action. */
  command: string;
  args?: unknown;
  /** `ok`, `warn`, `crit`, `unknown`, `refused: …`, `error: …`, free text. */
  outcome: string;
  approvers?: string[];
  /** Id of the pending action or window this entry belongs to. */
  ref?: string;
}

/** Filters for reading the audit log, newest first. */
export interface AuditQuery {
  limit: number;
  /** `platform:userId` or bare user id. */
  user?: string;
  since?: Date;
  ref?: string;
}

/** A rebalance window's state. */
export type WindowStatus = 'pending' | 'approved' | 'rejected' | 'running' | 'done' | 'aborted' | 'expired' | 'failed';

/** A rebalance window: a period in which the meta level is `lively` so the balancer evens out replicas. */
export interface RebalanceWindow {
  id: string;
  cluster: string;
  start: Date;
  end: Date;
  reason?: string;
  requestedBy: Actor;
  channelId: string;
  status: WindowStatus;
  approvedBy?: Actor;
  /** Why it ended: `balanced`, `end time`, `aborted by …`, `guard: …`, `pre-check failed: …`. */
  endReason?: string;
  /** Snapshot of the distribution when it started and ended (per node replica/primary counts, stddev). */
  before?: unknown;
  after?: unknown;
  /** The message whose thread receives progress. */
  thread?: MessageRef;
  /** Consecutive checks with no pending balance operations (ends the window at 2). */
  quietChecks: number;
  startedAt?: Date;
  endedAt?: Date;
  updatedAt: Date;
}

/** One step recorded for a window (start, progress, guard, end), so a step is never run twice. */
export interface WindowStep {
  windowId: string;
  /** Unique per window, e.g. `start`, `progress:2026-01-01T02:03`, `end`. */
  key: string;
  at: Date;
  detail: unknown;
}

/** The storage port. All methods are safe to call from several bot instances at once. */
export interface Store {
  /** Which implementation this is (`sqlite`, `postgres`). */
  readonly kind: string;
  /** Runs pending migrations (versioned, idempotent). */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // Pending confirmations and approvals.
  createPending(action: PendingAction): Promise<void>;
  getPending(id: string): Promise<PendingAction | undefined>;
  /**
   * Moves a pending action from one of `from` to `to` atomically; resolves to the updated action, or to
   * undefined when it was not in one of `from` (someone else decided first). This is the exactly-once gate.
   */
  transitionPending(
    id: string,
    from: readonly PendingStatus[],
    to: PendingStatus,
    patch?: Partial<Pick<PendingAction, 'decidedBy' | 'decidedAt' | 'result'>>,
  ): Promise<PendingAction | undefined>;
  addPendingMessage(id: string, ref: MessageRef): Promise<void>;
  listPending(filter: { status?: PendingStatus; cluster?: string }): Promise<PendingAction[]>;

  // Audit log (append-only: no update, no delete).
  appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;

  // Rebalance windows.
  createWindow(window: RebalanceWindow): Promise<void>;
  getWindow(id: string): Promise<RebalanceWindow | undefined>;
  listWindows(filter: { cluster?: string; statuses?: readonly WindowStatus[] }): Promise<RebalanceWindow[]>;
  /** Updates a window only if its status is one of `from`; resolves to the new row or undefined. */
  updateWindow(
    id: string,
    from: readonly WindowStatus[],
    patch: Partial<Omit<RebalanceWindow, 'id' | 'cluster' | 'requestedBy' | 'channelId'>>,
  ): Promise<RebalanceWindow | undefined>;
  /** Records a step; resolves false when a step with that key was already recorded (it must not run again). */
  recordWindowStep(step: WindowStep): Promise<boolean>;
  listWindowSteps(windowId: string): Promise<WindowStep[]>;

  // Small named state (last seen table count, meta level, start times …).
  getState<T = unknown>(key: string): Promise<T | undefined>;
  setState(key: string, value: unknown): Promise<void>;

  /**
   * Runs `fn` only if this instance gets the named lock (PostgreSQL advisory lock; SQLite is one process, so
   * a process-local mutex). Resolves to `{ ran: false }` without waiting when another instance holds it.
   */
  withLock<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }>;
}
