/**
 * Forms as Slack modals: one input block per field (block id = field name, so per-field errors map
 * straight onto Slack's `response_action: 'errors'`), and the submitted state read back as strings.
 */
import type { FormField, FormSpec } from '../../src/replies/reply.js';
import { plain, slackLimits, truncate, type Mrkdwn, type PlainText } from './block-kit.js';

/** The callback id of every modal this adapter opens; the form id travels in `private_metadata`. */
export const formCallbackId = 'pegasus_form';

/** The action id of the single element inside each input block. */
export const formElementActionId = 'value';

/** What a modal remembers between opening and submission. */
export interface FormMetadata {
  formId: string;
  channelId: string;
  /** The slash command's `response_url`, to answer in the channel the form was asked for in. */
  responseUrl?: string;
}

interface OptionObject {
  text: PlainText;
  value: string;
}

type InputElement =
  | {
      type: 'plain_text_input';
      action_id: string;
      multiline?: boolean;
      placeholder?: PlainText;
      initial_value?: string;
    }
  | {
      type: 'number_input';
      action_id: string;
      is_decimal_allowed: boolean;
      placeholder?: PlainText;
      initial_value?: string;
    }
  | {
      type: 'static_select';
      action_id: string;
      options: OptionObject[];
      placeholder?: PlainText;
      initial_option?: OptionObject;
    };

/** An input block of a modal. */
export interface InputBlock {
  type: 'input';
  block_id: string;
  label: PlainText;
  optional: boolean;
  element: InputElement;
  hint?: PlainText;
}

/** A context block shown at the top of a re-opened form. */
interface NoteBlock {
  type: 'context';
  elements: Mrkdwn[];
}

/** A modal view as `views.open` takes it. */
export interface ModalView {
  type: 'modal';
  callback_id: string;
  private_metadata: string;
  title: PlainText;
  submit: PlainText;
  close: PlainText;
  blocks: (InputBlock | NoteBlock)[];
}

/** The modal for a form; `values` pre-fills fields (a form re-opened after a late validation). */
export function renderModal(
  form: FormSpec,
  metadata: FormMetadata,
  values: Record<string, string> = {},
  note?: string,
): ModalView {
  const blocks: (InputBlock | NoteBlock)[] = [];
  if (note)
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: truncate(note, slackLimits.textChars) }] });
  for (const field of form.fields.slice(0, slackLimits.blocksPerModal - blocks.length)) {
    blocks.push(inputBlock(field, values[field.name]));
  }
  return {
    type: 'modal',
    callback_id: formCallbackId,
    private_metadata: encodeMetadata(metadata),
    title: plain(form.title, slackLimits.modalTitleChars),
    submit: plain(form.submitLabel, slackLimits.modalButtonChars),
    close: plain('Cancel', slackLimits.modalButtonChars),
    blocks,
  };
}

/** JSON within Slack's limit: a cut JSON string would be unreadable, so the optional URL goes first. */
function encodeMetadata(metadata: FormMetadata): string {
  const full = JSON.stringify(metadata);
  if (full.length <= slackLimits.privateMetadataChars) return full;
  return JSON.stringify({ formId: metadata.formId, channelId: metadata.channelId });
}

function inputBlock(field: FormField, initial: string | undefined): InputBlock {
  const placeholder = field.placeholder ? plain(field.placeholder, slackLimits.placeholderChars) : undefined;
  let element: InputElement;
  switch (field.kind) {
    case 'text':
    case 'multiline':
      element = {
        type: 'plain_text_input',
        action_id: formElementActionId,
        ...(field.kind === 'multiline' ? { multiline: true } : {}),
        ...(placeholder ? { placeholder } : {}),
        ...(initial ? { initial_value: initial } : {}),
      };
      break;
    case 'number':
      element = {
        type: 'number_input',
        action_id: formElementActionId,
        // The core validates ranges and integrality; the client only keeps the input numeric.
        is_decimal_allowed: true,
        ...(placeholder ? { placeholder } : {}),
        ...(initial ? { initial_value: initial } : {}),
      };
      break;
    case 'select': {
      const options = (field.options ?? []).slice(0, slackLimits.optionsPerSelect).map((o) => ({
        text: plain(o.label, slackLimits.optionTextChars),
        value: truncate(o.value, slackLimits.optionValueChars),
      }));
      const chosen = options.find((o) => o.value === initial);
      element = {
        type: 'static_select',
        action_id: formElementActionId,
        options,
        ...(placeholder ? { placeholder } : {}),
        ...(chosen ? { initial_option: chosen } : {}),
      };
      break;
    }
  }
  return {
    type: 'input',
    block_id: truncate(field.name, slackLimits.blockIdChars),
    label: plain(field.label, slackLimits.inputLabelChars),
    optional: !field.required,
    element,
    ...(field.hint ? { hint: plain(field.hint, slackLimits.hintChars) } : {}),
  };
}

/** The shape of `view.state.values` for the elements above. */
export type ViewStateValues = Record<
  string,
  Record<string, { type?: string; value?: string | null; selected_option?: { value: string } | null }>
>;

/** Reads the submitted values back as field name → string ('' for an empty optional field). */
export function readFormValues(form: FormSpec, state: ViewStateValues): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of form.fields) {
    const element = state[field.name]?.[formElementActionId];
    values[field.name] = element?.selected_option?.value ?? element?.value ?? '';
  }
  return values;
}

/** Reads every input of a modal when the form definition is not at hand (the submit path). */
export function readAllValues(state: ViewStateValues): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [blockId, elements] of Object.entries(state)) {
    const element = elements[formElementActionId];
    values[blockId] = element?.selected_option?.value ?? element?.value ?? '';
  }
  return values;
}

/**
 * Maps per-field errors onto block ids. Errors for names that are not inputs of the modal go to the first
 * input, so the person still sees them (Slack refuses errors for unknown blocks).
 */
export function errorsForBlocks(errors: Record<string, string>, blockIds: readonly string[]): Record<string, string> {
  const known = new Set(blockIds);
  const mapped: Record<string, string> = {};
  const orphans: string[] = [];
  for (const [name, message] of Object.entries(errors)) {
    if (known.has(name)) mapped[name] = truncate(message, slackLimits.textChars);
    else orphans.push(`${name}: ${message}`);
  }
  const first = blockIds[0];
  if (orphans.length > 0 && first !== undefined) {
    mapped[first] = truncate([mapped[first], ...orphans].filter(Boolean).join(' · '), slackLimits.textChars);
  }
  return mapped;
}

/** Parses `private_metadata` written by `renderModal`; undefined when it is not ours. */
export function parseFormMetadata(raw: string): FormMetadata | undefined {
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    if (typeof v['formId'] !== 'string' || typeof v['channelId'] !== 'string') return undefined;
    return {
      formId: v['formId'],
      channelId: v['channelId'],
      ...(typeof v['responseUrl'] === 'string' ? { responseUrl: v['responseUrl'] } : {}),
    };
  } catch {
    return undefined;
  }
}
