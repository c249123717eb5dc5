/**
 * The transport-neutral heart of the Discord adapter: one raw interaction in (from the HTTP endpoint or a
 * gateway `INTERACTION_CREATE`), one initial response out through `respond` within Discord's 3 seconds,
 * then edits and follow-ups over REST. It maps interactions to the dispatcher (`run`, `act`, `submit`) and
 * renders the replies; policy, confirmations and approvals are the dispatcher's.
 *
 * Timing: the core gets `deferAfterMs` (1.5 s by default) to answer. A quick answer becomes the initial
 * response itself, so refusals and prompts can be ephemeral and forms can open as modals (a modal must be
 * the first response). A slower one is deferred ("thinking…", or a silent deferred update for a button) and
 * delivered by editing the original message when it is ready.
 */
import type { REST } from 'discord.js';
import { Routes } from 'discord.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { decodeAction, type Actor, type Dispatcher } from '../../src/commands/command.js';
import type { Logger } from '../../src/logger.js';
import { messageReply, type FormSpec, type Reply } from '../../src/replies/reply.js';
import { interactionToCommandLine } from './command-definitions.js';
import { ConfirmDialogs } from './confirm-dialogs.js';
import { sendMessage } from './discord-rest.js';
import {
  ButtonStyle,
  CallbackType,
  componentDataSchema,
  DiscordLimits,
  EPHEMERAL,
  InteractionKind,
  interactionSchema,
  modalDataSchema,
  type ActionRow,
  type Button,
  type Embed,
  type Interaction,
  type InteractionResponse,
  type Modal,
} from './discord-wire.js';
import { FormSessions, formParts, partOfField } from './form-sessions.js';
import { InteractionTokens } from './interaction-tokens.js';
import {
  ASK_PREFIX,
  renderEmbeds,
  toMessageBody,
  truncate,
  type RenderedMessage,
  type RenderedReply,
  type RenderOptions,
} from './render-embeds.js';

/** Sends the initial response to an interaction (HTTP answer or callback endpoint). */
export type Respond = (response: InteractionResponse) => Promise<void>;

/** What the handler needs. */
export interface InteractionHandlerOptions {
  dispatcher: Dispatcher;
  /** REST client for edits and follow-ups (interaction webhooks need no bot token). */
  rest: REST;
  logger: Logger;
  clock?: Clock;
  /** How long the core may take before the interaction is deferred (ms). Must stay well under 3 s. */
  deferAfterMs?: number;
  tokens?: InteractionTokens;
  forms?: FormSessions;
  dialogs?: ConfirmDialogs;
  render?: RenderOptions;
}

/** The handler both transports feed. */
export interface InteractionHandler {
  /** Handles one raw interaction; resolves when every edit and follow-up has been sent. */
  handle(raw: unknown, respond: Respond): Promise<void>;
  /** Waits until interactions in flight are finished (graceful stop). */
  drain(): Promise<void>;
  readonly tokens: InteractionTokens;
  readonly forms: FormSessions;
  readonly dialogs: ConfirmDialogs;
}

/** Custom id prefixes the adapter handles itself (the core's own actions use `pg:`). */
const MODAL_PREFIX = 'pgm:';
const NEXT_PREFIX = 'pgn:';
const DISMISS_PREFIX = 'pgx:';

interface Ctx {
  interaction: Interaction;
  actor: Actor;
  channelId: string;
  receivedAt: Date;
  respond: Respond;
  /** The initial response sent so far: none, a deferred message ("thinking…"), a deferred update, or a final one. */
  state: 'none' | 'deferredMessage' | 'deferredUpdate' | 'done';
}

function actorOf(interaction: Interaction): Actor {
  const user = interaction.member?.user ?? interaction.user;
  const displayName = interaction.member?.nick ?? user?.global_name ?? user?.username ?? undefined;
  return {
    platform: 'discord',
    userId: user?.id ?? 'unknown',
    ...(displayName ? { displayName } : {}),
    platformRoles: interaction.member?.roles ?? [],
  };
}

async function within<T>(promise: Promise<T>, ms: number): Promise<{ done: true; value: T } | { done: false }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ done: false }>((resolve) => {
    timer = setTimeout(() => {
      resolve({ done: false });
    }, ms);
  });
  try {
    return await Promise.race([promise.then((value) => ({ done: true as const, value })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function notice(title: string, text: string, colour = 0xf39c12): Embed {
  return {
    title: truncate(title, DiscordLimits.title),
    description: truncate(text, DiscordLimits.description),
    color: colour,
  };
}

function button(label: string, customId: string, style: number = ButtonStyle.secondary): Button {
  return { type: 2, style, label: truncate(label, DiscordLimits.buttonLabel), custom_id: customId };
}

function plain(embeds: Embed[], components: ActionRow[] = []): RenderedMessage {
  return { embeds, components, files: [] };
}

/** Builds one modal of a form; earlier answers prefill the inputs (a re-opened part after errors). */
export function buildModal(spec: FormSpec, part: number, values: Record<string, string>): Modal {
  const parts = formParts(spec);
  const fields = parts[part] ?? [];
  const suffix = parts.length > 1 ? ` (${part + 1}/${parts.length})` : '';
  return {
    custom_id: `${MODAL_PREFIX}${spec.id}:${part}:${parts.length}`,
    title: `${truncate(spec.title, DiscordLimits.modalTitle - suffix.length)}${suffix}`,
    components: fields.map((f) => {
      const optionsHint = f.options ? f.options.map((o) => o.value).join(' | ') : undefined;
      // A label longer than Discord's 45 characters keeps its full wording in the placeholder.
      const placeholder =
        f.placeholder ?? optionsHint ?? (f.label.length > DiscordLimits.inputLabel ? f.label : f.hint);
      const value = values[f.name];
      return {
        type: 1,
        components: [
          {
            type: 4,
            custom_id: f.name,
            style: f.kind === 'multiline' ? 2 : 1,
            label: truncate(f.label, DiscordLimits.inputLabel),
            required: f.required,
            max_length: f.kind === 'multiline' ? DiscordLimits.inputValue : f.kind === 'number' ? 32 : 400,
            ...(placeholder ? { placeholder: truncate(placeholder, DiscordLimits.inputPlaceholder) } : {}),
            ...(value ? { value: truncate(value, DiscordLimits.inputValue) } : {}),
          },
        ],
      };
    }),
  };
}

/** Creates the interaction handler shared by the HTTP endpoint and the gateway. */
export function createInteractionHandler(options: InteractionHandlerOptions): InteractionHandler {
  const { dispatcher, rest, logger } = options;
  const clock = options.clock ?? systemClock;
  const deferAfterMs = options.deferAfterMs ?? 1500;
  const tokens = options.tokens ?? new InteractionTokens(clock);
  const forms = options.forms ?? new FormSessions(clock);
  const dialogs = options.dialogs ?? new ConfirmDialogs();
  const inFlight = new Set<Promise<void>>();

  const internalError = (command: string, err: unknown): Reply => {
    const reference = Math.random().toString(36).slice(2, 10);
    logger.error({ err, reference, command }, 'discord: the dispatcher threw');
    return messageReply(
      command,
      'unknown',
      'Internal error',
      [`Something went wrong inside the bot (reference ${reference}). It is logged; try again, or ask an admin.`],
      clock.now(),
      { ephemeral: true },
    );
  };

  const safely = (command: string, call: () => Promise<Reply>): Promise<Reply> => {
    try {
      return call().catch((err: unknown) => internalError(command, err));
    } catch (err) {
      return Promise.resolve(internalError(command, err));
    }
  };

  const render = (reply: Reply): RenderedReply => {
    const rendered = renderEmbeds(reply, options.render);
    dialogs.add(rendered.dialogs);
    return rendered;
  };

  async function respond(ctx: Ctx, response: InteractionResponse): Promise<void> {
    if (ctx.state !== 'none') {
      logger.error(
        { type: response.type, interaction: ctx.interaction.id },
        'discord: second initial response dropped',
      );
      return;
    }
    ctx.state =
      response.type === CallbackType.deferredMessage
        ? 'deferredMessage'
        : response.type === CallbackType.deferredUpdate
          ? 'deferredUpdate'
          : 'done';
    await ctx.respond(response);
  }

  const webhook = (ctx: Ctx) => Routes.webhook(ctx.interaction.application_id, ctx.interaction.token);
  const original = (ctx: Ctx) =>
    Routes.webhookMessage(ctx.interaction.application_id, ctx.interaction.token, '@original');

  async function editOriginal(ctx: Ctx, message: RenderedMessage, ephemeral: boolean): Promise<void> {
    const body = toMessageBody(message, { replace: true });
    const sent = await sendMessage(rest, 'patch', original(ctx), body, message.files, false);
    if (sent) {
      tokens.remember(
        sent.id,
        { applicationId: ctx.interaction.application_id, token: ctx.interaction.token, target: '@original', ephemeral },
        ctx.receivedAt,
      );
    }
  }

  async function followUp(ctx: Ctx, message: RenderedMessage, ephemeral: boolean): Promise<void> {
    const body = toMessageBody(message, { ephemeral });
    const sent = await sendMessage(rest, 'post', webhook(ctx), body, message.files, false);
    if (sent) {
      tokens.remember(
        sent.id,
        { applicationId: ctx.interaction.application_id, token: ctx.interaction.token, target: sent.id, ephemeral },
        ctx.receivedAt,
      );
    }
  }

  /** Delivers a reply as a new message (a command's answer, a button's answer that is not an edit). */
  async function answerNew(ctx: Ctx, rendered: RenderedReply, ephemeral: boolean): Promise<void> {
    if (ctx.state === 'none') {
      if (rendered.files.length === 0) {
        await respond(ctx, { type: CallbackType.message, data: toMessageBody(rendered, { ephemeral }) });
      } else {
        // Files travel as multipart, which only the webhook edit takes: defer with the right visibility first.
        await respond(ctx, { type: CallbackType.deferredMessage, data: { flags: ephemeral ? EPHEMERAL : 0 } });
        await editOriginal(ctx, rendered, ephemeral);
      }
    } else if (ctx.state === 'deferredMessage' && ephemeral) {
      // The visibility of a deferred message is fixed when deferring: settle the public placeholder, answer
      // privately, then remove the placeholder.
      await editOriginal(
        ctx,
        plain([notice('Answered privately', `Only <@${ctx.actor.userId}> can see the answer.`, 0x95a5a6)]),
        false,
      );
      await followUp(ctx, rendered, true);
      await rest.delete(original(ctx), { auth: false });
    } else if (ctx.state === 'deferredMessage') {
      await editOriginal(ctx, rendered, false);
    } else {
      await followUp(ctx, rendered, ephemeral);
    }
    for (const more of rendered.more) await followUp(ctx, more, ephemeral);
  }

  /** Replaces the message a button was on (a decision taken, a confirmation done). */
  async function replaceMessage(ctx: Ctx, rendered: RenderedReply, ephemeral: boolean): Promise<void> {
    if (ctx.state === 'none' && rendered.files.length === 0) {
      await respond(ctx, { type: CallbackType.updateMessage, data: toMessageBody(rendered, { replace: true }) });
    } else {
      if (ctx.state === 'none') await respond(ctx, { type: CallbackType.deferredUpdate });
      await editOriginal(ctx, rendered, ephemeral);
    }
    for (const more of rendered.more) await followUp(ctx, more, ephemeral);
  }

  /** Opens a form: as a modal when that can still be the first response, else behind a button. */
  async function openForm(ctx: Ctx, spec: FormSpec): Promise<void> {
    forms.start(ctx.actor.userId, spec);
    const canModal = ctx.state === 'none' && ctx.interaction.type !== InteractionKind.modalSubmit;
    if (canModal) {
      await respond(ctx, { type: CallbackType.modal, data: buildModal(spec, 0, {}) });
      return;
    }
    const parts = formParts(spec).length;
    const message = plain(
      [
        notice(
          spec.title,
          `The form has ${spec.fields.length} questions in ${parts} step${parts > 1 ? 's' : ''}.`,
          0x5865f2,
        ),
      ],
      [{ type: 1, components: [button('Open the form', `${NEXT_PREFIX}${spec.id}:0`, ButtonStyle.primary)] }],
    );
    await answerNew(ctx, { ...message, more: [], dialogs: {} }, true);
  }

  /** Delivers whatever the core answered, given what has been sent already. */
  async function deliver(ctx: Ctx, reply: Reply, fromButton: boolean): Promise<void> {
    if (reply.form && !reply.formErrors) {
      await openForm(ctx, reply.form);
      return;
    }
    const rendered = render(reply);
    const ephemeral = reply.ephemeral === true;
    if (fromButton && reply.replaceOriginal) await replaceMessage(ctx, rendered, ephemeral || isEphemeralMessage(ctx));
    else await answerNew(ctx, rendered, ephemeral);
  }

  function isEphemeralMessage(ctx: Ctx): boolean {
    return ((ctx.interaction.message?.flags ?? 0) & EPHEMERAL) !== 0;
  }

  /** Runs a core call; answers at once when it is quick, else defers and delivers later. */
  async function runAndDeliver(ctx: Ctx, call: Promise<Reply>, fromButton: boolean): Promise<void> {
    const early = await within(call, deferAfterMs);
    if (early.done) {
      await deliver(ctx, early.value, fromButton);
      return;
    }
    await respond(ctx, fromButton ? { type: CallbackType.deferredUpdate } : { type: CallbackType.deferredMessage });
    await deliver(ctx, await call, fromButton);
  }

  async function onCommand(ctx: Ctx): Promise<void> {
    const line = interactionToCommandLine(ctx.interaction.data);
    if (!line.ok) {
      const reply = messageReply('', 'unknown', 'Cannot run this command', [line.error.message], clock.now(), {
        ephemeral: true,
      });
      await deliver(ctx, reply, false);
      return;
    }
    const text = line.value;
    logger.debug({ user: ctx.actor.userId, channel: ctx.channelId, text }, 'discord: command');
    await runAndDeliver(
      ctx,
      safely(text, () => dispatcher.run({ actor: ctx.actor, channelId: ctx.channelId, text })),
      false,
    );
  }

  async function onComponent(ctx: Ctx): Promise<void> {
    const parsed = componentDataSchema.safeParse(ctx.interaction.data);
    const customId = parsed.success ? parsed.data.custom_id : '';
    if (customId.startsWith(ASK_PREFIX)) {
      await askFirst(ctx, customId);
      return;
    }
    if (customId.startsWith(NEXT_PREFIX)) {
      await openPart(ctx, customId.slice(NEXT_PREFIX.length));
      return;
    }
    if (customId.startsWith(DISMISS_PREFIX)) {
      const formId = customId.slice(DISMISS_PREFIX.length).replace(/^form:/, '');
      if (customId.startsWith(`${DISMISS_PREFIX}form:`)) forms.delete(ctx.actor.userId, formId);
      await respond(ctx, {
        type: CallbackType.updateMessage,
        data: toMessageBody(plain([notice('Cancelled', 'Nothing was sent.', 0x95a5a6)])),
      });
      return;
    }
    const action = decodeAction(customId);
    if (!action) {
      await deliver(
        ctx,
        messageReply(
          '',
          'unknown',
          'This button is no longer handled',
          ['Run the command again for fresh buttons.'],
          clock.now(),
          {
            ephemeral: true,
          },
        ),
        true,
      );
      return;
    }
    const message = ctx.interaction.message;
    if (message) {
      // The component's own token can edit its message for 15 minutes (the only way for an ephemeral one).
      tokens.remember(
        message.id,
        {
          applicationId: ctx.interaction.application_id,
          token: ctx.interaction.token,
          target: '@original',
          ephemeral: isEphemeralMessage(ctx),
        },
        ctx.receivedAt,
      );
    }
    const click = {
      actor: ctx.actor,
      channelId: ctx.channelId,
      action,
      ...(message
        ? {
            message: {
              platform: 'discord' as const,
              channelId: message.channel_id ?? ctx.channelId,
              messageId: message.id,
            },
          }
        : {}),
    };
    logger.debug({ user: ctx.actor.userId, action }, 'discord: click');
    await runAndDeliver(
      ctx,
      safely(`${action.kind} ${action.ref}`, () => dispatcher.act(click)),
      true,
    );
  }

  /** Discord has no confirmation dialog: emulate it with an ephemeral Confirm / Cancel. */
  async function askFirst(ctx: Ctx, customId: string): Promise<void> {
    const label = findButtonLabel(ctx.interaction, customId);
    const dialog = dialogs.get(customId, label);
    const actionId = customId.slice(ASK_PREFIX.length);
    await respond(ctx, {
      type: CallbackType.message,
      data: toMessageBody(
        plain(
          [notice(dialog.title, dialog.text)],
          [
            {
              type: 1,
              components: [
                button(dialog.confirmLabel, actionId, ButtonStyle.danger),
                button(dialog.denyLabel, `${DISMISS_PREFIX}dialog`),
              ],
            },
          ],
        ),
        { ephemeral: true },
      ),
    });
  }

  async function openPart(ctx: Ctx, rest: string): Promise<void> {
    const separator = rest.lastIndexOf(':');
    const formId = rest.slice(0, separator);
    const part = Number(rest.slice(separator + 1));
    const session = forms.get(ctx.actor.userId, formId);
    if (!session || !Number.isInteger(part) || part < 0 || part >= formParts(session.spec).length) {
      await deliver(ctx, expiredForm(), true);
      return;
    }
    await respond(ctx, { type: CallbackType.modal, data: buildModal(session.spec, part, session.values) });
  }

  const expiredForm = (): Reply =>
    messageReply(
      '',
      'unknown',
      'This form has expired',
      [
        'Unfinished forms are kept for 15 minutes and not across bot restarts. Nothing was submitted: start again (e.g. `/pegasus apply_table`).',
      ],
      clock.now(),
      { ephemeral: true },
    );

  /** A step message for multi-part forms: shown by updating the previous step's message when there is one. */
  async function stepMessage(ctx: Ctx, embeds: Embed[], components: ActionRow[]): Promise<void> {
    const message = plain(embeds, components);
    if (ctx.interaction.message) {
      await respond(ctx, { type: CallbackType.updateMessage, data: toMessageBody(message) });
    } else {
      await respond(ctx, { type: CallbackType.message, data: toMessageBody(message, { ephemeral: true }) });
    }
  }

  async function onModalSubmit(ctx: Ctx): Promise<void> {
    const parsed = modalDataSchema.safeParse(ctx.interaction.data);
    const match = parsed.success ? /^pgm:(.+):(\d+):(\d+)$/s.exec(parsed.data.custom_id) : null;
    if (!parsed.success || !match) {
      await deliver(ctx, expiredForm(), false);
      return;
    }
    const formId = match[1] ?? '';
    const part = Number(match[2]);
    const total = Number(match[3]);
    const values: Record<string, string> = {};
    for (const row of parsed.data.components) {
      for (const input of [...(row.components ?? []), ...(row.component ? [row.component] : [])]) {
        values[input.custom_id] = (input.value ?? '').trim();
      }
    }
    const session = forms.get(ctx.actor.userId, formId);
    if (!session && total > 1) {
      await deliver(ctx, expiredForm(), false);
      return;
    }
    if (session) normaliseSelects(session.spec, values);
    const all = session ? (forms.save(ctx.actor.userId, formId, values)?.values ?? values) : values;
    if (part + 1 < total && !session?.reviewed) {
      await stepMessage(
        ctx,
        [
          notice(
            `Step ${part + 1} of ${total} saved`,
            'Continue with the next step. Nothing is submitted until the last one.',
            0x5865f2,
          ),
        ],
        [
          {
            type: 1,
            components: [
              button(`Continue (${part + 2}/${total})`, `${NEXT_PREFIX}${formId}:${part + 1}`, ButtonStyle.primary),
              button('Cancel', `${DISMISS_PREFIX}form:${formId}`),
            ],
          },
        ],
      );
      return;
    }
    const submission = { actor: ctx.actor, channelId: ctx.channelId, formId, values: { ...all } };
    const call = safely(formId, () => dispatcher.submit(submission));
    const early = await within(call, deferAfterMs);
    if (!early.done) {
      await respond(
        ctx,
        ctx.interaction.message ? { type: CallbackType.deferredUpdate } : { type: CallbackType.deferredMessage },
      );
    }
    const reply = early.done ? early.value : await call;
    const errors = Object.entries(reply.formErrors ?? {});
    if (errors.length > 0 && session) {
      // Keep the answers: the user fixes the part with the first error, prefilled with what they typed.
      session.reviewed = true;
      const [firstField = ''] = errors[0] ?? [];
      const fixPart = partOfField(session.spec, firstField);
      const rendered = render({ ...reply, ephemeral: true, actions: [] });
      const fix: ActionRow = {
        type: 1,
        components: [
          button('Fix the answers', `${NEXT_PREFIX}${formId}:${fixPart}`, ButtonStyle.primary),
          button('Cancel', `${DISMISS_PREFIX}form:${formId}`),
        ],
      };
      const withFix = { ...rendered, components: [fix] };
      if (ctx.state === 'none') await stepMessage(ctx, withFix.embeds, withFix.components);
      else await answerNew(ctx, withFix, true);
      return;
    }
    forms.delete(ctx.actor.userId, formId);
    if (!ctx.interaction.message || reply.form) {
      await deliver(ctx, reply, false);
      return;
    }
    if (reply.ephemeral) {
      // A private answer takes the place of the private step message.
      await replaceMessage(ctx, render(reply), true);
      return;
    }
    // Close the private step message, then answer where everyone sees it.
    const submitted = plain([notice('Submitted', 'Your answers were sent.', 0x2ecc71)]);
    if (ctx.state === 'none') await stepMessage(ctx, submitted.embeds, []);
    else await editOriginal(ctx, submitted, true);
    await deliver(ctx, reply, false);
  }

  async function dispatch(raw: unknown, respondRaw: Respond): Promise<void> {
    const parsed = interactionSchema.safeParse(raw);
    if (!parsed.success) {
      logger.warn({ issues: parsed.error.issues.length }, 'discord: unreadable interaction ignored');
      return;
    }
    const interaction = parsed.data;
    if (interaction.type === InteractionKind.ping) {
      await respondRaw({ type: CallbackType.pong });
      return;
    }
    const ctx: Ctx = {
      interaction,
      actor: actorOf(interaction),
      channelId: interaction.channel_id ?? interaction.channel?.id ?? 'dm',
      receivedAt: clock.now(),
      respond: respondRaw,
      state: 'none',
    };
    try {
      switch (interaction.type) {
        case InteractionKind.command:
          await onCommand(ctx);
          break;
        case InteractionKind.component:
          await onComponent(ctx);
          break;
        case InteractionKind.modalSubmit:
          await onModalSubmit(ctx);
          break;
        case InteractionKind.autocomplete:
          await respond(ctx, { type: CallbackType.autocompleteResult, data: { choices: [] } });
          break;
        default:
          logger.warn({ type: interaction.type }, 'discord: interaction type not handled');
      }
    } catch (err) {
      // A REST failure after the initial response: the user already saw something; log it for the operator.
      logger.error({ err, interaction: interaction.id }, 'discord: failed to answer an interaction');
      if (ctx.state === 'none') {
        await respond(ctx, {
          type: CallbackType.message,
          data: toMessageBody(
            plain([notice('Could not answer', 'The bot failed to send its answer; it is logged. Try again.')]),
            {
              ephemeral: true,
            },
          ),
        }).catch(() => undefined);
      }
    }
  }

  return {
    tokens,
    forms,
    dialogs,
    handle(raw, respondRaw) {
      const work = dispatch(raw, respondRaw);
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
      return work;
    },
    async drain() {
      await Promise.allSettled([...inFlight]);
    },
  };
}

function findButtonLabel(interaction: Interaction, customId: string): string | undefined {
  const rows: unknown = (interaction.message as { components?: unknown } | undefined)?.components;
  if (!Array.isArray(rows)) return undefined;
  for (const row of rows as { components?: { custom_id?: string; label?: string }[] }[]) {
    for (const c of row.components ?? []) if (c.custom_id === customId) return c.label;
  }
  return undefined;
}

function normaliseSelects(spec: FormSpec, values: Record<string, string>): void {
  for (const field of spec.fields) {
    const value = values[field.name];
    if (field.kind !== 'select' || !field.options || value === undefined) continue;
    const lower = value.toLowerCase();
    const match = field.options.find((o) => o.value.toLowerCase() === lower || o.label.toLowerCase() === lower);
    if (match) values[field.name] = match.value;
  }
}
