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
  const common = {
    ...(options.clock ? { clock: options.clock } : {}),
  };
  if (config.databaseUrl !== undefined) {
    const store = new PostgresStore({
      connectionString: config.databaseUrl,
      ...common,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.schema !== undefined ? { schema: options.schema } : {}),
    });
    try {
      await store.migrate();
    } catch (err) {
      await store.close();
      throw explain(
        err,
        `the PostgreSQL store (DATABASE_URL=${redactDatabaseUrl(config.databaseUrl)})`,
        'DATABASE_URL',
      );
    }
    return store;
  }

  const filename = join(config.dataDir, sqliteFileName);
  let store: SqliteStore;
  try {
    store = new SqliteStore({ filename, ...common });
  } catch (err) {
    throw new StoreError(
      StoreErrorCode.Unreachable,
      `Cannot open the SQLite store ${filename}: ${err instanceof Error ? err.message : String(err)}. ` +
        'Set DATA_DIR to a writable directory, or set DATABASE_URL to use PostgreSQL.',
      { cause: err },
    );
  }
  try {
    await store.migrate();
  } catch (err) {
    await store.close();
    throw explain(err, `the SQLite store ${filename} (DATA_DIR=${config.dataDir})`, 'DATA_DIR');
  }
  return store;
}

function explain(err: unknown, what: string, setting: string): unknown {
  if (!(err instanceof StoreError)) return err;
  const next =
    err.code !== StoreErrorCode.Unreachable
      ? ''
      : setting === 'DATABASE_URL'
        ? ' Check that the server is running and DATABASE_URL is right, or unset DATABASE_URL to use the embedded SQLite store.'
        : ' Set DATA_DIR to a writable directory, or set DATABASE_URL to use PostgreSQL.';
  return new StoreError(err.code, `Cannot open ${what}: ${err.message}${next}`, { cause: err });
}
