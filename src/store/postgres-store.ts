/**
 * The shared store for several bot instances: PostgreSQL through a `pg` pool. Every exactly-once gate is a
 * single statement (compare-and-set `UPDATE … WHERE status = ANY(…) RETURNING *`, `INSERT … ON CONFLICT DO
 * NOTHING`), so instances need no coordination beyond the database. `withLock` is a session advisory lock
 * on a client held for the duration of the work.
 */
import pg from 'pg';
import { systemClock, type Clock } from '../clock.js';
import type { MessageRef } from '../commands/command.js';
import type { Logger } from '../logger.js';
import { applicationFromRow, applicationPatchEntries, type ApplicationRow } from './application-rows.js';
import { migratePostgres, migrations as allMigrations, type Migration } from './migrations.js';
import { StoreError, StoreErrorCode } from './store-error.js';
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

/** Options of `PostgresStore`. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  connectionString: string;
  /**
   * Schema holding the tables, created if missing: lower-case letters, digits and `_`. Default `public`.
   * Advisory locks are scoped to it too, so separate schemas on one database never block each other.
   */
  schema?: string;
  /** Connections for queries. Default 10. */
  max?: number;
  /** Connections for `withLock`, each held while its job runs: at most this many locks at once. Default 5. */
  maxLocks?: number;
  /** How long to wait for a connection before failing. Default 10 s. */
  connectionTimeoutMs?: number;
  /** Stamps `updatedAt` of windows and migration times. Default: the wall clock. */
  clock?: Clock;
  /** Migrations to run (tests). Default: all of `migrations`. */
  migrations?: readonly Migration[];
  /** Receives errors of idle pooled connections (the server restarting), which would otherwise crash the process. */
  logger?: Logger;
}

const { builtins } = pg.types;

// JSON stays text so "absent" (SQL NULL) and JSON null remain distinct, exactly as in SQLite; bigint ids
// fit a JS number for the life of any audit log.
const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: Parameters<typeof pg.types.getTypeParser>[0], format?: 'text') => {
    if (oid === builtins.JSON || oid === builtins.JSONB) return (value: string) => value;
    if (oid === builtins.INT8) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format) as unknown;
  }) as typeof pg.types.getTypeParser,
};

const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/;

/** Collects positional parameters while a statement is built. */
class Params {
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The PostgreSQL implementation of the `Store` port. */
export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly schema: string;
  private readonly pool: pg.Pool;
  private readonly lockPool: pg.Pool;
  private readonly connectionString: string;
  private readonly clock: Clock;
  private readonly migrationList: readonly Migration[];
  private readonly lockNamespace: string;
  private closed = false;

  /** Creates the pool (no connection is made until the first query); run `migrate()` before use. */
  constructor(options: PostgresStoreOptions) {
    const schema = options.schema ?? 'public';
    if (!schemaPattern.test(schema)) {
      throw new StoreError(
        StoreErrorCode.BadOption,
        `Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _ (at most 63, not starting with a digit).`,
      );
    }
    this.schema = schema;
    this.connectionString = options.connectionString;
    this.clock = options.clock ?? systemClock;
    this.migrationList = options.migrations ?? allMigrations;
    this.lockNamespace = `pegasus-chatops:${schema}`;
    const poolConfig: pg.PoolConfig = {
      connectionString: options.connectionString,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      options: `-c search_path=${schema}`,
      types,
      application_name: 'pegasus-chatops',
    };
    this.pool = new pg.Pool({ ...poolConfig, max: options.max ?? 10 });
    // Lock holders keep their client for the whole job; a pool of their own means jobs that query the store
    // while holding a lock can never take every connection and starve themselves.
    this.lockPool = new pg.Pool({ ...poolConfig, max: options.maxLocks ?? 5 });
    const logger = options.logger;
    for (const pool of [this.pool, this.lockPool]) {
      pool.on('error', (err) => {
        logger?.warn({ err: err.message }, 'PostgreSQL connection lost while idle; the pool will reconnect');
      });
    }
  }

  async migrate(): Promise<void> {
    const client = await this.connect();
    try {
      await migratePostgres(
        client,
        this.schema,
        [this.lockNamespace, 'pegasus-chatops/schema-migrations'],
        this.migrationList,
        this.clock.now(),
      );
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.pool.end(), this.lockPool.end()]);
  }

  async createPending(action: PendingAction): Promise<void> {
    await this.pool.query(
      `INSERT INTO pending_actions (id, kind, command, cluster, params, risk, requested_by, channel_id, required_role,
         created_at, expires_at, status, decided_by, decided_at, result, messages)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16::jsonb)`,
      [
        action.id,
        action.kind,
        action.command,
        action.cluster,
        toJson(action.params),
        action.risk,
        JSON.stringify(action.requestedBy),
        action.channelId,
        action.requiredRole,
        action.createdAt,
        action.expiresAt,
        action.status,
        toJson(action.decidedBy),
        action.decidedAt ?? null,
        action.result ?? null,
        JSON.stringify(action.messages),
      ],
    );
  }

  async getPending(id: string): Promise<PendingAction | undefined> {
    const { rows } = await this.pool.query<PendingRow>('SELECT * FROM pending_actions WHERE id = $1', [id]);
    return rows[0] && pendingFromRow(rows[0]);
  }

  async transitionPending(
    id: string,
    from: readonly PendingStatus[],
    to: PendingStatus,
    patch: PendingPatch = {},
  ): Promise<PendingAction | undefined> {
    // A concurrent UPDATE of the same row waits for ours and then re-checks the status: exactly one wins.
    const { rows } = await this.pool.query<PendingRow>(
      `UPDATE pending_actions
          SET status = $3,
              decided_by = COALESCE($4::jsonb, decided_by),
              decided_at = COALESCE($5::timestamptz, decided_at),
              result = COALESCE($6::text, result)
        WHERE id = $1 AND status = ANY($2::text[])
        RETURNING *`,
      [id, [...from], to, toJson(patch.decidedBy), patch.decidedAt ?? null, patch.result ?? null],
    );
    return rows[0] && pendingFromRow(rows[0]);
  }

  async addPendingMessage(id: string, ref: MessageRef): Promise<void> {
    await this.pool.query(
      'UPDATE pending_actions SET messages = messages || jsonb_build_array($2::jsonb) WHERE id = $1',
      [id, JSON.stringify(ref)],
    );
  }

  async listPending(filter: { status?: PendingStatus; cluster?: string }): Promise<PendingAction[]> {
    const params = new Params();
    const where: string[] = [];
    if (filter.status !== undefined) where.push(`status = ${params.add(filter.status)}`);
    if (filter.cluster !== undefined) where.push(`cluster = ${params.add(filter.cluster)}`);
    const { rows } = await this.pool.query<PendingRow>(
      `SELECT * FROM pending_actions ${whereClause(where)} ORDER BY created_at, id`,
      params.values,
    );
    return rows.map(pendingFromRow);
  }

  async appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    const { rows } = await this.pool.query<AuditRow>(
      `INSERT INTO audit_log (at, actor, actor_platform, actor_user_id, channel_id, cluster, event, command, args,
         outcome, approvers, ref)
       VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11::jsonb, $12)
       RETURNING *`,
      [
        entry.at,
        JSON.stringify(entry.actor),
        entry.actor.platform,
        entry.actor.userId,
        entry.channelId,
        entry.cluster ?? null,
        entry.event,
        entry.command,
        toJson(entry.args),
        entry.outcome,
        toJson(entry.approvers),
        entry.ref ?? null,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error('INSERT … RETURNING gave no row');
    return auditFromRow(row);
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    const params = new Params();
    const where: string[] = [];
    if (query.user !== undefined) {
      const user = parseAuditUser(query.user);
      where.push(`actor_user_id = ${params.add(user.userId)}`);
      if (user.platform) where.push(`actor_platform = ${params.add(user.platform)}`);
    }
    if (query.since !== undefined) where.push(`at >= ${params.add(query.since)}`);
    if (query.ref !== undefined) where.push(`ref = ${params.add(query.ref)}`);
    const limit = params.add(auditLimit(query.limit));
    const { rows } = await this.pool.query<AuditRow>(
      `SELECT * FROM audit_log ${whereClause(where)} ORDER BY at DESC, id DESC LIMIT ${limit}`,
      params.values,
    );
    return rows.map(auditFromRow);
  }

  async createWindow(window: RebalanceWindow): Promise<void> {
    await this.pool.query(
      `INSERT INTO rebalance_windows (id, cluster, start_at, end_at, reason, requested_by, channel_id, status,
         approved_by, end_reason, before_state, after_state, thread, quiet_checks, started_at, ended_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9::jsonb, $10, $11::jsonb, $12::jsonb, $13::jsonb, $14, $15,
         $16, $17)`,
      [
        window.id,
        window.cluster,
        window.start,
        window.end,
        window.reason ?? null,
        JSON.stringify(window.requestedBy),
        window.channelId,
        window.status,
        toJson(window.approvedBy),
        window.endReason ?? null,
        toJson(window.before),
        toJson(window.after),
        toJson(window.thread),
        window.quietChecks,
        window.startedAt ?? null,
        window.endedAt ?? null,
        window.updatedAt,
      ],
    );
  }

  async getWindow(id: string): Promise<RebalanceWindow | undefined> {
    const { rows } = await this.pool.query<WindowRow>('SELECT * FROM rebalance_windows WHERE id = $1', [id]);
    return rows[0] && windowFromRow(rows[0]);
  }

  async listWindows(filter: { cluster?: string; statuses?: readonly WindowStatus[] }): Promise<RebalanceWindow[]> {
    const params = new Params();
    const where: string[] = [];
    if (filter.cluster !== undefined) where.push(`cluster = ${params.add(filter.cluster)}`);
    if (filter.statuses !== undefined) where.push(`status = ANY(${params.add([...filter.statuses])}::text[])`);
    const { rows } = await this.pool.query<WindowRow>(
      `SELECT * FROM rebalance_windows ${whereClause(where)} ORDER BY start_at, id`,
      params.values,
    );
    return rows.map(windowFromRow);
  }

  async updateWindow(
    id: string,
    from: readonly WindowStatus[],
    patch: WindowPatch,
  ): Promise<RebalanceWindow | undefined> {
    const params = new Params();
    const idParam = params.add(id);
    const fromParam = params.add([...from]);
    const entries = windowPatchEntries({ ...patch, updatedAt: patch.updatedAt ?? this.clock.now() });
    const sets = entries.map(({ col, value }) =>
      col.type === 'json'
        ? `${col.column} = ${params.add(toJson(value))}::jsonb`
        : `${col.column} = ${params.add(value)}`,
    );
    const { rows } = await this.pool.query<WindowRow>(
      `UPDATE rebalance_windows SET ${sets.join(', ')}
        WHERE id = ${idParam} AND status = ANY(${fromParam}::text[]) RETURNING *`,
      params.values,
    );
    return rows[0] && windowFromRow(rows[0]);
  }

  async recordWindowStep(step: WindowStep): Promise<boolean> {
    const result = await this.pool.query(
      `INSERT INTO window_steps (window_id, step_key, at, detail) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (window_id, step_key) DO NOTHING`,
      [step.windowId, step.key, step.at, toJson(step.detail)],
    );
    return result.rowCount === 1;
  }

  async listWindowSteps(windowId: string): Promise<WindowStep[]> {
    const { rows } = await this.pool.query<StepRow>(
      'SELECT * FROM window_steps WHERE window_id = $1 ORDER BY at, seq',
      [windowId],
    );
    return rows.map(stepFromRow);
  }

  async getState<T = unknown>(key: string): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ value: string }>('SELECT value FROM bot_state WHERE name = $1', [key]);
    return rows[0] && (JSON.parse(rows[0].value) as T);
  }

  async setState(key: string, value: unknown): Promise<void> {
    if (value === undefined) {
      // JSON has no undefined: storing it means forgetting the key.
      await this.pool.query('DELETE FROM bot_state WHERE name = $1', [key]);
      return;
    }
    await this.pool.query(
      `INSERT INTO bot_state (name, value, updated_at) VALUES ($1, $2::jsonb, $3)
       ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      [key, JSON.stringify(value), this.clock.now()],
    );
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    // The lock belongs to a session: keep one client out of the pool until it is released.
    const client = await this.lockPool.connect();
    const key = [this.lockNamespace, name];
    let got: boolean;
    try {
      const { rows } = await client.query<{ got: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS got',
        key,
      );
      got = rows[0]?.got === true;
    } catch (err) {
      client.release(err instanceof Error ? err : true);
      throw err;
    }
    if (!got) {
      client.release();
      return { ran: false };
    }
    try {
      return { ran: true, value: await fn() };
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', key);
        client.release();
      } catch (err) {
        // Destroying the connection ends its session, which frees the lock just as well.
        client.release(err instanceof Error ? err : true);
      }
    }
  }

  // Monitoring: alerts, alert groups, the alert outbox, metric samples.

  async putAlerts(alerts: readonly AlertRecord[]): Promise<void> {
    if (alerts.length === 0) return;
    // One statement over arrays: atomic, and one round trip however large the batch.
    const column = <T>(pick: (a: AlertRecord) => T) => alerts.map(pick);
    await this.pool.query(
      `INSERT INTO alerts (fingerprint, group_key, cluster, rule, subject, source, status, severity, summary, detail,
         started_at, last_seen_at, missing_since, missing_count, resolved_at, flaps, updated_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::text[], $9::text[], $10::jsonb[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[],
         $14::int[], $15::timestamptz[], $16::int[], $17::timestamptz[])
       ON CONFLICT (fingerprint) DO UPDATE SET group_key = excluded.group_key, cluster = excluded.cluster,
         rule = excluded.rule, subject = excluded.subject, source = excluded.source, status = excluded.status,
         severity = excluded.severity, summary = excluded.summary, detail = excluded.detail,
         started_at = excluded.started_at, last_seen_at = excluded.last_seen_at,
         missing_since = excluded.missing_since, missing_count = excluded.missing_count,
         resolved_at = excluded.resolved_at, flaps = excluded.flaps, updated_at = excluded.updated_at`,
      [
        column((a) => a.fingerprint),
        column((a) => a.groupKey),
        column((a) => a.cluster),
        column((a) => a.rule),
        column((a) => a.subject),
        column((a) => a.source),
        column((a) => a.status),
        column((a) => a.severity),
        column((a) => a.summary),
        column((a) => toJson(a.detail)),
        column((a) => a.startedAt),
        column((a) => a.lastSeenAt),
        column((a) => a.missingSince ?? null),
        column((a) => a.missingCount),
        column((a) => a.resolvedAt ?? null),
        column((a) => a.flaps),
        column((a) => a.updatedAt),
      ],
    );
  }

  async getAlert(fingerprint: string): Promise<AlertRecord | undefined> {
    const { rows } = await this.pool.query<AlertRow>('SELECT * FROM alerts WHERE fingerprint = $1', [fingerprint]);
    return rows[0] && alertFromRow(rows[0]);
  }

  async listAlerts(query: AlertQuery): Promise<AlertRecord[]> {
    const params = new Params();
    const where = alertWhere(query, params);
    const limit = query.limit !== undefined ? `LIMIT ${params.add(auditLimit(query.limit))}` : '';
    const { rows } = await this.pool.query<AlertRow>(
      `SELECT * FROM alerts ${whereClause(where)} ORDER BY started_at, fingerprint ${limit}`,
      params.values,
    );
    return rows.map(alertFromRow);
  }

  async countAlerts(query: Omit<AlertQuery, 'limit'>): Promise<number> {
    const params = new Params();
    const where = alertWhere(query, params);
    const { rows } = await this.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM alerts ${whereClause(where)}`,
      params.values,
    );
    return rows[0]?.n ?? 0;
  }

  async pruneAlerts(before: Date): Promise<number> {
    const result = await this.pool.query("DELETE FROM alerts WHERE status = 'resolved' AND resolved_at < $1", [before]);
    return result.rowCount ?? 0;
  }

  async createAlertGroup(group: AlertGroup): Promise<AlertGroup> {
    const values = [
      group.key,
      group.cluster,
      group.rule,
      group.source,
      group.title,
      group.externalKey ?? null,
      JSON.stringify(group.roots),
      toJson(group.ackedBy),
      group.ackedAt ?? null,
      group.silencedUntil ?? null,
      toJson(group.silencedBy),
      group.remindedAt ?? null,
      group.lastDelivery ?? null,
      group.createdAt,
      group.updatedAt,
    ];
    // The CTE sees the table as it was before the statement: fall back to the existing row on a conflict.
    const { rows } = await this.pool.query<AlertGroupRow>(
      `WITH inserted AS (
         INSERT INTO alert_groups (key, cluster, rule, source, title, external_key, roots, acked_by, acked_at,
           silenced_until, silenced_by, reminded_at, last_delivery, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9, $10, $11::jsonb, $12, $13, $14, $15)
         ON CONFLICT (key) DO NOTHING
         RETURNING *)
       SELECT * FROM inserted UNION ALL SELECT * FROM alert_groups WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM inserted)`,
      values,
    );
    const row = rows[0];
    if (!row) throw new Error('createAlertGroup: neither inserted nor found');
    return alertGroupFromRow(row);
  }

  async getAlertGroup(key: string): Promise<AlertGroup | undefined> {
    const { rows } = await this.pool.query<AlertGroupRow>('SELECT * FROM alert_groups WHERE key = $1', [key]);
    return rows[0] && alertGroupFromRow(rows[0]);
  }

  async listAlertGroups(filter: { cluster?: string; externalKey?: string }): Promise<AlertGroup[]> {
    const params = new Params();
    const where: string[] = [];
    if (filter.cluster !== undefined) where.push(`cluster = ${params.add(filter.cluster)}`);
    if (filter.externalKey !== undefined) where.push(`external_key = ${params.add(filter.externalKey)}`);
    const { rows } = await this.pool.query<AlertGroupRow>(
      `SELECT * FROM alert_groups ${whereClause(where)} ORDER BY created_at, key`,
      params.values,
    );
    return rows.map(alertGroupFromRow);
  }

  async updateAlertGroup(key: string, patch: AlertGroupPatch): Promise<AlertGroup | undefined> {
    const entries = groupPatchEntries(patch);
    if (entries.length === 0) return this.getAlertGroup(key);
    const params = new Params();
    const keyParam = params.add(key);
    const sets = entries.map(({ col, value }) =>
      col.type === 'json'
        ? `${col.column} = ${params.add(value === null ? null : JSON.stringify(value))}::jsonb`
        : `${col.column} = ${params.add(value)}`,
    );
    const { rows } = await this.pool.query<AlertGroupRow>(
      `UPDATE alert_groups SET ${sets.join(', ')} WHERE key = ${keyParam} RETURNING *`,
      params.values,
    );
    return rows[0] && alertGroupFromRow(rows[0]);
  }

  async enqueueAlertDeliveries(
    entries: readonly Omit<AlertDelivery, 'id' | 'attempts' | 'lastError'>[],
  ): Promise<void> {
    if (entries.length === 0) return;
    // unnest keeps the given order, so ids (and delivery order) follow it.
    await this.pool.query(
      `INSERT INTO alert_outbox (group_key, platform, channel_id, payload, created_at, next_attempt_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamptz[], $6::timestamptz[])`,
      [
        entries.map((e) => e.groupKey),
        entries.map((e) => e.platform),
        entries.map((e) => e.channelId),
        entries.map((e) => toJson(e.payload)),
        entries.map((e) => e.createdAt),
        entries.map((e) => e.nextAttemptAt),
      ],
    );
  }

  async listAlertDeliveries(filter: { dueBy?: Date; limit: number }): Promise<AlertDelivery[]> {
    const params = new Params();
    const due = filter.dueBy !== undefined ? `WHERE next_attempt_at <= ${params.add(filter.dueBy)}` : '';
    const limit = params.add(auditLimit(filter.limit));
    const { rows } = await this.pool.query<AlertDeliveryRow>(
      `SELECT * FROM alert_outbox ${due} ORDER BY id LIMIT ${limit}`,
      params.values,
    );
    return rows.map(alertDeliveryFromRow);
  }

  async completeAlertDeliveries(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query('DELETE FROM alert_outbox WHERE id = ANY($1::bigint[])', [[...ids]]);
  }

  async retryAlertDeliveries(ids: readonly number[], nextAttemptAt: Date, error: string): Promise<void> {
    if (ids.length === 0) return;
    await this.pool.query(
      `UPDATE alert_outbox SET attempts = attempts + 1, next_attempt_at = $2, last_error = $3
        WHERE id = ANY($1::bigint[])`,
      [[...ids], nextAttemptAt, error],
    );
  }

  async putMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    if (samples.length === 0) return;
    await this.pool.query(
      `INSERT INTO metric_samples (cluster, scope, subject, resolution, at, read_qps, write_qps, read_p99_ms,
         write_p99_ms, count)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::float8[],
         $7::float8[], $8::float8[], $9::float8[], $10::int[])
       ON CONFLICT (cluster, resolution, at, scope, subject) DO UPDATE SET read_qps = excluded.read_qps,
         write_qps = excluded.write_qps, read_p99_ms = excluded.read_p99_ms, write_p99_ms = excluded.write_p99_ms,
         count = excluded.count`,
      [
        samples.map((s) => s.cluster),
        samples.map((s) => s.scope),
        samples.map((s) => s.subject),
        samples.map((s) => s.resolution),
        samples.map((s) => s.at),
        samples.map((s) => s.readQps),
        samples.map((s) => s.writeQps),
        samples.map((s) => s.readP99Ms),
        samples.map((s) => s.writeP99Ms),
        samples.map((s) => s.count),
      ],
    );
  }

  async listMetricSamples(query: MetricSampleQuery): Promise<MetricSample[]> {
    const params = new Params();
    const where = [`cluster = ${params.add(query.cluster)}`, `resolution = ${params.add(query.resolution)}`];
    if (query.scope !== undefined) where.push(`scope = ${params.add(query.scope)}`);
    if (query.subject !== undefined) where.push(`subject = ${params.add(query.subject)}`);
    if (query.since !== undefined) where.push(`at >= ${params.add(query.since)}`);
    if (query.until !== undefined) where.push(`at < ${params.add(query.until)}`);
    if (query.at !== undefined) where.push(`at = ANY(${params.add([...query.at])}::timestamptz[])`);
    const { rows } = await this.pool.query<MetricSampleRow>(
      `SELECT * FROM metric_samples ${whereClause(where)} ORDER BY at, scope, subject`,
      params.values,
    );
    return rows.map(metricSampleFromRow);
  }

  async pruneMetricSamples(resolution: MetricSample['resolution'], before: Date): Promise<number> {
    const result = await this.pool.query('DELETE FROM metric_samples WHERE resolution = $1 AND at < $2', [
      resolution,
      before,
    ]);
    return result.rowCount ?? 0;
  }

  // Table applications (admission).

  async createApplication(application: TableApplication): Promise<void> {
    await this.pool.query(
      `INSERT INTO table_applications (id, cluster, table_name, applicant, applicant_platform, applicant_user_id,
         channel_id, status, verdict, form, review, source, decision_messages, decided_by, decided_at, note, app_id,
         submitted_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12::jsonb, $13::jsonb, $14::jsonb,
         $15, $16, $17, $18, $19)`,
      [
        application.id,
        application.cluster,
        application.tableName,
        JSON.stringify(application.applicant),
        application.applicant.platform,
        application.applicant.userId,
        application.channelId,
        application.status,
        application.verdict,
        toJson(application.form),
        toJson(application.review),
        toJson(application.source),
        JSON.stringify(application.decisionMessages),
        toJson(application.decidedBy),
        application.decidedAt ?? null,
        application.note ?? null,
        application.appId ?? null,
        application.submittedAt,
        application.updatedAt,
      ],
    );
  }

  async getApplication(id: string): Promise<TableApplication | undefined> {
    const { rows } = await this.pool.query<ApplicationRow>('SELECT * FROM table_applications WHERE id = $1', [id]);
    return rows[0] && applicationFromRow(rows[0]);
  }

  async listApplications(query: ApplicationQuery): Promise<TableApplication[]> {
    const params = new Params();
    const where: string[] = [];
    if (query.cluster !== undefined) where.push(`cluster = ${params.add(query.cluster)}`);
    if (query.statuses !== undefined) where.push(`status = ANY(${params.add([...query.statuses])}::text[])`);
    if (query.tableName !== undefined) where.push(`table_name = ${params.add(query.tableName)}`);
    if (query.applicant !== undefined) {
      const user = parseAuditUser(query.applicant);
      where.push(`applicant_user_id = ${params.add(user.userId)}`);
      if (user.platform) where.push(`applicant_platform = ${params.add(user.platform)}`);
    }
    const limit = params.add(auditLimit(query.limit));
    const { rows } = await this.pool.query<ApplicationRow>(
      `SELECT * FROM table_applications ${whereClause(where)} ORDER BY submitted_at DESC, id DESC LIMIT ${limit}`,
      params.values,
    );
    return rows.map(applicationFromRow);
  }

  async updateApplication(
    id: string,
    from: readonly ApplicationStatus[],
    patch: ApplicationPatch,
  ): Promise<TableApplication | undefined> {
    const params = new Params();
    const entries = applicationPatchEntries({ ...patch, updatedAt: patch.updatedAt ?? this.clock.now() });
    const sets = entries.map(({ col, value }) =>
      col.type === 'json'
        ? `${col.column} = ${params.add(JSON.stringify(value))}::jsonb`
        : `${col.column} = ${params.add(value)}`,
    );
    // A concurrent UPDATE of the same row waits for ours and then re-checks the status: exactly one wins.
    const { rows } = await this.pool.query<ApplicationRow>(
      `UPDATE table_applications SET ${sets.join(', ')}
        WHERE id = ${params.add(id)} AND status = ANY(${params.add([...from])}::text[])
        RETURNING *`,
      params.values,
    );
    return rows[0] && applicationFromRow(rows[0]);
  }

  async addApplicationMessage(id: string, ref: MessageRef): Promise<void> {
    await this.pool.query(
      'UPDATE table_applications SET decision_messages = decision_messages || jsonb_build_array($2::jsonb) WHERE id = $1',
      [id, JSON.stringify(ref)],
    );
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      const reason = describeError(err, this.connectionString);
      throw new StoreError(
        StoreErrorCode.Unreachable,
        `Cannot connect to PostgreSQL at ${redactDatabaseUrl(this.connectionString)}: ${reason}.`,
        { cause: err, reason },
      );
    }
  }
}

function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}

function alertWhere(query: Omit<AlertQuery, 'limit'>, params: Params): string[] {
  const where: string[] = [];
  if (query.groupKey !== undefined) where.push(`group_key = ${params.add(query.groupKey)}`);
  if (query.cluster !== undefined) where.push(`cluster = ${params.add(query.cluster)}`);
  if (query.source !== undefined) where.push(`source = ${params.add(query.source)}`);
  if (query.status !== undefined) where.push(`status = ${params.add(query.status)}`);
  if (query.resolvedSince !== undefined) {
    where.push(`(status = 'firing' OR resolved_at >= ${params.add(query.resolvedSince)})`);
  }
  return where;
}

/** The connection URL with its password (in the user part or as a parameter) replaced by `***`. */
export function redactDatabaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(a value that is not a URL)';
  }
  if (parsed.password !== '') parsed.password = '***';
  for (const key of ['password', 'sslpassword']) {
    if (parsed.searchParams.has(key)) parsed.searchParams.set(key, '***');
  }
  return parsed.toString().replaceAll('%2A', '*');
}

/** A driver error as one line, never containing the URL's password. */
function describeError(err: unknown, url: string): string {
  let text: string;
  if (err instanceof AggregateError && err.message === '') {
    // Node reports a refused connection to a name with several addresses as an AggregateError without a message.
    text = err.errors.map((e: unknown) => (e instanceof Error ? e.message : String(e))).join('; ');
  } else if (err instanceof Error) {
    text = err.message || ((err as NodeJS.ErrnoException).code ?? err.name);
  } else {
    text = String(err);
  }
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // Not a URL: nothing to scrub.
  }
  return password === '' ? text : text.replaceAll(password, '***');
}
