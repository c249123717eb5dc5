/**
 * The core's single entry point for every adapter. A command line goes parse → spec → cluster →
 * `spec.parse` → policy → risk gate → run → audit. Changes wait for their caller's confirmation and dangerous
 * changes for a second person's approval; both are pending actions in the store, decided exactly once through
 * `store.transitionPending`, and re-executed after a restart from the stored command line. Expected failures
 * are replies; a handler that throws becomes "internal error, reference <id>".
 */
import { randomBytes } from 'node:crypto';
import type { ChatSink } from '../chat/chat-sink.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { messageReply, type ActionKind, type Finding, type Reply } from '../replies/reply.js';
import { fail, ok, type Result } from '../result.js';
import type { AuditEntry, PendingAction, PendingStatus, Risk, Store } from '../store/store.js';
import type { ActionClick, Actor, Dispatcher, FormSubmission, IncomingCommand, MessageRef } from './command.js';
import type { AnyCommandSpec, ClusterHandle, CommandContext } from './command-spec.js';
import { reservedCommandNames, type CommandCatalog } from './command-catalog.js';
import { formatTime } from './format-time.js';
import { parseCommandLine, splitCommandLine } from './parse-command-line.js';
import {
  alreadyDecidedReply,
  approvalRequestReply,
  confirmationReply,
  decidedReply,
  decisionLine,
  waitingReply,
  actorLabel,
} from './pending-replies.js';
import { actorKey, authorize, boundClusterOf, checkChannel, mayDecide, sameActor, type RiskRule } from './policy.js';

/** Stable codes of the dispatcher's own refusals (policy codes come from `PolicyCode`). */
export const DispatchCode = {
  badInput: 'BAD_INPUT',
  unknownCommand: 'UNKNOWN_COMMAND',
  unknownCluster: 'UNKNOWN_CLUSTER',
  needsYes: 'NEEDS_YES',
  notInteractive: 'NOT_INTERACTIVE',
  unknownRequest: 'UNKNOWN_REQUEST',
  wrongDecision: 'WRONG_DECISION',
  expired: 'EXPIRED',
  alreadyDecided: 'ALREADY_DECIDED',
  unknownForm: 'UNKNOWN_FORM',
  unknownAction: 'UNKNOWN_ACTION',
  internal: 'INTERNAL',
} as const;

/** What form and button handlers registered by other parts of the core may use. */
export interface HandlerTools {
  config: Config;
  clusters: readonly ClusterHandle[];
  store: Store;
  clock: Clock;
  sinks: readonly ChatSink[];
  logger: Logger;
  /** Runs a command line through the whole pipeline (policy, gate, audit), e.g. after a form was validated. */
  dispatch(command: IncomingCommand): Promise<Reply>;
}

/** Handles a submitted form (`registerForm`). */
export type FormHandler = (form: FormSubmission, tools: HandlerTools) => Promise<Reply>;

/** Handles a button the gate does not own: `ack`, `silence`, `form` (`registerAction`). */
export type ActionHandler = (click: ActionClick, tools: HandlerTools) => Promise<Reply>;

/** The dispatcher plus the hooks other parts of the core register with. */
export interface CoreDispatcher extends Dispatcher {
  /** Routes `submit()` of this form id to a handler. */
  registerForm(id: string, handler: FormHandler): void;
  /** Routes `act()` of this button kind (`ack`, `silence`, `form`) to a handler; typed `ack <ref>` works too. */
  registerAction(kind: 'ack' | 'silence' | 'form', handler: ActionHandler): void;
  /** Marks pending requests past their expiry as expired and edits their messages; resolves to how many. */
  expireStale(): Promise<number>;
}

/** What the dispatcher is built from. */
export interface DispatcherDeps {
  catalog: CommandCatalog;
  clusters: readonly ClusterHandle[];
  config: Config;
  store: Store;
  clock: Clock;
  sinks: readonly ChatSink[];
  logger: Logger;
  /** Ids of pending requests and error references (short, unique); random by default. */
  newId?: () => string;
}

function randomId(): string {
  return randomBytes(4).toString('hex');
}

function refusal(command: string, code: string, title: string, message: string, at: Date, cluster?: string): Reply {
  return messageReply(command, 'unknown', title, [message], at, {
    ephemeral: true,
    data: { error: { code } },
    context: { at: at.toISOString(), ...(cluster !== undefined ? { cluster } : {}) },
  });
}

/** The answer to an unknown command: the closest known one, and a pointer to `help`. */
export function unknownCommandMessage(name: string, catalog: CommandCatalog): string {
  const closest = catalog.suggest(name);
  return `Unknown command \`${name}\`.${closest ? ` Did you mean \`${closest}\`?` : ''} Type \`help\` to see every command.`;
}

function sameMessage(a: MessageRef, b: MessageRef): boolean {
  return a.platform === b.platform && a.channelId === b.channelId && a.messageId === b.messageId;
}

/** A command resolved far enough to run: its spec, parameters and context. */
interface Prepared {
  spec: AnyCommandSpec;
  params: unknown;
  normalized: string;
  cluster: ClusterHandle;
  risk: Risk;
}

/** Creates the dispatcher. */
export function createDispatcher(deps: DispatcherDeps): CoreDispatcher {
  const { catalog, clusters, config, store, clock, sinks, logger } = deps;
  const newId = deps.newId ?? randomId;
  const forms = new Map<string, FormHandler>();
  const actionHandlers = new Map<ActionKind, ActionHandler>();
  const tz = config.timezone;

  const tools: HandlerTools = {
    config,
    clusters,
    store,
    clock,
    sinks,
    logger,
    dispatch: (command) => dispatcher.run(command),
  };

  async function audit(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: Date }): Promise<void> {
    try {
      await store.appendAudit({ ...entry, at: entry.at ?? clock.now() });
    } catch (err) {
      // Losing an audit line must be loud in the logs, but must not turn an executed change into a crash.
      logger.error({ err, event: entry.event, command: entry.command }, 'audit write failed');
    }
  }

  function internalError(command: string, err: unknown, where: Record<string, unknown>): Reply {
    const ref = newId();
    logger.error({ err, ref, command, ...where }, 'internal error');
    const reply = refusal(
      command,
      DispatchCode.internal,
      'Internal error',
      `Something went wrong inside the bot while handling \`${command}\` (internal error, reference ${ref}). ` +
        `Try again; if it persists, give the reference ${ref} to whoever runs the bot: the log has the detail.`,
      clock.now(),
    );
    return { ...reply, data: { error: { code: DispatchCode.internal, reference: ref } } };
  }

  /** The audit outcome of an executed command: its status, or the internal error's reference. */
  function outcomeOf(reply: Reply, threw: boolean): string {
    const error = reply.data?.['error'] as { reference?: string } | undefined;
    return threw ? `error: internal error, reference ${error?.reference ?? '?'}` : reply.status;
  }

  function contextFor(cluster: ClusterHandle, actor: Actor, channelId: string): CommandContext {
    return { cluster, clusters, actor, channelId, config, store, clock, sinks };
  }

  function resolveCluster(
    requested: string | undefined,
    platform: Actor['platform'],
    channelId: string,
  ): Result<ClusterHandle> {
    const names = clusters.map((c) => c.name);
    if (requested !== undefined) {
      const found = clusters.find((c) => c.name === requested);
      if (found) return ok(found);
      return fail(
        DispatchCode.unknownCluster,
        `There is no cluster named "${requested}". Known clusters: ${names.join(', ') || 'none'}. Use --cluster <name>.`,
      );
    }
    const preferred = boundClusterOf(platform, channelId, config) ?? config.defaultCluster;
    const found = clusters.find((c) => c.name === preferred) ?? clusters[0];
    if (found) return ok(found);
    return fail(DispatchCode.unknownCluster, 'No cluster is configured. Set PEGASUS_META_SERVERS=host:port,host:port.');
  }

  /** Resolves a command line up to its parameters; used for new commands and to rebuild stored ones. */
  function prepare(
    text: string,
    clusterOverride: string | undefined,
    actor: Actor,
    channelId: string,
  ): Result<Prepared> | { builtin: { name: string; rest: string[] } } {
    const words = splitCommandLine(text);
    if (!words.ok) return words;
    const { name, rest } = words.value;
    const spec = catalog.find(name);
    if (!spec) {
      if (reservedCommandNames.includes(name) || ((name === 'ack' || name === 'silence') && actionHandlers.has(name))) {
        return { builtin: { name, rest } };
      }
      return fail(DispatchCode.unknownCommand, unknownCommandMessage(name, catalog));
    }
    const parsed = parseCommandLine(words.value, spec.valueFlags ?? []);
    if (!parsed.ok) return fail(parsed.error.code, `${parsed.error.message} Usage: ${spec.usage}`);
    const cluster = resolveCluster(clusterOverride ?? parsed.value.cluster, actor.platform, channelId);
    if (!cluster.ok) return cluster;
    const params = spec.parse(parsed.value.args) as Result<unknown>;
    if (!params.ok) {
      const usage = params.error.message.includes(spec.usage) ? '' : ` Usage: ${spec.usage}`;
      return fail(params.error.code, `${params.error.message}${usage}`);
    }
    const risk = config.risks[spec.name] ?? spec.risk(params.value);
    return ok({ spec, params: params.value, normalized: parsed.value.normalized, cluster: cluster.value, risk });
  }

  async function execute(p: Prepared, ctx: CommandContext, started: Date): Promise<{ reply: Reply; threw: boolean }> {
    try {
      const reply = await p.spec.run(ctx, p.params);
      const filled: Reply = {
        ...reply,
        // The normalised line of what was typed, whatever the handler called itself.
        command: p.normalized,
        context: {
          ...reply.context,
          cluster: reply.context.cluster ?? p.cluster.name,
          durationMs: reply.context.durationMs ?? clock.now().getTime() - started.getTime(),
        },
      };
      return { reply: filled, threw: false };
    } catch (err) {
      return {
        reply: internalError(p.normalized, err, { cluster: p.cluster.name, actor: actorKey(ctx.actor) }),
        threw: true,
      };
    }
  }

  async function describeAndPreflight(
    p: Prepared,
    ctx: CommandContext,
  ): Promise<{ describe: string; warnings: Finding[] }> {
    let describe = `run \`${p.normalized}\` on cluster ${p.cluster.name}`;
    try {
      if (p.spec.describe) describe = p.spec.describe(p.params, ctx);
    } catch (err) {
      logger.error({ err, command: p.normalized }, 'describe failed');
    }
    let warnings: Finding[] = [];
    try {
      if (p.spec.preflight) warnings = await p.spec.preflight(ctx, p.params);
    } catch (err) {
      logger.error({ err, command: p.normalized }, 'preflight failed');
      warnings = [
        {
          check: 'preflight',
          severity: 'warn',
          subject: p.cluster.name,
          summary: 'The pre-checks for this change could not run; decide without them or try again later.',
        },
      ];
    }
    return { describe, warnings };
  }

  /** Stores a pending confirmation or approval of a resolved command and audits the request. */
  async function createPendingRequest(
    cmd: IncomingCommand,
    p: Prepared,
    kind: PendingAction['kind'],
    requiredRole: PendingAction['requiredRole'],
  ): Promise<PendingAction> {
    const now = clock.now();
    const pending: PendingAction = {
      id: newId(),
      kind,
      command: p.normalized,
      cluster: p.cluster.name,
      params: p.params,
      risk: p.risk,
      requestedBy: cmd.actor,
      channelId: cmd.channelId,
      requiredRole,
      createdAt: now,
      expiresAt: new Date(now.getTime() + config.approvalTtlMs),
      status: 'pending',
      messages: [],
    };
    await store.createPending(pending);
    await audit({
      actor: cmd.actor,
      channelId: cmd.channelId,
      cluster: p.cluster.name,
      event: kind === 'confirmation' ? 'confirm_requested' : 'approval_requested',
      command: p.normalized,
      args: p.params,
      outcome: 'pending',
      ref: pending.id,
    });
    return pending;
  }

  /** Audits the refusal of a resolved command. */
  function auditRefusal(cmd: IncomingCommand, p: Prepared, code: string): Promise<void> {
    return audit({
      actor: cmd.actor,
      channelId: cmd.channelId,
      cluster: p.cluster.name,
      event: 'refused',
      command: p.normalized,
      args: p.params,
      outcome: `refused: ${code}`,
    });
  }

  async function requestConfirmation(
    cmd: IncomingCommand,
    p: Prepared,
    ctx: CommandContext,
    rule: RiskRule,
  ): Promise<Reply> {
    const { describe, warnings } = await describeAndPreflight(p, ctx);
    const pending = await createPendingRequest(cmd, p, 'confirmation', rule.role === 'viewer' ? 'operator' : rule.role);
    return confirmationReply(pending, describe, warnings, tz);
  }

  async function requestApproval(
    cmd: IncomingCommand,
    p: Prepared,
    ctx: CommandContext,
    rule: RiskRule,
  ): Promise<Reply> {
    const { describe, warnings } = await describeAndPreflight(p, ctx);
    const pending = await createPendingRequest(cmd, p, 'approval', rule.approverRole ?? 'admin');
    const platform = cmd.actor.platform;
    const sink = sinks.find((s) => s.platform === platform);
    const approvalChannel =
      (platform === 'slack' || platform === 'discord' ? config.approvalChannels[platform] : undefined) ?? cmd.channelId;
    let where: string | undefined;
    if (sink) {
      try {
        const ref = await sink.post(
          { channelId: approvalChannel },
          approvalRequestReply(pending, describe, warnings, tz),
        );
        await store.addPendingMessage(pending.id, ref);
        where = approvalChannel === cmd.channelId ? 'this channel' : `the approvers’ channel (${approvalChannel})`;
      } catch (err) {
        logger.error({ err, ref: pending.id, channel: approvalChannel }, 'posting the approval request failed');
      }
    }
    return waitingReply(pending, describe, warnings, where, tz);
  }

  async function runCommand(cmd: IncomingCommand): Promise<Reply> {
    const started = clock.now();
    const prepared = prepare(cmd.text, undefined, cmd.actor, cmd.channelId);
    if ('builtin' in prepared) {
      const { name, rest } = prepared.builtin;
      const ref = rest[0];
      if (ref === undefined || rest.length > 1) {
        return refusal(
          name,
          DispatchCode.badInput,
          `Usage: ${name} <id>`,
          `\`${name}\` takes the request id, e.g. \`${name} 3f9a2c1b\`.`,
          started,
        );
      }
      return act({ actor: cmd.actor, channelId: cmd.channelId, action: { kind: name as ActionKind, ref } });
    }
    if (!prepared.ok) {
      const title =
        prepared.error.code === DispatchCode.unknownCommand
          ? 'Unknown command'
          : prepared.error.code === DispatchCode.unknownCluster
            ? 'Unknown cluster'
            : 'Could not read the command';
      await audit({
        actor: cmd.actor,
        channelId: cmd.channelId,
        event: 'refused',
        command: cmd.text.trim(),
        outcome: `refused: ${prepared.error.code}`,
      });
      return refusal(cmd.text.trim(), prepared.error.code, title, prepared.error.message, started);
    }
    const p = prepared.value;
    const auth = authorize(
      { actor: cmd.actor, channelId: cmd.channelId, cluster: p.cluster.name, command: p.normalized, risk: p.risk },
      config,
    );
    if (!auth.ok) {
      await auditRefusal(cmd, p, auth.error.code);
      return refusal(p.normalized, auth.error.code, 'Not allowed', auth.error.message, started, p.cluster.name);
    }
    const rule = auth.value.rule;
    const ctx = contextFor(p.cluster, cmd.actor, cmd.channelId);

    if (rule.gate === 'approve') return requestApproval(cmd, p, ctx, rule);
    if (rule.gate === 'confirm' && cmd.confirmed !== true) {
      const platform = cmd.actor.platform;
      if (platform === 'exec' || (platform === 'console' && cmd.interactive !== true)) {
        const code = platform === 'exec' ? DispatchCode.needsYes : DispatchCode.notInteractive;
        const how =
          platform === 'exec'
            ? `Nothing was sent. Add --yes to confirm it in advance: exec --yes "${p.normalized}".`
            : 'Nothing was sent. This console cannot ask yes/no (no terminal); run it with exec --yes instead.';
        await auditRefusal(cmd, p, code);
        return refusal(
          p.normalized,
          code,
          'Confirmation needed',
          `\`${p.normalized}\` changes cluster ${p.cluster.name} and needs confirmation. ${how}`,
          started,
          p.cluster.name,
        );
      }
      return requestConfirmation(cmd, p, ctx, rule);
    }

    const { reply, threw } = await execute(p, ctx, started);
    await audit({
      actor: cmd.actor,
      channelId: cmd.channelId,
      cluster: p.cluster.name,
      event: 'command',
      command: p.normalized,
      args: cmd.confirmed === true && rule.gate === 'confirm' ? { params: p.params, confirmed: true } : p.params,
      outcome: outcomeOf(reply, threw),
    });
    return reply;
  }

  /** Edits every posted message of a pending request to show its decision (except the one the click replaces). */
  async function updateMessages(pending: PendingAction, except?: MessageRef): Promise<void> {
    const content = decidedReply(pending, tz, clock.now());
    for (const ref of pending.messages) {
      if (except && sameMessage(ref, except)) continue;
      const sink = sinks.find((s) => s.platform === ref.platform);
      if (!sink) continue;
      try {
        await sink.update(ref, content);
      } catch (err) {
        logger.error({ err, ref: pending.id, message: ref }, 'editing the request message failed');
      }
    }
  }

  /** Tells the requester about the outcome in their own channel, when the decision happened elsewhere. */
  async function tellRequester(pending: PendingAction, clickChannel: string, reply: Reply): Promise<void> {
    if (pending.kind !== 'approval' || clickChannel === pending.channelId) return;
    const sink = sinks.find((s) => s.platform === pending.requestedBy.platform);
    if (!sink) return;
    try {
      await sink.post({ channelId: pending.channelId }, { ...reply, ephemeral: false, replaceOriginal: false });
    } catch (err) {
      logger.error({ err, ref: pending.id }, 'telling the requester failed');
    }
  }

  async function alreadyDecided(id: string, click: ActionClick): Promise<Reply> {
    const now = clock.now();
    const current = await store.getPending(id);
    await audit({
      actor: click.actor,
      channelId: click.channelId,
      ...(current ? { cluster: current.cluster } : {}),
      event: 'refused',
      command: `${click.action.kind} ${id}`,
      outcome: `refused: ${DispatchCode.alreadyDecided}`,
      ref: id,
    });
    if (!current)
      return refusal(
        `${click.action.kind} ${id}`,
        DispatchCode.unknownRequest,
        'Unknown request',
        `There is no request ${id}.`,
        now,
      );
    return alreadyDecidedReply(current, tz, now);
  }

  async function refuseDecision(
    click: ActionClick,
    pending: PendingAction | undefined,
    code: string,
    title: string,
    message: string,
  ): Promise<Reply> {
    const id = click.action.ref;
    await audit({
      actor: click.actor,
      channelId: click.channelId,
      ...(pending ? { cluster: pending.cluster } : {}),
      event: 'refused',
      command: `${click.action.kind} ${id}`,
      outcome: `refused: ${code}`,
      ref: id,
    });
    return refusal(`${click.action.kind} ${id}`, code, title, message, clock.now(), pending?.cluster);
  }

  /** Runs a confirmed or approved request, rebuilt from its stored command line (it may predate a restart). */
  async function executePending(pending: PendingAction): Promise<{ reply: Reply; final: PendingAction }> {
    const started = clock.now();
    const approvers = pending.kind === 'approval' && pending.decidedBy ? [actorKey(pending.decidedBy)] : [];
    const finish = async (
      status: PendingStatus,
      reply: Reply,
      result: string,
    ): Promise<{ reply: Reply; final: PendingAction }> => {
      const final = (await store.transitionPending(pending.id, ['approved'], status, { result })) ?? {
        ...pending,
        status,
        result,
      };
      await audit({
        actor: pending.requestedBy,
        channelId: pending.channelId,
        cluster: pending.cluster,
        event: 'result',
        command: pending.command,
        args: pending.params,
        outcome: status === 'failed' ? `error: ${result}` : reply.status,
        ...(approvers.length > 0 ? { approvers } : {}),
        ref: pending.id,
      });
      return { reply, final };
    };

    const prepared = prepare(pending.command, pending.cluster, pending.requestedBy, pending.channelId);
    if ('builtin' in prepared || !prepared.ok) {
      const why = 'builtin' in prepared ? 'it is not a command' : prepared.error.message;
      const reply = refusal(
        pending.command,
        DispatchCode.badInput,
        'Could not run the request',
        `Request ${pending.id} could not be run: ${why}`,
        started,
        pending.cluster,
      );
      return finish('failed', reply, `could not rebuild the command: ${why}`);
    }
    const p = prepared.value;
    // The config may have changed since the request (restart): the requester must still be allowed.
    const still = authorize(
      {
        actor: pending.requestedBy,
        channelId: pending.channelId,
        cluster: p.cluster.name,
        command: p.normalized,
        risk: p.risk,
      },
      config,
    );
    if (!still.ok) {
      const reply = refusal(
        p.normalized,
        still.error.code,
        'Not allowed any more',
        `Request ${pending.id} was not run: ${still.error.message}`,
        started,
        p.cluster.name,
      );
      return finish('failed', reply, `refused: ${still.error.code}`);
    }
    const ctx = contextFor(p.cluster, pending.requestedBy, pending.channelId);
    const { reply, threw } = await execute(p, ctx, started);
    if (threw) return finish('failed', reply, outcomeOf(reply, true).replace(/^error: /, ''));
    return finish(reply.status === 'unknown' ? 'failed' : 'executed', reply, `${reply.status}: ${reply.title}`);
  }

  async function decide(click: ActionClick): Promise<Reply> {
    const { kind, ref: id } = click.action;
    const pending = await store.getPending(id);
    if (!pending) {
      return refuseDecision(
        click,
        undefined,
        DispatchCode.unknownRequest,
        'Unknown request',
        `There is no pending request ${id}. Check the id; \`audit\` lists recent requests.`,
      );
    }
    if (pending.status !== 'pending') return alreadyDecided(id, click);
    if (kind === 'confirm' && pending.kind === 'approval') {
      return refuseDecision(
        click,
        pending,
        DispatchCode.wrongDecision,
        'Needs approval',
        `Request ${id} is a dangerous change: a second person approves it with \`approve ${id}\`; it cannot be confirmed by its requester.`,
      );
    }
    if ((kind === 'approve' || kind === 'reject') && pending.kind === 'confirmation') {
      return refuseDecision(
        click,
        pending,
        DispatchCode.wrongDecision,
        'Needs confirmation',
        `Request ${id} waits for its requester's confirmation (\`confirm ${id}\` or \`cancel ${id}\`), not for an approval.`,
      );
    }
    if (kind === 'confirm' || kind === 'cancel') {
      if (!sameActor(click.actor, pending.requestedBy)) {
        return refuseDecision(
          click,
          pending,
          'NOT_REQUESTER',
          'Not your request',
          `Only ${actorLabel(pending.requestedBy)}, who asked for \`${pending.command}\`, can ${kind} request ${id}.` +
            (pending.kind === 'approval' ? ` An approver can reject it with \`reject ${id}\`.` : ''),
        );
      }
    } else {
      const may = mayDecide(click.actor, pending, config);
      if (!may.ok) return refuseDecision(click, pending, may.error.code, 'Not allowed', may.error.message);
      // Approvers click in the approvers' channel; any other channel must pass the channel bindings.
      const platform = click.actor.platform;
      const approvalChannel =
        platform === 'slack' || platform === 'discord' ? config.approvalChannels[platform] : undefined;
      if (click.channelId !== approvalChannel && click.channelId !== pending.channelId) {
        const channel = checkChannel(platform, click.channelId, pending.cluster, config);
        if (!channel.ok)
          return refuseDecision(click, pending, channel.error.code, 'Not allowed here', channel.error.message);
      }
    }

    const now = clock.now();
    if (now.getTime() >= pending.expiresAt.getTime()) {
      const expired = await store.transitionPending(id, ['pending'], 'expired');
      if (!expired) return alreadyDecided(id, click);
      await audit({
        actor: click.actor,
        channelId: click.channelId,
        cluster: pending.cluster,
        event: 'expired',
        command: pending.command,
        outcome: 'expired',
        ref: id,
      });
      await updateMessages(expired);
      return refuseDecision(
        click,
        expired,
        DispatchCode.expired,
        'Request expired',
        `Request ${id} (\`${pending.command}\`) expired at ${formatTime(pending.expiresAt, tz)} and was not run. Type the command again for a new request.`,
      );
    }

    const to: PendingStatus = kind === 'reject' ? 'rejected' : kind === 'cancel' ? 'cancelled' : 'approved';
    const decided = await store.transitionPending(id, ['pending'], to, { decidedBy: click.actor, decidedAt: now });
    if (!decided) return alreadyDecided(id, click);
    const event =
      kind === 'confirm' ? 'confirmed' : kind === 'cancel' ? 'cancelled' : kind === 'approve' ? 'approved' : 'rejected';
    await audit({
      actor: click.actor,
      channelId: click.channelId,
      cluster: decided.cluster,
      event,
      command: decided.command,
      outcome: event,
      ...(kind === 'approve' ? { approvers: [actorKey(click.actor)] } : {}),
      ref: id,
    });

    if (to !== 'approved') {
      await updateMessages(decided, click.message);
      const reply = decidedReply(decided, tz, clock.now());
      await tellRequester(decided, click.channelId, reply);
      return reply;
    }
    const { reply, final } = await executePending(decided);
    await updateMessages(final, click.message);
    const outcome: Reply = {
      ...reply,
      text: [decisionLine(final, tz), ...(reply.text ?? [])],
      replaceOriginal: true,
      ephemeral: false,
      data: { ...reply.data, pending: { id, kind: final.kind, status: final.status } },
    };
    await tellRequester(final, click.channelId, outcome);
    return outcome;
  }

  async function act(click: ActionClick): Promise<Reply> {
    const { kind, ref } = click.action;
    switch (kind) {
      case 'run':
        return dispatcher.run({
          actor: click.actor,
          channelId: click.channelId,
          text: ref,
          ...(click.message ? { source: click.message } : {}),
        });
      case 'confirm':
      case 'cancel':
      case 'approve':
      case 'reject':
        return decide(click);
      case 'ack':
      case 'silence':
      case 'form': {
        const handler = actionHandlers.get(kind);
        if (handler) return handler(click, tools);
        return refusal(
          `${kind} ${ref}`,
          DispatchCode.unknownAction,
          'Button not available',
          `This bot has no handler for \`${kind}\` buttons; the feature is not enabled here.`,
          clock.now(),
        );
      }
    }
  }

  const dispatcher: CoreDispatcher = {
    async run(cmd) {
      try {
        return await runCommand(cmd);
      } catch (err) {
        return internalError(cmd.text.trim(), err, { actor: actorKey(cmd.actor), channel: cmd.channelId });
      }
    },
    async act(click) {
      try {
        return await act(click);
      } catch (err) {
        return internalError(`${click.action.kind} ${click.action.ref}`, err, { actor: actorKey(click.actor) });
      }
    },
    async submit(form) {
      try {
        const handler = forms.get(form.formId);
        if (!handler) {
          return refusal(
            `form ${form.formId}`,
            DispatchCode.unknownForm,
            'Unknown form',
            `The form "${form.formId}" is not known to this bot (it may have been removed by an upgrade). Open it again from its command.`,
            clock.now(),
          );
        }
        return await handler(form, tools);
      } catch (err) {
        return internalError(`form ${form.formId}`, err, { actor: actorKey(form.actor) });
      }
    },
    registerForm(id, handler) {
      if (forms.has(id)) throw new Error(`form ${id} is registered twice`);
      forms.set(id, handler);
    },
    registerAction(kind, handler) {
      if (actionHandlers.has(kind)) throw new Error(`a handler for ${kind} buttons is registered twice`);
      actionHandlers.set(kind, handler);
    },
    async expireStale() {
      const now = clock.now();
      let count = 0;
      for (const pending of await store.listPending({ status: 'pending' })) {
        if (pending.expiresAt.getTime() > now.getTime()) continue;
        const expired = await store.transitionPending(pending.id, ['pending'], 'expired');
        if (!expired) continue;
        count++;
        await audit({
          actor: pending.requestedBy,
          channelId: pending.channelId,
          cluster: pending.cluster,
          event: 'expired',
          command: pending.command,
          outcome: 'expired',
          ref: pending.id,
        });
        await updateMessages(expired);
      }
      return count;
    },
  };
  return dispatcher;
}
