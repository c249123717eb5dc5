/**
 * Small fake command specs, a recording chat sink and config builders for the dispatcher tests, so they do not
 * depend on the real view specs or a cluster.
 */
import type { ChatSink, PostTarget } from '../../src/chat/chat-sink.js';
import { ManualClock } from '../../src/clock.js';
import type { Actor, MessageRef, Platform } from '../../src/commands/command.js';
import type { AnyCommandSpec, ClusterHandle, CommandContext, CommandSpec } from '../../src/commands/command-spec.js';
import { createCommandCatalog } from '../../src/commands/command-catalog.js';
import { createDispatcher, type CoreDispatcher } from '../../src/commands/dispatcher.js';
import { createHelpCommand } from '../../src/commands/help-command.js';
import { auditCommand } from '../../src/commands/audit-command.js';
import { checkFlags } from '../../src/commands/parse-command-line.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import type { PegasusApi } from '../../src/pegasus/cluster-api.js';
import { messageReply, type Reply } from '../../src/replies/reply.js';
import { fail, ok } from '../../src/result.js';
import type { Store } from '../../src/store/store.js';

/** A cluster client that fails loudly: the fake specs never talk to a cluster. */
export function unusedApi(): PegasusApi {
  return new Proxy({} as PegasusApi, {
    get(_target, key) {
      if (key === 'then') return undefined;
      throw new Error(`unexpected PegasusApi.${String(key)} in a dispatcher test`);
    },
  });
}

/** A config as `loadConfig` builds it, with two clusters (`prod`, `staging`). */
export function testConfig(env: Record<string, string> = {}): Config {
  const file = JSON.stringify({
    clusters: [
      { name: 'prod', metaServers: ['127.0.0.1:34601'] },
      { name: 'staging', metaServers: ['127.0.0.1:35601'] },
    ],
  });
  return loadConfig({ PEGASUS_CONFIG: 'clusters.json', APPROVAL_TTL: '15m', ...env }, () => file);
}

/** Cluster handles for a config. */
export function handlesOf(config: Config): ClusterHandle[] {
  return config.clusters.map((c) => ({ name: c.name, config: c, api: unusedApi() }));
}

/** Records every run of the fake specs: command name, params, cluster, actor. */
export interface Runs {
  calls: { name: string; params: unknown; cluster: string; actor: Actor }[];
}

/** Fake specs: `status` (read), `set_flag <v>` (change), `set_level <level>` (steady: change, other: dangerous), `boom` (throws). */
export function fakeSpecs(runs: Runs): AnyCommandSpec[] {
  const record = (name: string, ctx: CommandContext, params: unknown): void => {
    runs.calls.push({ name, params, cluster: ctx.cluster.name, actor: ctx.actor });
  };
  const status: CommandSpec<{ detailed: boolean }> = {
    name: 'status',
    aliases: ['st'],
    summary: 'Show a fake status',
    usage: 'status [-d]',
    group: 'cluster',
    risk: () => 'read',
    parse: (args) => {
      const flags = checkFlags(args, ['d'], 'status [-d]');
      return flags.ok ? ok({ detailed: args.flags['d'] === true }) : flags;
    },
    run: async (ctx, params) => {
      record('status', ctx, params);
      return {
        ...messageReply('status', 'warn', 'Fake status', [], ctx.clock.now()),
        findings: [{ check: 'fake', severity: 'warn', subject: ctx.cluster.name, summary: 'something to look at' }],
      };
    },
  };
  const setFlag: CommandSpec<{ value: string }> = {
    name: 'set_flag',
    summary: 'Change a fake flag',
    usage: 'set_flag <value>',
    examples: ['set_flag on'],
    group: 'actions',
    risk: () => 'change',
    parse: (args) =>
      args.positionals.length === 1 && args.positionals[0]
        ? ok({ value: args.positionals[0] })
        : fail('BAD_INPUT', 'set_flag needs one value, e.g. set_flag on.'),
    describe: (params, ctx) => `set the fake flag of ${ctx.cluster.name} to ${params.value}`,
    run: async (ctx, params) => {
      record('set_flag', ctx, params);
      return messageReply('set_flag', 'ok', `Flag set to ${params.value}`, [], ctx.clock.now());
    },
  };
  const setLevel: CommandSpec<{ level: string }> = {
    name: 'set_level',
    summary: 'Change a fake level',
    usage: 'set_level <steady|lively>',
    examples: ['set_level steady', 'set_level lively'],
    group: 'actions',
    risk: (p) => (p.level === 'steady' ? 'change' : 'dangerous'),
    parse: (args) =>
      args.positionals[0] === 'steady' || args.positionals[0] === 'lively'
        ? ok({ level: args.positionals[0] })
        : fail('BAD_INPUT', 'set_level needs steady or lively.'),
    describe: (params, ctx) => `set the fake level of ${ctx.cluster.name} to ${params.level}`,
    preflight: async (ctx, params) =>
      params.level === 'lively'
        ? [{ check: 'partitions', severity: 'warn', subject: ctx.cluster.name, summary: '2 partitions unhealthy' }]
        : [],
    run: async (ctx, params) => {
      record('set_level', ctx, params);
      return messageReply('set_level', 'ok', `Level set to ${params.level}`, [], ctx.clock.now());
    },
  };
  const boom: CommandSpec<null> = {
    name: 'boom',
    summary: 'Throws',
    usage: 'boom',
    group: 'bot',
    risk: () => 'read',
    parse: () => ok(null),
    run: async () => {
      throw new Error('kaboom: secret detail');
    },
  };
  return [status, setFlag, setLevel, boom];
}

/** A chat sink that records posts and edits. */
export class RecordingSink implements ChatSink {
  readonly posts: { target: PostTarget; reply: Reply; ref: MessageRef }[] = [];
  readonly updates: { ref: MessageRef; reply: Reply }[] = [];
  readonly platform: Platform;
  private counter = 0;

  constructor(platform: Platform) {
    this.platform = platform;
  }

  async post(target: PostTarget, reply: Reply): Promise<MessageRef> {
    const ref: MessageRef = { platform: this.platform, channelId: target.channelId, messageId: `m${++this.counter}` };
    this.posts.push({ target, reply, ref });
    return ref;
  }

  async update(ref: MessageRef, reply: Reply): Promise<void> {
    this.updates.push({ ref, reply });
  }
}

/** Chat and local actors used across the tests. */
export const actors = {
  alice: { platform: 'slack', userId: 'UALICE', displayName: 'alice' },
  bob: { platform: 'slack', userId: 'UBOB', displayName: 'bob' },
  carol: { platform: 'slack', userId: 'UCAROL', displayName: 'carol' },
  viewer: { platform: 'slack', userId: 'UVIEW' },
  dave: { platform: 'discord', userId: '4567' },
  erin: { platform: 'discord', userId: '9999', platformRoles: ['777'] },
  console: { platform: 'console', userId: 'local' },
  exec: { platform: 'exec', userId: 'local' },
} satisfies Record<string, Actor>;

/** Everything a gate test needs, around one store. */
export interface Harness {
  dispatcher: CoreDispatcher;
  config: Config;
  clock: ManualClock;
  sink: RecordingSink;
  runs: Runs;
  store: Store;
}

let idCounter = 0;

/** Builds a dispatcher over the fake specs; alice is an operator, bob an admin, carol an operator. */
export function harness(store: Store, options: { config?: Config; clock?: ManualClock } = {}): Harness {
  const config =
    options.config ??
    testConfig({ PEGASUS_OPERATORS: 'slack:UALICE,slack:UCAROL', PEGASUS_ADMINS: 'slack:UBOB,discord-role:777' });
  const clock = options.clock ?? new ManualClock('2026-03-01T10:00:00Z');
  const runs: Runs = { calls: [] };
  const catalog = createCommandCatalog(fakeSpecs(runs));
  catalog.register(createHelpCommand(catalog));
  catalog.register(auditCommand);
  const sink = new RecordingSink('slack');
  const dispatcher = createDispatcher({
    catalog,
    clusters: handlesOf(config),
    config,
    store,
    clock,
    sinks: [sink],
    logger: silentLogger(),
    newId: () => `id${(++idCounter).toString(36)}`,
  });
  return { dispatcher, config, clock, sink, runs, store };
}
