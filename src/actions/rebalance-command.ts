/**
 * `rebalance <plan|request|approve|reject|status|abort|list>`: rebalance windows. `plan` shows the skew and
 * proposes a low-traffic window; `request <start> <duration> [--reason …]` stores a window pending approval
 * (a change: the requester confirms, then a second person approves); `approve|reject <id>` decide it;
 * `abort <id>` ends it now at steady (a change: confirmed); `status [id]` and `list [--all]` show them.
 * `open <id>` is what an approval runs. The window scheduler does the rest (start, progress, end).
 */
import type { CommandContext, CommandSpec, ParsedArgs } from '../commands/command-spec.js';
import { actorLabel } from '../commands/pending-replies.js';
import { checkFlags, quoteWord } from '../commands/parse-command-line.js';
import { formatDuration } from '../config/duration.js';
import { messageReply, sortFindings, statusOf, type Finding, type Reply } from '../replies/reply.js';
import { fail, ok, type Result } from '../result.js';
import type { Risk } from '../store/store.js';
import {
  asDistribution,
  distributionTable,
  formatOperations,
  pct,
  readDistribution,
  skewWithin,
} from './distribution.js';
import { fallbackDailyWindow, proposeWindow, readTrafficProfile } from './traffic-profile.js';
import {
  createWindowRequest,
  decideWindowRequest,
  describeWindow,
  openApprovedWindow,
  overlappingWindows,
  windowRefusal,
  windowWarnings,
  WindowCode,
  type WindowRequest,
} from './window-approval.js';
import {
  auditWindow,
  closeUnstarted,
  finishWindow,
  settleWindows,
  updateApprovalMessages,
  withWindowLock,
  zoneOf,
  type WindowDeps,
} from './window-lifecycle.js';
import { windowDetailsReply, windowListReply, type ProgressDetail } from './window-replies.js';
import {
  formatWindowSpan,
  formatWindowTime,
  parseWindowDuration,
  parseWindowStart,
  readWindowStart,
  startForms,
} from './window-time.js';

const usage =
  'rebalance plan [--duration <2h>] | request <start> <duration> [--reason <text>] | approve <id> | reject <id> | status [<id>] | abort <id> | list [--all]';

/** Parameters of `rebalance`, one shape per subcommand. */
export type RebalanceParams =
  | { sub: 'plan'; durationMs?: number }
  | { sub: 'request'; startWords: string[]; durationMs: number; reason?: string }
  | { sub: 'approve' | 'reject' | 'abort' | 'open'; id: string }
  | { sub: 'status'; id?: string }
  | { sub: 'list'; all: boolean };

const subcommands = ['plan', 'request', 'approve', 'reject', 'status', 'abort', 'list', 'open'] as const;

function bad(message: string): { ok: false; error: { code: string; message: string } } {
  return fail('BAD_INPUT', message);
}

function idArg(args: ParsedArgs, sub: string): Result<string> {
  const rest = args.positionals.slice(1);
  if (rest.length !== 1 || !rest[0])
    return bad(`\`rebalance ${sub}\` takes the window id, e.g. \`rebalance ${sub} 3f9a2c1b\`.`);
  const id = rest[0].trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id))
    return bad(`"${id}" is not a window id (letters and digits, as \`rebalance list\` shows them).`);
  return ok(id);
}

/** Reads `rebalance …` arguments (times are checked against the clock when the command runs). */
export function parseRebalance(args: ParsedArgs): Result<RebalanceParams> {
  const sub = args.positionals[0]?.toLowerCase();
  if (sub === undefined)
    return bad(`\`rebalance\` needs a subcommand: plan, request, approve, reject, status, abort or list.`);
  if (!(subcommands as readonly string[]).includes(sub)) {
    return bad(
      `"${sub}" is not a rebalance subcommand. Accepted: plan, request, approve, reject, status, abort, list.`,
    );
  }
  switch (sub) {
    case 'plan': {
      const flags = checkFlags(args, ['duration'], usage);
      if (!flags.ok) return flags;
      if (args.positionals.length > 1) return bad(`\`rebalance plan\` takes no arguments besides --duration.`);
      const raw = args.flags['duration'];
      if (raw === undefined) return ok({ sub: 'plan' });
      const duration = parseWindowDuration(raw === true ? '' : raw);
      return duration.ok ? ok({ sub: 'plan', durationMs: duration.value }) : duration;
    }
    case 'request': {
      const flags = checkFlags(args, ['reason'], usage);
      if (!flags.ok) return flags;
      const words = args.positionals.slice(1);
      if (words.length === 0) {
        return bad(
          `\`rebalance request\` needs a start and a duration, e.g. \`rebalance request 02:00 2h --reason "after adding nodes"\`. Start: ${startForms}.`,
        );
      }
      // The syntax is checked now; past/future is checked against the clock when it runs.
      const start = readWindowStart(words, new Date(0), 'UTC');
      if (!start.ok) return start;
      const used = start.value.wordsUsed;
      const rest = words.slice(used);
      const duration = parseWindowDuration(rest[0]);
      if (!duration.ok) return duration;
      if (rest.length > 1) {
        return bad(
          `Unexpected "${rest.slice(1).join(' ')}" after the duration. Put a reason after --reason, e.g. --reason "after adding nodes".`,
        );
      }
      const reasonFlag = args.flags['reason'];
      if (reasonFlag === true || (typeof reasonFlag === 'string' && reasonFlag.trim() === '')) {
        return bad('--reason needs a text, e.g. --reason "after adding nodes".');
      }
      return ok({
        sub: 'request',
        startWords: words.slice(0, used),
        durationMs: duration.value,
        ...(typeof reasonFlag === 'string' ? { reason: reasonFlag.trim().slice(0, 500) } : {}),
      });
    }
    case 'approve':
    case 'reject':
    case 'abort':
    case 'open': {
      const flags = checkFlags(args, [], usage);
      if (!flags.ok) return flags;
      const id = idArg(args, sub);
      return id.ok ? ok({ sub, id: id.value }) : id;
    }
    case 'status': {
      const flags = checkFlags(args, [], usage);
      if (!flags.ok) return flags;
      if (args.positionals.length > 2) return bad('`rebalance status` takes at most one window id.');
      const id = args.positionals[1];
      return ok(id === undefined ? { sub: 'status' } : { sub: 'status', id });
    }
    default: {
      const flags = checkFlags(args, ['all'], usage);
      if (!flags.ok) return flags;
      if (args.positionals.length > 1) return bad('`rebalance list` takes no arguments besides --all.');
      return ok({ sub: 'list', all: args.flags['all'] === true });
    }
  }
}

/** The risk of a subcommand: requesting and aborting are changes; deciding is checked against the approver rules. */
export function rebalanceRisk(p: RebalanceParams): Risk {
  return p.sub === 'request' || p.sub === 'abort' ? 'change' : 'read';
}

function depsOf(ctx: CommandContext): WindowDeps {
  return { store: ctx.store, clock: ctx.clock, config: ctx.config, sinks: ctx.sinks };
}

/** Resolves a request's start and end against the clock. */
export function resolveRequest(
  ctx: CommandContext,
  p: { startWords: string[]; durationMs: number; reason?: string },
): Result<WindowRequest> {
  const start = parseWindowStart(p.startWords, ctx.clock.now(), zoneOf(ctx));
  if (!start.ok) return start;
  return ok({
    start: start.value.start,
    end: new Date(start.value.start.getTime() + p.durationMs),
    ...(p.reason ? { reason: p.reason } : {}),
  });
}

async function plan(ctx: CommandContext, durationMs: number | undefined): Promise<Reply> {
  const name = ctx.cluster.name;
  const now = ctx.clock.now();
  const tz = zoneOf(ctx);
  const [read, tables, profile] = await Promise.all([
    readDistribution(ctx.cluster.api, now),
    ctx.cluster.api.listTables(),
    readTrafficProfile(ctx.store, name).catch(() => undefined),
  ]);
  if (!read.ok) {
    return messageReply(
      'rebalance plan',
      'unknown',
      `${name}: could not read the distribution`,
      [read.error.message, 'Check the leader meta server (`cluster_info`) and try again.'],
      now,
      { context: { cluster: name, at: now.toISOString() }, data: { error: { code: read.error.code } } },
    );
  }
  const d = read.value.distribution;
  const ratio = ctx.cluster.config.thresholds.skewRatio;
  const findings: Finding[] = [];
  for (const [kind, skew] of [
    ['replica', d.replicaSkew],
    ['primary', d.primarySkew],
  ] as const) {
    findings.push({
      check: kind === 'replica' ? 'replica_skew' : 'primary_skew',
      severity: skew > ratio ? 'warn' : 'ok',
      subject: name,
      summary: `${kind} counts: the node furthest from the mean is ${pct(skew)} off (allowed ${pct(ratio)})`,
      evidence: {
        stddev: (kind === 'replica' ? d.totalStddev : d.primaryStddev).toFixed(2),
        ...Object.fromEntries(d.nodes.map((n) => [n.address, kind === 'replica' ? n.replicas : n.primaries])),
      },
    });
  }
  findings.push({
    check: 'balance_pending',
    severity: d.balanceOperations.total > 0 ? 'info' : 'ok',
    subject: name,
    summary: `balance operations pending (what the balancer would do in lively): ${formatOperations(d.balanceOperations)}`,
  });
  const unalive = d.nodes.filter((n) => n.status === 'UNALIVE');
  if (unalive.length > 0) {
    findings.push({
      check: 'nodes_alive',
      severity: 'warn',
      subject: name,
      summary: `${unalive.length} replica server${unalive.length === 1 ? ' is' : 's are'} UNALIVE (${unalive.map((n) => n.address).join(', ')}): a window's pre-checks fail until every node is ALIVE`,
    });
  }
  if (tables.ok) {
    const ill = tables.value.reduce((sum, t) => sum + (t.health?.unhealthy ?? 0), 0);
    if (ill > 0) {
      findings.push({
        check: 'table_health',
        severity: 'warn',
        subject: name,
        summary: `${ill} partition${ill === 1 ? ' is' : 's are'} unhealthy: the balancer does not run, and a window's pre-checks fail, until they recover`,
      });
    }
  }
  const fallback = ctx.config.rebalanceDefaultWindow ?? fallbackDailyWindow;
  const length = durationMs ?? fallback.durationMs;
  const proposal = proposeWindow(profile, now, length, tz, fallback);
  const needed = !skewWithin(d, ratio) || d.balanceOperations.total > 0;
  const span = formatWindowSpan(proposal.start, proposal.end, tz);
  const why =
    proposal.source === 'history'
      ? `the lowest-traffic hours of the next day from the QPS the bot recorded: about ${Math.round(proposal.windowQps ?? 0)} QPS then, against ${Math.round(proposal.dayQps ?? 0)} QPS on average over the day`
      : `the configured default window (REBALANCE_DEFAULT_WINDOW), because ${proposal.reason ?? 'there is no traffic history'}`;
  const clash = await overlappingWindows(ctx, proposal);
  const text = [
    needed
      ? `Proposed window: ${span} — ${why}.`
      : `The cluster is balanced (skew within ${pct(ratio)}, no balance operations pending): no window is needed. Had one been, the proposal would be ${span} — ${why}.`,
    ...(clash.length > 0
      ? [`It overlaps window ${clash.map((w) => `${w.id} (${w.status})`).join(', ')}: pick another time.`]
      : []),
    'During a window the meta level is lively; the bot watches progress every minute and returns to steady when balanced, at the end time, on abort, or when a guard trips (a node UNALIVE, a partition unhealthy, a latency-sensitive table over its P99 limit).',
  ];
  const startWord = formatWindowTime(proposal.start, tz);
  const requestLine = `rebalance request ${quoteWord(startWord)} ${formatDuration(length).replace(' ', '')} --reason ${quoteWord(`skew replicas ${pct(d.replicaSkew)}, primaries ${pct(d.primarySkew)}`)}`;
  const sorted = sortFindings(findings);
  return {
    command: 'rebalance plan',
    status: statusOf(sorted),
    title: `${name}: ${needed ? 'rebalance proposed' : 'balanced'} — primary stddev ${d.primaryStddev.toFixed(2)}, total stddev ${d.totalStddev.toFixed(2)}`,
    findings: sorted,
    fields: [
      { label: 'proposed window', value: span },
      { label: 'source', value: proposal.source === 'history' ? 'recorded traffic' : 'configured default' },
    ],
    tables: [distributionTable('replica distribution (nodes -d)', d)],
    text,
    ...(needed && clash.length === 0
      ? {
          actions: [
            { kind: 'run' as const, ref: requestLine, label: 'Request this window', style: 'primary' as const },
          ],
        }
      : {}),
    data: {
      proposal: {
        start: proposal.start.toISOString(),
        end: proposal.end.toISOString(),
        source: proposal.source,
        request: requestLine,
      },
    },
    context: { cluster: name, at: now.toISOString() },
  };
}

function isProgress(detail: unknown): detail is ProgressDetail {
  if (typeof detail !== 'object' || detail === null) return false;
  const d = detail as Record<string, unknown>;
  return typeof d['operations'] === 'number' && typeof d['quietChecks'] === 'number';
}

async function status(ctx: CommandContext, id: string | undefined): Promise<Reply> {
  const now = ctx.clock.now();
  const tz = zoneOf(ctx);
  await settleWindows(depsOf(ctx), ctx.cluster.name).catch(() => undefined);
  let window = id !== undefined ? await ctx.store.getWindow(id) : undefined;
  if (id !== undefined && !window) {
    return windowRefusal(ctx, `rebalance status ${id}`, WindowCode.unknownWindow, 'Unknown window', [
      `There is no rebalance window ${id}. \`rebalance list\` shows the windows.`,
    ]);
  }
  if (!window) {
    const open = await ctx.store.listWindows({
      cluster: ctx.cluster.name,
      statuses: ['running', 'approved', 'pending'],
    });
    window =
      open.find((w) => w.status === 'running') ?? [...open].sort((a, b) => a.start.getTime() - b.start.getTime())[0];
  }
  if (!window) {
    return messageReply(
      'rebalance status',
      'ok',
      `${ctx.cluster.name}: no rebalance window is running or planned`,
      ['`rebalance plan` shows the skew and proposes a window; `rebalance list --all` shows past windows.'],
      now,
      { context: { cluster: ctx.cluster.name, at: now.toISOString() } },
    );
  }
  const steps = await ctx.store.listWindowSteps(window.id);
  const last = [...steps].reverse().find((s) => s.key.startsWith('progress:'));
  const extra: string[] = [];
  if (window.status === 'pending') extra.push(`Waiting for approval by a second person: approve ${window.id}`);
  if (window.status === 'approved')
    extra.push(`Starts at ${formatWindowTime(window.start, tz)} ${tz}. To cancel: rebalance abort ${window.id}`);
  if (window.status === 'running') extra.push(`To end it now at steady: rebalance abort ${window.id}`);
  return windowDetailsReply(
    window,
    last && isProgress(last.detail) ? last.detail : undefined,
    asDistribution(window.before),
    asDistribution(window.after),
    tz,
    now,
    extra,
  );
}

async function list(ctx: CommandContext, all: boolean): Promise<Reply> {
  const now = ctx.clock.now();
  await settleWindows(depsOf(ctx), ctx.cluster.name).catch(() => undefined);
  const windows = await ctx.store.listWindows({ cluster: ctx.cluster.name });
  const recent = now.getTime() - 7 * 86_400_000;
  const shown = windows
    .filter(
      (w) => all || ['pending', 'approved', 'running'].includes(w.status) || (w.endedAt ?? w.end).getTime() >= recent,
    )
    .sort((a, b) => b.start.getTime() - a.start.getTime())
    .slice(0, all ? 100 : 20);
  return {
    ...windowListReply(ctx.cluster.name, shown, zoneOf(ctx), now),
    command: all ? 'rebalance list --all' : 'rebalance list',
  };
}

async function abort(ctx: CommandContext, id: string): Promise<Reply> {
  const command = `rebalance abort ${id}`;
  const deps = depsOf(ctx);
  const tz = zoneOf(ctx);
  const window = await ctx.store.getWindow(id);
  if (window?.cluster !== ctx.cluster.name) {
    return windowRefusal(ctx, command, WindowCode.unknownWindow, 'Unknown window', [
      window
        ? `Window ${id} belongs to cluster ${window.cluster}; add --cluster ${window.cluster}.`
        : `There is no rebalance window ${id}. \`rebalance list\` shows the windows.`,
    ]);
  }
  const by = `aborted by ${actorLabel(ctx.actor)}`;
  if (window.status === 'pending' || window.status === 'approved') {
    if (window.status === 'pending') {
      const withdrawn = await ctx.store.transitionPending(id, ['pending'], 'cancelled', {
        decidedBy: ctx.actor,
        decidedAt: ctx.clock.now(),
      });
      if (withdrawn) await updateApprovalMessages(deps, withdrawn);
    }
    const closed = await closeUnstarted(deps, window, 'aborted', `${by} before it started`);
    if (closed) {
      return messageReply(
        command,
        'ok',
        `Rebalance window ${id} cancelled`,
        [
          `Window ${id} (${formatWindowSpan(window.start, window.end, tz)}) had not started, so the meta level was not touched.`,
        ],
        ctx.clock.now(),
        { context: { cluster: window.cluster, at: ctx.clock.now().toISOString() } },
      );
    }
  }
  const current = (await ctx.store.getWindow(id)) ?? window;
  if (current.status !== 'running') {
    return windowRefusal(ctx, command, WindowCode.notPending, `Window ${id} is ${current.status}`, [
      `Window ${id} already ended (${current.status}${current.endReason ? `: ${current.endReason}` : ''}); nothing was changed.`,
    ]);
  }
  // Recorded first, so the scheduler finishes it even if this instance cannot right now.
  await ctx.store.recordWindowStep({
    windowId: id,
    key: 'end',
    at: ctx.clock.now(),
    detail: { status: 'aborted', reason: by },
  });
  const finished = await withWindowLock(ctx.store, current.cluster, () =>
    finishWindow(deps, ctx.cluster, current, { status: 'aborted', reason: by }),
  );
  const now = ctx.clock.now();
  await auditWindow(deps, {
    actor: ctx.actor,
    channelId: ctx.channelId,
    cluster: current.cluster,
    event: 'window',
    command,
    outcome:
      finished.ran && finished.value ? `${finished.value.status}: ${finished.value.endReason ?? ''}` : 'abort queued',
    ref: id,
  });
  if (!finished.ran || !finished.value) {
    return messageReply(
      command,
      'warn',
      `Window ${id}: abort recorded, steady pending`,
      [
        'The abort is recorded. The meta level could not be set back to steady yet (the cluster did not answer, or another bot instance is busy with this window); the scheduler retries every minute and posts the summary in the window’s thread.',
        'To do it by hand: set_meta_level steady',
      ],
      now,
      { context: { cluster: current.cluster, at: now.toISOString() } },
    );
  }
  const ended = finished.value;
  return {
    ...messageReply(
      command,
      'ok',
      `Rebalance window ${id} aborted: the meta level is steady again`,
      [
        `Window ${id} ended (${ended.endReason ?? by}); the summary with the distribution before and after is in the window’s thread (\`rebalance status ${id}\`).`,
      ],
      now,
    ),
    context: { cluster: current.cluster, at: now.toISOString() },
    data: { window: { id, status: ended.status } },
  };
}

async function request(
  ctx: CommandContext,
  p: Extract<RebalanceParams, { sub: 'request' }>,
  line: string,
): Promise<Reply> {
  const resolved = resolveRequest(ctx, p);
  if (!resolved.ok) {
    return windowRefusal(ctx, line, resolved.error.code, 'Could not read the window', [
      resolved.error.message,
      `Usage: ${usage}`,
    ]);
  }
  return createWindowRequest(ctx, line, resolved.value);
}

function commandLine(p: RebalanceParams): string {
  switch (p.sub) {
    case 'plan':
      return p.durationMs !== undefined
        ? `rebalance plan --duration ${formatDuration(p.durationMs).replace(' ', '')}`
        : 'rebalance plan';
    case 'request':
      return [
        'rebalance request',
        ...p.startWords.map(quoteWord),
        formatDuration(p.durationMs).replace(' ', ''),
        ...(p.reason ? ['--reason', quoteWord(p.reason)] : []),
      ].join(' ');
    case 'status':
      return p.id !== undefined ? `rebalance status ${p.id}` : 'rebalance status';
    case 'list':
      return p.all ? 'rebalance list --all' : 'rebalance list';
    default:
      return `rebalance ${p.sub} ${p.id}`;
  }
}

/** The `rebalance` command. */
export const rebalanceCommand: CommandSpec<RebalanceParams> = {
  name: 'rebalance',
  summary: 'Plan, request and follow rebalance windows (lively for a while, back to steady by itself)',
  usage,
  examples: [
    'rebalance plan',
    'rebalance request 02:00 2h --reason "after adding nodes"',
    'rebalance request 2026-01-02 02:00 90m',
    'rebalance approve 3f9a2c1b',
    'rebalance status',
    'rebalance abort 3f9a2c1b',
    'rebalance list',
  ],
  group: 'actions',
  valueFlags: ['reason', 'duration'],
  risk: rebalanceRisk,
  parse: parseRebalance,
  describe(p, ctx) {
    if (p.sub === 'request') {
      const resolved = resolveRequest(ctx, p);
      return resolved.ok ? describeWindow(ctx, resolved.value) : `request a rebalance window on ${ctx.cluster.name}`;
    }
    if (p.sub === 'abort')
      return `abort rebalance window ${p.id} on ${ctx.cluster.name} and set the meta level to steady`;
    return `${commandLine(p)} on ${ctx.cluster.name}`;
  },
  async preflight(ctx, p) {
    if (p.sub !== 'request') return [];
    const resolved = resolveRequest(ctx, p);
    if (!resolved.ok) {
      return [
        { check: 'rebalance_window', severity: 'crit', subject: ctx.cluster.name, summary: resolved.error.message },
      ];
    }
    return windowWarnings(ctx, resolved.value);
  },
  async run(ctx, p) {
    const line = commandLine(p);
    switch (p.sub) {
      case 'plan':
        return plan(ctx, p.durationMs);
      case 'request':
        return request(ctx, p, line);
      case 'approve':
      case 'reject':
        return decideWindowRequest(ctx, p.id, p.sub);
      case 'open':
        return openApprovedWindow(ctx, p.id);
      case 'status':
        return status(ctx, p.id);
      case 'list':
        return list(ctx, p.all);
      case 'abort':
        return abort(ctx, p.id);
    }
  },
};
