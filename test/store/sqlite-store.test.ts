import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { openStore } from '../../src/store/open-store.js';
import { SqliteStore, sqliteFileName } from '../../src/store/sqlite-store.js';
import { StoreErrorCode } from '../../src/store/store-error.js';
import type { Store } from '../../src/store/store.js';
import { describeStoreContract, type OpenOptions, type StoreFixture } from './store.contract.js';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'pegasus-chatops-store-'));
}

async function sqliteFixture(): Promise<StoreFixture> {
  const dir = tempDir();
  const filename = join(dir, 'store.db');
  const stores: Store[] = [];
  let raw: Database.Database | undefined;
  return {
    async open(options: OpenOptions = {}) {
      const store = new SqliteStore({
        filename,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.migrations ? { migrations: options.migrations } : {}),
      });
      stores.push(store);
      if (options.migrate !== false) await store.migrate();
      return store;
    },
    async sql(text) {
      raw ??= new Database(filename);
      const statement = raw.prepare(text);
      if (statement.reader) return statement.all() as Record<string, unknown>[];
      statement.run();
      return [];
    },
    async destroy() {
      raw?.close();
      for (const store of stores) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describeStoreContract('SQLite', sqliteFixture);

describe('SqliteStore', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function scratch(): string {
    const dir = tempDir();
    cleanups.push(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    return dir;
  }

  it('creates the data directory and its file, in WAL mode', async () => {
    const dataDir = join(scratch(), 'nested', 'data');
    const store = new SqliteStore({ dataDir });
    cleanups.push(() => store.close());
    await store.migrate();
    expect(store.filename).toBe(join(dataDir, sqliteFileName));
    expect(existsSync(store.filename)).toBe(true);
    const raw = new Database(store.filename, { readonly: true });
    cleanups.push(() => {
      raw.close();
    });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('works in memory, and two in-memory stores are separate databases with separate locks', async () => {
    const a = new SqliteStore({ filename: ':memory:' });
    const b = new SqliteStore({ filename: ':memory:' });
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    await a.migrate();
    await b.migrate();
    await a.setState('k', 'a');
    expect(await b.getState('k')).toBeUndefined();
    const both = await a.withLock('x', () => b.withLock('x', async () => 'inner'));
    expect(both).toEqual({ ran: true, value: { ran: true, value: 'inner' } });
  });

  it('closes more than once without complaint', async () => {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.close();
    await expect(store.close()).resolves.toBeUndefined();
  });
});

describe('openStore without DATABASE_URL', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('opens a migrated SQLite store under DATA_DIR', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const config = loadConfig({ DATA_DIR: join(dir, 'data') });
    const store = await openStore(config);
    try {
      expect(store.kind).toBe('sqlite');
      await store.setState('k', { v: 1 });
      expect(await store.getState('k')).toEqual({ v: 1 });
    } finally {
      await store.close();
    }
    const reopened = await openStore(config);
    try {
      expect(await reopened.getState('k')).toEqual({ v: 1 });
    } finally {
      await reopened.close();
    }
  });

  it('says which setting to fix when DATA_DIR cannot hold the database', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const notADir = join(dir, 'a-file');
    writeFileSync(notADir, 'not a directory');
    await expect(openStore({ dataDir: notADir })).rejects.toMatchObject({
      code: StoreErrorCode.Unreachable,
      message: expect.stringMatching(/Cannot open the SQLite store .*DATA_DIR/s) as unknown,
    });
  });
});
