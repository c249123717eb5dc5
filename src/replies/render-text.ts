/**
 * Renders a neutral `Reply` as terminal text (console adapter, `exec`, the `text` of `--json`): the title with
 * its status, findings worst first, fields, tables as the Pegasus Shell prints them (`[section]` headers and
 * aligned columns), text, the actions as commands to type, and a context line. Colour only when asked for.
 */
import { formatTime } from '../commands/format-time.js';
import type { Finding, Reply, ReplyAction, ReplyTable, Severity, Status } from './reply.js';
import { sortFindings } from './reply.js';

/** Rendering choices. */
export interface RenderTextOptions {
  /** ANSI colours (only for a TTY, never with NO_COLOR, never in `--json`). */
  color?: boolean;
  /** IANA zone for the context time; UTC by default. */
  timezone?: string;
}

const ansi = {
  reset: '\u001b[0m',
  bold: '\u001b[1m',
  dim: '\u001b[2m',
  red: '\u001b[31m',
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  blue: '\u001b[34m',
  magenta: '\u001b[35m',
  cyan: '\u001b[36m',
} as const;

type Paint = (code: keyof typeof ansi, text: string) => string;

const statusMarker: Record<Status, string> = { ok: '[OK]', warn: '[WARN]', crit: '[CRIT]', unknown: '[UNKNOWN]' };
const severityMarker: Record<Severity, string> = { ok: 'OK  ', info: 'INFO', warn: 'WARN', crit: 'CRIT' };
const colorOf: Record<Severity | Status, keyof typeof ansi> = {
  ok: 'green',
  info: 'cyan',
  warn: 'yellow',
  crit: 'red',
  unknown: 'magenta',
};

/** Whether to colour output for a stream: a TTY and no `NO_COLOR` (https://no-color.org). */
export function shouldUseColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  const noColor = env['NO_COLOR'];
  return stream.isTTY === true && (noColor === undefined || noColor === '');
}

/** How an action reads as something to type (`confirm with: confirm 3f9a`). */
export function actionAsCommand(action: ReplyAction): string {
  switch (action.kind) {
    case 'confirm':
    case 'cancel':
    case 'approve':
    case 'reject':
      return `${action.kind} with: ${action.kind} ${action.ref}`;
    case 'run':
      return `${action.label}: ${action.ref}`;
    case 'ack':
    case 'silence':
      return `${action.label}: ${action.kind} ${action.ref}`;
    case 'form':
      return `${action.label}: ${action.ref}`;
  }
}

/** Pads the columns of a table to a common width, as the shell's table printer does (no trailing blanks). */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

function renderTable(table: ReplyTable, paint: Paint): string[] {
  const header = alignColumns([table.columns, ...table.rows]);
  const [head, ...body] = header;
  return [paint('bold', `[${table.title}]`), paint('dim', head ?? ''), ...body];
}

function renderEvidence(evidence: Record<string, string | number>): string {
  return Object.entries(evidence)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

function renderFinding(f: Finding, paint: Paint): string[] {
  const lines = [
    `  ${paint(colorOf[f.severity], severityMarker[f.severity])}  ${f.subject}: ${f.summary}  ${paint('dim', `(${f.check})`)}`,
  ];
  if (f.evidence && Object.keys(f.evidence).length > 0)
    lines.push(`        ${paint('dim', renderEvidence(f.evidence))}`);
  if (f.advice) lines.push(`        → ${f.advice}`);
  if (f.action) lines.push(`        → ${actionAsCommand(f.action)}`);
  return lines;
}

/** Renders a reply as plain (or coloured) terminal text, without a trailing newline. */
export function renderText(reply: Reply, options: RenderTextOptions = {}): string {
  const paint: Paint = options.color
    ? (code, text) => (text === '' ? text : `${ansi[code]}${text}${ansi.reset}`)
    : (_c, t) => t;
  const blocks: string[][] = [];

  blocks.push([`${paint(colorOf[reply.status], statusMarker[reply.status])} ${paint('bold', reply.title)}`]);

  if (reply.findings.length > 0) blocks.push(sortFindings(reply.findings).flatMap((f) => renderFinding(f, paint)));

  if (reply.fields && reply.fields.length > 0) {
    const width = Math.max(...reply.fields.map((f) => f.label.length));
    blocks.push(reply.fields.map((f) => `${f.label.padEnd(width)} : ${f.value}`));
  }

  for (const table of reply.tables ?? []) blocks.push(renderTable(table, paint));

  if (reply.text && reply.text.length > 0) blocks.push([...reply.text]);

  if (reply.form) {
    blocks.push([
      `${paint('bold', reply.form.title)} (form ${reply.form.id})`,
      ...reply.form.fields.map((f) => `  ${f.label}${f.required ? ' *' : ''}${f.hint ? ` — ${f.hint}` : ''}`),
    ]);
  }

  if (reply.formErrors && Object.keys(reply.formErrors).length > 0) {
    blocks.push(Object.entries(reply.formErrors).map(([field, error]) => `  ${paint('red', field)}: ${error}`));
  }

  for (const a of reply.attachments ?? []) {
    blocks.push([
      paint('dim', `(attachment ${a.filename}, ${a.data.byteLength} bytes, ${a.contentType}: not shown here)`),
    ]);
  }

  if (reply.actions && reply.actions.length > 0) blocks.push(reply.actions.map((a) => `→ ${actionAsCommand(a)}`));

  const context = [
    reply.context.cluster ? `cluster ${reply.context.cluster}` : '',
    formatTime(new Date(reply.context.at), options.timezone ?? 'UTC'),
    reply.context.durationMs !== undefined ? formatMs(reply.context.durationMs) : '',
  ].filter((s) => s !== '');
  blocks.push([paint('dim', context.join(' · '))]);

  return blocks.map((b) => b.join('\n')).join('\n\n');
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
