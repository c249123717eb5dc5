/**
 * Renders the neutral `Reply` the Discord way: embeds coloured by status, findings grouped by severity as
 * fields, shell tables in code blocks, the context in the footer, buttons for the next step. Discord's
 * limits (10 embeds and 6,000 characters per message, 25 fields per embed, 1,024 per field value, 4,096
 * per description, 5×5 buttons) are met by splitting into several messages, or, for reports that would
 * need too many, by attaching the full text as a file.
 */
import { encodeAction } from '../../src/commands/command.js';
import {
  sortFindings,
  type Finding,
  type Reply,
  type ReplyAction,
  type ReplyTable,
  type Severity,
  type Status,
} from '../../src/replies/reply.js';
import {
  ButtonStyle,
  DiscordLimits,
  EPHEMERAL,
  type ActionRow,
  type Button,
  type Embed,
  type EmbedField,
  type MessageBody,
} from './discord-wire.js';

/** A file to upload with a message (multipart `files[n]`). */
export interface DiscordFile {
  name: string;
  data: Uint8Array;
  contentType: string;
}

/** One message's worth of rendering. */
export interface RenderedMessage {
  embeds: Embed[];
  components: ActionRow[];
  files: DiscordFile[];
}

/** The confirmation a button asks for before its click is sent (Discord has no built-in dialog). */
export interface ConfirmDialog {
  title: string;
  text: string;
  confirmLabel: string;
  denyLabel: string;
}

/** A rendered reply: the first message (with the buttons and files) and any continuation messages. */
export interface RenderedReply extends RenderedMessage {
  /** Further messages when the report does not fit one (sent as follow-ups / thread-less posts). */
  more: RenderedMessage[];
  /** Confirmation dialogs by the custom id of the button that opens them. */
  dialogs: Record<string, ConfirmDialog>;
}

/** Tuning of the split; the defaults suit Discord's clients. */
export interface RenderOptions {
  /** Beyond this many messages the full report is attached as a file instead. */
  maxMessages?: number;
  /** Tables wider than this (characters) wrap badly in a code block: they become one field per row. */
  maxTableWidth?: number;
  /** Wide tables with more rows than this are attached as a file instead of fields. */
  maxCardRows?: number;
}

/** Custom id prefix of a button that first asks for confirmation (the rest is the action's own id). */
export const ASK_PREFIX = 'pga:';

const statusColour: Record<Status, number> = { ok: 0x2ecc71, warn: 0xf39c12, crit: 0xe74c3c, unknown: 0x95a5a6 };
const severityColour: Record<Severity, number> = { ok: 0x2ecc71, info: 0x3498db, warn: 0xf39c12, crit: 0xe74c3c };
const statusIcon: Record<Status, string> = { ok: '🟢', warn: '🟠', crit: '🔴', unknown: '⚪' };
const severityIcon: Record<Severity, string> = { ok: '🟢', info: '🔵', warn: '🟠', crit: '🔴' };
const severityLabel: Record<Severity, string> = { crit: 'Critical', warn: 'Warning', info: 'Info', ok: 'OK' };
const severityOrder: readonly Severity[] = ['crit', 'warn', 'info', 'ok'];

/** Cuts a string to `max` characters, marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** The characters Discord counts against the 6,000 per message. */
export function embedLength(embed: Embed): number {
  let n = (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0);
  for (const f of embed.fields ?? []) n += f.name.length + f.value.length;
  return n;
}

/** Splits text into chunks of at most `max` characters, preferring line breaks. */
function chunkText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = max;
    chunks.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

/** Lays a table out as the shell does: columns padded to their widest cell. */
export function formatTable(table: ReplyTable): string[] {
  const widths = table.columns.map((c, i) => Math.max(c.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    widths
      .map((w, i) => (cells[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd();
  return [line(table.columns), ...table.rows.map(line)];
}

function evidenceLine(f: Finding): string | undefined {
  if (!f.evidence) return undefined;
  const parts = Object.entries(f.evidence).map(([k, v]) => `${k}: ${v}`);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

function findingField(f: Finding): EmbedField {
  const lines = [f.summary, evidenceLine(f), f.advice ? `→ ${f.advice}` : undefined].filter(
    (x): x is string => x !== undefined && x.length > 0,
  );
  return {
    name: truncate(`${f.subject} · ${f.check}`, DiscordLimits.fieldName),
    value: truncate(lines.join('\n') || '\u200b', DiscordLimits.fieldValue),
  };
}

/** Groups fields so that each group respects the field count and, with its embed's other text, a message's budget. */
function groupFields(fields: readonly EmbedField[], firstOverhead: number, overhead: number): EmbedField[][] {
  const budget = DiscordLimits.charsPerMessage - 200;
  const groups: EmbedField[][] = [];
  let current: EmbedField[] = [];
  let size = firstOverhead;
  for (const field of fields) {
    const n = field.name.length + field.value.length;
    if (current.length === DiscordLimits.fieldsPerEmbed || (current.length > 0 && size + n > budget)) {
      groups.push(current);
      current = [];
      size = overhead;
    }
    current.push(field);
    size += n;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Fields under one title, in as many embeds as the limits need ("Warning (30) (2/2)"). */
function fieldEmbeds(title: string, colour: number, fields: readonly EmbedField[]): Embed[] {
  const groups = groupFields(fields, title.length + 8, title.length + 8);
  return groups.map((g, i) => ({
    title: truncate(groups.length > 1 ? `${title} (${i + 1}/${groups.length})` : title, DiscordLimits.title),
    color: colour,
    fields: g,
  }));
}

function footerOf(reply: Reply): string {
  const parts = [reply.context.cluster, reply.command];
  if (reply.context.durationMs !== undefined) parts.push(`${(reply.context.durationMs / 1000).toFixed(1)} s`);
  return truncate(parts.filter((p): p is string => p !== undefined && p.length > 0).join(' · '), DiscordLimits.footer);
}

function tableEmbeds(table: ReplyTable): Embed[] {
  const [header = '', ...rows] = formatTable(table);
  // Code fences and the header are repeated in every chunk so each one reads on its own.
  const room = DiscordLimits.description - header.length - 12;
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const row of rows) {
    if (current.length > 0 && size + row.length + 1 > room) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(truncate(row, room));
    size += row.length + 1;
  }
  chunks.push(current);
  let first = 1;
  return chunks.map((chunk) => {
    const range =
      chunks.length > 1 ? ` (rows ${first}–${first + chunk.length - 1} of ${rows.length})` : ` (${rows.length} rows)`;
    first += chunk.length;
    return {
      title: truncate(`${table.title}${range}`, DiscordLimits.title),
      description: ['```', header, ...chunk, '```'].join('\n'),
      color: 0x5865f2,
    };
  });
}

/** A table too wide for a code block, as one field per row: the first column names it, the others are lines. */
function cardEmbeds(table: ReplyTable): Embed[] {
  const fields = table.rows.map((row) => ({
    name: truncate(row[0]?.length ? row[0] : '\u200b', DiscordLimits.fieldName),
    value: truncate(
      table.columns
        .slice(1)
        .map((column, i) => [column, row[i + 1] ?? ''] as const)
        .filter(([, value]) => value.length > 0)
        .map(([column, value]) => `${column}: ${value}`)
        .join('\n') || '\u200b',
      DiscordLimits.fieldValue,
    ),
  }));
  return fieldEmbeds(`${table.title} (${table.rows.length} rows)`, 0x5865f2, fields);
}

function buttonStyle(action: ReplyAction): number {
  if (action.style === 'danger') return ButtonStyle.danger;
  if (action.style === 'primary') return ButtonStyle.primary;
  if (action.kind === 'approve' || action.kind === 'confirm') return ButtonStyle.success;
  return ButtonStyle.secondary;
}

function buttonsOf(reply: Reply): {
  rows: ActionRow[];
  skipped: ReplyAction[];
  dialogs: Record<string, ConfirmDialog>;
} {
  const all = [...(reply.actions ?? []), ...reply.findings.flatMap((f) => (f.action ? [f.action] : []))];
  const seen = new Set<string>();
  const buttons: Button[] = [];
  const skipped: ReplyAction[] = [];
  const dialogs: Record<string, ConfirmDialog> = {};
  const max = DiscordLimits.buttonsPerRow * DiscordLimits.rowsPerMessage;
  for (const action of all) {
    const id = action.confirm ? `${ASK_PREFIX}${encodeAction(action)}` : encodeAction(action);
    if (seen.has(id)) continue;
    if (id.length > DiscordLimits.customId || buttons.length === max) {
      skipped.push(action);
      continue;
    }
    seen.add(id);
    if (action.confirm) dialogs[id] = action.confirm;
    buttons.push({
      type: 2,
      style: buttonStyle(action),
      label: truncate(action.label, DiscordLimits.buttonLabel),
      custom_id: id,
    });
  }
  const rows: ActionRow[] = [];
  for (let i = 0; i < buttons.length; i += DiscordLimits.buttonsPerRow) {
    rows.push({ type: 1, components: buttons.slice(i, i + DiscordLimits.buttonsPerRow) });
  }
  return { rows, skipped, dialogs };
}

function mainEmbeds(reply: Reply, notes: readonly string[]): Embed[] {
  const paragraphs = [...(reply.text ?? []), ...notes];
  const descriptions = chunkText(paragraphs.join('\n\n'), DiscordLimits.description);
  const fields: EmbedField[] = (reply.fields ?? []).map((f) => ({
    name: truncate(f.label || '\u200b', DiscordLimits.fieldName),
    value: truncate(f.value || '\u200b', DiscordLimits.fieldValue),
    inline: true,
  }));
  const title = truncate(`${statusIcon[reply.status]} ${reply.title}`, DiscordLimits.title);
  const colour = statusColour[reply.status];
  const footer = footerOf(reply);
  const overhead = title.length + (descriptions[0]?.length ?? 0) + footer.length;
  // A long description already fills the main embed: its fields then start in their own embed.
  const fieldsInMain = overhead + 1500 < DiscordLimits.charsPerMessage;
  const groups = groupFields(fields, fieldsInMain ? overhead : 0, 0);
  const firstFields = fieldsInMain ? (groups.shift() ?? []) : [];
  const main: Embed = {
    title,
    color: colour,
    ...(descriptions[0] ? { description: descriptions[0] } : {}),
    ...(firstFields.length > 0 ? { fields: firstFields } : {}),
    footer: { text: footer },
    timestamp: reply.context.at,
  };
  return [
    main,
    ...descriptions.slice(1).map((d) => ({ description: d, color: colour })),
    ...groups.filter((g) => g.length > 0).map((g) => ({ color: colour, fields: g })),
  ];
}

function formErrorEmbeds(reply: Reply): Embed[] {
  const errors = Object.entries(reply.formErrors ?? {});
  if (errors.length === 0) return [];
  return fieldEmbeds(
    '⚠️ Please correct these answers',
    severityColour.warn,
    errors.map(([name, message]) => ({
      name: truncate(name, DiscordLimits.fieldName),
      value: truncate(message, DiscordLimits.fieldValue),
    })),
  );
}

function findingEmbeds(reply: Reply): Embed[] {
  const sorted = sortFindings(reply.findings);
  return severityOrder.flatMap((severity) => {
    const group = sorted.filter((f) => f.severity === severity);
    if (group.length === 0) return [];
    return fieldEmbeds(
      `${severityIcon[severity]} ${severityLabel[severity]} (${group.length})`,
      severityColour[severity],
      group.map(findingField),
    );
  });
}

function pack(embeds: readonly Embed[]): Embed[][] {
  const messages: Embed[][] = [];
  let current: Embed[] = [];
  let size = 0;
  for (const embed of embeds) {
    const n = embedLength(embed);
    if (
      current.length === DiscordLimits.embedsPerMessage ||
      (current.length > 0 && size + n > DiscordLimits.charsPerMessage)
    ) {
      messages.push(current);
      current = [];
      size = 0;
    }
    current.push(embed);
    size += n;
  }
  if (current.length > 0) messages.push(current);
  return messages;
}

function slug(command: string): string {
  return (
    command
      .trim()
      .replace(/[^A-Za-z0-9_.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'report'
  );
}

const encoder = new TextEncoder();

function textFile(name: string, text: string): DiscordFile {
  return { name, data: encoder.encode(text), contentType: 'text/plain; charset=utf-8' };
}

/** The whole reply as plain text, for the attached file of a report too long for embeds. */
export function replyToPlainText(reply: Reply): string {
  const out: string[] = [`[${reply.status.toUpperCase()}] ${reply.title}`];
  const context = [reply.context.cluster, reply.command, reply.context.at].filter((x) => x !== undefined);
  out.push(context.join(' · '), '');
  for (const f of sortFindings(reply.findings)) {
    out.push(`${f.severity.toUpperCase().padEnd(4)} ${f.subject} [${f.check}]: ${f.summary}`);
    const evidence = evidenceLine(f);
    if (evidence) out.push(`     ${evidence}`);
    if (f.advice) out.push(`     → ${f.advice}`);
  }
  if (reply.findings.length > 0) out.push('');
  for (const field of reply.fields ?? []) out.push(`${field.label}: ${field.value}`);
  if (reply.fields?.length) out.push('');
  for (const table of reply.tables ?? []) out.push(`[${table.title}]`, ...formatTable(table), '');
  for (const paragraph of reply.text ?? []) out.push(paragraph, '');
  return `${out.join('\n').trimEnd()}\n`;
}

/** Renders a reply into Discord messages (embeds, buttons, files) within Discord's limits. */
export function renderEmbeds(reply: Reply, options: RenderOptions = {}): RenderedReply {
  const maxMessages = options.maxMessages ?? 3;
  const maxTableWidth = options.maxTableWidth ?? 80;
  const maxCardRows = options.maxCardRows ?? 50;
  const { rows, skipped, dialogs } = buttonsOf(reply);
  const notes: string[] = [];
  const runnable = skipped.filter((a) => a.kind === 'run');
  if (runnable.length > 0) notes.push(`Next: ${runnable.map((a) => `\`/pegasus ${a.ref}\``).join(', ')}`);

  const files: DiscordFile[] = (reply.attachments ?? []).map((a) => ({
    name: a.filename,
    data: a.data,
    contentType: a.contentType,
  }));
  const tables = reply.tables ?? [];
  const isWide = (t: ReplyTable) => Math.max(...formatTable(t).map((l) => l.length)) > maxTableWidth;
  const wide = tables.filter((t) => isWide(t) && t.rows.length > maxCardRows);
  const cards = tables.filter((t) => isWide(t) && t.rows.length <= maxCardRows);
  const narrow = tables.filter((t) => !isWide(t));
  if (wide.length > 0) {
    const name = `${slug(reply.command)}-tables.txt`;
    files.push(textFile(name, wide.map((t) => [`[${t.title}]`, ...formatTable(t)].join('\n')).join('\n\n') + '\n'));
    notes.push(
      `Attached as ${name}: ${wide.map((t) => `${t.title} (${t.rows.length} rows × ${t.columns.length} columns)`).join(', ')}.`,
    );
  }

  const findings = findingEmbeds(reply);
  const errors = formErrorEmbeds(reply);
  const tableParts = tables.flatMap((t) =>
    narrow.includes(t) ? tableEmbeds(t) : cards.includes(t) ? cardEmbeds(t) : [],
  );
  const messages = pack([...mainEmbeds(reply, notes), ...errors, ...findings, ...tableParts]);
  if (messages.length <= maxMessages) {
    const [first = [], ...rest] = messages;
    return {
      embeds: first,
      components: rows,
      files,
      more: rest.map((embeds) => ({ embeds, components: [], files: [] })),
      dialogs,
    };
  }

  // Too long for chat: the first message keeps the summary and the worst findings, the file has everything.
  const name = `${slug(reply.command)}.txt`;
  const fullNotes = [...notes.filter((n) => !n.startsWith('Attached as')), `Full report attached as ${name}.`];
  const head = pack([...mainEmbeds(reply, fullNotes), ...errors, ...findings])[0] ?? [];
  return {
    embeds: head,
    components: rows,
    files: [...files.filter((f) => !f.name.endsWith('-tables.txt')), textFile(name, replyToPlainText(reply))],
    more: [],
    dialogs,
  };
}

/** The JSON body of a rendered message; files are announced in `attachments` and uploaded alongside (`replace` for edits). */
export function toMessageBody(
  message: RenderedMessage,
  options: { ephemeral?: boolean; replace?: boolean } = {},
): MessageBody {
  return {
    embeds: message.embeds,
    components: message.components,
    ...(options.ephemeral ? { flags: EPHEMERAL } : {}),
    // On an edit the list is what the message keeps: an empty one drops files of the previous version.
    ...(message.files.length > 0 || options.replace
      ? { attachments: message.files.map((f, id) => ({ id, filename: f.name })) }
      : {}),
    // Replies quote cluster data and user text: never let them ping anyone.
    allowed_mentions: { parse: [] },
  };
}
