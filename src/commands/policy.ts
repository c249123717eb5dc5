/**
 * Who may do what, where (DESIGN §4). Identity is the platform user id; roles come from `config.access`
 * (`slack:U123`, `discord:4567`, `discord-role:<roleId>`); every chat user is a viewer unless granted more;
 * once a platform has channel bindings its other channels are refused, and a binding may restrict clusters.
 * The console/exec user has `config.access.localRole`. Refusals are values whose message says what would
 * allow the request.
 */
import type { Config, Role } from '../config/config.js';
import { fail, ok, type Result } from '../result.js';
import type { PendingAction, Risk } from '../store/store.js';
import type { Actor, Platform } from './command.js';

/** Stable codes of policy refusals. */
export const PolicyCode = {
  notPermitted: 'NOT_PERMITTED',
  channelNotBound: 'CHANNEL_NOT_BOUND',
  clusterNotAllowed: 'CLUSTER_NOT_ALLOWED',
  selfApproval: 'SELF_APPROVAL',
  notRequester: 'NOT_REQUESTER',
} as const;

/** What happens to a permitted command: it runs, waits for its caller's yes, or waits for a second person. */
export type Gate = 'run' | 'confirm' | 'approve';

/** One cell of the risk table: the role needed to ask, the gate, and the role a second person needs to approve. */
export interface RiskRule {
  role: Role;
  gate: Gate;
  approverRole?: Exclude<Role, 'viewer'>;
}

/**
 * The one table mapping risk to required roles and gates. In chat a dangerous change needs an admin's
 * approval; at the machine (console, exec) there is no second person, so the local user must hold the
 * approver's role itself and only confirms.
 */
export const riskTable: Record<Risk, { chat: RiskRule; local: RiskRule }> = {
  read: { chat: { role: 'viewer', gate: 'run' }, local: { role: 'viewer', gate: 'run' } },
  change: { chat: { role: 'operator', gate: 'confirm' }, local: { role: 'operator', gate: 'confirm' } },
  dangerous: {
    chat: { role: 'operator', gate: 'approve', approverRole: 'admin' },
    local: { role: 'admin', gate: 'confirm' },
  },
};

const roleRank: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` includes `needed` (viewer < operator < admin). */
export function hasRole(role: Role, needed: Role): boolean {
  return roleRank[role] >= roleRank[needed];
}

/** A role with its article, for sentences: `a viewer`, `an operator`, `an admin`. */
export function aRole(role: Role): string {
  return role === 'viewer' ? 'a viewer' : `an ${role}`;
}

/** Console and exec: the operator at the machine. */
export function isLocal(platform: Platform): boolean {
  return platform === 'console' || platform === 'exec';
}

/** The rule that applies to a risk on a platform. */
export function ruleFor(risk: Risk, platform: Platform): RiskRule {
  return isLocal(platform) ? riskTable[risk].local : riskTable[risk].chat;
}

/** The `platform:id` form used in config and audit (`slack:U123`). */
export function actorKey(actor: Actor): string {
  return `${actor.platform}:${actor.userId}`;
}

function matches(entry: string, actor: Actor): boolean {
  const e = entry.trim();
  if (e === actorKey(actor)) return true;
  if (actor.platform === 'discord' && e.startsWith('discord-role:')) {
    return actor.platformRoles?.includes(e.slice('discord-role:'.length)) ?? false;
  }
  return false;
}

/** The role an actor holds: local users get `localRole`; chat users the highest grant, else viewer. */
export function roleOf(actor: Actor, access: Config['access']): Role {
  if (isLocal(actor.platform)) return access.localRole;
  if (access.admins.some((e) => matches(e, actor))) return 'admin';
  if (access.operators.some((e) => matches(e, actor))) return 'operator';
  return 'viewer';
}

function grantHint(actor: Actor, role: Role): string {
  if (isLocal(actor.platform)) return `set PEGASUS_LOCAL_ROLE=${role} for the local user`;
  const list = role === 'admin' ? 'PEGASUS_ADMINS' : 'PEGASUS_OPERATORS';
  const file = role === 'admin' ? 'access.admins' : 'access.operators';
  const roles = actor.platform === 'discord' ? ` (or a discord-role:<roleId> entry for a Discord role you hold)` : '';
  return `an admin can add ${actorKey(actor)} to ${list} or ${file} in the config file${roles}`;
}

/** The cluster a bound channel addresses by default (its binding's first cluster), if any. */
export function boundClusterOf(platform: Platform, channelId: string, config: Config): string | undefined {
  const binding = config.access.bindings.find((b) => b.platform === platform && b.channelId === channelId);
  if (binding?.clusters?.[0]) return binding.clusters[0];
  // A cluster's own default channel also implies it, e.g. `slackChannel: C123`.
  const cluster = config.clusters.find((c) =>
    platform === 'slack'
      ? c.slackChannel === channelId
      : platform === 'discord'
        ? c.discordChannel === channelId
        : false,
  );
  return cluster?.name;
}

/** Checks channel bindings: once a platform has bindings, only bound channels, and only their clusters. */
export function checkChannel(platform: Platform, channelId: string, cluster: string, config: Config): Result<void> {
  if (isLocal(platform)) return ok(undefined);
  const bindings = config.access.bindings.filter((b) => b.platform === platform);
  if (bindings.length === 0) return ok(undefined);
  const binding = bindings.find((b) => b.channelId === channelId);
  if (!binding) {
    return fail(
      PolicyCode.channelNotBound,
      `This channel (${channelId}) is not bound to the bot on ${platform}, so commands are not accepted here. ` +
        `Use a bound channel (${bindings.map((b) => b.channelId).join(', ')}), ` +
        `or ask an admin to add {"platform": "${platform}", "channelId": "${channelId}"} to access.bindings.`,
    );
  }
  if (binding.clusters && !binding.clusters.includes(cluster)) {
    return fail(
      PolicyCode.clusterNotAllowed,
      `This channel may address only ${binding.clusters.join(', ')}, not cluster ${cluster}. ` +
        `Use --cluster ${binding.clusters[0] ?? ''} here, or ask an admin to add ${cluster} to this channel's binding.`,
    );
  }
  return ok(undefined);
}

/** A permitted request: the caller's role and what happens next. */
export interface Authorization {
  role: Role;
  rule: RiskRule;
}

/** Decides whether an actor may run a command of this risk, here, on this cluster. */
export function authorize(
  request: { actor: Actor; channelId: string; cluster: string; command: string; risk: Risk },
  config: Config,
): Result<Authorization> {
  const { actor, risk } = request;
  const channel = checkChannel(actor.platform, request.channelId, request.cluster, config);
  if (!channel.ok) return channel;
  const role = roleOf(actor, config.access);
  const rule = ruleFor(risk, actor.platform);
  if (!hasRole(role, rule.role)) {
    const kind = risk === 'read' ? 'a read' : risk === 'change' ? 'a change' : 'a dangerous change';
    return fail(
      PolicyCode.notPermitted,
      `\`${request.command}\` is ${kind} and needs the ${rule.role} role; you are ${aRole(role)}, so nothing was done. ` +
        `To allow it, ${grantHint(actor, rule.role)}.`,
    );
  }
  return ok({ role, rule });
}

/** Decides whether an actor may approve or reject a pending approval: someone else, holding the required role. */
export function mayDecide(actor: Actor, pending: PendingAction, config: Config): Result<void> {
  if (sameActor(actor, pending.requestedBy)) {
    return fail(
      PolicyCode.selfApproval,
      `You asked for \`${pending.command}\` yourself, so you cannot approve or reject it: a second person with the ` +
        `${pending.requiredRole} role must decide. You can withdraw it with \`cancel ${pending.id}\`.`,
    );
  }
  const role = roleOf(actor, config.access);
  if (!hasRole(role, pending.requiredRole)) {
    return fail(
      PolicyCode.notPermitted,
      `Deciding on \`${pending.command}\` needs the ${pending.requiredRole} role; you are ${aRole(role)}. ` +
        `Ask someone with that role, or ${grantHint(actor, pending.requiredRole)}.`,
    );
  }
  return ok(undefined);
}

/** Whether two actors are the same person on the same platform. */
export function sameActor(a: Actor, b: Actor): boolean {
  return a.platform === b.platform && a.userId === b.userId;
}
