/**
 * What adapters hand to the core and what the core answers. Adapters translate platform input into an
 * `IncomingCommand` or `ActionClick`, call the `Dispatcher`, and render the `Reply` they get back.
 */
import type { Reply } from '../replies/reply.js';
import type { ActionKind } from '../replies/reply.js';

/** Where a request came from. `console` and `exec` are the operator at the machine. */
export type Platform = 'slack' | 'discord' | 'console' | 'exec';

/** Who is asking: the platform's own user id, never a display name. */
export interface Actor {
  platform: Platform;
  /** Platform user id (Slack `U…`, Discord snowflake, `local` for console/exec). */
  userId: string;
  displayName?: string;
  /** Platform role ids the user holds (Discord guild roles); used by role bindings. */
  platformRoles?: string[];
}

/** Where a message lives, so the core can update it or reply in its thread later. */
export interface MessageRef {
  platform: Platform;
  channelId: string;
  messageId: string;
  /** The thread root's message id when the message is inside a thread. */
  threadId?: string;
}

/** One command line typed by a person (`/pegasus health`, a console line, `exec "…"`). */
export interface IncomingCommand {
  actor: Actor;
  /** Platform channel id (`console` / `exec` locally). */
  channelId: string;
  /** The text after `/pegasus`, e.g. `nodes -d` or `set_meta_level lively`. */
  text: string;
  /** Pre-answered confirmation (`exec --yes`). Never replaces a second person's approval. */
  confirmed?: boolean;
  /** Whether the caller can answer a yes/no prompt (console TTY). Changes without it and without --yes are refused. */
  interactive?: boolean;
  /** The message the command came from, when the platform gives one (to thread follow-ups). */
  source?: MessageRef;
}

/** A button decoded by an adapter. */
export interface ActionRef {
  kind: ActionKind;
  ref: string;
}

/** A click on a button. */
export interface ActionClick {
  actor: Actor;
  channelId: string;
  action: ActionRef;
  /** The message the button was on (to edit it in place). */
  message?: MessageRef;
}

/** A submitted form. */
export interface FormSubmission {
  actor: Actor;
  channelId: string;
  formId: string;
  values: Record<string, string>;
}

/** The single entry point of the core for every adapter. Expected failures come back as replies, never throws. */
export interface Dispatcher {
  /** Parse, authorise and run one command line. */
  run(command: IncomingCommand): Promise<Reply>;
  /** Handle a button click (confirm, cancel, approve, reject, run, ack, silence, form). */
  act(click: ActionClick): Promise<Reply>;
  /** Handle a submitted form; the reply carries `formErrors` when fields are invalid. */
  submit(form: FormSubmission): Promise<Reply>;
}

/** Encodes an action for a platform id field (Slack `action_id`/`value`, Discord `custom_id`, max 100 chars). */
export function encodeAction(action: ActionRef): string {
  return `pg:${action.kind}:${action.ref}`;
}

const actionKinds: readonly ActionKind[] = ['run', 'confirm', 'cancel', 'approve', 'reject', 'ack', 'silence', 'form'];

/** Decodes what `encodeAction` produced; undefined for anything else. */
export function decodeAction(id: string): ActionRef | undefined {
  const match = /^pg:([a-z]+):(.*)$/s.exec(id);
  if (!match) return undefined;
  const kind = match[1] as ActionKind;
  if (!actionKinds.includes(kind)) return undefined;
  return { kind, ref: match[2] ?? '' };
}
