/**
 * The world the action tests run in: a simulated cluster on loopback (manual ticks, the `skewed` scenario by
 * default), the real cluster client over HTTP and THFT, a store (SQLite in memory or PostgreSQL in its own
 * schema), a manual clock, a recording chat sink, and the real dispatcher and window scheduler over the
 * action specs. `instance()` builds another dispatcher + scheduler + client over the same store: a restarted
 * bot, or a second bot instance.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach } from 'vitest';
import { startSimCluster, type SimCluster, type SimClusterOptions } from '../../sim/index.js';
import { actionCommands } from '../../src/actions/index.js';
import { WindowScheduler } from '../../src/actions/window-scheduler.js';
import type { ChatSink, PostTarget } from '../../src/chat/chat-sink.js';
import { ManualClock } from '../../src/clock.js';
import type { Actor, IncomingCommand, MessageRef, Platform } from '../../src/commands/command.js';
import { createCommandCatalog } from '../../src/commands/command-catalog.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { createDispatcher, type CoreDispatcher } from '../../src/commands/dispatcher.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import type { MetaLevel, PegasusApi } from '../../src/pegasus/cluster-api.js';
import { createPegasusClient } from '../../src/pegasus/pegasus-client.js';
import type { Reply } from '../../src/replies/reply.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

/** The PostgreSQL server of the machine (CI sets DATABASE_URL). */
export const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

/** A chat sink that records posts and edits. */
export class RecordingSink implements ChatSink {
  readonly posts: { target: PostTarget; reply: Reply; ref: MessageRef }[] = [];
  readonly updates: { ref: MessageRef; reply: Reply }[] = [];
  readonly platform: Platform;
  private counter = 0;

  constructor(platform: Platform = 'slack') {
    this.platform = platform;
  }

  async post(target: PostTarget, reply: Reply): Promise<MessageRef> {
    await Promise.resolve();
    const ref: MessageRef = {
      platform: this.platform,
      channelId: target.channelId,
      messageId: `m${String(++this.counter)}`,
      ...(target.threadOf ? { threadId: target.threadOf.messageId } : {}),
    };
    this.posts.push({ target, reply, ref });
    return ref;
  }

  async update(ref: MessageRef, reply: Reply): Promise<void> {
    await Promise.resolve();
    this.updates.push({ ref, reply });
  }

  /** Posts in the thread of a message. */
  inThread(root: MessageRef): Reply[] {
    return this.posts.filter((p) => p.target.threadOf?.messageId === root.messageId).map((p) => p.reply);
  }
}

/** People: alice and carol operators, bob and dan admins, vic a viewer (Slack); the local user. */
export const people = {
  alice: { platform: 'slack', userId: 'UALICE', displayName: 'alice' },
  carol: { platform: 'slack', userId: 'UCAROL', displayName: 'carol' },
  bob: { platform: 'slack', userId: 'UBOB', displayName: 'bob' },
  dan: { platform: 'slack', userId: 'UDAN', displayName: 'dan' },
  vic: { platform: 'slack', userId: 'UVIC', displayName: 'vic' },
  exec: { platform: 'exec', userId: 'local' },
} satisfies Record<string, Actor>;

/** A store factory with its cleanup. */
export interface StoreKind {
  name: string;
  open(): Promise<{ store: Store; reopen: () => Promise<Store>; destroy: () => Promise<void> }>;
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** SQLite in a temporary in-memory database. */
export const sqliteKind: StoreKind = {
  name: 'SQLite',
  async open() {
    const store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    return {
      store,
      // One in-memory database cannot be opened twice: a "restart" keeps the same store object.
      reopen: () => Promise.resolve(store),
      destroy: () => store.close(),
    };
  },
};

/** PostgreSQL in a schema of its own, dropped afterwards. */
export const postgresKind: StoreKind = {
  name: 'PostgreSQL',
  async open() {
    const schema = `actions_${randomBytes(6).toString('hex')}`;
    const opened: Store[] = [];
    const make = async (): Promise<Store> => {
      const store = new PostgresStore({ connectionString: databaseUrl, schema, max: 4 });
      opened.push(store);
      try {
        await store.migrate();
      } catch (err) {
        throw new Error(
          `PostgreSQL at DATABASE_URL is not usable (${err instanceof Error ? err.message : String(err)}); start it or set DATABASE_URL. These tests do not skip.`,
          { cause: err },
        );
      }
      return store;
    };
    const store = await make();
    return {
      store,
      reopen: make,
      async destroy() {
        for (const s of opened) await s.close();
        await adminQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      },
    };
  },
};

/** Options of a world. */
export interface WorldOptions {
  store: StoreKind;
  sim?: SimClusterOptions;
  /** Extra environment for `loadConfig`. */
  env?: Record<string, string>;
  /** Extra fields of the cluster entry in the config file. */
  cluster?: Record<string, unknown>;
  /** Extra top-level fields of the config file (e.g. `risks`). */
  file?: Record<string, unknown>;
  start?: string;
}

/** One bot instance over the world's store. */
export interface Instance {
  api: PegasusApi;
  handle: ClusterHandle;
  dispatcher: CoreDispatcher;
  scheduler: WindowScheduler;
  store: Store;
}

/** A running world. */
export interface World {
  sim: SimCluster;
  clock: ManualClock;
  config: Config;
  store: Store;
  sink: RecordingSink;
  /** Every level stored through RPC_CM_CONTROL_META, as the simulator saw it. */
  levelCalls: MetaLevel[];
  bot: Instance;
  /** A new bot instance (new client, dispatcher and scheduler) over the same store, or over `store`. */
  instance(store?: Store): Instance;
  reopenStore(): Promise<Store>;
  /** Moves the clock and the simulated cluster forward together. */
  advance(ms: number): void;
  run(actor: Actor, text: string, extra?: Partial<IncomingCommand>): Promise<Reply>;
  click(actor: Actor, kind: 'confirm' | 'cancel' | 'approve' | 'reject', ref: string): Promise<Reply>;
  close(): Promise<void>;
}

let ids = 0;

/**
 * Returns a starter of worlds with these defaults (overridden field by field by its options), and registers an
 * `afterEach` in the calling scope that closes every world it started.
 */
export function useWorlds(defaults: WorldOptions): (options?: Partial<WorldOptions>) => Promise<World> {
  const worlds: World[] = [];
  afterEach(async () => {
    for (const w of worlds.splice(0)) await w.close();
  });
  return async (options = {}) => {
    const w = await startWorld({ ...defaults, ...options });
    worlds.push(w);
    return w;
  };
}

/** Starts a world. */
export async function startWorld(options: WorldOptions): Promise<World> {
  const clock = new ManualClock(options.start ?? '2026-01-05T01:00:00Z');
  const sim = await startSimCluster({
    seed: 7,
    scenario: 'skewed',
    autoTick: false,
    clock: () => clock.now().getTime(),
    ...options.sim,
  });
  const levelCalls: MetaLevel[] = [];
  const model = sim.model;
  const original = model.setMetaLevel.bind(model);
  model.setMetaLevel = (level: MetaLevel): MetaLevel => {
    levelCalls.push(level);
    return original(level);
  };
  const opened = await options.store.open();
  const file = JSON.stringify({
    clusters: [
      {
        name: 'prod',
        metaServers: sim.metaServers,
        slackChannel: 'COPS',
        thresholds: { skewRatio: 0.25 },
        ...options.cluster,
      },
    ],
    ...options.file,
  });
  const config = loadConfig(
    {
      PEGASUS_CONFIG: 'clusters.json',
      PEGASUS_OPERATORS: 'slack:UALICE,slack:UCAROL',
      PEGASUS_ADMINS: 'slack:UBOB,slack:UDAN',
      APPROVAL_TTL: '15m',
      PEGASUS_TIMEZONE: 'UTC',
      PEGASUS_TIMEOUT: '2s',
      ...options.env,
    },
    () => file,
  );
  const sink = new RecordingSink('slack');
  const apis: PegasusApi[] = [];

  const instance = (store: Store = opened.store): Instance => {
    const clusterConfig = config.clusters[0];
    if (!clusterConfig) throw new Error('no cluster in the test config');
    const api = createPegasusClient({
      metaServers: sim.metaServers,
      timeoutMs: 2000,
      sampleIntervalMs: 20,
      clock,
    });
    apis.push(api);
    const handle: ClusterHandle = { name: clusterConfig.name, config: clusterConfig, api };
    const catalog = createCommandCatalog(actionCommands);
    const dispatcher = createDispatcher({
      catalog,
      clusters: [handle],
      config,
      store,
      clock,
      sinks: [sink],
      logger: silentLogger(),
      newId: () => `req${String(++ids)}`,
    });
    const scheduler = new WindowScheduler({
      store,
      clusters: [handle],
      config,
      clock,
      sinks: [sink],
      logger: silentLogger(),
      trafficSampleEveryMs: 0,
    });
    return { api, handle, dispatcher, scheduler, store };
  };

  const bot = instance();
  const world: World = {
    sim,
    clock,
    config,
    store: opened.store,
    sink,
    levelCalls,
    bot,
    instance,
    reopenStore: opened.reopen,
    advance(ms) {
      clock.advance(ms);
      sim.tick(ms);
    },
    run(actor, text, extra = {}) {
      return world.bot.dispatcher.run({
        actor,
        channelId: actor.platform === 'slack' ? 'C1' : actor.platform,
        text,
        ...extra,
      });
    },
    click(actor, kind, ref) {
      return world.bot.dispatcher.act({
        actor,
        channelId: actor.platform === 'slack' ? 'C1' : actor.platform,
        action: { kind, ref },
      });
    },
    async close() {
      await Promise.allSettled(apis.map((a) => a.close()));
      await sim.stop();
      await opened.destroy();
    },
  };
  return world;
}

/** The pending request id a gate reply carries. */
export function pendingId(reply: Reply): string {
  const id = (reply.data?.['pending'] as { id?: string } | undefined)?.id;
  if (!id) throw new Error(`reply carries no pending id: ${reply.title} ${JSON.stringify(reply.text)}`);
  return id;
}

/** The window id a reply carries. */
export function windowId(reply: Reply): string {
  const id = (reply.data?.['window'] as { id?: string } | undefined)?.id;
  if (!id) throw new Error(`reply carries no window id: ${reply.title} ${JSON.stringify(reply.text)}`);
  return id;
}

/** The stable error code of a refusal. */
export function errorCode(reply: Reply): string | undefined {
  return (reply.data?.['error'] as { code?: string } | undefined)?.code;
}

/** Requests a window as alice (operator) and confirms it; resolves to the window id. */
export async function requestWindow(world: World, line: string, actor: Actor = people.alice): Promise<string> {
  const prompt = await world.run(actor, line);
  const confirmed = await world.click(actor, 'confirm', pendingId(prompt));
  return windowId(confirmed);
}

/** Requests a window as alice and has bob approve it; resolves to the window id. */
export async function approvedWindow(world: World, line = 'rebalance request now 1h --reason test'): Promise<string> {
  const id = await requestWindow(world, line);
  const approved = await world.click(people.bob, 'approve', id);
  if (approved.status === 'unknown')
    throw new Error(`approval failed: ${approved.title} ${JSON.stringify(approved.text)}`);
  return id;
}
