/**
 * Remote commands (`RPC_CLI_CLI_CALL` → `command_manager::run_command`), with the help strings and output
 * formats of each generation: 2.6 answers bool/int commands and `balance_operation_count` with nlohmann JSON,
 * 2.5 with plain strings. `meta.*` commands exist only on the leader meta (they are registered when it takes
 * the lock); a backup answers `unknown command '…'`.
 */
import { jsonString, nlohmannDump } from '../json/json-string.js';
import type { HandlerContext } from '../http/common-handlers.js';
import { balanceOperationCount } from '../http/meta-handlers.js';
import { gitCommits, type MetaServer } from '../model/cluster-model.js';
import { formatDateTime } from '../model/time-format.js';
import { snapshotEntries } from '../metrics/perf-counters.js';

interface Command {
  names: readonly string[];
  /** 2.6 `help` line / 2.5 `help_short`. */
  help: string;
  /** 2.6 `args` line / 2.5 `help_long`. */
  args: string;
  run: (ctx: HandlerContext, args: readonly string[]) => string;
}

function single(name: string, help: string, args: string, run: Command['run']): Command {
  return { names: [name], help: `${name} - ${help}`, args: `${name} ${args}`, run };
}

/** rapidjson compact writer's double (`12.0`, `0.5`). */
function jsonDouble(value: number): string {
  if (!Number.isFinite(value)) return '0.0';
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

function perfCounterJson(ctx: HandlerContext, match: (name: string) => boolean, error?: string): string {
  const seconds = Math.floor(ctx.model.nowWallMs / 1000);
  const counters = error ? [] : snapshotEntries(ctx.model, ctx.process).filter((c) => match(c.name));
  const list = counters
    .map((c) => `{"name":${jsonString(c.name)},"type":${jsonString(c.type)},"value":${jsonDouble(c.value)}}`)
    .join(',');
  return (
    `{"result":${jsonString(error ?? 'OK')},"timestamp":${seconds},` +
    `"timestamp_str":${jsonString(formatDateTime(seconds * 1000, ctx.model.utcOffsetMinutes))},"counters":[${list}]}`
  );
}

/**
 * POSIX basic regular expression to a JS one: `\( \) \{ \} \|` are the operators, bare `( ) { } | + ?` are
 * literals. Unicode mode makes malformed intervals (`a\{`) errors, as std::regex reports them.
 */
function basicRegex(pattern: string): RegExp | undefined {
  const jsSyntax = '^$\\.*+?()[]{}|/';
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '\\' && i + 1 < pattern.length) {
      const next = pattern[++i] ?? '';
      if ('(){}|'.includes(next)) out += next;
      else out += jsSyntax.includes(next) ? '\\' + next : next;
    } else if ('+?(){}|'.includes(c)) {
      out += '\\' + c;
    } else {
      out += c;
    }
  }
  try {
    return new RegExp(`^(?:${out})$`, 'u');
  } catch {
    return undefined;
  }
}

const briefStat: readonly (readonly [string, string])[] = [
  ['replica*app.pegasus*manual.compact.enqueue.count', 'manual_compact_enqueue_count'],
  ['replica*app.pegasus*manual.compact.running.count', 'manual_compact_running_count'],
  ['replica*app.pegasus*rdb.block_cache.memory_usage', 'rdb_block_cache_memory_usage'],
  ['replica*eon.replica_stub*closing.replica(Count)', 'closing_replica_count'],
  ['replica*eon.replica_stub*disk.available.max.ratio', 'disk_available_max_ratio'],
  ['replica*eon.replica_stub*disk.available.min.ratio', 'disk_available_min_ratio'],
  ['replica*eon.replica_stub*disk.available.total.ratio', 'disk_available_total_ratio'],
  ['replica*eon.replica_stub*disk.capacity.total(MB)', 'disk_capacity_total(MB)'],
  ['replica*eon.replica_stub*opening.replica(Count)', 'opening_replica_count'],
  ['replica*eon.replica_stub*replica(Count)', 'serving_replica_count'],
  ['replica*eon.replica_stub*replicas.commit.qps', 'commit_throughput'],
  ['replica*eon.replica_stub*replicas.learning.count', 'learning_count'],
  ['replica*eon.replica_stub*shared.log.size(MB)', 'shared_log_size(MB)'],
  ['replica*server*memused.res(MB)', 'memused_res(MB)'],
  ['replica*server*memused.virt(MB)', 'memused_virt(MB)'],
  ['zion*profiler*RPC_RRDB_RRDB_BATCH_GET.latency.server', 'batch_get_p99(ns)'],
  ['zion*profiler*RPC_RRDB_RRDB_BATCH_GET.qps', 'batch_get_qps'],
  ['zion*profiler*RPC_RRDB_RRDB_GET.latency.server', 'get_p99(ns)'],
  ['zion*profiler*RPC_RRDB_RRDB_GET.qps', 'get_qps'],
  ['zion*profiler*RPC_RRDB_RRDB_MULTI_GET.latency.server', 'multi_get_p99(ns)'],
  ['zion*profiler*RPC_RRDB_RRDB_MULTI_GET.qps', 'multi_get_qps'],
  ['zion*profiler*RPC_RRDB_RRDB_MULTI_PUT.latency.server', 'multi_put_p99(ns)'],
  ['zion*profiler*RPC_RRDB_RRDB_MULTI_PUT.qps', 'multi_put_qps'],
  ['zion*profiler*RPC_RRDB_RRDB_PUT.latency.server', 'put_p99(ns)'],
  ['zion*profiler*RPC_RRDB_RRDB_PUT.qps', 'put_qps'],
];

/** `get_brief_stat`: found counters in name order, then the missing ones as `<full name>=not_found`. */
function serverStat(ctx: HandlerContext): string {
  const entries = ctx.process.version === '2.5.0' ? snapshotEntries(ctx.model, ctx.process) : [];
  const byName = new Map(entries.map((e) => [e.name, e.value]));
  // The 2.6 brief map has no shared.log entry.
  const names = ctx.process.version === '2.5.0' ? briefStat : briefStat.filter(([n]) => !n.includes('shared.log'));
  const found: string[] = [];
  const missing: string[] = [];
  for (const [name, alias] of names) {
    const value = byName.get(name);
    if (value === undefined) missing.push(`${name}=not_found`);
    else found.push(`${alias}=${Math.round(value)}`);
  }
  return [...found, ...missing].join(', ');
}

function serverInfo(ctx: HandlerContext): string {
  const { process, model } = ctx;
  if (process.version === '2.5.0') {
    return `Pegasus Server ${process.version} (${gitCommits[process.version]}) Release, Started at ${formatDateTime(
      process.startWallMs,
      model.utcOffsetMinutes,
    )}`;
  }
  return nlohmannDump({
    build_type: 'Release',
    git_SHA: gitCommits[process.version],
    start_time: formatDateTime(Math.floor(process.startWallMs / 1000) * 1000, model.utcOffsetMinutes),
    version: process.version,
  });
}

function boolCommand(
  name: string,
  help: string,
  key: 'balancerInTurn' | 'onlyPrimaryBalancer' | 'onlyMovePrimary',
): Command {
  return single(name, help, '<true|false>', (ctx, args) => {
    const lb = (ctx.process as MetaServer).lb;
    if (ctx.process.version === '2.5.0') {
      if (args.length === 0) return lb[key] ? 'true' : 'false';
      if (args[0] === 'true' || args[0] === 'false') {
        lb[key] = args[0] === 'true';
        return 'OK';
      }
      return 'ERR: invalid arguments';
    }
    if (args.length === 0) return nlohmannDump({ error: 'ok', [name]: lb[key] ? 'true' : 'false' }, 2);
    if (args.length > 1) {
      return nlohmannDump({ error: 'ERR: invalid arguments, only one boolean argument is acceptable' }, 2);
    }
    const lower = (args[0] ?? '').toLowerCase();
    if (lower !== 'true' && lower !== 'false') {
      return nlohmannDump({ error: `ERR: invalid arguments, '${args[0] ?? ''}' is not a boolean` }, 2);
    }
    lb[key] = lower === 'true';
    return nlohmannDump({ error: 'ok' }, 2);
  });
}

function intCommand(
  name: string,
  help: string,
  get: (ctx: HandlerContext) => number,
  set: (ctx: HandlerContext, value: number) => void,
  defaultValue: number,
  valid: (v: number) => boolean,
): Command {
  return single(name, help, '[num | DEFAULT]', (ctx, args) => {
    if (args.length === 0) return nlohmannDump({ error: 'ok', [name]: String(get(ctx)) }, 2);
    if (args.length > 1) {
      return nlohmannDump({ error: `ERR: invalid arguments '${args.join(' ')}', only one argument is acceptable` }, 2);
    }
    const arg = args[0] ?? '';
    if (arg.toUpperCase() === 'DEFAULT') {
      set(ctx, defaultValue);
      return nlohmannDump({ error: 'ok', [name]: defaultValue }, 2);
    }
    const value = /^-?\d+$/.test(arg) ? Number(arg) : Number.NaN;
    if (!Number.isFinite(value) || !valid(value)) {
      return nlohmannDump({ error: `ERR: invalid argument '${arg}', the value is not acceptable` }, 2);
    }
    set(ctx, value);
    return nlohmannDump({ error: 'ok' }, 2);
  });
}

const perfCommands: Command[] = [
  single(
    'perf-counters',
    'Query perf counters, filtered by OR of POSIX basic regular expressions',
    '[regexp]...',
    (ctx, args) => {
      const regexes = args.map(basicRegex);
      const bad = args.find((_, i) => regexes[i] === undefined);
      if (bad !== undefined) return perfCounterJson(ctx, () => false, `ERROR: invalid filter: ${bad}`);
      return perfCounterJson(ctx, (n) => regexes.length === 0 || regexes.some((r) => r?.test(n) === true));
    },
  ),
  single('perf-counters-by-substr', 'Query perf counters, filtered by OR of substrs', '[substr]...', (ctx, args) =>
    perfCounterJson(ctx, (n) => args.length === 0 || args.some((a) => n.includes(a))),
  ),
  single(
    'perf-counters-by-prefix',
    'Query perf counters, filtered by OR of prefix strings',
    '[prefix]...',
    (ctx, args) => perfCounterJson(ctx, (n) => args.length === 0 || args.some((a) => n.startsWith(a))),
  ),
  single(
    'perf-counters-by-postfix',
    'Query perf counters, filtered by OR of postfix strings',
    '[postfix]...',
    (ctx, args) => perfCounterJson(ctx, (n) => args.length === 0 || args.some((a) => n.endsWith(a))),
  ),
  single('server-stat', 'Query selected perf counters', '', (ctx) => serverStat(ctx)),
];

const leaderCommands: Command[] = [
  single(
    'meta.lb.get_balance_operation_count',
    'Get balance operation count',
    '[total | move_pri | copy_pri | copy_sec | detail]',
    (ctx, args) => balanceOperationCount(ctx, args),
  ),
  boolCommand('meta.lb.balancer_in_turn', 'control whether do app balancer in turn', 'balancerInTurn'),
  boolCommand('meta.lb.only_primary_balancer', 'control whether do only primary balancer', 'onlyPrimaryBalancer'),
  boolCommand('meta.lb.only_move_primary', 'control whether only move primary in balancer', 'onlyMovePrimary'),
  intCommand(
    'meta.lb.assign_delay_ms',
    'control the replica_assign_delay_ms_for_dropouts config',
    (ctx) => (ctx.process as MetaServer).lb.assignDelayMs,
    (ctx, v) => {
      (ctx.process as MetaServer).lb.assignDelayMs = v;
    },
    600_000,
    (v) => v >= 0,
  ),
  intCommand(
    'meta.live_percentage',
    'node live percentage threshold for update',
    (ctx) => Number(ctx.model.flag(ctx.process, 'node_live_percentage_threshold_for_update')),
    (ctx, v) => {
      ctx.process.flagOverrides.set('node_live_percentage_threshold_for_update', String(v));
    },
    65,
    (v) => v >= 0 && v <= 100,
  ),
];

function baseCommands(): Command[] {
  return [
    {
      names: ['help', 'h', 'H', 'Help'],
      help: 'help|h|H|Help - Display help information',
      args: 'help|h|H|Help [command]',
      run: () => '',
    },
    {
      names: ['repeat', 'r', 'R', 'Repeat'],
      help: 'repeat|r|R|Repeat - Execute a command periodically in every interval seconds for the max count time (0 for infinite)',
      args: 'repeat|r|R|Repeat <interval_seconds> <max_count> <command>',
      run: (_ctx, args) => {
        if (args.length < 3) return 'insufficient arguments';
        if (!(Number.parseInt(args[0] ?? '', 10) > 0)) return 'invalid interval argument';
        if (!/^\d+$/.test(args[1] ?? '')) return 'invalid max count';
        // The simulator does not sleep between runs; one run shows the command works.
        return 'repeat command completed';
      },
    },
    single('server-info', 'Query server information', '', (ctx) => serverInfo(ctx)),
    ...perfCommands,
  ];
}

/** 2.5's help strings (`help_short`, `help_long`), where they differ from 2.6. */
const legacyHelp: Readonly<Record<string, readonly [string, string]>> = {
  help: ['help|Help|h|H [command] - display help information', ''],
  repeat: [
    'repeat|Repeat|r|R interval_seconds max_count command - execute command periodically',
    'repeat|Repeat|r|R interval_seconds max_count command - execute command every interval seconds, to the max count as max_count (0 for infinite)',
  ],
  'server-info': ['server-info - query server information', 'server-info'],
  'server-stat': ['server-stat - query selected perf counters', 'server-stat'],
  'perf-counters': [
    'perf-counters - query perf counters, filtered by OR of POSIX basic regular expressions',
    'perf-counters [regexp]...',
  ],
  'perf-counters-by-substr': [
    'perf-counters-by-substr - query perf counters, filtered by OR of substrs',
    'perf-counters-by-substr [substr]...',
  ],
  'perf-counters-by-prefix': [
    'perf-counters-by-prefix - query perf counters, filtered by OR of prefix strings',
    'perf-counters-by-prefix [prefix]...',
  ],
  'perf-counters-by-postfix': [
    'perf-counters-by-postfix - query perf counters, filtered by OR of postfix strings',
    'perf-counters-by-postfix [postfix]...',
  ],
  'meta.lb.get_balance_operation_count': [
    'meta.lb.get_balance_operation_count [total | move_pri | copy_pri | copy_sec | detail]',
    'get balance operation count',
  ],
  'meta.lb.balancer_in_turn': ['meta.lb.balancer_in_turn <true|false>', 'control whether do app balancer in turn'],
  'meta.lb.only_primary_balancer': [
    'meta.lb.only_primary_balancer <true|false>',
    'control whether do only primary balancer',
  ],
  'meta.lb.only_move_primary': [
    'meta.lb.only_move_primary <true|false>',
    'control whether only move primary in balancer',
  ],
  'meta.lb.assign_delay_ms': [
    'lb.assign_delay_ms [num | DEFAULT]',
    'control the replica_assign_delay_ms_for_dropouts config',
  ],
  'meta.live_percentage': ['live_percentage [num | DEFAULT]', 'node live percentage threshold for update'],
};

function commandsOf(ctx: HandlerContext): Command[] {
  const commands = baseCommands();
  if (ctx.process.role === 'meta' && ctx.model.leader() === (ctx.process as MetaServer))
    commands.push(...leaderCommands);
  return commands;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function help(ctx: HandlerContext, commands: readonly Command[], args: readonly string[]): string {
  const legacy = ctx.process.version === '2.5.0';
  const texts = (c: Command): readonly [string, string] =>
    legacy ? (legacyHelp[c.names[0] ?? ''] ?? [c.help, c.args]) : [c.help, c.args];
  if (args.length === 0) {
    if (legacy) {
      // 2.5 walks the name → command map, so a command with aliases is listed once per alias.
      const lines: string[] = [];
      const names = commands.flatMap((c) => c.names.map((n) => [n, c] as const)).sort(([a], [b]) => byteCompare(a, b));
      for (const [, c] of names) lines.push(texts(c)[0] + '\n');
      return lines.join('');
    }
    return [...commands]
      .sort((a, b) => byteCompare(a.names[0] ?? '', b.names[0] ?? ''))
      .map((c) => texts(c)[0] + '\n')
      .join('');
  }
  const name = args[0] ?? '';
  const command = commands.find((c) => c.names.includes(name));
  if (!command) return `cannot find command '${name}'`;
  const [short, long] = texts(command);
  if (legacy) return `${name.padEnd(6)}: ${short}\n${long}\n`;
  return `${short.padEnd(6)}\n${long}\n`;
}

/** Runs one remote command; unknown commands answer `unknown command '<cmd>'`. */
export function runRemoteCommand(ctx: HandlerContext, command: string, args: readonly string[]): string {
  const commands = commandsOf(ctx);
  const found = commands.find((c) => c.names.includes(command));
  if (!found) return `unknown command '${command}'`;
  if (found.names[0] === 'help') return help(ctx, commands, args);
  return found.run(ctx, args);
}
