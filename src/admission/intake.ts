/**
 * The intake of a table application, shared by the form (Slack modal, Discord modals, console prompts) and
 * `apply_table --file`: validate every field, read the cluster, refuse a name that exists or is already
 * requested, review, store the application, show the review to the applicant (the thread root for the
 * outcome) and ask the admins to decide. Bad input and an unreadable cluster store nothing.
 */
import { failureReply } from '../commands/views/view-support.js';
import type { Reply } from '../replies/reply.js';
import type { TableApplication } from '../store/store.js';
import {
  admissionSettings,
  auditSafely,
  isChat,
  postSafely,
  sinkFor,
  type AdmissionContext,
  type AdmissionDeps,
} from './admission-context.js';
import { applicationJson, parseApplication, tableExistsError } from './application-schema.js';
import { readClusterView } from './cluster-snapshot.js';
import { reviewApplication } from './review.js';
import { decisionRequestReply, invalidReply, reviewReply, verdictLabel } from './review-reply.js';

/** Options of one submission. */
export interface SubmitOptions {
  /** The command line shown in replies (`apply_table --file application.json`, `apply_table`). */
  command: string;
  /** Review only: store nothing, ask nobody. */
  dryRun?: boolean;
}

/** Statuses in which an application still holds its table name. */
const openStatuses = ['submitted', 'approved'] as const;

/** Validates, reviews and (unless a dry run) submits an application; every outcome is a reply. */
export async function submitApplication(
  ctx: AdmissionContext,
  input: Record<string, unknown>,
  options: SubmitOptions,
  deps: AdmissionDeps,
): Promise<Reply> {
  const settings = admissionSettings(ctx.config);
  const clusterNames = ctx.clusters.map((c) => c.name);
  const started = ctx.clock.now();
  const parsed = parseApplication(input, { clusters: clusterNames });
  if (!parsed.ok) return invalidReply(options.command, parsed.errors, started, clusterNames, ctx.cluster.name);
  const application = parsed.value;
  const cluster = ctx.clusters.find((c) => c.name === application.cluster) ?? ctx.cluster;
  const clusterCtx = { ...ctx, cluster };

  const view = await readClusterView(cluster, settings);
  if (!view.ok) {
    const reply = failureReply(clusterCtx, options.command, 'what the review needs', view.error);
    return {
      ...reply,
      text: [
        ...(reply.text ?? []),
        'Nothing was submitted: the review needs the cluster. Submit again once it answers.',
      ],
    };
  }
  if (view.value.tables.includes(application.tableName)) {
    return invalidReply(
      options.command,
      { table_name: tableExistsError(application.tableName, cluster.name) },
      started,
      clusterNames,
      cluster.name,
    );
  }
  const open = await ctx.store.listApplications({
    cluster: cluster.name,
    tableName: application.tableName,
    statuses: openStatuses,
    limit: 1,
  });
  const holder = open[0];
  if (holder) {
    return invalidReply(
      options.command,
      { table_name: tableExistsError(application.tableName, cluster.name, holder.id) },
      started,
      clusterNames,
      cluster.name,
    );
  }

  const review = reviewApplication(application, view.value.snapshot, settings);
  const at = ctx.clock.now();
  if (options.dryRun === true) {
    return reviewReply(review, {
      command: options.command,
      at,
      next: ['Dry run: nothing was stored and nobody was asked. Run it without --dry-run to submit the application.'],
    });
  }

  const stored: TableApplication = {
    id: deps.newId(),
    cluster: cluster.name,
    tableName: application.tableName,
    applicant: ctx.actor,
    channelId: ctx.channelId,
    status: 'submitted',
    verdict: review.verdict,
    form: applicationJson({ ...application, cluster: cluster.name }),
    review,
    decisionMessages: [],
    submittedAt: at,
    updatedAt: at,
  };
  await ctx.store.createApplication(stored);
  await auditSafely(
    ctx,
    {
      actor: ctx.actor,
      channelId: ctx.channelId,
      cluster: cluster.name,
      event: 'application_submitted',
      command: options.command,
      args: { application: stored.id, table: stored.tableName, partitions: review.partitionCount },
      outcome: review.verdict,
      ref: stored.id,
    },
    deps,
  );

  const typed = `applications approve ${stored.id} · applications request_changes ${stored.id} <note> · applications reject ${stored.id} <note>`;
  const platform = ctx.actor.platform;
  const sink = isChat(platform) ? sinkFor(ctx, platform) : undefined;
  if (!sink || !isChat(platform)) {
    // At the machine (console, exec) the review itself is the answer; admins decide by typing.
    return reviewReply(review, {
      command: options.command,
      at,
      applicationId: stored.id,
      next: [
        `Submitted as table application ${stored.id}. An admin other than you decides: ${typed}. \`applications show ${stored.id}\` shows it again.`,
      ],
    });
  }

  const publicReview = reviewReply(review, {
    command: options.command,
    at,
    applicationId: stored.id,
    next: [`Submitted by the applicant; the admins decide. The outcome will be posted in this thread.`],
  });
  const source = await postSafely(sink, { channelId: ctx.channelId }, publicReview, deps, 'the review');
  if (source) await ctx.store.updateApplication(stored.id, openStatuses, { source });
  const adminChannel = ctx.config.approvalChannels[platform] ?? ctx.channelId;
  const request = decisionRequestReply(stored, review, ctx.config.timezone);
  const requestRef = await postSafely(sink, { channelId: adminChannel }, request, deps, 'the decision request');
  if (requestRef) await ctx.store.addApplicationMessage(stored.id, requestRef);
  const where = adminChannel === ctx.channelId ? 'this channel' : `the admins’ channel (${adminChannel})`;
  const asked = requestRef
    ? `The admins were asked to decide in ${where}.`
    : `The admins’ channel could not be reached; tell an admin to decide with: ${typed}.`;

  if (!source) {
    // The review could not be posted: it becomes the answer, shown to everyone in the channel.
    return reviewReply(review, { command: options.command, at, applicationId: stored.id, next: [asked] });
  }
  return {
    command: options.command,
    status: publicReview.status,
    title: `Table application ${stored.id} submitted: ${stored.tableName} — ${verdictLabel(review.verdict)}`,
    findings: [],
    text: [`The review is posted in this channel. ${asked} You will be told the outcome in the review’s thread.`],
    context: { cluster: cluster.name, at: at.toISOString() },
    ephemeral: true,
    data: { application: { id: stored.id, status: stored.status } },
  };
}
