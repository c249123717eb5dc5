/**
 * The neutral reply model. Every command and every asynchronous message (approval requests, window
 * progress, alerts) is a `Reply`; each adapter renders it its own way (Block Kit, embeds, terminal text,
 * JSON). Nothing here knows about a chat platform.
 */

/** How bad one finding is. */
export type Severity = 'ok' | 'info' | 'warn' | 'crit';

/** The overall status of a reply; `unknown` when the cluster could not be read or the input was bad. */
export type Status = 'ok' | 'warn' | 'crit' | 'unknown';

/** What a button does when clicked. Adapters encode `kind` and `ref` in the platform's action id. */
export type ActionKind =
  | 'run' // ref = a command line, run as the clicker (e.g. "health", "rebalance plan")
  | 'confirm' // ref = pending confirmation id
  | 'cancel' // ref = pending confirmation id
  | 'approve' // ref = approval request id
  | 'reject' // ref = approval request id
  | 'ack' // ref = alert fingerprint or group key
  | 'silence' // ref = alert fingerprint or group key (duration chosen by the core)
  | 'form'; // ref = form id to open (e.g. "apply_table")

/** A button for the next step. */
export interface ReplyAction {
  kind: ActionKind;
  ref: string;
  label: string;
  style?: 'primary' | 'danger';
  /** When set, the platform shows a confirmation dialog before sending the click (UI only: the core re-checks). */
  confirm?: { title: string; text: string; confirmLabel: string; denyLabel: string };
}

/** One observation of a check, with its evidence and the next step. */
export interface Finding {
  /** Stable check id, e.g. `meta_level`, `nodes_alive`, `table_health`. */
  check: string;
  severity: Severity;
  /** What it is about: a node `host:port`, a table name, `cluster`. */
  subject: string;
  /** One line a person reads first. */
  summary: string;
  /** The numbers behind it, as label → value. */
  evidence?: Record<string, string | number>;
  /** What to do next, in the words of the Pegasus administration guide where it speaks. */
  advice?: string;
  /** An action attached to this finding (e.g. freeze, plan a rebalance window). */
  action?: ReplyAction;
}

/** A table as the Pegasus shell prints it. */
export interface ReplyTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/** A file to attach (full tables, charts). */
export interface ReplyAttachment {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

/** A form the adapter opens (Slack modal, Discord modals, console prompts). */
export interface FormField {
  name: string;
  label: string;
  kind: 'text' | 'multiline' | 'number' | 'select';
  required: boolean;
  options?: { value: string; label: string }[];
  placeholder?: string;
  hint?: string;
}

/** A form definition. `id` names what `Dispatcher.submit` receives back. */
export interface FormSpec {
  id: string;
  title: string;
  submitLabel: string;
  fields: FormField[];
}

/** The neutral reply. */
export interface Reply {
  /** The command line this answers (normalised), e.g. `health`, `nodes -d`. */
  command: string;
  status: Status;
  /** A short header, e.g. "Cluster onebox: 2 critical, 1 warning". */
  title: string;
  findings: Finding[];
  /** Label → value pairs shown compactly (e.g. cluster_info keys). */
  fields?: { label: string; value: string }[];
  tables?: ReplyTable[];
  /** Free text paragraphs (help text, notes). */
  text?: string[];
  actions?: ReplyAction[];
  attachments?: ReplyAttachment[];
  /** Open this form instead of (or before) showing the reply. */
  form?: FormSpec;
  /** Per-field errors of a submitted form, keyed by field name. */
  formErrors?: Record<string, string>;
  context: {
    cluster?: string;
    /** ISO time the answer was produced. */
    at: string;
    durationMs?: number;
  };
  /** Only the caller should see it (refusals, "already decided"). */
  ephemeral?: boolean;
  /** Replace the message the clicked button was on (approval decided, confirmation done). */
  replaceOriginal?: boolean;
  /** Extra machine-readable fields merged into the `--json` object (e.g. `review`). */
  data?: Record<string, unknown>;
}

const severityRank: Record<Severity, number> = { ok: 0, info: 1, warn: 2, crit: 3 };

/** The worst severity among the findings (`ok` for none). */
export function worstSeverity(findings: readonly Finding[]): Severity {
  let worst: Severity = 'ok';
  for (const f of findings) if (severityRank[f.severity] > severityRank[worst]) worst = f.severity;
  return worst;
}

/** The reply status the findings imply. */
export function statusOf(findings: readonly Finding[]): Status {
  const worst = worstSeverity(findings);
  return worst === 'crit' ? 'crit' : worst === 'warn' ? 'warn' : 'ok';
}

/** Orders findings worst first, keeping the original order within a severity. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => severityRank[b.severity] - severityRank[a.severity]);
}

/** The monitoring-plugin exit code of a status: 0 ok, 1 warning, 2 critical, 3 unknown. */
export function exitCodeOf(status: Status): 0 | 1 | 2 | 3 {
  switch (status) {
    case 'ok':
      return 0;
    case 'warn':
      return 1;
    case 'crit':
      return 2;
    case 'unknown':
      return 3;
  }
}

/** The one JSON object `exec --json` prints. */
export function toJsonOutput(reply: Reply, text: string): Record<string, unknown> {
  return {
    command: reply.command,
    status: reply.status,
    findings: reply.findings.map((f) => ({
      check: f.check,
      severity: f.severity,
      subject: f.subject,
      summary: f.summary,
      ...(f.evidence ? { evidence: f.evidence } : {}),
      ...(f.advice ? { advice: f.advice } : {}),
    })),
    text,
    ...(reply.fields ? { fields: Object.fromEntries(reply.fields.map((f) => [f.label, f.value])) } : {}),
    ...(reply.tables ? { tables: reply.tables } : {}),
    ...(reply.context.cluster ? { cluster: reply.context.cluster } : {}),
    at: reply.context.at,
    ...(reply.context.durationMs !== undefined ? { duration_ms: reply.context.durationMs } : {}),
    ...reply.data,
  };
}

/** A reply that only carries a message, e.g. a refusal or bad input. */
export function messageReply(
  command: string,
  status: Status,
  title: string,
  text: string[],
  at: Date,
  extra: Partial<Reply> = {},
): Reply {
  return { command, status, title, findings: [], text, context: { at: at.toISOString() }, ...extra };
}
