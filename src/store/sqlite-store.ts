/**
 * The embedded store: one SQLite file (better-sqlite3, WAL) under the data directory. The driver is
 * synchronous, so every statement is atomic with respect to this process; methods wrap it in promises to
 * fit the port. `withLock` is a process-wide mutex per database file.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../clock.js';
import type { MessageRef } from '../commands/command.js';
import { applicationFromRow, applicationPatchEntries, type ApplicationRow } from './application-rows.js';
import { migrateSqlite, migrations as allMigrations, type Migration } from './migrations.js';
import {
  alertDeliveryFromRow,
  alertFromRow,
  alertGroupFromRow,
  groupPatchEntries,
  metricSampleFromRow,
  type AlertDeliveryRow,
  type AlertGroupRow,
  type AlertRow,
  type MetricSampleRow,
} from './monitoring-rows.js';
import type {
  AlertDelivery,
  AlertGroup,
  AlertGroupPatch,
  AlertQuery,
  AlertRecord,
  ApplicationPatch,
  ApplicationQuery,
  ApplicationStatus,
  AuditEntry,
  AuditQuery,
  MetricSample,
  MetricSampleQuery,
  PendingAction,
  PendingStatus,
  RebalanceWindow,
  Store,
  TableApplication,
  WindowStatus,
  WindowStep,
} from './store.js';
import {
  auditFromRow,
  auditLimit,
  parseAuditUser,
  pendingFromRow,
  stepFromRow,
  toJson,
  windowFromRow,
  windowPatchEntries,
  type AuditRow,
  type PendingPatch,
  type PendingRow,
  type StepRow,
  type WindowPatch,
  type WindowRow,
} from './store-rows.js';

/** The database file's name inside the data directory. */
export const sqliteFileName = 'pegasus-chatops.db';

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** The database file, or `:memory:` (tests). Default: `<dataDir>/pegasus-chatops.db`. */
  filename?: string;
  /** Directory of the default file; created if missing. Default `./data`. */
  dataDir?: string;
  /** Stamps `updatedAt` of windows and migration times. Default: the wall clock. */
  clock?: Clock;
  /** Migrations to run (tests). Default: all of `migrations`. */
  migrations?: readonly Migration[];
}

// Names held per database file in this process, so two stores opened on one file still exclude each other.
const heldLocks = new Map<string, Set<string>>();
let memoryCounter = 0;

type Params = Record<string, string | number | null>;

/** The SQLite implementation of the `Store` port. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  /** The database file (or `:memory:`). */
  readonly filename: string;
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly migrationList: readonly Migration[];
  private readonly lockScope: string;
  private readonly statements = new Map<string, Database.Statement>();

  /** Opens (and creates, with its directory) the database file; run `migrate()` before use. */
  constructor(options: SqliteStoreOptions = {}) {
    this.filename = options.filename ?? join(options.dataDir ?? './data', sqliteFileName);
    this.clock = options.clock ?? systemClock;
    this.migrationList = options.migrations ?? allMigrations;
    const inMemory = this.filename === ':memory:';
    if (!inMemory) mkdirSync(dirname(this.filename), { recursive: true });
    this.lockScope = inMemory ? `:memory:#${++memoryCounter}` : resolve(this.filename);
    this.db = new Database(this.filename);
    if (!inMemory) this.db.pragma('journal_mode = WAL');
    // Another process (a one-shot `exec`) may hold the write lock for a moment: wait instead of failing.
    this.db.pragma('busy_timeout = 5000');
  }

  migrate(): Promise<void> {
    return this.run(() => {
      migrateSqlite(this.db, this.migrationList, this.clock.now());
    });
  }

  close(): Promise<void> {
    return this.run(() => {
      if (this.db.open) this.db.close();
    });
  }

  createPending(action: PendingAction): Promise<void> {
    return this.run(() => {
      this.stmt(
        `INSERT INTO pending_actions (id, kind, command, cluster, params, risk, requested_by, channel_id, required_role,
           created_at, expires_at, status, decided_by, decided_at, result, messages)
         VALUES (@id, @kind, @command, @cluster, @params, @risk, @requestedBy, @channelId, @requiredRole,
           @createdAt, @expiresAt, @status, @decidedBy, @decidedAt, @result, @messages)`,
      ).run({
        id: action.id,
        kind: action.kind,
        command: action.command,
        cluster: action.cluster,
        params: toJson(action.params),
        risk: action.risk,
        requestedBy: JSON.stringify(action.requestedBy),
        channelId: action.channelId,
        requiredRole: action.requiredRole,
        createdAt: action.createdAt.getTime(),
        expiresAt: action.expiresAt.getTime(),
        status: action.status,
        decidedBy: toJson(action.decidedBy),
        decidedAt: action.decidedAt?.getTime() ?? null,
        result: action.result ?? null,
        messages: JSON.stringify(action.messages),
      } satisfies Params);
    });
  }

  getPending(id: string): Promise<PendingAction | undefined> {
    return this.run(() => {
      const row = this.stmt('SELECT * FROM pending_actions WHERE id = ?').get(id) as PendingRow | undefined;
      return row && pendingFromRow(row);
    });
  }

  transitionPending(
    id: string,
    from: readonly PendingStatus[],
    to: PendingStatus,
    patch: PendingPatch = {},
  ): Promise<PendingAction | undefined> {
    return this.run(() => {
      // One statement: the status test and the change cannot be separated by another writer.
      const row = this.stmt(
        `UPDATE pending_actions
            SET status = @to,
                decided_by = COALESCE(@decidedBy, decided_by),
                decided_at = COALESCE(@decidedAt, decided_at),
                result = COALESCE(@result, result)
          WHERE id = @id AND status IN (SELECT value FROM json_each(@from))
          RETURNING *`,
      ).get({
        id,
        from: JSON.stringify(from),
        to,
        decidedBy: toJson(patch.decidedBy),
        decidedAt: patch.decidedAt?.getTime() ?? null,
        result: patch.result ?? null,
      } satisfies Params) as PendingRow | undefined;
      return row && pendingFromRow(row);
    });
  }

  addPendingMessage(id: string, ref: MessageRef): Promise<void> {
    return this.run(() => {
      this.stmt(`UPDATE pending_actions SET messages = json_insert(messages, '$[#]', json(@ref)) WHERE id = @id`).run({
        id,
        ref: JSON.stringify(ref),
      } satisfies Params);
    });
  }

  listPending(filter: { status?: PendingStatus; cluster?: string }): Promise<PendingAction[]> {
    return this.run(() => {
      const filtered = new Filter()
        .add('status = @status', 'status', filter.status)
        .add('cluster = @cluster', 'cluster', filter.cluster);
      const rows = this.stmt(`SELECT * FROM pending_actions ${filtered.clause()} ORDER BY created_at, id`).all(
        filtered.params,
      ) as PendingRow[];
      return rows.map(pendingFromRow);
    });
  }

  appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    return this.run(() => {
      const row = this.stmt(
        `INSERT INTO audit_log (at, actor, actor_platform, actor_user_id, channel_id, cluster, event, command, args,
           outcome, approvers, ref)
         VALUES (@at, @actor, @platform, @userId, @channelId, @cluster, @event, @command, @args, @outcome, @approvers, @ref)
         RETURNING *`,
      ).get({
        at: entry.at.getTime(),
        actor: JSON.stringify(entry.actor),
        platform: entry.actor.platform,
        userId: entry.actor.userId,
        channelId: entry.channelId,
        cluster: entry.cluster ?? null,
        event: entry.event,
        command: entry.command,
        args: toJson(entry.args),
        outcome: entry.outcome,
        approvers: toJson(entry.approvers),
        ref: entry.ref ?? null,
      } satisfies Params) as AuditRow;
      return auditFromRow(row);
    });
  }

  listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.run(() => {
      const filtered = new Filter({ limit: auditLimit(query.limit) })
        .user('actor', query.user)
        .add('at >= @since', 'since', query.since?.getTime())
        .add('ref = @ref', 'ref', query.ref);
      const rows = this.stmt(`SELECT * FROM audit_log ${filtered.clause()} ORDER BY at DESC, id DESC LIMIT @limit`).all(
        filtered.params,
      ) as AuditRow[];
      return rows.map(auditFromRow);
    });
  }

  createWindow(window: RebalanceWindow): Promise<void> {
    return this.run(() => {
      this.stmt(
        `INSERT INTO rebalance_windows (id, cluster, start_at, end_at, reason, requested_by, channel_id, status,
           approved_by, end_reason, before_state, after_state, thread, quiet_checks, started_at, ended_at, updated_at)
         VALUES (@id, @cluster, @start, @end, @reason, @requestedBy, @channelId, @status,
           @approvedBy, @endReason, @before, @after, @thread, @quietChecks, @startedAt, @endedAt, @updatedAt)`,
      ).run({
        id: window.id,
        cluster: window.cluster,
        start: window.start.getTime(),
        end: window.end.getTime(),
        reason: window.reason ?? null,
        requestedBy: JSON.stringify(window.requestedBy),
        channelId: window.channelId,
        status: window.status,
        approvedBy: toJson(window.approvedBy),
        endReason: window.endReason ?? null,
        before: toJson(window.before),
        after: toJson(window.after),
        thread: toJson(window.thread),
        quietChecks: window.quietChecks,
        startedAt: window.startedAt?.getTime() ?? null,
        endedAt: window.endedAt?.getTime() ?? null,
        updatedAt: window.updatedAt.getTime(),
      } satisfies Params);
    });
  }

  getWindow(id: string): Promise<RebalanceWindow | undefined> {
    return this.run(() => {
      const row = this.stmt('SELECT * FROM rebalance_windows WHERE id = ?').get(id) as WindowRow | undefined;
      return row && windowFromRow(row);
    });
  }

  listWindows(filter: { cluster?: string; statuses?: readonly WindowStatus[] }): Promise<RebalanceWindow[]> {
    return this.run(() => {
      const filtered = new Filter()
        .add('cluster = @cluster', 'cluster', filter.cluster)
        .add('status IN (SELECT value FROM json_each(@statuses))', 'statuses', jsonList(filter.statuses));
      const rows = this.stmt(`SELECT * FROM rebalance_windows ${filtered.clause()} ORDER BY start_at, id`).all(
        filtered.params,
      ) as WindowRow[];
      return rows.map(windowFromRow);
    });
  }

  updateWindow(id: string, from: readonly WindowStatus[], patch: WindowPatch): Promise<RebalanceWindow | undefined> {
    return this.run(() => {
      const params: Params = { id, from: JSON.stringify(from) };
      const entries = windowPatchEntries({ ...patch, updatedAt: patch.updatedAt ?? this.clock.now() });
      const sets = entries.map(({ col, value }) => {
        params[col.field] =
          col.type === 'time'
            ? (value as Date).getTime()
            : col.type === 'json'
              ? toJson(value)
              : (value as string | number);
        return `${col.column} = @${col.field}`;
      });
      const row = this.stmt(
        `UPDATE rebalance_windows SET ${sets.join(', ')}
          WHERE id = @id AND status IN (SELECT value FROM json_each(@from)) RETURNING *`,
      ).get(params) as WindowRow | undefined;
      return row && windowFromRow(row);
    });
  }

  recordWindowStep(step: WindowStep): Promise<boolean> {
    return this.run(() => {
      const info = this.stmt(
        `INSERT INTO window_steps (window_id, step_key, at, detail) VALUES (@windowId, @key, @at, @detail)
         ON CONFLICT (window_id, step_key) DO NOTHING`,
      ).run({
        windowId: step.windowId,
        key: step.key,
        at: step.at.getTime(),
        detail: toJson(step.detail),
      } satisfies Params);
      return info.changes === 1;
    });
  }

  listWindowSteps(windowId: string): Promise<WindowStep[]> {
    return this.run(() => {
      const rows = this.stmt('SELECT * FROM window_steps WHERE window_id = ? ORDER BY at, seq').all(
        windowId,
      ) as StepRow[];
      return rows.map(stepFromRow);
    });
  }

  getState<T = unknown>(key: string): Promise<T | undefined> {
    return this.run(() => {
      const value = this.stmt('SELECT value FROM bot_state WHERE name = ?').pluck().get(key) as string | undefined;
      return value === undefined ? undefined : (JSON.parse(value) as T);
    });
  }

  setState(key: string, value: unknown): Promise<void> {
    return this.run(() => {
      if (value === undefined) {
        // JSON has no undefined: storing it means forgetting the key.
        this.stmt('DELETE FROM bot_state WHERE name = ?').run(key);
        return;
      }
      this.stmt(
        `INSERT INTO bot_state (name, value, updated_at) VALUES (@name, @value, @now)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ).run({ name: key, value: JSON.stringify(value), now: this.clock.now().getTime() } satisfies Params);
    });
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    let held = heldLocks.get(this.lockScope);
    if (!held) {
      held = new Set();
      heldLocks.set(this.lockScope, held);
    }
    if (held.has(name)) return { ran: false };
    held.add(name);
    try {
      return { ran: true, value: await fn() };
    } finally {
      held.delete(name);
      if (held.size === 0) heldLocks.delete(this.lockScope);
    }
  }

  // Monitoring: alerts, alert groups, the alert outbox, metric samples.

  putAlerts(alerts: readonly AlertRecord[]): Promise<void> {
    return this.run(() => {
      const insert = this.stmt(
        `INSERT INTO alerts (fingerprint, group_key, cluster, rule, subject, source, status, severity, summary, detail,
           started_at, last_seen_at, missing_since, missing_count, resolved_at, flaps, updated_at)
         VALUES (@fingerprint, @groupKey, @cluster, @rule, @subject, @source, @status, @severity, @summary, @detail,
           @startedAt, @lastSeenAt, @missingSince, @missingCount, @resolvedAt, @flaps, @updatedAt)
         ON CONFLICT (fingerprint) DO UPDATE SET group_key = excluded.group_key, cluster = excluded.cluster,
           rule = excluded.rule, subject = excluded.subject, source = excluded.source, status = excluded.status,
           severity = excluded.severity, summary = excluded.summary, detail = excluded.detail,
           started_at = excluded.started_at, last_seen_at = excluded.last_seen_at,
           missing_since = excluded.missing_since, missing_count = excluded.missing_count,
           resolved_at = excluded.resolved_at, flaps = excluded.flaps, updated_at = excluded.updated_at`,
      );
      this.db.transaction(() => {
        for (const a of alerts) {
          insert.run({
            fingerprint: a.fingerprint,
            groupKey: a.groupKey,
            cluster: a.cluster,
            rule: a.rule,
            subject: a.subject,
            source: a.source,
            status: a.status,
            severity: a.severity,
            summary: a.summary,
            detail: toJson(a.detail),
            startedAt: a.startedAt.getTime(),
            lastSeenAt: a.lastSeenAt.getTime(),
            missingSince: a.missingSince?.getTime() ?? null,
            missingCount: a.missingCount,
            resolvedAt: a.resolvedAt?.getTime() ?? null,
            flaps: a.flaps,
            updatedAt: a.updatedAt.getTime(),
          } satisfies Params);
        }
      })();
    });
  }

  getAlert(fingerprint: string): Promise<AlertRecord | undefined> {
    return this.run(() => {
      const row = this.stmt('SELECT * FROM alerts WHERE fingerprint = ?').get(fingerprint) as AlertRow | undefined;
      return row && alertFromRow(row);
    });
  }

  listAlerts(query: AlertQuery): Promise<AlertRecord[]> {
    return this.run(() => {
      const filtered = alertFilter(query);
      const limit = query.limit !== undefined ? `LIMIT ${auditLimit(query.limit)}` : '';
      const rows = this.stmt(`SELECT * FROM alerts ${filtered.clause()} ORDER BY started_at, fingerprint ${limit}`).all(
        filtered.params,
      ) as AlertRow[];
      return rows.map(alertFromRow);
    });
  }

  countAlerts(query: Omit<AlertQuery, 'limit'>): Promise<number> {
    return this.run(() => {
      const filtered = alertFilter(query);
      return this.stmt(`SELECT count(*) FROM alerts ${filtered.clause()}`).pluck().get(filtered.params) as number;
    });
  }

  pruneAlerts(before: Date): Promise<number> {
    return this.run(
      () => this.stmt("DELETE FROM alerts WHERE status = 'resolved' AND resolved_at < ?").run(before.getTime()).changes,
    );
  }

  createAlertGroup(group: AlertGroup): Promise<AlertGroup> {
    return this.run(() => {
      this.stmt(
        `INSERT INTO alert_groups (key, cluster, rule, source, title, external_key, roots, acked_by, acked_at,
           silenced_until, silenced_by, reminded_at, last_delivery, created_at, updated_at)
         VALUES (@key, @cluster, @rule, @source, @title, @externalKey, @roots, @ackedBy, @ackedAt,
           @silencedUntil, @silencedBy, @remindedAt, @lastDelivery, @createdAt, @updatedAt)
         ON CONFLICT (key) DO NOTHING`,
      ).run({
        key: group.key,
        cluster: group.cluster,
        rule: group.rule,
        source: group.source,
        title: group.title,
        externalKey: group.externalKey ?? null,
        roots: JSON.stringify(group.roots),
        ackedBy: toJson(group.ackedBy),
        ackedAt: group.ackedAt?.getTime() ?? null,
        silencedUntil: group.silencedUntil?.getTime() ?? null,
        silencedBy: toJson(group.silencedBy),
        remindedAt: group.remindedAt?.getTime() ?? null,
        lastDelivery: group.lastDelivery ?? null,
        createdAt: group.createdAt.getTime(),
        updatedAt: group.updatedAt.getTime(),
      } satisfies Params);
      const row = this.stmt('SELECT * FROM alert_groups WHERE key = ?').get(group.key) as AlertGroupRow;
      return alertGroupFromRow(row);
    });
  }

  getAlertGroup(key: string): Promise<AlertGroup | undefined> {
    return this.run(() => {
      const row = this.stmt('SELECT * FROM alert_groups WHERE key = ?').get(key) as AlertGroupRow | undefined;
      return row && alertGroupFromRow(row);
    });
  }

  listAlertGroups(filter: { cluster?: string; externalKey?: string }): Promise<AlertGroup[]> {
    return this.run(() => {
      const filtered = new Filter()
        .add('cluster = @cluster', 'cluster', filter.cluster)
        .add('external_key = @externalKey', 'externalKey', filter.externalKey);
      const rows = this.stmt(`SELECT * FROM alert_groups ${filtered.clause()} ORDER BY created_at, key`).all(
        filtered.params,
      ) as AlertGroupRow[];
      return rows.map(alertGroupFromRow);
    });
  }

  updateAlertGroup(key: string, patch: AlertGroupPatch): Promise<AlertGroup | undefined> {
    return this.run(() => {
      const entries = groupPatchEntries(patch);
      if (entries.length === 0) {
        const row = this.stmt('SELECT * FROM alert_groups WHERE key = ?').get(key) as AlertGroupRow | undefined;
        return row && alertGroupFromRow(row);
      }
      const params: Params = { key };
      const sets = entries.map(({ col, value }) => {
        params[col.field] =
          value === null
            ? null
            : col.type === 'time'
              ? (value as Date).getTime()
              : col.type === 'json'
                ? JSON.stringify(value)
                : (value as string);
        return `${col.column} = @${col.field}`;
      });
      const row = this.stmt(`UPDATE alert_groups SET ${sets.join(', ')} WHERE key = @key RETURNING *`).get(params) as
        AlertGroupRow | undefined;
      return row && alertGroupFromRow(row);
    });
  }

  enqueueAlertDeliveries(entries: readonly Omit<AlertDelivery, 'id' | 'attempts' | 'lastError'>[]): Promise<void> {
    return this.run(() => {
      const insert = this.stmt(
        `INSERT INTO alert_outbox (group_key, platform, channel_id, payload, created_at, next_attempt_at)
         VALUES (@groupKey, @platform, @channelId, @payload, @createdAt, @nextAttemptAt)`,
      );
      this.db.transaction(() => {
        for (const e of entries) {
          insert.run({
            groupKey: e.groupKey,
            platform: e.platform,
            channelId: e.channelId,
            payload: toJson(e.payload),
            createdAt: e.createdAt.getTime(),
            nextAttemptAt: e.nextAttemptAt.getTime(),
          } satisfies Params);
        }
      })();
    });
  }

  listAlertDeliveries(filter: { dueBy?: Date; limit: number }): Promise<AlertDelivery[]> {
    return this.run(() => {
      const due = filter.dueBy !== undefined ? 'WHERE next_attempt_at <= @dueBy' : '';
      const rows = this.stmt(`SELECT * FROM alert_outbox ${due} ORDER BY id LIMIT @limit`).all({
        limit: auditLimit(filter.limit),
        ...(filter.dueBy !== undefined ? { dueBy: filter.dueBy.getTime() } : {}),
      } satisfies Params) as AlertDeliveryRow[];
      return rows.map(alertDeliveryFromRow);
    });
  }

  completeAlertDeliveries(ids: readonly number[]): Promise<void> {
    return this.run(() => {
      if (ids.length === 0) return;
      this.stmt('DELETE FROM alert_outbox WHERE id IN (SELECT value FROM json_each(?))').run(JSON.stringify(ids));
    });
  }

  retryAlertDeliveries(ids: readonly number[], nextAttemptAt: Date, error: string): Promise<void> {
    return this.run(() => {
      if (ids.length === 0) return;
      this.stmt(
        `UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = @next, last_error = @error
          WHERE id IN (SELECT value FROM json_each(@ids))`,
      ).run({ ids: JSON.stringify(ids), next: nextAttemptAt.getTime(), error } satisfies Params);
    });
  }

  putMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    return this.run(() => {
      const insert = this.stmt(
        `INSERT INTO metric_samples (cluster, scope, subject, resolution, at, read_qps, write_qps, read_p99_ms,
           write_p99_ms, count)
         VALUES (@cluster, @scope, @subject, @resolution, @at, @readQps, @writeQps, @readP99Ms, @writeP99Ms, @count)
         ON CONFLICT (cluster, resolution, at, scope, subject) DO UPDATE SET read_qps = excluded.read_qps,
           write_qps = excluded.write_qps, read_p99_ms = excluded.read_p99_ms, write_p99_ms = excluded.write_p99_ms,
           count = excluded.count`,
      );
      this.db.transaction(() => {
        for (const s of samples) {
          insert.run({
            cluster: s.cluster,
            scope: s.scope,
            subject: s.subject,
            resolution: s.resolution,
            at: s.at.getTime(),
            readQps: s.readQps,
            writeQps: s.writeQps,
            readP99Ms: s.readP99Ms,
            writeP99Ms: s.writeP99Ms,
            count: s.count,
          } satisfies Params);
        }
      })();
    });
  }

  listMetricSamples(query: MetricSampleQuery): Promise<MetricSample[]> {
    return this.run(() => {
      const filtered = new Filter()
        .add('cluster = @cluster', 'cluster', query.cluster)
        .add('resolution = @resolution', 'resolution', query.resolution)
        .add('scope = @scope', 'scope', query.scope)
        .add('subject = @subject', 'subject', query.subject)
        .add('at >= @since', 'since', query.since?.getTime())
        .add('at < @until', 'until', query.until?.getTime())
        .add('at IN (SELECT value FROM json_each(@at))', 'at', jsonList(query.at?.map((d) => d.getTime())));
      const rows = this.stmt(`SELECT * FROM metric_samples ${filtered.clause()} ORDER BY at, scope, subject`).all(
        filtered.params,
      ) as MetricSampleRow[];
      return rows.map(metricSampleFromRow);
    });
  }

  pruneMetricSamples(resolution: MetricSample['resolution'], before: Date): Promise<number> {
    return this.run(
      () =>
        this.stmt('DELETE FROM metric_samples WHERE resolution = ? AND at < ?').run(resolution, before.getTime())
          .changes,
    );
  }

  // Table applications (admission).

  createApplication(application: TableApplication): Promise<void> {
    return this.run(() => {
      this.stmt(
        `INSERT INTO table_applications (id, cluster, table_name, applicant, applicant_platform, applicant_user_id,
           channel_id, status, verdict, form, review, source, decision_messages, decided_by, decided_at, note, app_id,
           submitted_at, updated_at)
         VALUES (@id, @cluster, @tableName, @applicant, @platform, @userId, @channelId, @status, @verdict, @form,
           @review, @source, @messages, @decidedBy, @decidedAt, @note, @appId, @submittedAt, @updatedAt)`,
      ).run({
        id: application.id,
        cluster: application.cluster,
        tableName: application.tableName,
        applicant: JSON.stringify(application.applicant),
        platform: application.applicant.platform,
        userId: application.applicant.userId,
        channelId: application.channelId,
        status: application.status,
        verdict: application.verdict,
        form: toJson(application.form),
        review: toJson(application.review),
        source: toJson(application.source),
        messages: JSON.stringify(application.decisionMessages),
        decidedBy: toJson(application.decidedBy),
        decidedAt: application.decidedAt?.getTime() ?? null,
        note: application.note ?? null,
        appId: application.appId ?? null,
        submittedAt: application.submittedAt.getTime(),
        updatedAt: application.updatedAt.getTime(),
      } satisfies Params);
    });
  }

  getApplication(id: string): Promise<TableApplication | undefined> {
    return this.run(() => {
      const row = this.stmt('SELECT * FROM table_applications WHERE id = ?').get(id) as ApplicationRow | undefined;
      return row && applicationFromRow(row);
    });
  }

  listApplications(query: ApplicationQuery): Promise<TableApplication[]> {
    return this.run(() => {
      const filtered = new Filter({ limit: auditLimit(query.limit) })
        .add('cluster = @cluster', 'cluster', query.cluster)
        .add('status IN (SELECT value FROM json_each(@statuses))', 'statuses', jsonList(query.statuses))
        .add('table_name = @tableName', 'tableName', query.tableName)
        .user('applicant', query.applicant);
      const rows = this.stmt(
        `SELECT * FROM table_applications ${filtered.clause()} ORDER BY submitted_at DESC, id DESC LIMIT @limit`,
      ).all(filtered.params) as ApplicationRow[];
      return rows.map(applicationFromRow);
    });
  }

  updateApplication(
    id: string,
    from: readonly ApplicationStatus[],
    patch: ApplicationPatch,
  ): Promise<TableApplication | undefined> {
    return this.run(() => {
      const params: Params = { id, from: JSON.stringify(from) };
      const entries = applicationPatchEntries({ ...patch, updatedAt: patch.updatedAt ?? this.clock.now() });
      const sets = entries.map(({ col, value }) => {
        params[col.field] =
          col.type === 'time'
            ? (value as Date).getTime()
            : col.type === 'json'
              ? JSON.stringify(value)
              : (value as string | number);
        return `${col.column} = @${col.field}`;
      });
      // One statement: the status test and the change cannot be separated by another writer.
      const row = this.stmt(
        `UPDATE table_applications SET ${sets.join(', ')}
          WHERE id = @id AND status IN (SELECT value FROM json_each(@from)) RETURNING *`,
      ).get(params) as ApplicationRow | undefined;
      return row && applicationFromRow(row);
    });
  }

  addApplicationMessage(id: string, ref: MessageRef): Promise<void> {
    return this.run(() => {
      this.stmt(
        `UPDATE table_applications SET decision_messages = json_insert(decision_messages, '$[#]', json(@ref))
          WHERE id = @id`,
      ).run({ id, ref: JSON.stringify(ref) } satisfies Params);
    });
  }

  /** Turns the synchronous driver's result or exception into a promise. */
  private run<T>(fn: () => T): Promise<T> {
    return new Promise((resolve) => {
      resolve(fn());
    });
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** The conditions of a WHERE clause and their named parameters, collected while a statement is built. */
class Filter {
  readonly params: Params;
  private readonly conditions: string[] = [];

  constructor(params: Params = {}) {
    this.params = params;
  }

  /** Adds `condition`, which reads the parameter `@name`, when the value is given. */
  add(condition: string, name: string, value: string | number | undefined): this {
    if (value === undefined) return this;
    this.conditions.push(condition);
    this.params[name] = value;
    return this;
  }

  /** Matches `<prefix>_user_id` and, when the user names a platform, `<prefix>_platform` (see `parseAuditUser`). */
  user(prefix: 'actor' | 'applicant', user: string | undefined): this {
    if (user === undefined) return this;
    const parsed = parseAuditUser(user);
    return this.add(`${prefix}_user_id = @userId`, 'userId', parsed.userId).add(
      `${prefix}_platform = @platform`,
      'platform',
      parsed.platform,
    );
  }

  /** `WHERE …`, or nothing without conditions. */
  clause(): string {
    return this.conditions.length > 0 ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** A list as the JSON text `json_each` reads, or undefined without one. */
function jsonList(values: readonly (string | number)[] | undefined): string | undefined {
  return values === undefined ? undefined : JSON.stringify(values);
}

function alertFilter(query: Omit<AlertQuery, 'limit'>): Filter {
  return new Filter()
    .add('group_key = @groupKey', 'groupKey', query.groupKey)
    .add('cluster = @cluster', 'cluster', query.cluster)
    .add('source = @source', 'source', query.source)
    .add('status = @status', 'status', query.status)
    .add("(status = 'firing' OR resolved_at >= @resolvedSince)", 'resolvedSince', query.resolvedSince?.getTime());
}
