/** Chooses and opens the store from the configuration: PostgreSQL when DATABASE_URL is set, else SQLite. */
import { join } from 'node:path';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { PostgresStore, redactDatabaseUrl } from './postgres-store.js';
import { SqliteStore, sqliteFileName } from './sqlite-store.js';
import type { Store } from './store.js';
import { StoreError, StoreErrorCode } from './store-error.js';

/** Options of `openStore`. */
export interface OpenStoreOptions {
  clock?: Clock;
  logger?: Logger;
  /** PostgreSQL schema (default `public`). */
  schema?: string;
}

/**
 * Opens the configured store and runs its migrations. Rejects with a `StoreError` whose message names the
 * setting to fix (DATABASE_URL, with its password redacted, or DATA_DIR).
 */
export async function openStore(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  options: OpenStoreOptions = {},
): Promise<Store> {
  const clock = options.clock ? { clock: options.clock } : {};
  if (config.databaseUrl !== undefined) {
    const store = new PostgresStore({
      connectionString: config.databaseUrl,
      ...clock,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
    });
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw explain(err, `the PostgreSQL store named by DATABASE_URL (${redactDatabaseUrl(config.databaseUrl)})`, {
        unreachable:
          'Check that the server is running and DATABASE_URL is right, or unset DATABASE_URL to use the embedded SQLite store.',
      });
    }
    return store;
  }

  const filename = join(config.dataDir, sqliteFileName);
  const sqliteHint = {
    unreachable: 'Set DATA_DIR to a writable directory, or set DATABASE_URL to use PostgreSQL.',
  };
  const what = `the SQLite store ${filename} (DATA_DIR=${config.dataDir})`;
  let store: SqliteStore;
  try {
    store = new SqliteStore({ filename, ...clock });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw explain(new StoreError(StoreErrorCode.Unreachable, reason, { cause: err, reason }), what, sqliteHint);
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw explain(err, what, sqliteHint);
  }
  return store;
}

/** Rephrases a store failure to say which store and which setting; other errors (bugs) pass unchanged. */
function explain(err: unknown, what: string, hints: { unreachable: string }): unknown {
  if (!(err instanceof StoreError)) return err;
  const message =
    err.code === StoreErrorCode.Unreachable
      ? `Cannot open ${what}: ${err.reason}. ${hints.unreachable}`
      : `Cannot open ${what}: ${err.message}`;
  return new StoreError(err.code, message, { cause: err, reason: err.reason });
}
