/**
 * The PostgreSQL store against the machine's PostgreSQL server (`DATABASE_URL`, default the CI database).
 * Each test works in its own schema, dropped afterwards, so parallel runs never collide. When the server
 * is not reachable this file fails with a message saying so: it never skips.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/commands/command.js';
import { openStore } from '../../src/store/open-store.js';
import { PostgresStore, redactDatabaseUrl } from '../../src/store/postgres-store.js';
import { StoreErrorCode } from '../../src/store/store-error.js';
import type { Store } from '../../src/store/store.js';
import { describeStoreContract, type OpenOptions, type StoreFixture } from './store.contract.js';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

try {
  await adminQuery('SELECT 1');
} catch (err) {
  throw new Error(
    `PostgreSQL is not reachable at ${redactDatabaseUrl(databaseUrl)} (${err instanceof Error ? err.message || err.name : String(err)}). ` +
      'Start it (.ci/run does) or set DATABASE_URL to a reachable server; the PostgreSQL store tests do not skip.',
    { cause: err },
  );
}

function uniqueSchema(): string {
  return `test_${randomBytes(6).toString('hex')}`;
}

async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

function postgresFixture(schema = uniqueSchema()): Promise<StoreFixture> {
  const stores: Store[] = [];
  let raw: pg.Client | undefined;
  return Promise.resolve({
    async open(options: OpenOptions = {}) {
      const store = new PostgresStore({
        connectionString: databaseUrl,
        schema,
        max: 4,
        ...(options.clock ? { clock: options.clock } : {}),
        ...(options.migrations ? { migrations: options.migrations } : {}),
      });
      stores.push(store);
      if (options.migrate !== false) await store.migrate();
      return store;
    },
    async sql(text) {
      if (!raw) {
        raw = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
        await raw.connect();
      }
      return (await raw.query<Record<string, unknown>>(text)).rows;
    },
    async destroy() {
      await raw?.end();
      for (const store of stores) await store.close();
      await dropSchema(schema);
    },
  });
}

describeStoreContract('PostgreSQL', () => postgresFixture());

describe('PostgresStore', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function fixture(schema = uniqueSchema()): Promise<StoreFixture> {
    const fx = await postgresFixture(schema);
    cleanups.push(() => fx.destroy());
    return fx;
  }

  const actor: Actor = { platform: 'slack', userId: 'U1' };

  it('rejects TRUNCATE of the audit log too', async () => {
    const fx = await fixture();
    const store = await fx.open();
    await store.appendAudit({ at: new Date(), actor, channelId: 'C', event: 'command', command: 'x', outcome: 'ok' });
    await expect(fx.sql('TRUNCATE audit_log')).rejects.toThrow(/append-only \(TRUNCATE refused\)/);
    expect(await store.listAudit({ limit: 5 })).toHaveLength(1);
  });

  it('lets exactly one of 20 transitions win when they come from two instances', async () => {
    const fx = await fixture();
    const [a, b] = [await fx.open(), await fx.open()];
    await a.createPending({
      id: 'p',
      kind: 'approval',
      command: 'set_meta_level lively',
      cluster: 'c',
      params: {},
      risk: 'dangerous',
      requestedBy: actor,
      channelId: 'C',
      requiredRole: 'admin',
      createdAt: new Date(),
      expiresAt: new Date(Date.now() + 60_000),
      status: 'pending',
      messages: [],
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? a : b).transitionPending('p', ['pending'], 'approved', {
          decidedBy: { platform: 'discord', userId: String(i) },
        }),
      ),
    );
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
  });

  it('holds the advisory lock on its own session only while the work runs', async () => {
    const schema = uniqueSchema();
    const store = await (await fixture(schema)).open();
    const held = async () => {
      const { rows } = await adminQuery(
        `SELECT count(*)::int AS n FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND objsubid = 2
            AND classid = hashtext($1)::oid AND objid = hashtext($2)::oid`,
        [`pegasus-chatops:${schema}`, 'window:x'],
      );
      return (rows[0] as { n: number }).n;
    };
    const during = await store.withLock('window:x', held);
    expect(during).toEqual({ ran: true, value: 1 });
    expect(await held()).toBe(0);
  });

  it('lets jobs holding locks use the store even when they outnumber its query connections', async () => {
    const schema = uniqueSchema();
    await (await fixture(schema)).open();
    const store = new PostgresStore({
      connectionString: databaseUrl,
      schema,
      max: 1,
      maxLocks: 3,
      connectionTimeoutMs: 3000,
    });
    cleanups.push(() => store.close());
    // With one pool of one connection, the first job's own query would wait for the connection it holds.
    const job = (name: string) =>
      store.withLock(name, async () => {
        await store.setState(name, name);
        return store.getState(name);
      });
    expect(await Promise.all([job('a'), job('b'), job('c')])).toEqual(
      ['a', 'b', 'c'].map((value) => ({ ran: true, value })),
    );
  });

  it('keeps schemas apart: data and locks of one never touch the other', async () => {
    const one = await (await fixture()).open();
    const two = await (await fixture()).open();
    await one.setState('k', 'one');
    expect(await two.getState('k')).toBeUndefined();
    const inner = await one.withLock('window:x', () => two.withLock('window:x', async () => 'both ran'));
    expect(inner).toEqual({ ran: true, value: { ran: true, value: 'both ran' } });
  });

  it('migrates as a least-privilege role that owns its schema but may not create schemas', async () => {
    const schema = uniqueSchema();
    const role = `app_${randomBytes(6).toString('hex')}`;
    await adminQuery(`CREATE ROLE ${role} LOGIN`);
    await adminQuery(`CREATE SCHEMA ${schema} AUTHORIZATION ${role}`);
    cleanups.push(async () => {
      await dropSchema(schema);
      await adminQuery(`DROP ROLE ${role}`);
    });
    const url = new URL(databaseUrl);
    url.username = role;
    url.password = '';
    const store = new PostgresStore({ connectionString: url.toString(), schema });
    cleanups.push(() => store.close());
    await store.migrate();
    await store.setState('k', true);
    expect(await store.getState('k')).toBe(true);
  });

  it('refuses a schema name it could not use safely', () => {
    expect(() => new PostgresStore({ connectionString: databaseUrl, schema: 'Bad-Name; DROP' })).toThrow(
      expect.objectContaining({ code: StoreErrorCode.BadOption }),
    );
  });
});

describe('openStore with DATABASE_URL', () => {
  const schemas: string[] = [];
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await dropSchema(schema);
  });

  it('opens a migrated PostgreSQL store', async () => {
    const schema = uniqueSchema();
    schemas.push(schema);
    const store = await openStore({ databaseUrl, dataDir: './unused' }, { schema });
    try {
      expect(store.kind).toBe('postgres');
      await store.setState('k', [1, 2]);
      expect(await store.getState('k')).toEqual([1, 2]);
      const { rows } = await adminQuery(`SELECT count(*)::int AS n FROM ${schema}.schema_migrations`);
      expect((rows[0] as { n: number }).n).toBeGreaterThanOrEqual(1);
    } finally {
      await store.close();
    }
  });

  it('names DATABASE_URL, without its password, when the server does not answer', async () => {
    const port = await closedPort();
    const url = `postgres://root:s3cr3t-pw@127.0.0.1:${port}/test`;
    const error: unknown = await openStore({ databaseUrl: url, dataDir: './unused' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: StoreErrorCode.Unreachable });
    const message = (error as Error).message;
    expect(message).toContain(`DATABASE_URL (postgres://root:***@127.0.0.1:${port}/test)`);
    expect(message).toMatch(/ECONNREFUSED/);
    expect(message).toMatch(/unset DATABASE_URL to use the embedded SQLite store/);
    expect(message).not.toContain('s3cr3t-pw');
  });

  it('names DATABASE_URL when the database does not exist', async () => {
    const url = new URL(databaseUrl);
    url.pathname = `/missing_${randomBytes(4).toString('hex')}`;
    await expect(openStore({ databaseUrl: url.toString(), dataDir: './unused' })).rejects.toMatchObject({
      code: StoreErrorCode.Unreachable,
      message: expect.stringMatching(/DATABASE_URL \(.*does not exist/s) as unknown,
    });
  });
});

describe('redactDatabaseUrl', () => {
  it('hides the password in the user part and in parameters, and nothing else', () => {
    expect(redactDatabaseUrl('postgres://bot:p%40ss@db.example:5432/ops?sslmode=require')).toBe(
      'postgres://bot:***@db.example:5432/ops?sslmode=require',
    );
    expect(redactDatabaseUrl('postgres://db.example/ops?password=hunter2&user=bot')).toBe(
      'postgres://db.example/ops?password=***&user=bot',
    );
    expect(redactDatabaseUrl('postgres://root@127.0.0.1:5432/test')).toBe('postgres://root@127.0.0.1:5432/test');
    expect(redactDatabaseUrl('not a url with secret')).not.toContain('secret');
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
