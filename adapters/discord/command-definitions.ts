/**
 * The `/pegasus` slash command: one declaration that gives both the JSON Discord registers (subcommands,
 * subcommand groups, typed options) and the way back from a submitted interaction to the console grammar
 * (`nodes` + `detail:true` → `nodes -d`), so the core parses one grammar whatever the platform.
 */
import { DiscordAPIError, REST, Routes } from 'discord.js';
import { fail, ok, type Result } from '../../src/result.js';
import { commandDataSchema, type CommandOption } from './discord-wire.js';

/** The registered command's name. */
export const COMMAND_NAME = 'pegasus';

/** How an option's value is written on the command line. */
interface OptionDef {
  name: string;
  description: string;
  kind: 'string' | 'boolean' | 'integer' | 'user' | 'channel';
  required?: boolean;
  choices?: readonly string[];
  /** The flag it becomes (`-d`, `-a`, `--reason`); without one the value is a positional, in declaration order. */
  flag?: string;
  minValue?: number;
  maxValue?: number;
  /** Written as `discord:<id>` (user ids in the core are platform-qualified). */
  qualify?: boolean;
}

/** A subcommand and the console words it stands for. */
interface SubcommandDef {
  name: string;
  description: string;
  options: readonly OptionDef[];
  /** The console command words; by default `[group, name]` or `[name]`. */
  words?: readonly string[];
}

interface GroupDef {
  group: string;
  description: string;
  subcommands: readonly SubcommandDef[];
}

/** The meta levels `set_meta_level` accepts (Pegasus `meta_function_level`). */
export const META_LEVELS = ['steady', 'lively', 'freezed', 'blind', 'stopped'] as const;

const cluster: OptionDef = {
  name: 'cluster',
  description: 'Cluster (default: the channel’s)',
  kind: 'string',
  flag: '--cluster',
};
const detail: OptionDef = { name: 'detail', description: 'Details (-d)', kind: 'boolean', flag: '-d' };
const interval: OptionDef = {
  name: 'interval',
  description: 'Sampling interval in ms (-i)',
  kind: 'integer',
  flag: '-i',
  minValue: 100,
  maxValue: 60_000,
};
const requestId = (what: string): OptionDef => ({
  name: 'id',
  description: `Id of the window to ${what}`,
  kind: 'string',
  required: true,
});

const topLevel: readonly SubcommandDef[] = [
  {
    name: 'health',
    description: 'Every routine check at once, worst first',
    options: [
      { name: 'chart', description: 'Attach a QPS and P99 chart (--chart)', kind: 'boolean', flag: '--chart' },
      cluster,
    ],
  },
  { name: 'cluster_info', description: 'Meta leader, level and cluster keys', options: [cluster] },
  { name: 'ls', description: 'Tables (detail: partition health)', options: [detail, cluster] },
  { name: 'nodes', description: 'Replica servers (detail: replica counts)', options: [detail, cluster] },
  {
    name: 'app',
    description: 'One table',
    options: [{ name: 'table', description: 'Table name', kind: 'string', required: true }, detail, cluster],
  },
  {
    name: 'server_info',
    description: 'Versions and start times of all servers',
    options: [
      {
        name: 'type',
        description: 'Which servers (-t)',
        kind: 'string',
        flag: '-t',
        choices: ['all', 'meta-server', 'replica-server'],
      },
      cluster,
    ],
  },
  { name: 'server_stat', description: 'Memory and replica counts per server', options: [interval, cluster] },
  {
    name: 'app_stat',
    description: 'Table QPS and sizes (table: per partition)',
    options: [{ name: 'table', description: 'One table (-a)', kind: 'string', flag: '-a' }, interval, cluster],
  },
  { name: 'connections', description: 'Client connections per host', options: [interval, cluster] },
  { name: 'get_meta_level', description: 'Current meta function level', options: [cluster] },
  {
    name: 'set_meta_level',
    description: 'Change the meta level (confirmation or approval)',
    options: [
      { name: 'level', description: 'New level', kind: 'string', required: true, choices: META_LEVELS },
      cluster,
    ],
  },
  { name: 'inspect', description: 'Run one inspection now', options: [cluster] },
  {
    name: 'audit',
    description: 'Audit log of commands and decisions',
    options: [
      { name: 'count', description: 'Entries to show', kind: 'integer', minValue: 1, maxValue: 500 },
      { name: 'user', description: 'Only this user', kind: 'user', flag: '--user', qualify: true },
      { name: 'since', description: 'Only since, e.g. 24h', kind: 'string', flag: '--since' },
    ],
  },
  { name: 'apply_table', description: 'Apply for a new table (form)', options: [cluster] },
];

const rebalance: GroupDef = {
  group: 'rebalance',
  description: 'Rebalance windows',
  subcommands: [
    {
      name: 'plan',
      description: 'Skew and a proposed window',
      options: [
        { name: 'duration', description: 'Window length, e.g. 2h', kind: 'string', flag: '--duration' },
        cluster,
      ],
    },
    {
      name: 'request',
      description: 'Request a window (needs approval)',
      options: [
        { name: 'start', description: 'Start, e.g. 02:00 or 2026-03-01T02:00', kind: 'string', required: true },
        { name: 'duration', description: 'Length, e.g. 2h', kind: 'string', required: true },
        { name: 'reason', description: 'Reason or ticket', kind: 'string', flag: '--reason' },
        cluster,
      ],
    },
    { name: 'approve', description: 'Approve a window', options: [requestId('approve')] },
    { name: 'reject', description: 'Reject a window', options: [requestId('reject')] },
    { name: 'abort', description: 'Abort a window', options: [requestId('abort')] },
    {
      name: 'status',
      description: 'The current window, or one by id',
      options: [{ name: 'id', description: 'Window id', kind: 'string' }, cluster],
    },
    {
      name: 'list',
      description: 'Windows',
      options: [{ name: 'all', description: 'Include finished ones (--all)', kind: 'boolean', flag: '--all' }, cluster],
    },
  ],
};

const alerts: GroupDef = {
  group: 'alerts',
  description: 'Alerts',
  subcommands: [
    { name: 'list', description: 'Open alerts by group', options: [cluster], words: ['alerts'] },
    {
      name: 'ack',
      description: 'Acknowledge an alert or group',
      options: [{ name: 'key', description: 'Group or fingerprint', kind: 'string', required: true }],
    },
    {
      name: 'silence',
      description: 'Silence a group',
      options: [
        { name: 'group', description: 'Group', kind: 'string', required: true },
        { name: 'duration', description: '30m to 24h', kind: 'string', required: true },
      ],
    },
    {
      name: 'mute',
      description: 'Mute alerts in a channel',
      // Declared in console order (`alerts mute [channel] <duration|off>`); Discord shows required first.
      options: [
        { name: 'channel', description: 'Channel (default: this one)', kind: 'channel' },
        { name: 'duration', description: 'e.g. 2h, or off', kind: 'string', required: true },
      ],
    },
  ],
};

const applications: GroupDef = {
  group: 'applications',
  description: 'Table applications',
  subcommands: [
    {
      name: 'list',
      description: 'Applications, newest first',
      options: [{ name: 'status', description: 'Only this status', kind: 'string', flag: '--status' }, cluster],
    },
    {
      name: 'show',
      description: 'One application and its review',
      options: [{ name: 'id', description: 'Application id', kind: 'string', required: true }, cluster],
    },
  ],
};

const groups: readonly GroupDef[] = [rebalance, alerts, applications];

const helpTopics = [...topLevel.map((s) => s.name), ...groups.map((g) => g.group)];

const help: SubcommandDef = {
  name: 'help',
  description: 'Commands, or one command in detail',
  options: [{ name: 'command', description: 'Command', kind: 'string', choices: helpTopics }],
};

const allTopLevel: readonly SubcommandDef[] = [...topLevel, help];

const optionType = { string: 3, integer: 4, boolean: 5, user: 6, channel: 7 } as const;

/** One option of the registered command JSON. */
export interface CommandOptionJson {
  type: number;
  name: string;
  description: string;
  required?: boolean;
  choices?: { name: string; value: string }[];
  options?: CommandOptionJson[];
  min_value?: number;
  max_value?: number;
  channel_types?: number[];
}

/** The body of one command in `PUT /applications/{id}/(guilds/{id}/)commands`. */
export interface CommandJson {
  name: string;
  description: string;
  type: 1;
  /** Guild only: administration commands do not belong in DMs. */
  contexts: number[];
  integration_types: number[];
  options: CommandOptionJson[];
}

function optionJson(def: OptionDef, clusters: readonly string[]): CommandOptionJson {
  const choices =
    def.choices ?? (def === cluster && clusters.length > 0 && clusters.length <= 25 ? clusters : undefined);
  return {
    type: optionType[def.kind],
    name: def.name,
    description: def.description,
    ...(def.required ? { required: true } : {}),
    ...(choices ? { choices: choices.map((c) => ({ name: c, value: c })) } : {}),
    ...(def.minValue !== undefined ? { min_value: def.minValue } : {}),
    ...(def.maxValue !== undefined ? { max_value: def.maxValue } : {}),
    // Text and announcement channels.
    ...(def.kind === 'channel' ? { channel_types: [0, 5] } : {}),
  };
}

function subcommandJson(def: SubcommandDef, clusters: readonly string[]): CommandOptionJson {
  // Discord requires required options before optional ones.
  const options = [...def.options].sort((a, b) => Number(b.required ?? false) - Number(a.required ?? false));
  return {
    type: 1,
    name: def.name,
    description: def.description,
    options: options.map((o) => optionJson(o, clusters)),
  };
}

/** The `/pegasus` command as Discord registers it; with cluster names, `cluster` becomes a choice. */
export function buildPegasusCommand(options: { clusters?: readonly string[] } = {}): CommandJson {
  const clusters = options.clusters ?? [];
  return {
    name: COMMAND_NAME,
    description: 'Apache Pegasus administration: health, shell views, safe changes',
    type: 1,
    contexts: [0],
    integration_types: [0],
    options: [
      ...allTopLevel.map((s) => subcommandJson(s, clusters)),
      ...groups.map((g) => ({
        type: 2,
        name: g.group,
        description: g.description,
        options: g.subcommands.map((s) => subcommandJson(s, clusters)),
      })),
    ],
  };
}

const safeToken = /^[A-Za-z0-9_.:/@,+=%][A-Za-z0-9_.:/@,+=%-]*$/;

/** Quotes one argument for the shell-like parser of the core. */
export function quoteArgument(value: string): string {
  if (safeToken.test(value)) return value;
  if (!value.includes('"') && !value.includes('\\')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

const stale =
  'The /pegasus command registered in this server does not match this bot version. ' +
  'Ask an admin to run `npx pegasus-chatops discord register`, then try again.';

function findSubcommand(
  options: readonly CommandOption[],
): { def: SubcommandDef; words: readonly string[]; values: readonly CommandOption[] } | undefined {
  const first = options[0];
  if (!first) return undefined;
  if (first.type === 2) {
    const group = groups.find((g) => g.group === first.name);
    const sub = first.options?.[0];
    const def = sub && group?.subcommands.find((s) => s.name === sub.name);
    if (!group || !sub || !def) return undefined;
    return { def, words: def.words ?? [group.group, def.name], values: sub.options ?? [] };
  }
  if (first.type !== 1) return undefined;
  const def = allTopLevel.find((s) => s.name === first.name);
  if (!def) return undefined;
  return { def, words: def.words ?? [def.name], values: first.options ?? [] };
}

/**
 * Turns a `/pegasus` interaction's `data` back into the console command line (`app_stat` + `table:x` →
 * `app_stat -a x`). Fails for another command or for options this version does not know (a stale
 * registration), saying what to do.
 */
export function interactionToCommandLine(data: unknown): Result<string> {
  const parsed = commandDataSchema.safeParse(data);
  if (!parsed.success) return fail('bad_interaction', 'The command data could not be read; try again.');
  if (parsed.data.name !== COMMAND_NAME) {
    return fail('unknown_command', `This bot answers /${COMMAND_NAME} only, not /${parsed.data.name}.`);
  }
  const found = findSubcommand(parsed.data.options ?? []);
  if (!found) return fail('stale_command', stale);
  const positionals: string[] = [];
  const flags: string[] = [];
  for (const given of found.values) {
    if (!found.def.options.some((o) => o.name === given.name)) return fail('stale_command', stale);
  }
  for (const def of found.def.options) {
    const value = found.values.find((o) => o.name === def.name)?.value;
    if (value === undefined) {
      if (def.required) return fail('missing_option', `The option \`${def.name}\` is required: ${def.description}.`);
      continue;
    }
    if (def.kind === 'boolean') {
      if (value === true && def.flag) flags.push(def.flag);
      continue;
    }
    const text = def.qualify ? `discord:${String(value)}` : String(value);
    if (def.choices && !def.choices.includes(text)) {
      return fail('bad_choice', `\`${def.name}\` must be one of ${def.choices.join(', ')}; got "${text}".`);
    }
    if (def.flag) flags.push(def.flag, quoteArgument(text));
    else positionals.push(quoteArgument(text));
  }
  return ok([...found.words, ...positionals, ...flags].join(' '));
}

/** Where and how to register the command. */
export interface RegisterCommandsOptions {
  applicationId: string;
  /** A guild registers at once; without it the command is global (Discord may take a while to show it). */
  guildId?: string;
  /** The bot token. */
  token: string;
  /** REST base URL in discord.js's `api` form, e.g. `https://discord.com/api`. */
  apiUrl: string;
  /** Cluster names offered as choices of the `cluster` option. */
  clusters?: readonly string[];
}

/** What a successful registration did. */
export interface RegisteredCommands {
  scope: 'guild' | 'global';
  /** Ids Discord gave the registered commands. */
  ids: string[];
}

/** Registers (bulk-overwrites) the `/pegasus` command for a guild or globally. */
export async function registerCommands(options: RegisterCommandsOptions): Promise<Result<RegisteredCommands>> {
  const rest = new REST({ version: '10', api: options.apiUrl, retries: 1 }).setToken(options.token);
  const route = options.guildId
    ? Routes.applicationGuildCommands(options.applicationId, options.guildId)
    : Routes.applicationCommands(options.applicationId);
  const body = [buildPegasusCommand(options.clusters ? { clusters: options.clusters } : {})];
  try {
    const answer: unknown = await rest.put(route, { body });
    const ids = Array.isArray(answer)
      ? answer.flatMap((c: unknown) =>
          typeof c === 'object' && c !== null && 'id' in c && typeof c.id === 'string' ? [c.id] : [],
        )
      : [];
    return ok({ scope: options.guildId ? 'guild' : 'global', ids });
  } catch (err) {
    if (err instanceof DiscordAPIError) {
      const hint =
        err.status === 401
          ? 'check DISCORD_BOT_TOKEN'
          : err.status === 403 || err.status === 404
            ? 'check DISCORD_APPLICATION_ID and DISCORD_GUILD_ID, and that the bot was added to the guild'
            : 'check the command definition and try again';
      return fail(
        'discord_register_refused',
        `Discord refused the registration (${err.status}: ${err.message}); ${hint}.`,
      );
    }
    return fail(
      'discord_unreachable',
      `Could not reach Discord at ${options.apiUrl} (${(err as Error).message}); check DISCORD_API_URL and the network.`,
    );
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}
