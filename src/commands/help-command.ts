/** `help` and `help <command>`: the catalog grouped by section, and one command's usage, examples and risk. */
import type { Config } from '../config/config.js';
import { messageReply, type Reply, type ReplyTable } from '../replies/reply.js';
import { fail, ok } from '../result.js';
import type { Risk } from '../store/store.js';
import type { AnyCommandSpec, CommandContext, CommandSpec } from './command-spec.js';
import type { CommandCatalog } from './command-catalog.js';
import { parseArgs, splitCommandLine } from './parse-command-line.js';
import { aRole, hasRole, roleOf, ruleFor } from './policy.js';

const groupOrder: readonly AnyCommandSpec['group'][] = [
  'cluster',
  'tables',
  'nodes',
  'actions',
  'monitoring',
  'applications',
  'bot',
];

const riskOrder: readonly Risk[] = ['read', 'change', 'dangerous'];

/**
 * The risks a command can have, tried on its examples and on no arguments (risk depends on parameters, e.g.
 * `set_meta_level steady` is a change and `lively` dangerous); a config override wins.
 */
export function risksOf(spec: AnyCommandSpec, config: Config): Risk[] {
  const override = config.risks[spec.name];
  if (override) return [override];
  const found = new Set<Risk>();
  const lines = ['', ...(spec.examples ?? []).map((e) => e.replace(/^\s*\/?pegasus\s+/, ''))];
  for (const line of lines) {
    try {
      const words = line === '' ? ok({ name: spec.name, rest: [] }) : splitCommandLine(line);
      if (!words.ok) continue;
      const args = parseArgs(words.value.rest, spec.valueFlags ?? []);
      if (!args.ok) continue;
      const { cluster: _cluster, ...flags } = args.value.flags;
      const params = spec.parse({ positionals: args.value.positionals, flags });
      if (params.ok) found.add(spec.risk(params.value));
    } catch {
      // A spec that throws on odd input must not break help; its risk shows as unknown.
    }
  }
  return riskOrder.filter((r) => found.has(r));
}

function riskLabel(risks: readonly Risk[]): string {
  return risks.length === 0 ? 'depends on arguments' : risks.join(' or ');
}

const decisionLines = [
  'Decisions on pending changes (buttons in chat, or typed):',
  '  confirm <id>   run a change you asked for',
  '  cancel <id>    drop a change you asked for (or withdraw an approval request)',
  '  approve <id>   approve someone else’s dangerous change (needs the approver role)',
  '  reject <id>    reject someone else’s dangerous change',
];

// A grammar longer than this is shown as `name …` in the overview; `help <name>` has it in full.
const maxOverviewUsage = 60;

function shortUsage(spec: AnyCommandSpec): string {
  return spec.usage.length <= maxOverviewUsage ? spec.usage : `${spec.name} … (help ${spec.name})`;
}

function overview(catalog: CommandCatalog, ctx: CommandContext): Reply {
  const tables: ReplyTable[] = [];
  for (const group of groupOrder) {
    const specs = catalog.list().filter((s) => s.group === group);
    if (specs.length === 0) continue;
    tables.push({
      title: group,
      columns: ['command', 'risk', 'summary'],
      rows: specs.map((s) => [shortUsage(s), riskLabel(risksOf(s, ctx.config)), s.summary]),
    });
  }
  const role = roleOf(ctx.actor, ctx.config.access);
  return {
    ...messageReply('help', 'ok', `Pegasus commands (${catalog.list().length})`, [], ctx.clock.now()),
    tables,
    text: [
      'The grammar is the Pegasus Shell’s: `ls -d`, `nodes -d`, `app_stat -a <table>`, `set_meta_level <level>`.',
      'Add `--cluster <name>` to address another cluster. Type `help <command>` for usage, examples and risk.',
      `Reads run at once; changes ask you to confirm; dangerous changes need a second person’s approval. You are ${aRole(role)}.`,
      ...decisionLines,
    ],
  };
}

function detail(spec: AnyCommandSpec, ctx: CommandContext): Reply {
  const risks = risksOf(spec, ctx.config);
  const role = roleOf(ctx.actor, ctx.config.access);
  const allowance = (risks.length > 0 ? risks : riskOrder).map((risk) => {
    const rule = ruleFor(risk, ctx.actor.platform);
    const gate =
      rule.gate === 'run'
        ? 'runs at once'
        : rule.gate === 'confirm'
          ? 'asks you to confirm'
          : `needs approval by a second person (${rule.approverRole ?? 'admin'})`;
    const you = hasRole(role, rule.role) ? 'you may ask for it' : `you (${role}) may not`;
    const what = risk === 'read' ? 'A read' : risk === 'change' ? 'A change' : 'A dangerous change';
    return `${what} needs the ${rule.role} role and ${gate}; ${you}.`;
  });
  return {
    ...messageReply(`help ${spec.name}`, 'ok', `${spec.name}: ${spec.summary}`, [], ctx.clock.now()),
    fields: [
      { label: 'usage', value: spec.usage },
      ...(spec.aliases?.length ? [{ label: 'aliases', value: spec.aliases.join(', ') }] : []),
      { label: 'risk', value: riskLabel(risks) },
      { label: 'section', value: spec.group },
    ],
    text: [
      ...(spec.examples?.length ? ['Examples:', ...spec.examples.map((e) => `  ${e}`)] : []),
      ...allowance,
      'Add `--cluster <name>` to address another cluster.',
    ],
  };
}

/** Creates the `help` spec over a catalog (register it in that same catalog). */
export function createHelpCommand(catalog: CommandCatalog): CommandSpec<{ topic?: string }> {
  return {
    name: 'help',
    summary: 'List the commands, or show one command’s usage, examples and risk',
    usage: 'help [<command>]',
    examples: ['help', 'help set_meta_level'],
    group: 'bot',
    risk: () => 'read',
    parse(args) {
      if (args.positionals.length > 1 || Object.keys(args.flags).length > 0) {
        return fail('BAD_INPUT', 'help takes at most one command name, e.g. `help nodes`. Usage: help [<command>]');
      }
      const topic = args.positionals[0];
      return ok(topic === undefined ? {} : { topic });
    },
    run(ctx, params) {
      if (params.topic === undefined) return Promise.resolve(overview(catalog, ctx));
      const spec = catalog.find(params.topic);
      if (spec) return Promise.resolve(detail(spec, ctx));
      const topic = params.topic.toLowerCase();
      if (['confirm', 'cancel', 'approve', 'reject'].includes(topic)) {
        return Promise.resolve(messageReply(`help ${topic}`, 'ok', `${topic} <id>`, decisionLines, ctx.clock.now()));
      }
      const closest = catalog.suggest(params.topic);
      return Promise.resolve(
        messageReply(
          `help ${params.topic}`,
          'unknown',
          `No command named ${params.topic}`,
          [`${closest ? `Did you mean \`${closest}\`? ` : ''}Type \`help\` to see every command.`],
          ctx.clock.now(),
          { ephemeral: true },
        ),
      );
    },
  };
}
