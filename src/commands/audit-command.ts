/** `audit [N] [--user U] [--since 24h]`: the newest entries of the append-only audit log. */
import { formatDuration, parseDuration } from '../config/duration.js';
import { messageReply } from '../replies/reply.js';
import { fail, ok } from '../result.js';
import type { AuditEntry } from '../store/store.js';
import type { CommandSpec } from './command-spec.js';
import { checkFlags } from './parse-command-line.js';
import { formatTime } from './format-time.js';

/** Parameters of `audit`. */
export interface AuditParams {
  limit: number;
  user?: string;
  sinceMs?: number;
}

const usage = 'audit [N] [--user <platform:id>] [--since <duration>]';
const maxEntries = 500;

function who(entry: AuditEntry): string {
  const key = `${entry.actor.platform}:${entry.actor.userId}`;
  return entry.actor.displayName ? `${entry.actor.displayName} (${key})` : key;
}

function where(entry: AuditEntry): string {
  // Console and exec have no channels worth showing.
  return entry.channelId === entry.actor.platform ? entry.actor.platform : `${entry.actor.platform}:${entry.channelId}`;
}

/** The `audit` spec. */
export const auditCommand: CommandSpec<AuditParams> = {
  name: 'audit',
  summary: 'Show the audit log: who ran what, where, the outcome and the approvers',
  usage,
  examples: ['audit', 'audit 50', 'audit --user slack:U123 --since 24h'],
  group: 'bot',
  valueFlags: ['user', 'since'],
  risk: () => 'read',
  parse(args) {
    const flags = checkFlags(args, ['user', 'since'], usage);
    if (!flags.ok) return flags;
    if (args.positionals.length > 1) return fail('BAD_INPUT', `audit takes one number at most. Usage: ${usage}`);
    const n = args.positionals[0];
    let limit = 20;
    if (n !== undefined) {
      if (!/^\d+$/.test(n) || Number(n) < 1 || Number(n) > maxEntries) {
        return fail('BAD_INPUT', `"${n}" is not a number of entries; use 1 to ${maxEntries}, e.g. audit 50.`);
      }
      limit = Number(n);
    }
    const params: AuditParams = { limit };
    const user = args.flags['user'];
    if (user !== undefined) {
      if (user === true || user.trim() === '') return fail('BAD_INPUT', '--user needs a user, e.g. --user slack:U123.');
      params.user = user.trim();
    }
    const since = args.flags['since'];
    if (since !== undefined) {
      const ms = since === true ? undefined : parseDuration(since);
      if (ms === undefined || ms <= 0) {
        return fail(
          'BAD_INPUT',
          `--since needs a duration like 30m, 24h or 7d${since === true ? '' : `, not "${since}"`}.`,
        );
      }
      params.sinceMs = ms;
    }
    return ok(params);
  },
  async run(ctx, params) {
    const now = ctx.clock.now();
    const entries = await ctx.store.listAudit({
      limit: params.limit,
      ...(params.user !== undefined ? { user: params.user } : {}),
      ...(params.sinceMs !== undefined ? { since: new Date(now.getTime() - params.sinceMs) } : {}),
    });
    const scope = [
      params.user ? `by ${params.user}` : '',
      params.sinceMs ? `in the last ${formatDuration(params.sinceMs)}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    const title =
      (entries.length === 0
        ? 'Audit log: no entries match'
        : `Audit log: ${entries.length} newest entr${entries.length === 1 ? 'y' : 'ies'}`) + (scope ? ` ${scope}` : '');
    return {
      ...messageReply('audit', 'ok', title, [], now),
      tables: [
        {
          title: 'audit',
          columns: ['at', 'who', 'where', 'cluster', 'event', 'command', 'outcome', 'approvers', 'ref'],
          rows: entries.map((e) => [
            formatTime(e.at, ctx.config.timezone),
            who(e),
            where(e),
            e.cluster ?? '',
            e.event,
            e.command,
            e.outcome,
            (e.approvers ?? []).join(', '),
            e.ref ?? '',
          ]),
        },
      ],
      ...(entries.length === 0
        ? { text: ['Nothing matched. Try a longer --since, another --user, or no filter at all.'] }
        : {}),
    };
  },
};
