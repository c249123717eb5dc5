/**
 * What the read-only shell views share: flag and argument checks with clear answers, the reply shape
 * (findings on top, the shell's tables below), and the answers for an unreachable cluster or an unknown table.
 */
import { countsText } from '../../diagnostics/run-health.js';
import { readHealthState, type HealthState } from '../../diagnostics/health-state.js';
import type { Finding, Reply, ReplyTable } from '../../replies/reply.js';
import { sortFindings, statusOf } from '../../replies/reply.js';
import { fail, ok, type Failure, type Result } from '../../result.js';
import type { CommandContext, ParsedArgs } from '../command-spec.js';
import { checkFlags } from '../parse-command-line.js';

/** Stable code of bad input to a view. */
export const badInputCode = 'BAD_INPUT';

/** Accepts only the given flags and at most `maxPositionals` positionals (what is accepted is said on failure). */
export function checkArgs(
  args: ParsedArgs,
  options: { flags: readonly string[]; usage: string; maxPositionals?: number },
): Result<void> {
  const flags = checkFlags(args, options.flags, options.usage);
  if (!flags.ok) return flags;
  const max = options.maxPositionals ?? 0;
  if (args.positionals.length > max) {
    const extra = args.positionals.slice(max).join(' ');
    return fail(
      badInputCode,
      max === 0
        ? `This command takes no arguments, but got "${extra}". Usage: ${options.usage}`
        : `Too many arguments: "${extra}" was not expected. Usage: ${options.usage}`,
    );
  }
  return ok(undefined);
}

/** A boolean flag (`-d`); a value given to it is bad input. */
export function booleanFlag(args: ParsedArgs, name: string, usage: string): Result<boolean> {
  const value = args.flags[name];
  if (value === undefined) return ok(false);
  if (value === true) return ok(true);
  return fail(badInputCode, `-${name} takes no value (got "${value}"). Usage: ${usage}`);
}

/** A flag with a string value (`-a <table>`); a bare flag is bad input. */
export function valueFlag(args: ParsedArgs, name: string, what: string, usage: string): Result<string | undefined> {
  const value = args.flags[name];
  if (value === undefined) return ok(undefined);
  if (value === true || value.trim() === '') return fail(badInputCode, `-${name} needs ${what}. Usage: ${usage}`);
  return ok(value.trim());
}

/** `-i <ms>`: the sampling interval, 100..60000 ms as the shell accepts it. */
export function intervalFlag(args: ParsedArgs, usage: string): Result<number | undefined> {
  const raw = valueFlag(args, 'i', 'a sampling interval in milliseconds, e.g. -i 1000', usage);
  if (!raw.ok) return raw;
  if (raw.value === undefined) return ok(undefined);
  const ms = Number(raw.value);
  if (!/^\d+$/.test(raw.value) || ms < 100 || ms > 60_000) {
    return fail(
      badInputCode,
      `-i takes the sampling interval in milliseconds, from 100 to 60000 (got "${raw.value}"). Usage: ${usage}`,
    );
  }
  return ok(ms);
}

/** Parses a view that takes no arguments and no flags. */
export function parseNoArgs(args: ParsedArgs, usage: string): Result<Record<string, never>> {
  const checked = checkArgs(args, { flags: [], usage });
  return checked.ok ? ok({}) : checked;
}

/** Parses a view whose only option is `-d` (more detail). */
export function parseDetailOnly(args: ParsedArgs, usage: string): Result<{ detail: boolean }> {
  const checked = checkArgs(args, { flags: ['d'], usage });
  if (!checked.ok) return checked;
  const detail = booleanFlag(args, 'd', usage);
  return detail.ok ? ok({ detail: detail.value }) : detail;
}

/** Parses a view whose only option is `-i <ms>` (the sampling interval). */
export function parseIntervalOnly(args: ParsedArgs, usage: string): Result<{ intervalMs?: number }> {
  const checked = checkArgs(args, { flags: ['i'], usage });
  if (!checked.ok) return checked;
  const interval = intervalFlag(args, usage);
  if (!interval.ok) return interval;
  return ok(interval.value !== undefined ? { intervalMs: interval.value } : {});
}

/** The headline of a view: `prod: 1 critical — 4/5 replica servers alive`, or just the facts when all is ok. */
export function viewTitle(ctx: CommandContext, findings: readonly Finding[], facts: string): string {
  const counts = countsText(findings);
  return counts === 'all checks ok' ? `${ctx.cluster.name}: ${facts}` : `${ctx.cluster.name}: ${counts} — ${facts}`;
}

/** The parts of a view reply. */
export interface ViewParts {
  findings: Finding[];
  /** The facts after the counts in the title (`5/5 replica servers alive`). */
  facts: string;
  tables?: ReplyTable[];
  fields?: { label: string; value: string }[];
  text?: string[];
  data?: Record<string, unknown>;
}

/** A view reply: findings worst first on top, the shell's tables below, status from the findings. */
export function viewReply(ctx: CommandContext, command: string, parts: ViewParts): Reply {
  const findings = sortFindings(parts.findings);
  return {
    command,
    status: statusOf(findings),
    title: viewTitle(ctx, findings, parts.facts),
    findings,
    ...(parts.fields ? { fields: parts.fields } : {}),
    ...(parts.tables ? { tables: parts.tables } : {}),
    ...(parts.text ? { text: parts.text } : {}),
    ...(parts.data ? { data: parts.data } : {}),
    context: { cluster: ctx.cluster.name, at: ctx.clock.now().toISOString() },
  };
}

/** The answer when a read of the cluster failed: status `unknown`, what happened and what to do next. */
export function failureReply(ctx: CommandContext, command: string, what: string, failure: Failure): Reply {
  const tried = ctx.cluster.api.metaServers.join(', ');
  const unreachable = failure.code === 'CLUSTER_UNREACHABLE';
  return {
    command,
    status: 'unknown',
    title: unreachable
      ? `${ctx.cluster.name}: cluster unreachable — tried ${tried}`
      : `${ctx.cluster.name}: could not read ${what}`,
    findings: [
      {
        check: unreachable ? 'meta_servers' : 'unreachable',
        severity: unreachable ? 'crit' : 'warn',
        subject: 'cluster',
        summary: failure.message,
        evidence: { code: failure.code, ...(unreachable ? { tried } : {}) },
      },
    ],
    text: [
      failure.message,
      unreachable
        ? 'Check that the meta servers are running and reachable from the bot (firewall, DNS, the host:port list in the config), then try again; `health` shows each meta server.'
        : 'Try again in a moment; if it keeps failing, check the leader meta server with `cluster_info` or `health`.',
    ],
    context: { cluster: ctx.cluster.name, at: ctx.clock.now().toISOString() },
  };
}

/** The answer to an unknown table: what was wrong and the tables there are. */
export function unknownTableReply(
  ctx: CommandContext,
  command: string,
  table: string,
  tables: readonly string[] | undefined,
): Reply {
  const sorted = tables ? [...tables].sort() : undefined;
  return {
    command,
    status: 'unknown',
    title: `${ctx.cluster.name}: there is no table named "${table}"`,
    findings: [],
    text: [
      sorted
        ? sorted.length > 0
          ? `Available tables (${sorted.length}): ${sorted.join(', ')}.`
          : `Cluster ${ctx.cluster.name} has no tables.`
        : 'The table list could not be read either; try `ls` in a moment.',
      'Check the name (table names are case-sensitive) and try again.',
    ],
    ...(sorted ? { data: { tables: sorted } } : {}),
    context: { cluster: ctx.cluster.name, at: ctx.clock.now().toISOString() },
  };
}

/** What the store remembers for the cluster checks; a store failure reads as "nothing remembered". */
export async function readRemembered(
  ctx: CommandContext,
): Promise<{ previous?: HealthState; rebalanceWindowOpen: boolean }> {
  const [previous, windows] = await Promise.all([
    readHealthState(ctx.store, ctx.cluster.name).catch(() => undefined),
    ctx.store.listWindows({ cluster: ctx.cluster.name, statuses: ['running'] }).catch(() => []),
  ]);
  return { ...(previous ? { previous } : {}), rebalanceWindowOpen: windows.length > 0 };
}

/** A command line from its name and the words of its parameters (for `Reply.command`). */
export function commandLine(name: string, ...words: (string | false | undefined)[]): string {
  return [name, ...words.filter((w): w is string => typeof w === 'string' && w !== '')].join(' ');
}
