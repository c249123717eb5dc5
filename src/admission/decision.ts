/**
 * The admins' decision on a table application. Only an admin other than the applicant decides (at the machine,
 * where there is no second person, the local admin may decide a local application, as for dangerous changes).
 * A decision is a compare-and-set on the stored status, so it happens once however many times a button is
 * clicked. Approval creates the table (`RPC_CM_CREATE_APP` with the reviewed partition count, replicas and
 * envs), waits until every partition is healthy (bounded, on the injected clock), and tells the applicant
 * in the thread of their review; every step is in the audit log.
 */
import { actorLabel } from '../commands/pending-replies.js';
import { actorKey, isLocal, roleOf, sameActor } from '../commands/policy.js';
import type { TableDetail } from '../pegasus/cluster-api.js';
import type { Reply } from '../replies/reply.js';
import type { ApplicationStatus, TableApplication } from '../store/store.js';
import {
  admissionSettings,
  auditSafely,
  postSafely,
  sinkFor,
  updateSafely,
  type AdmissionContext,
  type AdmissionDeps,
} from './admission-context.js';
import type { Review } from './review.js';
import {
  AdmissionCode,
  admissionRefusal,
  applicantOutcomeReply,
  decidedRequestReply,
  decisionLine,
  unknownApplicationReply,
} from './review-reply.js';

/** What an admin can decide. */
export type Decision = 'approve' | 'request_changes' | 'reject';

/** Statuses each decision may start from: a failed creation may be approved again once its cause is fixed. */
const decidableFrom: Record<Decision, readonly ApplicationStatus[]> = {
  approve: ['submitted', 'failed'],
  request_changes: ['submitted'],
  reject: ['submitted'],
};

const nextStatus: Record<Decision, ApplicationStatus> = {
  approve: 'approved',
  request_changes: 'changes_requested',
  reject: 'rejected',
};

/** Why an actor may not decide on an application, or undefined when they may. */
export function decisionRefusal(
  ctx: Pick<AdmissionContext, 'actor' | 'config'>,
  application: TableApplication,
): { code: string; message: string } | undefined {
  const role = roleOf(ctx.actor, ctx.config.access);
  if (role !== 'admin') {
    const grant = isLocal(ctx.actor.platform)
      ? 'set PEGASUS_LOCAL_ROLE=admin for the local user'
      : `an admin can add ${actorKey(ctx.actor)} to PEGASUS_ADMINS or access.admins in the config file`;
    return {
      code: AdmissionCode.notAdmin,
      message: `Deciding on table applications needs the admin role; you are ${role === 'viewer' ? 'a viewer' : 'an operator'}, so nothing was done. To allow it, ${grant}.`,
    };
  }
  // At the machine there is no second person: the local admin decides a local application, as the policy
  // does for dangerous changes. In chat the applicant never decides their own application.
  const bothLocal = isLocal(ctx.actor.platform) && isLocal(application.applicant.platform);
  if (sameActor(ctx.actor, application.applicant) && !bothLocal) {
    return {
      code: AdmissionCode.selfDecision,
      message: `You applied for ${application.tableName} yourself, so another admin must decide on application ${application.id}.`,
    };
  }
  return undefined;
}

/** The stored review (as submitted). */
export function storedReview(application: TableApplication): Review {
  return application.review as Review;
}

/** Whether a table is ready as the shell's `create` waits for it: every partition has a primary and all its secondaries. */
export function isHealthy(detail: TableDetail, partitionCount: number): boolean {
  return (
    detail.partitionCount === partitionCount &&
    detail.health.fullyHealthy === partitionCount &&
    detail.health.unhealthy === 0
  );
}

interface CreateOutcome {
  status: 'created' | 'failed';
  appId?: number;
  healthy: boolean;
  note: string;
}

/** Creates the table and waits (bounded) until it is healthy. */
async function createAndWait(
  ctx: AdmissionContext,
  application: TableApplication,
  review: Review,
  deps: AdmissionDeps,
): Promise<CreateOutcome> {
  const settings = admissionSettings(ctx.config);
  const cluster = ctx.clusters.find((c) => c.name === application.cluster) ?? ctx.cluster;
  const created = await cluster.api.createTable({
    name: application.tableName,
    partitionCount: review.partitionCount,
    replicaCount: review.replicaCount,
    ...(Object.keys(review.envs).length > 0 ? { envs: review.envs } : {}),
  });
  let appId: number;
  let adopted = '';
  if (created.ok) {
    appId = created.value.appId;
  } else {
    // A retry after a lost answer (timeout) finds the table an earlier attempt created: keep it if it has the
    // reviewed layout, rather than fail on ERR_APP_EXIST.
    const existing = created.error.message.includes('ERR_APP_EXIST')
      ? await cluster.api.tableDetail(application.tableName)
      : undefined;
    if (
      !existing?.ok ||
      existing.value.partitionCount !== review.partitionCount ||
      existing.value.maxReplicaCount !== review.replicaCount
    ) {
      return {
        status: 'failed',
        healthy: false,
        note: `Creating the table failed: ${created.error.message} (${created.error.code}).`,
      };
    }
    appId = existing.value.appId;
    adopted = ' It already existed with the reviewed layout (an earlier attempt created it).';
  }
  const deadline = ctx.clock.now().getTime() + settings.healthTimeoutMs;
  let last: TableDetail | undefined;
  let lastError: string | undefined;
  for (;;) {
    const detail = await cluster.api.tableDetail(application.tableName);
    if (detail.ok) {
      last = detail.value;
      if (isHealthy(detail.value, review.partitionCount)) {
        return {
          status: 'created',
          appId,
          healthy: true,
          note: `Created as app ${appId}: ${review.partitionCount} partitions × ${review.replicaCount} replicas, all healthy.${adopted}`,
        };
      }
    } else {
      lastError = detail.error.message;
    }
    if (ctx.clock.now().getTime() >= deadline) break;
    await deps.sleep(settings.healthPollMs);
  }
  const seconds = Math.round(settings.healthTimeoutMs / 1000);
  const state = last
    ? `${last.health.fullyHealthy}/${review.partitionCount} partitions healthy`
    : `its state could not be read (${lastError ?? 'no answer'})`;
  return {
    status: 'created',
    appId,
    healthy: false,
    note: `Created as app ${appId}, but after ${seconds} s only ${state}. Watch it with \`app ${application.tableName} -d\` and \`ls -d\`.${adopted}`,
  };
}

/** Tells the applicant the outcome: in the thread of their review, else in their channel when a sink is there. */
async function tellApplicant(
  ctx: AdmissionContext,
  application: TableApplication,
  reply: Reply,
  deps: AdmissionDeps,
): Promise<boolean> {
  const source = application.source;
  if (source) {
    const sink = sinkFor(ctx, source.platform);
    if (sink)
      return (
        (await postSafely(sink, { channelId: source.channelId, threadOf: source }, reply, deps, 'the outcome')) !==
        undefined
      );
  }
  const sink = sinkFor(ctx, application.applicant.platform);
  if (!sink) return false;
  return (await postSafely(sink, { channelId: application.channelId }, reply, deps, 'the outcome')) !== undefined;
}

/** Decides an application: approve (and create), request changes, or reject. */
export async function decideApplication(
  ctx: AdmissionContext,
  id: string,
  decision: Decision,
  note: string | undefined,
  command: string,
  deps: AdmissionDeps,
): Promise<Reply> {
  const now = ctx.clock.now();
  const application = await ctx.store.getApplication(id);
  if (!application) {
    return unknownApplicationReply(command, id, now);
  }
  const refused = decisionRefusal(ctx, application);
  if (refused) {
    await auditSafely(
      ctx,
      {
        actor: ctx.actor,
        channelId: ctx.channelId,
        cluster: application.cluster,
        event: 'refused',
        command,
        outcome: `refused: ${refused.code}`,
        ref: id,
      },
      deps,
    );
    return admissionRefusal(command, refused.code, 'Not allowed', refused.message, now, application.cluster);
  }
  const decided = await ctx.store.updateApplication(id, decidableFrom[decision], {
    status: nextStatus[decision],
    decidedBy: ctx.actor,
    decidedAt: now,
    ...(note !== undefined ? { note: `Note: ${note}` } : {}),
  });
  if (!decided) {
    const current = (await ctx.store.getApplication(id)) ?? application;
    return admissionRefusal(
      command,
      AdmissionCode.alreadyDecided,
      `Already decided: application ${id}`,
      `${decisionLine(current, ctx.config.timezone)} Nothing was done again.`,
      now,
      application.cluster,
    );
  }
  const event =
    decision === 'approve'
      ? 'application_approved'
      : decision === 'reject'
        ? 'application_rejected'
        : 'application_changes_requested';
  await auditSafely(
    ctx,
    {
      actor: ctx.actor,
      channelId: ctx.channelId,
      cluster: decided.cluster,
      event,
      command,
      args: { application: id, table: decided.tableName, ...(note !== undefined ? { note } : {}) },
      outcome: decided.status,
      approvers: [actorKey(ctx.actor)],
      ref: id,
    },
    deps,
  );
  const tz = ctx.config.timezone;
  await updateSafely(ctx, decided.decisionMessages, decidedRequestReply(decided, tz, ctx.clock.now()), deps);

  if (decision !== 'approve') {
    const told = await tellApplicant(ctx, decided, applicantOutcomeReply(decided, tz, ctx.clock.now()), deps);
    return {
      command,
      status: 'ok',
      title: `Application ${id} (${decided.tableName}): ${decision === 'reject' ? 'rejected' : 'changes requested'}`,
      findings: [],
      text: [
        decisionLine(decided, tz),
        told
          ? 'The applicant was told in the thread of their review.'
          : `The applicant (${actorLabel(decided.applicant)}) could not be told here; let them know.`,
      ],
      context: { cluster: decided.cluster, at: ctx.clock.now().toISOString() },
      ephemeral: true,
      data: { application: { id, status: decided.status } },
    };
  }

  const review = storedReview(decided);
  const outcome = await createAndWait(ctx, decided, review, deps);
  const final = (await ctx.store.updateApplication(id, ['approved'], {
    status: outcome.status,
    note: [decided.note, outcome.note].filter((x) => x !== undefined).join(' '),
    ...(outcome.appId !== undefined ? { appId: outcome.appId } : {}),
  })) ?? { ...decided, status: outcome.status, note: outcome.note };
  await auditSafely(
    ctx,
    {
      actor: ctx.actor,
      channelId: ctx.channelId,
      cluster: final.cluster,
      event: outcome.status === 'created' ? 'application_created' : 'application_failed',
      command,
      args: {
        application: id,
        table: final.tableName,
        partitions: review.partitionCount,
        replicas: review.replicaCount,
        envs: review.envs,
        ...(outcome.appId !== undefined ? { app_id: outcome.appId } : {}),
      },
      outcome: outcome.status === 'failed' ? `error: ${outcome.note}` : outcome.healthy ? 'ok' : 'warn',
      approvers: [actorKey(ctx.actor)],
      ref: id,
    },
    deps,
  );
  await updateSafely(ctx, final.decisionMessages, decidedRequestReply(final, tz, ctx.clock.now()), deps);
  const told = await tellApplicant(ctx, final, applicantOutcomeReply(final, tz, ctx.clock.now()), deps);
  const status = outcome.status === 'failed' ? 'unknown' : outcome.healthy ? 'ok' : 'warn';
  return {
    command,
    status,
    title:
      outcome.status === 'failed'
        ? `Application ${id}: creating ${final.tableName} failed`
        : `Application ${id}: ${final.tableName} created on ${final.cluster}${outcome.healthy ? ' and healthy' : ', not healthy yet'}`,
    findings: [],
    fields: [
      { label: 'table', value: final.tableName },
      { label: 'cluster', value: final.cluster },
      { label: 'partitions', value: String(review.partitionCount) },
      { label: 'replicas', value: String(review.replicaCount) },
      ...(outcome.appId !== undefined ? [{ label: 'app id', value: String(outcome.appId) }] : []),
    ],
    text: [
      outcome.note,
      told
        ? 'The applicant was told in the thread of their review.'
        : `The applicant (${actorLabel(final.applicant)}) could not be told here; let them know.`,
      ...(outcome.status === 'failed'
        ? [`Fix the cause, then approve again: applications approve ${id}. Nothing else was changed.`]
        : []),
    ],
    context: { cluster: final.cluster, at: ctx.clock.now().toISOString() },
    data: {
      application: { id, status: final.status, app_id: outcome.appId ?? null, healthy: outcome.healthy },
      ...(outcome.status === 'failed' ? { error: { code: AdmissionCode.createFailed } } : {}),
    },
  };
}
