/**
 * Versioned schema migrations for both stores. Each migration is one numbered step with the SQL for each
 * dialect; `schema_migrations` records which ran. Every start runs the missing ones in one transaction
 * (PostgreSQL: under an advisory lock, so instances starting together do not race).
 *
 * To add a migration:
 *   1. Create `src/store/migrations/<what-it-adds>.ts` exporting a `Migration` with the next version
 *      number and SQL for both dialects (SQLite: epoch-ms INTEGER times, TEXT JSON; PostgreSQL:
 *      timestamptz, jsonb — see `core-tables.ts`).
 *   2. Append it to `migrations` below.
 *   3. Never edit, renumber or remove a migration that has been released: add a new one instead.
 * The contract suite (`test/store/store.contract.ts`) runs every migration on both databases.
 */
import type Database from 'better-sqlite3';
import type pg from 'pg';
import { coreTables } from './migrations/core-tables.js';
import { monitoringTables } from './migrations/monitoring-tables.js';
import { tableApplications } from './migrations/table-applications.js';
import { StoreError, StoreErrorCode } from './store-error.js';

/** One numbered schema step, written once per dialect. */
export interface Migration {
  /** 1, 2, 3 … without gaps, in the order they run. */
  readonly version: number;
  /** A few words saying what the step adds (kept in `schema_migrations`). */
  readonly name: string;
  /** Statements for SQLite (may hold several; no transaction control, no PRAGMA). */
  readonly sqlite: string;
  /** Statements for PostgreSQL (may hold several; no transaction control). */
  readonly postgres: string;
}

/** Every migration, oldest first. Append new ones at the end. */
export const migrations: readonly Migration[] = [coreTables, monitoringTables, tableApplications];

/** Throws when a migration list is not numbered 1, 2, 3 … (a bug in the list, caught before touching data). */
export function checkMigrations(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(
        StoreErrorCode.BadOption,
        `Migration "${m.name}" has version ${m.version} at position ${i + 1}: versions must be 1, 2, 3 … in order.`,
      );
    }
  });
}

function refuseUnknown(applied: readonly number[], list: readonly Migration[], where: string): void {
  const unknown = applied.filter((v) => v > list.length);
  if (unknown.length > 0) {
    throw new StoreError(
      StoreErrorCode.SchemaNewer,
      `The ${where} has migration ${unknown.join(', ')} applied, which this build does not know (it knows 1–${list.length}): ` +
        'a newer pegasus-chatops used it. Upgrade this instance, or point it at another database.',
    );
  }
}

function failed(m: Migration, err: unknown): StoreError {
  const reason = err instanceof Error ? err.message : String(err);
  return new StoreError(
    StoreErrorCode.MigrationFailed,
    `Migration ${m.version} (${m.name}) failed and was rolled back: ${reason}`,
    { cause: err },
  );
}

/** Runs the missing migrations on a SQLite database in one immediate transaction; resolves to the versions applied. */
export function migrateSqlite(db: Database.Database, list: readonly Migration[], now: Date): number[] {
  checkMigrations(list);
  const run = db.transaction((): number[] => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const applied = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all() as number[];
    refuseUnknown(applied, list, 'SQLite database');
    const done = new Set(applied);
    const ran: number[] = [];
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of list) {
      if (done.has(m.version)) continue;
      try {
        db.exec(m.sqlite);
      } catch (err) {
        throw failed(m, err);
      }
      record.run(m.version, m.name, now.getTime());
      ran.push(m.version);
    }
    return ran;
  });
  // IMMEDIATE takes the write lock first, so two processes opening one file migrate one after the other.
  return run.immediate();
}

/**
 * Runs the missing migrations on PostgreSQL in one transaction on `client`, creating `schema` if needed.
 * The client's search_path must already name `schema`. `lockKey` is the advisory lock pair that serialises
 * migrations of this schema across instances.
 */
export async function migratePostgres(
  client: pg.ClientBase,
  schema: string,
  lockKey: readonly [string, string],
  list: readonly Migration[],
  now: Date,
): Promise<number[]> {
  checkMigrations(list);
  await client.query('BEGIN');
  try {
    // A transaction-level lock is released by COMMIT/ROLLBACK, so a crash can never leave it held.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [...lockKey]);
    // CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the schema exists, which a
    // least-privilege role for an existing schema (usually `public`) lacks: look first.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)',
    );
    const rows = await client.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    const applied = rows.rows.map((r) => r.version);
    refuseUnknown(applied, list, `PostgreSQL schema "${schema}"`);
    const done = new Set(applied);
    const ran: number[] = [];
    for (const m of list) {
      if (done.has(m.version)) continue;
      try {
        await client.query(m.postgres);
      } catch (err) {
        throw failed(m, err);
      }
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        m.version,
        m.name,
        now,
      ]);
      ran.push(m.version);
    }
    await client.query('COMMIT');
    return ran;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Quotes a PostgreSQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
