/**
 * The small subset of Block Kit JSON this adapter produces, typed by hand so the renderer stays a pure
 * function that tests can inspect without the SDK. The shapes follow Slack's Block Kit reference.
 */

/** Slack's documented limits that the renderer enforces. */
export const slackLimits = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  textChars: 3000,
  headerChars: 150,
  fieldsPerSection: 10,
  fieldChars: 2000,
  elementsPerActions: 25,
  elementsPerContext: 10,
  buttonTextChars: 75,
  buttonValueChars: 2000,
  actionIdChars: 255,
  blockIdChars: 255,
  confirmTitleChars: 100,
  confirmTextChars: 300,
  confirmButtonChars: 30,
  modalTitleChars: 24,
  modalButtonChars: 24,
  inputLabelChars: 2000,
  placeholderChars: 150,
  hintChars: 2000,
  optionsPerSelect: 100,
  optionTextChars: 75,
  optionValueChars: 150,
  privateMetadataChars: 3000,
} as const;

/** A plain text object. */
export interface PlainText {
  type: 'plain_text';
  text: string;
  emoji?: boolean;
}

/** A mrkdwn text object. */
export interface Mrkdwn {
  type: 'mrkdwn';
  text: string;
}

/** Slack's confirmation dialog composition object. */
export interface ConfirmDialog {
  title: PlainText;
  text: PlainText;
  confirm: PlainText;
  deny: PlainText;
  style?: 'primary' | 'danger';
}

/** A button element. */
export interface ButtonElement {
  type: 'button';
  text: PlainText;
  action_id: string;
  value: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmDialog;
}

/** A header block. */
export interface HeaderBlock {
  type: 'header';
  text: PlainText;
}

/** A section block with text and/or fields. */
export interface SectionBlock {
  type: 'section';
  text?: Mrkdwn;
  fields?: Mrkdwn[];
}

/** A context block. */
export interface ContextBlock {
  type: 'context';
  elements: Mrkdwn[];
}

/** An actions block. */
export interface ActionsBlock {
  type: 'actions';
  block_id?: string;
  elements: ButtonElement[];
}

/** A divider block. */
export interface DividerBlock {
  type: 'divider';
}

/** Any block a message of this adapter contains. */
export type MessageBlock = HeaderBlock | SectionBlock | ContextBlock | ActionsBlock | DividerBlock;

/** One chat message: blocks plus the notification/fallback text. */
export interface SlackMessage {
  text: string;
  blocks: MessageBlock[];
}

/** A file to upload next to a reply (full tables, attachments). */
export interface SlackFile {
  filename: string;
  title: string;
  data: Uint8Array;
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts `text` to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** A plain text object cut to `max` characters. */
export function plain(text: string, max: number = slackLimits.textChars): PlainText {
  return { type: 'plain_text', text: truncate(text, max), emoji: true };
}

/** A mrkdwn text object cut to `max` characters. */
export function mrkdwn(text: string, max: number = slackLimits.textChars): Mrkdwn {
  return { type: 'mrkdwn', text: truncate(text, max) };
}

/** The number of text characters in a block (what Slack's per-message size limits count). */
export function blockChars(block: MessageBlock): number {
  switch (block.type) {
    case 'header':
      return block.text.text.length;
    case 'section':
      return (block.text?.text.length ?? 0) + (block.fields ?? []).reduce((n, f) => n + f.text.length, 0);
    case 'context':
      return block.elements.reduce((n, e) => n + e.text.length, 0);
    case 'actions':
      return block.elements.reduce((n, e) => n + e.text.text.length + e.value.length, 0);
    case 'divider':
      return 0;
  }
}
