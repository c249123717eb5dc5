/**
 * The slice of Discord's wire format (API v10) the adapter sends and reads, as plain JSON shapes. Numeric
 * codes are Discord's documented values; incoming payloads are validated with zod at the edge because
 * they come from the network (or from recorded gateway fixtures).
 */
import { z } from 'zod';

/** Interaction types (`interaction.type`). */
export const InteractionKind = {
  ping: 1,
  command: 2,
  component: 3,
  autocomplete: 4,
  modalSubmit: 5,
} as const;

/** Interaction callback types (`response.type`). */
export const CallbackType = {
  pong: 1,
  message: 4,
  deferredMessage: 5,
  deferredUpdate: 6,
  updateMessage: 7,
  autocompleteResult: 8,
  modal: 9,
} as const;

/** Message flag that shows a message to the interacting user only. */
export const EPHEMERAL = 64;

/** Button styles. */
export const ButtonStyle = { primary: 1, secondary: 2, success: 3, danger: 4 } as const;

/** Limits from Discord's embed, component and modal documentation. */
export const DiscordLimits = {
  embedsPerMessage: 10,
  charsPerMessage: 6000,
  fieldsPerEmbed: 25,
  title: 256,
  description: 4096,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  content: 2000,
  buttonsPerRow: 5,
  rowsPerMessage: 5,
  customId: 100,
  buttonLabel: 80,
  modalTitle: 45,
  inputsPerModal: 5,
  inputLabel: 45,
  inputPlaceholder: 100,
  inputValue: 4000,
  threadName: 100,
} as const;

/** An embed field. */
export interface EmbedField {
  name: string;
  value: string;
  inline?: boolean;
}

/** An embed as sent in `embeds`. */
export interface Embed {
  title?: string;
  description?: string;
  color?: number;
  fields?: EmbedField[];
  footer?: { text: string };
  timestamp?: string;
}

/** A button with a custom id (the only kind the bot sends). */
export interface Button {
  type: 2;
  style: number;
  label: string;
  custom_id: string;
  disabled?: boolean;
}

/** A text input inside a modal. */
export interface TextInput {
  type: 4;
  custom_id: string;
  style: 1 | 2;
  label: string;
  required: boolean;
  placeholder?: string;
  value?: string;
  max_length?: number;
}

/** An action row of buttons or of one text input. */
export interface ActionRow<C = Button> {
  type: 1;
  components: C[];
}

/** A modal as sent with callback type 9. */
export interface Modal {
  custom_id: string;
  title: string;
  components: ActionRow<TextInput>[];
}

/** The JSON body of a message (interaction response data, webhook edit, channel message). */
export interface MessageBody {
  content?: string;
  embeds: Embed[];
  components: ActionRow[];
  flags?: number;
  attachments?: { id: number; filename: string }[];
  allowed_mentions: { parse: string[] };
}

/** An interaction response (the HTTP answer or the body of the callback endpoint). */
export type InteractionResponse =
  | { type: 1 }
  | { type: 4 | 7; data: MessageBody }
  | { type: 5; data?: { flags: number } }
  | { type: 6 }
  | { type: 8; data: { choices: { name: string; value: string }[] } }
  | { type: 9; data: Modal };

const user = z.looseObject({
  id: z.string(),
  username: z.string().optional(),
  global_name: z.string().nullish(),
});

/** One option of a chat input command, recursively (subcommand groups hold subcommands hold values). */
export interface CommandOption {
  name: string;
  type: number;
  value?: string | number | boolean | undefined;
  options?: CommandOption[] | undefined;
}

const commandOption: z.ZodType<CommandOption> = z.lazy(() =>
  z.looseObject({
    name: z.string(),
    type: z.number().int(),
    value: z.union([z.string(), z.number(), z.boolean()]).optional(),
    options: z.array(commandOption).optional(),
  }),
);

/** The `data` of a chat input command interaction. */
export const commandDataSchema = z.looseObject({
  name: z.string(),
  type: z.number().int().optional(),
  options: z.array(commandOption).optional(),
});
export type CommandData = z.infer<typeof commandDataSchema>;

const modalInput = z.looseObject({ custom_id: z.string(), value: z.string().nullish() });

const modalRow = z.looseObject({
  type: z.number().int(),
  components: z.array(modalInput).optional(),
  // Newer modals wrap each input in a label component with a single `component`.
  component: modalInput.optional(),
});

/** An interaction as Discord sends it over HTTP or inside a gateway `INTERACTION_CREATE`. */
export const interactionSchema = z.looseObject({
  id: z.string(),
  application_id: z.string(),
  type: z.number().int(),
  token: z.string(),
  version: z.number().optional(),
  guild_id: z.string().optional(),
  channel_id: z.string().optional(),
  channel: z.looseObject({ id: z.string() }).optional(),
  member: z
    .looseObject({
      user,
      roles: z.array(z.string()).default([]),
      nick: z.string().nullish(),
    })
    .optional(),
  user: user.optional(),
  data: z.unknown().optional(),
  message: z
    .looseObject({
      id: z.string(),
      channel_id: z.string().optional(),
      flags: z.number().optional(),
    })
    .optional(),
});
export type Interaction = z.infer<typeof interactionSchema>;

/** The `data` of a message component interaction. */
export const componentDataSchema = z.looseObject({ custom_id: z.string(), component_type: z.number().optional() });

/** The `data` of a modal submission. */
export const modalDataSchema = z.looseObject({ custom_id: z.string(), components: z.array(modalRow).default([]) });

/** A message object as Discord answers it (only the fields the adapter reads). */
export const messageSchema = z.looseObject({ id: z.string(), channel_id: z.string() });
