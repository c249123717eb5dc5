/**
 * Renders the neutral `Reply` as Block Kit: a status header, findings grouped by severity, fields, text,
 * tables as monospaced blocks, buttons for the next step and a context line. Replies that exceed Slack's
 * limits are split into several messages at block boundaries (never inside a table row), and the full
 * tables travel as a file.
 */
import { encodeAction } from '../../src/commands/command.js';
import {
  sortFindings,
  type ActionKind,
  type Finding,
  type Reply,
  type ReplyAction,
  type ReplyTable,
  type Severity,
  type Status,
} from '../../src/replies/reply.js';
import {
  blockChars,
  escapeMrkdwn,
  mrkdwn,
  plain,
  slackLimits,
  truncate,
  type ActionsBlock,
  type ButtonElement,
  type ConfirmDialog,
  type ContextBlock,
  type MessageBlock,
  type SlackFile,
  type SlackMessage,
} from './block-kit.js';

/** How a reply was laid out for Slack. `blocks`/`text` are the first message; `more` follow in order. */
export interface SlackRendering {
  text: string;
  blocks: MessageBlock[];
  /** Continuation messages when the reply did not fit into one. */
  more: SlackMessage[];
  /** Files to upload with the reply (full tables, the reply's attachments). */
  files: SlackFile[];
}

/** Knobs of the renderer; the defaults suit chat messages. */
export interface RenderOptions {
  /** At most this many messages; beyond it tables are cut to their first rows and the rest goes to a file. */
  maxMessages?: number;
  /** Text characters per message; Slack refuses large messages below the documented block limits. */
  messageChars?: number;
  /** Whether files can accompany the message (false for `chat.update`); notes then say what was left out. */
  attachFiles?: boolean;
  /** Whether a `run` button's command line only reads; anything else gets a confirmation dialog. */
  isReadOnlyCommand?: (commandLine: string) => boolean;
}

/** The action id prefix of every button this adapter renders; the value carries the encoded action. */
export const buttonActionPrefix = 'pegasus.';

const statusEmoji: Record<Status, string> = {
  ok: ':white_check_mark:',
  warn: ':warning:',
  crit: ':red_circle:',
  unknown: ':grey_question:',
};

const severityHeading: Record<Exclude<Severity, 'ok'>, string> = {
  crit: ':red_circle: Critical',
  warn: ':warning: Warning',
  info: ':information_source: Info',
};

const readOnlyCommands = new Set([
  'health',
  'cluster_info',
  'ls',
  'nodes',
  'server_info',
  'server_stat',
  'app_stat',
  'connections',
  'get_meta_level',
  'inspect',
  'audit',
  'help',
]);
const readOnlySubcommands: Record<string, Set<string>> = {
  rebalance: new Set(['plan', 'status', 'list', 'show']),
  alerts: new Set(['list', 'show', 'status']),
};

/** Whether a command line only reads (known read-only shell commands); unknown ones count as changes. */
export function isReadOnlyCommandLine(commandLine: string): boolean {
  const [name = '', sub = ''] = commandLine.trim().split(/\s+/);
  if (readOnlyCommands.has(name)) return true;
  return readOnlySubcommands[name]?.has(sub) ?? false;
}

const changingKinds: ReadonlySet<ActionKind> = new Set(['confirm', 'approve', 'reject', 'silence']);

/** Renders a reply as one or more Block Kit messages plus files. */
export function renderBlocks(reply: Reply, options: RenderOptions = {}): SlackRendering {
  const maxMessages = Math.max(1, options.maxMessages ?? 4);
  const budget = options.messageChars ?? 12_000;
  const attachFiles = options.attachFiles ?? true;
  const isReadOnly = options.isReadOnlyCommand ?? isReadOnlyCommandLine;
  const tablesFileName = `${fileStem(reply.command)}-tables.txt`;

  const tail = [...actionBlocks(collectActions(reply), isReadOnly), contextBlock(reply)];
  let body = bodyBlocks(reply, { cutTables: false, note: '' });
  let packed = pack(body, tail, reply, Number.POSITIVE_INFINITY, budget);
  const tablesSpread = (reply.tables ?? []).some((t) => tableChunks(t).length > 1);
  let cutAnything = false;
  if (packed.messages.length > maxMessages) {
    const where = attachFiles ? `in the attached file \`${tablesFileName}\`` : 'not shown here';
    body = bodyBlocks(reply, { cutTables: true, note: where });
    packed = pack(body, tail, reply, maxMessages, budget);
    cutAnything = true;
  }

  const files: SlackFile[] = [];
  if (attachFiles) {
    if ((tablesSpread || cutAnything) && (reply.tables?.length ?? 0) > 0) {
      files.push({
        filename: tablesFileName,
        title: `${reply.command}: full tables`,
        data: new TextEncoder().encode(formatTablesFile(reply.tables ?? [])),
      });
    }
    if (packed.omitted > 0) {
      files.push({
        filename: `${fileStem(reply.command)}-report.txt`,
        title: `${reply.command}: full report`,
        data: new TextEncoder().encode(plainTextReport(reply)),
      });
    }
    for (const a of reply.attachments ?? []) files.push({ filename: a.filename, title: a.filename, data: a.data });
  }

  const [first, ...more] = packed.messages;
  return { text: first?.text ?? headerText(reply), blocks: first?.blocks ?? [], more, files };
}

/** The notification text of a reply: its status and title. */
export function headerText(reply: Reply): string {
  return truncate(`${statusEmoji[reply.status]} ${reply.title}`, slackLimits.headerChars);
}

function fileStem(command: string): string {
  const stem = command
    .replace(/[^A-Za-z0-9_.]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  return stem.length > 0 ? stem : 'reply';
}

interface BodyOptions {
  cutTables: boolean;
  note: string;
}

function bodyBlocks(reply: Reply, options: BodyOptions): MessageBlock[] {
  const blocks: MessageBlock[] = [{ type: 'header', text: plain(headerText(reply), slackLimits.headerChars) }];
  blocks.push(...findingBlocks(reply.findings));
  if (reply.fields && reply.fields.length > 0) {
    for (let i = 0; i < reply.fields.length; i += slackLimits.fieldsPerSection) {
      blocks.push({
        type: 'section',
        fields: reply.fields
          .slice(i, i + slackLimits.fieldsPerSection)
          .map((f) => mrkdwn(`*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`, slackLimits.fieldChars)),
      });
    }
  }
  if (reply.text && reply.text.length > 0) {
    for (const chunk of splitByLines(reply.text.map(escapeMrkdwn).join('\n\n'), slackLimits.textChars)) {
      blocks.push({ type: 'section', text: mrkdwn(chunk) });
    }
  }
  for (const table of reply.tables ?? []) blocks.push(...tableBlocks(table, options));
  return blocks;
}

function findingBlocks(findings: readonly Finding[]): MessageBlock[] {
  const blocks: MessageBlock[] = [];
  const sorted = sortFindings(findings);
  for (const severity of ['crit', 'warn', 'info'] as const) {
    const group = sorted.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    const heading = `*${severityHeading[severity]} (${group.length})*`;
    let current = heading;
    for (const finding of group) {
      const line = truncate(findingLine(finding), slackLimits.textChars - heading.length - 1);
      if (current.length + 1 + line.length > slackLimits.textChars) {
        blocks.push({ type: 'section', text: mrkdwn(current) });
        current = line;
      } else {
        current = `${current}\n${line}`;
      }
    }
    blocks.push({ type: 'section', text: mrkdwn(current) });
  }
  const ok = sorted.filter((f) => f.severity === 'ok');
  if (ok.length > 0) {
    const checks = [...new Set(ok.map((f) => f.check))];
    const text = `:white_check_mark: ${ok.length} ${ok.length === 1 ? 'check' : 'checks'} ok: ${checks.map(escapeMrkdwn).join(', ')}`;
    blocks.push({ type: 'context', elements: [mrkdwn(text)] });
  }
  return blocks;
}

function findingLine(f: Finding): string {
  let line = `• *${escapeMrkdwn(f.subject)}*: ${escapeMrkdwn(f.summary)}`;
  const evidence = Object.entries(f.evidence ?? {});
  if (evidence.length > 0) {
    line += `\n      ${evidence.map(([k, v]) => `${escapeMrkdwn(k)} \`${escapeMrkdwn(String(v))}\``).join(' · ')}`;
  }
  if (f.advice) line += `\n      :bulb: _${escapeMrkdwn(f.advice)}_`;
  return line;
}

/** Shell-like aligned lines of a table: the header first, then one line per row. */
export function formatTableLines(table: ReplyTable, maxCell = Number.POSITIVE_INFINITY): string[] {
  const cells = [table.columns, ...table.rows].map((row) => row.map((c) => truncate(c, maxCell)));
  const widths = table.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells.map((row) =>
    widths
      .map((w, i) => (row[i] ?? '').padEnd(w))
      .join('  ')
      .trimEnd(),
  );
}

const fence = '```';

/** The code-block chunks of a table, each within one text object, the header repeated in each. */
function tableChunks(table: ReplyTable): string[] {
  const [header = '', ...rows] = formatTableLines(table, 60).map((l) => escapeMrkdwn(truncate(l, 1000)));
  const room = slackLimits.textChars - 2 * fence.length - 2 - header.length - 1 - 200; // 200: title line
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const row of rows) {
    if (current.length > 0 && size + row.length + 1 > room) {
      chunks.push(current.join('\n'));
      current = [];
      size = 0;
    }
    current.push(row);
    size += row.length + 1;
  }
  if (current.length > 0 || chunks.length === 0) chunks.push(current.join('\n'));
  return chunks.map((c) => `${fence}\n${header}${c.length > 0 ? `\n${c}` : ''}\n${fence}`);
}

function tableBlocks(table: ReplyTable, options: BodyOptions): MessageBlock[] {
  const chunks = tableChunks(table);
  const rowsWord = table.rows.length === 1 ? 'row' : 'rows';
  const title = `*${escapeMrkdwn(truncate(table.title, 150))}* (${table.rows.length} ${rowsWord})`;
  if (options.cutTables && chunks.length > 1) {
    const first = chunks[0] ?? '';
    const shown = first.split('\n').length - 3;
    const rest = table.rows.length - shown;
    return [
      { type: 'section', text: mrkdwn(`${title}\n${first}`) },
      { type: 'context', elements: [mrkdwn(`_… ${rest} more ${rest === 1 ? 'row' : 'rows'} ${options.note}_`)] },
    ];
  }
  return chunks.map((chunk, i) => ({
    type: 'section' as const,
    text: mrkdwn(i === 0 ? `${title}\n${chunk}` : chunk),
  }));
}

function collectActions(reply: Reply): ReplyAction[] {
  const seen = new Set<string>();
  const actions: ReplyAction[] = [];
  for (const a of [
    ...sortFindings(reply.findings).flatMap((f) => (f.action ? [f.action] : [])),
    ...(reply.actions ?? []),
  ]) {
    const key = encodeAction(a);
    if (seen.has(key)) continue;
    seen.add(key);
    actions.push(a);
  }
  return actions;
}

function actionBlocks(actions: readonly ReplyAction[], isReadOnly: (line: string) => boolean): ActionsBlock[] {
  const buttons = actions.flatMap((a, i) => {
    const b = button(a, i, isReadOnly);
    return b ? [b] : [];
  });
  const blocks: ActionsBlock[] = [];
  for (let i = 0; i < buttons.length; i += slackLimits.elementsPerActions) {
    blocks.push({ type: 'actions', elements: buttons.slice(i, i + slackLimits.elementsPerActions) });
  }
  return blocks;
}

/** Whether clicking this action changes something and so deserves Slack's confirmation dialog. */
export function isChangingAction(
  action: ReplyAction,
  isReadOnly: (line: string) => boolean = isReadOnlyCommandLine,
): boolean {
  if (changingKinds.has(action.kind)) return true;
  return action.kind === 'run' && !isReadOnly(action.ref);
}

function button(action: ReplyAction, index: number, isReadOnly: (line: string) => boolean): ButtonElement | undefined {
  const value = encodeAction(action);
  // An action that does not fit in a button value cannot be decoded on click; showing it would be a lie.
  if (value.length > slackLimits.buttonValueChars) return undefined;
  const element: ButtonElement = {
    type: 'button',
    text: plain(action.label, slackLimits.buttonTextChars),
    action_id: `${buttonActionPrefix}${action.kind}.${index}`,
    value,
  };
  const style =
    action.style ?? (action.kind === 'reject' ? 'danger' : action.kind === 'approve' ? 'primary' : undefined);
  if (style) element.style = style;
  if (action.confirm || isChangingAction(action, isReadOnly)) element.confirm = confirmDialog(action, style);
  return element;
}

function confirmDialog(action: ReplyAction, style: 'primary' | 'danger' | undefined): ConfirmDialog {
  const given = action.confirm;
  const title = given?.title ?? `${action.label}?`;
  const text =
    given?.text ??
    (action.kind === 'run'
      ? `This runs \`${action.ref}\`, which can change the cluster. The bot checks your role again before anything happens.`
      : `"${action.label}" cannot be undone. The bot checks your role and whether the request is still open before anything happens.`);
  const dialog: ConfirmDialog = {
    title: plain(title, slackLimits.confirmTitleChars),
    text: plain(text, slackLimits.confirmTextChars),
    confirm: plain(given?.confirmLabel ?? action.label, slackLimits.confirmButtonChars),
    deny: plain(given?.denyLabel ?? 'Cancel', slackLimits.confirmButtonChars),
  };
  if (style) dialog.style = style;
  return dialog;
}

function contextBlock(reply: Reply): ContextBlock {
  const parts: string[] = [];
  if (reply.context.cluster) parts.push(`:file_cabinet: cluster *${escapeMrkdwn(reply.context.cluster)}*`);
  const at = Date.parse(reply.context.at);
  if (!Number.isNaN(at)) {
    const fallback = new Date(at)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC');
    parts.push(`:clock3: <!date^${Math.floor(at / 1000)}^{date_short_pretty} {time_secs}|${fallback}>`);
  }
  if (reply.context.durationMs !== undefined) parts.push(`:stopwatch: ${formatDuration(reply.context.durationMs)}`);
  if (reply.command) parts.push(`\`${escapeMrkdwn(truncate(reply.command, 200))}\``);
  return { type: 'context', elements: [mrkdwn(parts.join('  ·  '))] };
}

/** A duration as people read it: `850 ms`, `1.2 s`, `3 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

interface Packed {
  messages: SlackMessage[];
  /** Body blocks that did not fit into `maxMessages` messages. */
  omitted: number;
}

/** Fills messages with the body in order, then the tail (buttons, context) at the end of the last one. */
function pack(body: MessageBlock[], tail: MessageBlock[], reply: Reply, maxMessages: number, budget: number): Packed {
  const limit = slackLimits.blocksPerMessage;
  let last: MessageBlock[] = [];
  const pages: MessageBlock[][] = [last];
  const fits = (page: MessageBlock[], extra: MessageBlock[]): boolean =>
    page.length + extra.length <= limit && [...page, ...extra].reduce((n, b) => n + blockChars(b), 0) <= budget;
  const continued = (): ContextBlock => ({
    type: 'context',
    elements: [mrkdwn(`_continued: ${escapeMrkdwn(truncate(reply.title, 200))}_`)],
  });
  const newPage = (): void => {
    last = [continued()];
    pages.push(last);
  };

  let omitted = 0;
  for (const [i, block] of body.entries()) {
    if (!fits(last, [block])) {
      if (pages.length >= maxMessages) {
        omitted = body.length - i;
        break;
      }
      newPage();
    }
    last.push(block);
  }

  const note = (): ContextBlock => ({
    type: 'context',
    elements: [
      mrkdwn(`_… ${omitted} more ${omitted === 1 ? 'part' : 'parts'} not shown: the full report is attached_`),
    ],
  });
  if (omitted === 0 && !fits(last, tail) && pages.length < maxMessages) newPage();
  if (omitted > 0 || !fits(last, tail)) {
    // Out of messages: drop body blocks from the end until the note and the buttons fit.
    while (last.length > 1 && !fits(last, [note(), ...tail])) {
      last.pop();
      omitted++;
    }
  }
  if (omitted > 0) last.push(note());
  last.push(...tail);

  return {
    messages: pages.map((blocks, i) => ({
      text: i === 0 ? headerText(reply) : `${truncate(reply.title, 200)} (continued)`,
      blocks,
    })),
    omitted,
  };
}

/** Splits text into pieces of at most `max` characters, at line ends where possible. */
export function splitByLines(text: string, max: number): string[] {
  const pieces: string[] = [];
  let current = '';
  for (const rawLine of text.split('\n')) {
    let line = rawLine;
    while (line.length > max) {
      if (current.length > 0) {
        pieces.push(current);
        current = '';
      }
      pieces.push(line.slice(0, max));
      line = line.slice(max);
    }
    if (current.length > 0 && current.length + 1 + line.length > max) {
      pieces.push(current);
      current = line;
    } else {
      current = current.length > 0 ? `${current}\n${line}` : line;
    }
  }
  if (current.length > 0) pieces.push(current);
  return pieces;
}

/** All tables as the Pegasus shell prints them, for the attached file. */
export function formatTablesFile(tables: readonly ReplyTable[]): string {
  return (
    tables.map((t) => [`# ${t.title} (${t.rows.length} rows)`, ...formatTableLines(t)].join('\n')).join('\n\n') + '\n'
  );
}

function plainTextReport(reply: Reply): string {
  const lines = [`${reply.status.toUpperCase()}: ${reply.title}`, ''];
  for (const f of sortFindings(reply.findings)) {
    lines.push(`[${f.severity}] ${f.check} ${f.subject}: ${f.summary}`);
    for (const [k, v] of Object.entries(f.evidence ?? {})) lines.push(`    ${k}: ${v}`);
    if (f.advice) lines.push(`    advice: ${f.advice}`);
  }
  for (const field of reply.fields ?? []) lines.push(`${field.label}: ${field.value}`);
  if (reply.text) lines.push('', ...reply.text);
  if (reply.tables && reply.tables.length > 0) lines.push('', formatTablesFile(reply.tables));
  return lines.join('\n') + '\n';
}
