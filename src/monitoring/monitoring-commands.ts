/**
 * `inspect` (one inspection now, with what each rule saw) and `alerts` (open alert groups; `ack`, `silence`,
 * `mute`), plus the Ack / Silence buttons of alert threads. Acknowledging, silencing and muting change no
 * cluster, so they pass the gate as reads, but they hide or quiet alerts for everyone: they need the operator
 * role, checked here.
 */
import type { Actor, ActionClick } from '../commands/command.js';
import type { CommandContext, CommandSpec, ParsedArgs } from '../commands/command-spec.js';
import type { ActionHandler, CoreDispatcher, HandlerTools } from '../commands/dispatcher.js';
import { formatTime } from '../commands/format-time.js';
import { aRole, checkChannel, hasRole, roleOf } from '../commands/policy.js';
import type { Config } from '../config/config.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { countsText } from '../diagnostics/run-health.js';
import { plural } from '../diagnostics/format.js';
import { messageReply, type Finding, type Reply, type Status } from '../replies/reply.js';
import { fail, ok, type Result } from '../result.js';
import type { AlertRecord } from '../store/store.js';
import { buttonSilenceMs, recentlyResolvedMs } from './alert-pipeline.js';
import { actorText, groupRootReply } from './alert-replies.js';
import { consoleChannel } from './alert-routing.js';
import type { InspectionReport } from './inspector.js';
import { monitoringFor } from './monitoring.js';
import type { RuleEvaluation } from './rules.js';

const badInput = 'BAD_INPUT';

function noExtra(args: ParsedArgs, usage: string, max: number): Result<void> {
  const flags = Object.keys(args.flags);
  if (flags.length > 0) {
    return fail(
      badInput,
      `Unknown option ${flags.map((f) => (f.length === 1 ? `-${f}` : `--${f}`)).join(', ')}. Usage: ${usage}`,
    );
  }
  if (args.positionals.length > max) {
    return fail(
      badInput,
      `Too many arguments: "${args.positionals.slice(max).join(' ')}" was not expected. Usage: ${usage}`,
    );
  }
  return ok(undefined);
}

const verdictSeverity: Record<RuleEvaluation['verdict'], Finding['severity'] | undefined> = {
  crit: 'crit',
  warn: 'warn',
  ok: undefined,
  learning: undefined,
  'no data': undefined,
};

/** The `inspect` reply: the firing verdicts as findings, and one table row per rule and subject. */
export function inspectionReply(report: InspectionReport, timezone: string): Reply {
  const firing = report.evaluations.filter((e) => verdictSeverity[e.verdict] !== undefined);
  const findings: Finding[] = firing.map((e) => ({
    check: e.rule,
    severity: verdictSeverity[e.verdict] ?? 'warn',
    subject: e.subject,
    summary: e.summary,
    ...(e.evidence ? { evidence: e.evidence } : {}),
    ...(e.advice ? { advice: e.advice } : {}),
    ...(e.action ? { action: e.action } : {}),
  }));
  const rules = new Set(report.evaluations.map((e) => e.rule));
  const firingRules = new Set(firing.map((e) => e.rule));
  const noData = new Set(report.evaluations.filter((e) => e.verdict === 'no data').map((e) => e.rule));
  const status: Status = !report.health.reachable
    ? 'unknown'
    : findings.some((f) => f.severity === 'crit')
      ? 'crit'
      : findings.length > 0
        ? 'warn'
        : 'ok';
  const head =
    firingRules.size === 0 ? 'no rule firing' : `${plural(firingRules.size, 'rule')} firing (${countsText(findings)})`;
  const changes = report.changes;
  const count = (kind: string) => changes.filter((c) => c.kind === kind).length;
  const changeLine =
    changes.length === 0
      ? 'Alerts: no change since the last inspection.'
      : `Alerts: ${[
          count('firing') + count('refiring') > 0 ? `${count('firing') + count('refiring')} fired` : '',
          count('updated') > 0 ? `${count('updated')} updated` : '',
          count('resolved') > 0 ? `${count('resolved')} resolved` : '',
        ]
          .filter(Boolean)
          .join(', ')} — see the alert threads, or \`alerts\`.`;
  return {
    command: 'inspect',
    status,
    title: `${report.cluster} inspection: ${head}${noData.size > 0 ? `, ${noData.size} without data` : ''} — ${plural(rules.size, 'rule')}`,
    findings,
    tables: [
      {
        title: 'rules',
        columns: ['rule', 'subject', 'value', 'threshold / baseline', 'verdict'],
        rows: report.evaluations.map((e) => [e.rule, e.subject, e.value, e.threshold, e.verdict]),
      },
    ],
    text: [
      changeLine,
      ...(report.problems.length > 0 ? [`The inspection itself had problems: ${report.problems.join('; ')}.`] : []),
      `Inspected at ${formatTime(report.at, timezone)} in ${formatDuration(report.durationMs)}.`,
    ],
    context: { cluster: report.cluster, at: report.at.toISOString(), durationMs: report.durationMs },
    data: {
      rules: report.evaluations.map((e) => ({
        rule: e.rule,
        subject: e.subject,
        verdict: e.verdict,
        value: e.value,
        threshold: e.threshold,
        summary: e.summary,
      })),
      alertChanges: changes.map((c) => ({ kind: c.kind, subject: c.subject, severity: c.severity })),
    },
  };
}

/** `inspect`. */
export const inspectCommand: CommandSpec<Record<string, never>> = {
  name: 'inspect',
  summary: 'Run one inspection now: every rule with what it saw, against its threshold or baseline',
  usage: 'inspect',
  examples: ['inspect', 'inspect --cluster prod'],
  group: 'monitoring',
  risk: () => 'read',
  parse(args) {
    const checked = noExtra(args, 'inspect', 0);
    return checked.ok ? ok({}) : checked;
  },
  async run(ctx) {
    const outcome = await monitoringFor(ctx).inspector.inspect(ctx.cluster, { force: true });
    if (!outcome.ran) {
      return messageReply(
        'inspect',
        'unknown',
        `An inspection of ${ctx.cluster.name} is running right now`,
        [
          'A scheduled inspection (here or on another bot instance) is in progress. Try `inspect` again in a few seconds.',
        ],
        ctx.clock.now(),
        { context: { cluster: ctx.cluster.name, at: ctx.clock.now().toISOString() } },
      );
    }
    return inspectionReply(outcome.report, ctx.config.timezone);
  },
};

/** The parameters of `alerts`. */
export type AlertsParams =
  | { action: 'list' }
  | { action: 'show'; ref: string }
  | { action: 'ack'; ref: string }
  | { action: 'silence'; ref: string; durationMs: number | undefined }
  | { action: 'mute'; channel?: string; durationMs: number | undefined };

const alertsUsage =
  'alerts [<group>] | alerts ack <group|fingerprint> | alerts silence <group> <30m..24h|off> | alerts mute [<channel>] <duration|off>';

function durationArg(text: string | undefined, what: string, example: string): Result<number | undefined> {
  if (text === undefined) return fail(badInput, `${what} needs a duration, e.g. \`${example}\`. Usage: ${alertsUsage}`);
  if (text.toLowerCase() === 'off') return ok(undefined);
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    return fail(badInput, `"${text}" is not a duration; use e.g. 30m, 2h, 1d, or off. Usage: ${alertsUsage}`);
  }
  return ok(ms);
}

/** Parses the `alerts` grammar. */
export function parseAlertsArgs(args: ParsedArgs): Result<AlertsParams> {
  const flags = Object.keys(args.flags);
  if (flags.length > 0)
    return fail(badInput, `\`alerts\` takes no options (got ${flags.join(', ')}). Usage: ${alertsUsage}`);
  const [sub, a, b, ...rest] = args.positionals;
  if (sub === undefined) return ok({ action: 'list' });
  const extra = (n: number) =>
    fail(
      badInput,
      `Too many arguments: "${args.positionals.slice(n).join(' ')}" was not expected. Usage: ${alertsUsage}`,
    );
  switch (sub.toLowerCase()) {
    case 'ack':
      if (a === undefined)
        return fail(badInput, `\`alerts ack\` needs a group or fingerprint, e.g. \`alerts ack prod/node_unalive\`.`);
      return b === undefined ? ok({ action: 'ack', ref: a }) : extra(2);
    case 'silence': {
      if (a === undefined)
        return fail(badInput, '`alerts silence` needs a group and a duration, e.g. `alerts silence prod/disk 2h`.');
      if (rest.length > 0) return extra(3);
      const d = durationArg(b, '`alerts silence`', `alerts silence ${a} 2h`);
      return d.ok ? ok({ action: 'silence', ref: a, durationMs: d.value }) : d;
    }
    case 'mute': {
      if (rest.length > 0) return extra(3);
      const [channel, when] = b === undefined ? [undefined, a] : [a, b];
      const d = durationArg(when, '`alerts mute`', 'alerts mute 4h');
      if (!d.ok) return d;
      return ok({ action: 'mute', ...(channel ? { channel } : {}), durationMs: d.value });
    }
    default:
      return a === undefined ? ok({ action: 'show', ref: sub }) : extra(1);
  }
}

function mayManage(actor: Actor, channelId: string, cluster: string | undefined, config: Config): Result<void> {
  if (cluster !== undefined) {
    const channel = checkChannel(actor.platform, channelId, cluster, config);
    if (!channel.ok) return channel;
  }
  const role = roleOf(actor, config.access);
  if (hasRole(role, 'operator')) return ok(undefined);
  return fail(
    'NOT_PERMITTED',
    `Acknowledging, silencing and muting alerts need the operator role; you are ${aRole(role)}, so nothing was changed. ` +
      `An admin can add ${actor.platform}:${actor.userId} to PEGASUS_OPERATORS or access.operators in the config file.`,
  );
}

function refusal(command: string, title: string, message: string, at: Date, code = badInput): Reply {
  return messageReply(command, 'unknown', title, [message], at, { ephemeral: true, data: { error: { code } } });
}

async function listReply(ctx: CommandContext): Promise<Reply> {
  const now = ctx.clock.now();
  const firing = await ctx.store.listAlerts({ status: 'firing' });
  const byGroup = new Map<string, AlertRecord[]>();
  for (const a of firing) byGroup.set(a.groupKey, [...(byGroup.get(a.groupKey) ?? []), a]);
  const pipeline = monitoringFor(ctx).pipeline;
  const platform = ctx.actor.platform;
  const mute = await pipeline.muteOf(
    platform,
    platform === 'console' || platform === 'exec' ? consoleChannel : ctx.channelId,
  );
  const rows: string[][] = [];
  const findings: Finding[] = [];
  for (const [key, list] of byGroup) {
    const group = await ctx.store.getAlertGroup(key);
    if (!group) continue;
    const worst = list.some((a) => a.severity === 'crit') ? 'crit' : 'warn';
    const silenced = group.silencedUntil && group.silencedUntil.getTime() > now.getTime();
    const state = [
      group.ackedBy ? `acked by ${actorText(group.ackedBy)}` : '',
      silenced && group.silencedUntil ? `silenced until ${formatTime(group.silencedUntil, ctx.config.timezone)}` : '',
    ]
      .filter(Boolean)
      .join('; ');
    rows.push([
      key,
      group.cluster,
      String(list.length),
      worst,
      formatTime(list[0]?.startedAt ?? now, ctx.config.timezone),
      state || '-',
    ]);
    findings.push({
      check: group.rule,
      severity: worst,
      subject: key,
      summary: `${group.title}: ${plural(list.length, 'alert')} firing${state ? ` (${state})` : ''}`,
      ...(group.ackedBy ? {} : { action: { kind: 'ack', ref: key, label: 'Acknowledge' } }),
    });
  }
  const status: Status = findings.some((f) => f.severity === 'crit') ? 'crit' : findings.length > 0 ? 'warn' : 'ok';
  return {
    command: 'alerts',
    status,
    title:
      findings.length === 0
        ? 'No alerts firing'
        : `${plural(firing.length, 'alert')} firing in ${plural(findings.length, 'group')}`,
    findings,
    ...(rows.length > 0
      ? {
          tables: [
            { title: 'open alert groups', columns: ['group', 'cluster', 'firing', 'worst', 'since', 'state'], rows },
          ],
        }
      : {}),
    text: [
      ...(mute
        ? [
            `Alert posts in this channel are muted until ${formatTime(new Date(mute.until), ctx.config.timezone)} (by ${mute.by}).`,
          ]
        : []),
      '`alerts <group>` shows one group; `alerts ack <group>`, `alerts silence <group> 2h`, `alerts mute 4h` act on them.',
    ],
    context: { at: now.toISOString() },
    data: { groups: [...byGroup.keys()], firing: firing.length },
  };
}

async function runAlerts(ctx: CommandContext, p: AlertsParams): Promise<Reply> {
  const now = ctx.clock.now();
  const pipeline = monitoringFor(ctx).pipeline;
  switch (p.action) {
    case 'list':
      return listReply(ctx);
    case 'show': {
      const group = await pipeline.findGroup(p.ref);
      if (!group) {
        return refusal(
          `alerts ${p.ref}`,
          'Unknown alert group',
          `There is no alert group or alert "${p.ref}". \`alerts\` lists the open groups.`,
          now,
          'UNKNOWN_ALERT',
        );
      }
      const alerts = await ctx.store.listAlerts({
        groupKey: group.key,
        resolvedSince: new Date(now.getTime() - recentlyResolvedMs),
      });
      return {
        ...groupRootReply(
          group,
          alerts,
          now,
          ctx.config.timezone,
          ctx.config.clusters.some((c) => c.name === group.cluster),
        ),
        command: `alerts ${group.key}`,
      };
    }
    case 'ack': {
      const group = await pipeline.findGroup(p.ref);
      const allowed = mayManage(ctx.actor, ctx.channelId, group?.cluster, ctx.config);
      if (!allowed.ok)
        return refusal(`alerts ack ${p.ref}`, 'Not allowed', allowed.error.message, now, allowed.error.code);
      const done = await pipeline.ack(p.ref, ctx.actor);
      if (!done.ok)
        return refusal(`alerts ack ${p.ref}`, 'Nothing acknowledged', done.error.message, now, done.error.code);
      const g = done.value.group;
      const who = g.ackedBy ? actorText(g.ackedBy) : 'someone';
      return messageReply(
        `alerts ack ${g.key}`,
        'ok',
        done.value.already ? `${g.key} was already acknowledged` : `Acknowledged ${g.key}`,
        [
          done.value.already
            ? `${who} acknowledged it already; nothing changed.`
            : 'Reminders stop until the group resolves; the thread shows who acknowledged.',
        ],
        now,
        { context: { cluster: g.cluster, at: now.toISOString() } },
      );
    }
    case 'silence': {
      const group = await pipeline.findGroup(p.ref);
      const allowed = mayManage(ctx.actor, ctx.channelId, group?.cluster, ctx.config);
      if (!allowed.ok)
        return refusal(`alerts silence ${p.ref}`, 'Not allowed', allowed.error.message, now, allowed.error.code);
      const done = await pipeline.silence(p.ref, p.durationMs, ctx.actor);
      if (!done.ok)
        return refusal(`alerts silence ${p.ref}`, 'Nothing silenced', done.error.message, now, done.error.code);
      const g = done.value;
      return messageReply(
        `alerts silence ${g.key} ${p.durationMs === undefined ? 'off' : formatDuration(p.durationMs)}`,
        'ok',
        p.durationMs === undefined
          ? `Silence of ${g.key} lifted`
          : `Silenced ${g.key} until ${g.silencedUntil ? formatTime(g.silencedUntil, ctx.config.timezone) : '?'}`,
        [
          p.durationMs === undefined
            ? 'Changes are posted again.'
            : 'No posts in its thread until then; `alerts` still lists it, and `alerts silence <group> off` lifts it early.',
        ],
        now,
        { context: { cluster: g.cluster, at: now.toISOString() } },
      );
    }
    case 'mute': {
      const allowed = mayManage(ctx.actor, ctx.channelId, undefined, ctx.config);
      if (!allowed.ok) return refusal('alerts mute', 'Not allowed', allowed.error.message, now, allowed.error.code);
      const platform = ctx.actor.platform === 'exec' ? 'console' : ctx.actor.platform;
      const channel = p.channel ?? (platform === 'console' ? consoleChannel : ctx.channelId);
      const done = await pipeline.mute(platform, channel, p.durationMs, ctx.actor);
      if (!done.ok) return refusal('alerts mute', 'Nothing muted', done.error.message, now, done.error.code);
      return messageReply(
        `alerts mute ${channel} ${p.durationMs === undefined ? 'off' : formatDuration(p.durationMs)}`,
        'ok',
        done.value
          ? `Alert posts muted in ${channel} until ${formatTime(new Date(done.value.until), ctx.config.timezone)}`
          : `Alert posts in ${channel} unmuted`,
        [
          done.value
            ? 'Alerts are still recorded and listed by `alerts`; `alerts mute off` ends the mute early.'
            : 'New alert changes are posted here again.',
        ],
        now,
      );
    }
  }
}

/** `alerts`. */
export const alertsCommand: CommandSpec<AlertsParams> = {
  name: 'alerts',
  summary: 'Open alerts by group; acknowledge, silence (30m..24h) or mute a channel',
  usage: alertsUsage,
  examples: [
    'alerts',
    'alerts prod/node_unalive',
    'alerts ack prod/node_unalive',
    'alerts silence prod/disk 2h',
    'alerts mute 4h',
    'alerts mute off',
  ],
  group: 'monitoring',
  risk: () => 'read',
  parse: parseAlertsArgs,
  run: runAlerts,
  describe: (p) => `alerts ${p.action}`,
};

/** The monitoring commands, for the catalog. */
export const monitoringCommands = [inspectCommand, alertsCommand];

function buttonHandler(kind: 'ack' | 'silence'): ActionHandler {
  return async (click: ActionClick, tools: HandlerTools): Promise<Reply> => {
    const now = tools.clock.now();
    const ref = click.action.ref;
    const pipeline = monitoringFor(tools).pipeline;
    const group = await pipeline.findGroup(ref);
    const allowed = mayManage(click.actor, click.channelId, group?.cluster, tools.config);
    const audit = async (outcome: string) => {
      try {
        await tools.store.appendAudit({
          at: now,
          actor: click.actor,
          channelId: click.channelId,
          ...(group ? { cluster: group.cluster } : {}),
          event: 'alert',
          command: `${kind} ${ref}`,
          outcome,
          ref,
        });
      } catch (err) {
        tools.logger.error({ err, ref }, 'audit write failed');
      }
    };
    if (!allowed.ok) {
      await audit(`refused: ${allowed.error.code}`);
      return refusal(`${kind} ${ref}`, 'Not allowed', allowed.error.message, now, allowed.error.code);
    }
    const done =
      kind === 'ack' ? await pipeline.ack(ref, click.actor) : await pipeline.silence(ref, buttonSilenceMs, click.actor);
    if (!done.ok) {
      await audit(`refused: ${done.error.code}`);
      return refusal(
        `${kind} ${ref}`,
        kind === 'ack' ? 'Nothing acknowledged' : 'Nothing silenced',
        done.error.message,
        now,
        done.error.code,
      );
    }
    await audit('ok');
    const title =
      kind === 'ack'
        ? `Acknowledged ${ref}`
        : `Silenced ${ref} for ${formatDuration(buttonSilenceMs)} (\`alerts silence ${ref} <30m..24h>\` for another length)`;
    return messageReply(`${kind} ${ref}`, 'ok', title, [], now, { ephemeral: true });
  };
}

/** Routes the Ack and Silence buttons (and typed `ack <group>` / `silence <group>`) to the alert pipeline. */
export function registerAlertButtons(dispatcher: Pick<CoreDispatcher, 'registerAction'>): void {
  dispatcher.registerAction('ack', buttonHandler('ack'));
  dispatcher.registerAction('silence', buttonHandler('silence'));
}
