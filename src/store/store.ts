/**
 * The storage port. Two implementations pass one contract suite (`test/store/store.contract.ts`):
 * SQLite (better-sqlite3, the embedded default, a file under `./data/`) and PostgreSQL (`DATABASE_URL`,
 * for several bot instances). The store is the truth for everything that must survive a restart:
 * pending confirmations and approvals, rebalance windows, the audit log, bot state, alerts, applications.
 */
import type { Actor, MessageRef, Platform } from '../commands/command.js';

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

// Monitoring (added with the inspection loop and alert threads; see `src/monitoring/`).

/** Where an alert comes from. */
export type AlertSource = 'inspection' | 'alertmanager';

/** Lifecycle of one alert: firing (new or updated) until it resolves. */
export type AlertStatus = 'firing' | 'resolved';

/** One alert: a (cluster, rule, subject) seen by an inspection or sent by Alertmanager, keyed by its fingerprint. */
export interface AlertRecord {
  /** Stable hash of (cluster, rule, subject), or of (groupKey, Alertmanager fingerprint). */
  fingerprint: string;
  /** The thread it belongs to (`AlertGroup.key`). */
  groupKey: string;
  cluster: string;
  /** Stable rule id, e.g. `node_unalive`, or the Alertmanager alert name. */
  rule: string;
  /** What it is about: a node `host:port`, a table, `cluster`. */
  subject: string;
  source: AlertSource;
  status: AlertStatus;
  severity: 'info' | 'warn' | 'crit';
  summary: string;
  /** Evidence, runbook advice, attached action, labels (JSON), as the alert renderer reads them. */
  detail: unknown;
  /** Start of the current episode (kept when the alert flaps back within the damping window). */
  startedAt: Date;
  lastSeenAt: Date;
  /** Set while a firing alert is absent from inspections (damping before it resolves). */
  missingSince?: Date;
  /** Consecutive inspections that did not see it while it was firing. */
  missingCount: number;
  resolvedAt?: Date;
  /** Times it fired again within the flap window during this episode. */
  flaps: number;
  updatedAt: Date;
}

/** Filters of `listAlerts` / `countAlerts`. */
export interface AlertQuery {
  groupKey?: string;
  cluster?: string;
  source?: AlertSource;
  status?: AlertStatus;
  /** Resolved alerts only when they resolved at or after this time (firing ones always match). */
  resolvedSince?: Date;
  limit?: number;
}

/** One thread of alerts: per (cluster, rule) for inspections, per Alertmanager `groupKey` for the webhook. */
export interface AlertGroup {
  /** Short id used in buttons and commands, e.g. `prod/node_unalive` or `am-3f9a2c1b7d`. */
  key: string;
  cluster: string;
  rule: string;
  source: AlertSource;
  title: string;
  /** Alertmanager's own `groupKey` (long and opaque) for webhook groups. */
  externalKey?: string;
  /** The root message of the thread in each channel it was posted to. */
  roots: MessageRef[];
  ackedBy?: Actor;
  ackedAt?: Date;
  silencedUntil?: Date;
  silencedBy?: Actor;
  /** Last reminder posted about this group while it kept firing unacknowledged. */
  remindedAt?: Date;
  /** Signature of the last Alertmanager delivery, so a repeated delivery changes nothing. */
  lastDelivery?: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What `updateAlertGroup` may change; `null` clears a field (unacknowledge, end a silence). */
export type AlertGroupPatch = {
  [
    K in
      | 'title'
      | 'roots'
      | 'ackedBy'
      | 'ackedAt'
      | 'silencedUntil'
      | 'silencedBy'
      | 'remindedAt'
      | 'lastDelivery'
      | 'updatedAt'
  ]?: AlertGroup[K] | null;
};

/** One message waiting to be delivered to one channel (the alert outbox: a failed post is retried, never dropped). */
export interface AlertDelivery {
  id: number;
  groupKey: string;
  platform: Platform;
  channelId: string;
  /** What to deliver (a change to reply in the thread, a reminder, a root refresh), as JSON. */
  payload: unknown;
  createdAt: Date;
  attempts: number;
  nextAttemptAt: Date;
  lastError?: string;
}

/** One aggregated load sample of a table or node, kept for baselines (minute samples, hourly roll-ups). */
export interface MetricSample {
  cluster: string;
  scope: 'table' | 'node';
  /** Table name or node `host:port`. */
  subject: string;
  resolution: 'minute' | 'hour';
  /** Start of the minute or hour. */
  at: Date;
  readQps: number;
  writeQps: number;
  readP99Ms: number;
  writeP99Ms: number;
  /** Raw samples behind a roll-up (1 for a minute sample). */
  count: number;
}

/** Filters of `listMetricSamples`. */
export interface MetricSampleQuery {
  cluster: string;
  resolution: MetricSample['resolution'];
  scope?: MetricSample['scope'];
  subject?: string;
  /** Inclusive lower bound. */
  since?: Date;
  /** Exclusive upper bound. */
  until?: Date;
  /** Only these exact bucket times (e.g. the same hour on previous days). */
  at?: readonly Date[];
}

// Table applications (added with the admission review; see `src/admission/`).

/** Lifecycle of a table application: decided once by an admin, then the table is created (or creation failed). */
export type ApplicationStatus = 'submitted' | 'approved' | 'changes_requested' | 'rejected' | 'created' | 'failed';

/** The review's verdict on an application. */
export type ApplicationVerdict = 'approve' | 'conditions' | 'changes';

/** A request for a new table: the application as submitted, its review, and the decision. */
export interface TableApplication {
  /** Short unique id shown to people and carried by buttons. */
  id: string;
  cluster: string;
  tableName: string;
  applicant: Actor;
  /** The channel the application was submitted in. */
  channelId: string;
  status: ApplicationStatus;
  verdict: ApplicationVerdict;
  /** The validated application fields, as JSON. */
  form: unknown;
  /** The review at submission (numbers, findings, reasons), as JSON. */
  review: unknown;
  /** The message showing the review to the applicant; the outcome is told in its thread. */
  source?: MessageRef;
  /** Messages asking the admins to decide, edited in place once decided. */
  decisionMessages: MessageRef[];
  decidedBy?: Actor;
  decidedAt?: Date;
  /** The decider's note (changes requested, rejection) or the creation outcome. */
  note?: string;
  /** App id of the created table. */
  appId?: number;
  submittedAt: Date;
  updatedAt: Date;
}

/** Filters of `listApplications`, newest first. */
export interface ApplicationQuery {
  limit: number;
  cluster?: string;
  statuses?: readonly ApplicationStatus[];
  tableName?: string;
  /** `platform:userId` of the applicant. */
  applicant?: string;
}

/** What `updateApplication` may change; `updatedAt` defaults to the store's clock. */
export type ApplicationPatch = Partial<
  Pick<TableApplication, 'status' | 'source' | 'decidedBy' | 'decidedAt' | 'note' | 'appId' | 'updatedAt'>
>;

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

  // Alerts (monitoring). Writers of alerts and groups serialise themselves (see `src/monitoring/`).
  /** Inserts or replaces alerts by fingerprint, all in one transaction. */
  putAlerts(alerts: readonly AlertRecord[]): Promise<void>;
  getAlert(fingerprint: string): Promise<AlertRecord | undefined>;
  /** Alerts matching the filter, oldest episode first. */
  listAlerts(query: AlertQuery): Promise<AlertRecord[]>;
  countAlerts(query: Omit<AlertQuery, 'limit'>): Promise<number>;
  /** Deletes resolved alerts that resolved before `before`; resolves to how many. */
  pruneAlerts(before: Date): Promise<number>;
  /** Creates the group unless one with its key exists; resolves to the stored group either way. */
  createAlertGroup(group: AlertGroup): Promise<AlertGroup>;
  getAlertGroup(key: string): Promise<AlertGroup | undefined>;
  listAlertGroups(filter: { cluster?: string; externalKey?: string }): Promise<AlertGroup[]>;
  /** Changes only the given fields; resolves to the updated group, or undefined when there is none. */
  updateAlertGroup(key: string, patch: AlertGroupPatch): Promise<AlertGroup | undefined>;
  /** Adds messages to the outbox (attempts 0). */
  enqueueAlertDeliveries(entries: readonly Omit<AlertDelivery, 'id' | 'attempts' | 'lastError'>[]): Promise<void>;
  /** Outbox entries due at `dueBy` (all when absent), oldest first. */
  listAlertDeliveries(filter: { dueBy?: Date; limit: number }): Promise<AlertDelivery[]>;
  /** Removes delivered (or deliberately dropped) entries. */
  completeAlertDeliveries(ids: readonly number[]): Promise<void>;
  /** Counts a failed attempt and schedules the next one. */
  retryAlertDeliveries(ids: readonly number[], nextAttemptAt: Date, error: string): Promise<void>;

  // Load samples for baselines (monitoring).
  /** Inserts or replaces samples by (cluster, scope, subject, resolution, at). */
  putMetricSamples(samples: readonly MetricSample[]): Promise<void>;
  /** Samples matching the query, ordered by time. */
  listMetricSamples(query: MetricSampleQuery): Promise<MetricSample[]>;
  /** Deletes samples of one resolution older than `before`; resolves to how many. */
  pruneMetricSamples(resolution: MetricSample['resolution'], before: Date): Promise<number>;

  // Table applications (admission).
  /** Stores a new application; a duplicate id is an error. */
  createApplication(application: TableApplication): Promise<void>;
  getApplication(id: string): Promise<TableApplication | undefined>;
  /** Applications matching the filter, newest first. */
  listApplications(query: ApplicationQuery): Promise<TableApplication[]>;
  /**
   * Changes an application only if its status is one of `from`; resolves to the updated application, or to
   * undefined when it was not (someone else decided first). This is the exactly-once gate of a decision.
   */
  updateApplication(
    id: string,
    from: readonly ApplicationStatus[],
    patch: ApplicationPatch,
  ): Promise<TableApplication | undefined>;
  /** Appends a decision request message (atomic, so concurrent posts are all kept). */
  addApplicationMessage(id: string, ref: MessageRef): Promise<void>;
}
