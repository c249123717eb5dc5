/**
 * The replies of table applications: the review (for the applicant, `exec --json` and `applications show`),
 * an invalid application with every field's error, the decision request with Approve / Request changes /
 * Reject for the admins, the decided request, and the outcome told to the applicant.
 */
import { actorLabel } from '../commands/pending-replies.js';
import { quoteWord } from '../commands/parse-command-line.js';
import { formatTime } from '../commands/format-time.js';
import type { Finding, Reply, ReplyAction, Status } from '../replies/reply.js';
import type { ApplicationVerdict, TableApplication } from '../store/store.js';
import { applicationFormSpec, type FieldErrors } from './application-schema.js';
import { horizons, type Review } from './review.js';

/** Stable codes of application answers. */
export const AdmissionCode = {
  invalid: 'INVALID_APPLICATION',
  unknownApplication: 'UNKNOWN_APPLICATION',
  notAdmin: 'NOT_PERMITTED',
  selfDecision: 'SELF_APPROVAL',
  alreadyDecided: 'ALREADY_DECIDED',
  notLocal: 'NOT_LOCAL',
  noForm: 'NO_FORM',
  badFile: 'BAD_FILE',
  createFailed: 'CREATE_FAILED',
} as const;

/** The reply status of a verdict: approve → ok, conditions → warn, changes → crit (exit codes 0, 1, 2). */
export function statusOfVerdict(verdict: ApplicationVerdict): Status {
  return verdict === 'approve' ? 'ok' : verdict === 'conditions' ? 'warn' : 'crit';
}

/** The verdict in words. */
export function verdictLabel(verdict: ApplicationVerdict): string {
  return verdict === 'approve' ? 'approve' : verdict === 'conditions' ? 'approve with conditions' : 'needs changes';
}

function envsText(envs: Record<string, string>): string {
  const entries = Object.entries(envs);
  return entries.length > 0 ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : 'none';
}

function horizonLabel(review: Review): string {
  return horizons.find((h) => h.horizon === review.storage.horizon)?.label ?? review.storage.horizon;
}

/** The machine-readable review merged into the `--json` object as `review`. */
export function reviewData(review: Review, applicationId?: string): Record<string, unknown> {
  return {
    verdict: review.verdict,
    partition_count: review.partitionCount,
    replica_count: review.replicaCount,
    disk_gb: review.diskGb,
    reasons: review.reasons,
    ...(applicationId !== undefined ? { application_id: applicationId } : {}),
    table: review.tableName,
    cluster: review.cluster,
    envs: review.envs,
    partition_rule: review.partitions.rule,
    partition_sources: review.partitions.sources,
    storage: {
      horizon: review.storage.horizon,
      data_gb: review.storage.dataGb,
      disk_gb: review.storage.diskGb,
      free_gb: review.storage.freeGb,
      reserve_gb: review.storage.reserveGb,
      usable_gb: review.storage.usableGb,
      runs_out_months: review.storage.runsOutMonths ?? null,
    },
    load: {
      per_partition_read_qps: review.load.perPartitionReadQps,
      per_partition_write_qps: review.load.perPartitionWriteQps,
      added_read_qps_per_node: review.load.addedReadQpsPerNode,
      added_write_qps_per_node: review.load.addedWriteQpsPerNode,
      busiest_read_ratio: review.load.read?.ratio ?? null,
      busiest_write_ratio: review.load.write?.ratio ?? null,
    },
  };
}

function reviewFields(review: Review): { label: string; value: string }[] {
  const runsOut = review.storage.runsOutMonths;
  return [
    { label: 'verdict', value: verdictLabel(review.verdict) },
    { label: 'table', value: review.tableName },
    { label: 'cluster', value: review.cluster },
    { label: 'partitions', value: String(review.partitionCount) },
    { label: 'replicas', value: String(review.replicaCount) },
    { label: `disk at ${horizonLabel(review)}`, value: `${review.diskGb.toLocaleString('en-US')} GB` },
    {
      label: 'disk runs out',
      value: runsOut === undefined ? 'not within 3 years' : runsOut === 0 ? 'now' : `after ${runsOut} months`,
    },
    { label: 'envs at creation', value: envsText(review.envs) },
  ];
}

/** Options of a review reply. */
export interface ReviewReplyOptions {
  command: string;
  at: Date;
  /** The stored application, when it was submitted (not a dry run). */
  applicationId?: string;
  /** Extra paragraphs after the reasons (what happens next). */
  next?: string[];
}

/** The review as a reply: findings worst first, the numbers, the reasons and the partition rule with its sources. */
export function reviewReply(review: Review, options: ReviewReplyOptions): Reply {
  const id = options.applicationId;
  return {
    command: options.command,
    status: statusOfVerdict(review.verdict),
    title: `${id !== undefined ? `Table application ${id}` : 'Table application review'}: ${review.tableName} on ${review.cluster} — ${verdictLabel(review.verdict)}`,
    findings: review.findings,
    fields: reviewFields(review),
    text: [
      `Verdict: ${verdictLabel(review.verdict)}. ${review.reasons.map((r) => `${r}.`).join(' ')}`,
      `Rule: ${review.partitions.rule}. Sources: ${review.partitions.sources.join(' ')}`,
      ...(options.next ?? []),
    ],
    context: { cluster: review.cluster, at: options.at.toISOString() },
    data: { review: reviewData(review, id) },
  };
}

/** An application with errors: status unknown (exit 3), every field's error, the form again for adapters. */
export function invalidReply(
  command: string,
  errors: FieldErrors,
  at: Date,
  clusters: readonly string[] = [],
  cluster?: string,
): Reply {
  const lines = Object.entries(errors).map(([field, message]) => `${field}: ${message}`);
  return {
    command,
    status: 'unknown',
    title: `The application has ${lines.length === 1 ? '1 problem' : `${lines.length} problems`}; nothing was submitted`,
    findings: [],
    text: [...lines, 'Correct the fields above and submit again.'],
    form: applicationFormSpec(clusters),
    formErrors: errors,
    context: { ...(cluster !== undefined ? { cluster } : {}), at: at.toISOString() },
    data: { error: { code: AdmissionCode.invalid }, errors },
  };
}

/** A refusal or failure of an application command: status unknown, what happened and what to do next. */
export function admissionRefusal(
  command: string,
  code: string,
  title: string,
  message: string,
  at: Date,
  cluster?: string,
): Reply {
  return {
    command,
    status: 'unknown',
    title,
    findings: [],
    text: [message],
    ephemeral: true,
    context: { ...(cluster !== undefined ? { cluster } : {}), at: at.toISOString() },
    data: { error: { code } },
  };
}

/** The answer to an application id that is not stored: where to find the right one. */
export function unknownApplicationReply(command: string, id: string, at: Date): Reply {
  return admissionRefusal(
    command,
    AdmissionCode.unknownApplication,
    'Unknown application',
    `There is no table application ${id}. \`applications list\` shows the recent ones.`,
    at,
  );
}

/** A command line addressed to an application's cluster (so channel bindings are checked against it). */
export function applicationsCommand(action: string, application: TableApplication): string {
  return `applications ${action} ${application.id} --cluster ${quoteWord(application.cluster)}`;
}

/** The decision request posted to the admins: the review's risks and Approve / Request changes / Reject. */
export function decisionRequestReply(application: TableApplication, review: Review, timezone: string): Reply {
  const risks: Finding[] = review.findings.filter((f) => f.severity === 'crit' || f.severity === 'warn');
  const actions: ReplyAction[] = [
    {
      kind: 'run',
      ref: applicationsCommand('approve', application),
      label: 'Approve',
      style: 'primary',
      confirm: {
        title: 'Approve this table?',
        text: `Create ${application.tableName} on ${application.cluster} with ${review.partitionCount} partitions and ${review.replicaCount} replicas (applied for by ${actorLabel(application.applicant)})`,
        confirmLabel: 'Approve',
        denyLabel: 'Back',
      },
    },
    { kind: 'run', ref: applicationsCommand('request_changes', application), label: 'Request changes' },
    { kind: 'run', ref: applicationsCommand('reject', application), label: 'Reject', style: 'danger' },
  ];
  return {
    command: `apply_table ${application.tableName}`,
    status: statusOfVerdict(review.verdict),
    title: `Table application ${application.id}: ${application.tableName} on ${application.cluster} — review says ${verdictLabel(review.verdict)}`,
    findings: risks,
    fields: [
      { label: 'applicant', value: actorLabel(application.applicant) },
      { label: 'application', value: application.id },
      { label: 'submitted', value: formatTime(application.submittedAt, timezone) },
      ...reviewFields(review),
    ],
    text: [
      review.reasons.map((r) => `${r}.`).join(' '),
      `An admin other than the applicant decides. Approve creates the table (after a confirmation); Request changes and Reject tell the applicant. Typed: ${applicationsCommand('approve', application)} · applications request_changes ${application.id} <note> · applications reject ${application.id} <note>.`,
    ],
    actions,
    context: { cluster: application.cluster, at: application.submittedAt.toISOString() },
    data: { application: { id: application.id, status: application.status } },
  };
}

function decisionVerb(application: TableApplication): string {
  switch (application.status) {
    case 'approved':
      return 'approved (creating the table)';
    case 'created':
      return 'approved and created';
    case 'failed':
      return 'approved, but creating the table failed';
    case 'changes_requested':
      return 'sent back for changes';
    case 'rejected':
      return 'rejected';
    case 'submitted':
      return 'waiting for a decision';
  }
}

/** One line saying who decided what and when. */
export function decisionLine(application: TableApplication, timezone: string): string {
  const by = application.decidedBy ? ` by ${actorLabel(application.decidedBy)}` : '';
  const at = application.decidedAt ? ` at ${formatTime(application.decidedAt, timezone)}` : '';
  const note = application.note !== undefined ? ` ${application.note}` : '';
  return `Table application ${application.id} (${application.tableName} on ${application.cluster}) was ${decisionVerb(application)}${by}${at}.${note}`;
}

/** What replaces the decision request once decided: no buttons left. */
export function decidedRequestReply(application: TableApplication, timezone: string, at: Date): Reply {
  return {
    command: `apply_table ${application.tableName}`,
    status: application.status === 'failed' ? 'unknown' : 'ok',
    title: `Table application ${application.id}: ${application.tableName} — ${decisionVerb(application)}`,
    findings: [],
    fields: [
      { label: 'applicant', value: actorLabel(application.applicant) },
      { label: 'application', value: application.id },
      { label: 'status', value: application.status },
    ],
    text: [decisionLine(application, timezone)],
    context: { cluster: application.cluster, at: at.toISOString() },
    replaceOriginal: true,
    data: { application: { id: application.id, status: application.status } },
  };
}

/** The outcome told to the applicant in the thread of their review. */
export function applicantOutcomeReply(
  application: TableApplication,
  timezone: string,
  at: Date,
  extra: string[] = [],
): Reply {
  const next =
    application.status === 'created'
      ? 'The table is ready to use.'
      : application.status === 'changes_requested'
        ? 'Correct the application and submit it again with `apply_table`.'
        : application.status === 'failed'
          ? 'The admins were told; an admin can retry with `applications approve` once the cause is fixed.'
          : application.status === 'rejected'
            ? 'Ask the admin who decided if the reason is unclear.'
            : '';
  return {
    command: `apply_table ${application.tableName}`,
    status: application.status === 'failed' ? 'unknown' : 'ok',
    title: `Your table application ${application.id} (${application.tableName}): ${decisionVerb(application)}`,
    findings: [],
    text: [decisionLine(application, timezone), ...extra, ...(next ? [next] : [])],
    context: { cluster: application.cluster, at: at.toISOString() },
    data: { application: { id: application.id, status: application.status, app_id: application.appId ?? null } },
  };
}
