/**
 * `applications [list [--status S] [--limit N]] | show <id> | approve <id> | request_changes <id> [note…] |
 * reject <id> [note…]`: the stored table applications and the admins' decisions. Approving creates a table,
 * so it is a change the decider confirms; the decision itself is an admin's, never the applicant's.
 */
import { actorLabel } from '../commands/pending-replies.js';
import type { CommandContext, CommandSpec } from '../commands/command-spec.js';
import { checkFlags } from '../commands/parse-command-line.js';
import { formatTime } from '../commands/format-time.js';
import type { Finding, Reply } from '../replies/reply.js';
import { fail, ok, type Result } from '../result.js';
import type { ApplicationStatus, Risk } from '../store/store.js';
import { defaultAdmissionDeps, type AdmissionDeps } from './admission-context.js';
import { decideApplication, decisionRefusal, storedReview, type Decision } from './decision.js';
import { decisionLine, reviewReply, unknownApplicationReply, verdictLabel } from './review-reply.js';

/** Parameters of `applications`. */
export type ApplicationsParams =
  | { action: 'list'; statuses?: ApplicationStatus[]; limit: number }
  | { action: 'show'; id: string }
  | { action: Decision; id: string; note?: string };

const usage =
  'applications [list [--status submitted|approved|changes_requested|rejected|created|failed] [--limit N]] | show <id> | approve <id> | request_changes <id> [note] | reject <id> [note]';

const statuses: readonly ApplicationStatus[] = [
  'submitted',
  'approved',
  'changes_requested',
  'rejected',
  'created',
  'failed',
];

const actions = ['list', 'show', 'approve', 'request_changes', 'reject'] as const;

function parseList(flags: Record<string, string | true>): Result<ApplicationsParams> {
  let wanted: ApplicationStatus[] | undefined;
  const status = flags['status'];
  if (status !== undefined) {
    if (status === true) return fail('BAD_INPUT', `--status needs a status: ${statuses.join(', ')}. Usage: ${usage}`);
    const list = status.split(',').map((s) => s.trim());
    const bad = list.filter((s) => !statuses.includes(s as ApplicationStatus));
    if (bad.length > 0) {
      return fail('BAD_INPUT', `Unknown status "${bad.join(', ')}". Accepted: ${statuses.join(', ')}. Usage: ${usage}`);
    }
    wanted = list as ApplicationStatus[];
  }
  let limit = 20;
  const rawLimit = flags['limit'];
  if (rawLimit !== undefined) {
    if (rawLimit === true || !/^\d+$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > 200) {
      return fail('BAD_INPUT', `--limit takes a whole number from 1 to 200. Usage: ${usage}`);
    }
    limit = Number(rawLimit);
  }
  return ok({ action: 'list', limit, ...(wanted ? { statuses: wanted } : {}) });
}

async function listReply(
  ctx: CommandContext,
  command: string,
  params: Extract<ApplicationsParams, { action: 'list' }>,
): Promise<Reply> {
  const list = await ctx.store.listApplications({
    limit: params.limit,
    ...(params.statuses ? { statuses: params.statuses } : {}),
  });
  const now = ctx.clock.now();
  const tz = ctx.config.timezone;
  const waiting = list.filter((a) => a.status === 'submitted').length;
  return {
    command,
    status: 'ok',
    title:
      list.length === 0
        ? 'No table applications'
        : `${list.length} table application${list.length === 1 ? '' : 's'}${waiting > 0 ? `, ${waiting} waiting for a decision` : ''}`,
    findings: [],
    ...(list.length > 0
      ? {
          tables: [
            {
              title: 'applications',
              columns: ['id', 'table', 'cluster', 'status', 'review', 'partitions', 'applicant', 'submitted'],
              rows: list.map((a) => [
                a.id,
                a.tableName,
                a.cluster,
                a.status,
                verdictLabel(a.verdict),
                String(storedReview(a).partitionCount),
                actorLabel(a.applicant),
                formatTime(a.submittedAt, tz),
              ]),
            },
          ],
        }
      : {}),
    text:
      list.length === 0
        ? ['Nobody has applied for a table yet (or none matches). Apply with `apply_table`.']
        : ['`applications show <id>` shows an application and its review.'],
    context: { at: now.toISOString() },
    data: {
      applications: list.map((a) => ({
        id: a.id,
        table: a.tableName,
        cluster: a.cluster,
        status: a.status,
        verdict: a.verdict,
        applicant: `${a.applicant.platform}:${a.applicant.userId}`,
        submitted_at: a.submittedAt.toISOString(),
      })),
    },
  };
}

async function showReply(ctx: CommandContext, command: string, id: string): Promise<Reply> {
  const now = ctx.clock.now();
  const application = await ctx.store.getApplication(id);
  if (!application) {
    return unknownApplicationReply(command, id, now);
  }
  const tz = ctx.config.timezone;
  const base = reviewReply(storedReview(application), { command, at: now, applicationId: application.id });
  const form = (application.form ?? {}) as Record<string, unknown>;
  return {
    ...base,
    fields: [
      { label: 'status', value: application.status },
      { label: 'applicant', value: actorLabel(application.applicant) },
      { label: 'submitted', value: formatTime(application.submittedAt, tz) },
      ...(application.decidedBy ? [{ label: 'decided by', value: actorLabel(application.decidedBy) }] : []),
      ...(application.appId !== undefined ? [{ label: 'app id', value: String(application.appId) }] : []),
      ...(base.fields ?? []),
    ],
    tables: [
      {
        title: 'application',
        columns: ['field', 'value'],
        rows: Object.entries(form).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
      },
    ],
    text: [...(application.status !== 'submitted' ? [decisionLine(application, tz)] : []), ...(base.text ?? [])],
    data: {
      ...base.data,
      application: {
        id: application.id,
        status: application.status,
        applicant: `${application.applicant.platform}:${application.applicant.userId}`,
        app_id: application.appId ?? null,
        form,
      },
    },
  };
}

/** Creates the `applications` command. */
export function createApplicationsCommand(deps: AdmissionDeps = defaultAdmissionDeps): CommandSpec<ApplicationsParams> {
  return {
    name: 'applications',
    aliases: ['application'],
    summary: 'Table applications: list, show one, and (admins) approve, request changes or reject',
    usage,
    examples: [
      'applications',
      'applications show 3f9a2c1b',
      'applications approve 3f9a2c1b',
      'applications reject 3f9a2c1b duplicate of user_profile',
    ],
    group: 'applications',
    valueFlags: ['status', 'limit'],
    // Approval creates a table, so the decider confirms it; the other actions change no cluster state.
    risk: (params): Risk => (params.action === 'approve' ? 'change' : 'read'),
    parse(args) {
      const [first, second, ...rest] = args.positionals;
      const action = (first ?? 'list').toLowerCase().replaceAll('-', '_');
      if (!(actions as readonly string[]).includes(action)) {
        return fail('BAD_INPUT', `Unknown action "${first ?? ''}". Accepted: ${actions.join(', ')}. Usage: ${usage}`);
      }
      if (action === 'list') {
        const flags = checkFlags(args, ['status', 'limit'], usage);
        if (!flags.ok) return flags;
        if (second !== undefined) return fail('BAD_INPUT', `applications list takes no id. Usage: ${usage}`);
        return parseList(args.flags);
      }
      const flags = checkFlags(args, [], usage);
      if (!flags.ok) return flags;
      if (second === undefined || !/^[A-Za-z0-9_-]{1,64}$/.test(second)) {
        return fail(
          'BAD_INPUT',
          `applications ${action} needs an application id, e.g. applications ${action} 3f9a2c1b. Usage: ${usage}`,
        );
      }
      if (action === 'show') {
        if (rest.length > 0) return fail('BAD_INPUT', `applications show takes one id. Usage: ${usage}`);
        return ok({ action: 'show', id: second });
      }
      if (action === 'approve' && rest.length > 0) {
        return fail('BAD_INPUT', `applications approve takes only the id. Usage: ${usage}`);
      }
      const note = rest.join(' ').trim();
      return ok({ action: action as Decision, id: second, ...(note !== '' ? { note } : {}) });
    },
    describe(params, ctx) {
      if (params.action === 'approve')
        return `approve table application ${params.id} and create its table on cluster ${ctx.cluster.name}`;
      return `applications ${params.action}`;
    },
    async preflight(ctx, params) {
      if (params.action !== 'approve') return [];
      const application = await ctx.store.getApplication(params.id);
      if (!application) {
        return [
          {
            check: 'apply_table',
            severity: 'warn',
            subject: params.id,
            summary: `There is no table application ${params.id}; confirming will change nothing.`,
          },
        ];
      }
      const refused = decisionRefusal(ctx, application);
      const review = storedReview(application);
      const risks = review.findings.filter((f) => f.severity === 'crit' || f.severity === 'warn');
      const envs = Object.entries(review.envs).map(([k, v]) => `${k}=${v}`);
      const plan: Finding = {
        check: 'apply_table',
        severity: 'info',
        subject: application.tableName,
        summary: `Creates ${application.tableName} on ${application.cluster}: ${review.partitionCount} partitions, ${review.replicaCount} replicas${envs.length > 0 ? `, envs ${envs.join(', ')}` : ''} (review: ${verdictLabel(review.verdict)})`,
      };
      return [
        ...(refused
          ? [
              {
                check: 'apply_table',
                severity: 'crit' as const,
                subject: application.tableName,
                summary: refused.message,
              },
            ]
          : []),
        ...(application.status !== 'submitted' && application.status !== 'failed'
          ? [
              {
                check: 'apply_table',
                severity: 'warn' as const,
                subject: application.tableName,
                summary: `${decisionLine(application, ctx.config.timezone)} Confirming will change nothing.`,
              },
            ]
          : []),
        plan,
        ...risks,
      ];
    },
    async run(ctx, params) {
      switch (params.action) {
        case 'list':
          return listReply(
            ctx,
            params.statuses ? `applications list --status ${params.statuses.join(',')}` : 'applications list',
            params,
          );
        case 'show':
          return showReply(ctx, `applications show ${params.id}`, params.id);
        case 'approve':
        case 'request_changes':
        case 'reject':
          return decideApplication(
            ctx,
            params.id,
            params.action,
            'note' in params ? params.note : undefined,
            `applications ${params.action} ${params.id}`,
            deps,
          );
      }
    },
  };
}
