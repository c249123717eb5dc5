/** The Discord adapter's public API (used by `src/main.ts` and the `discord register` command). */
export { createDiscordAdapter, type DiscordAdapter, type DiscordAdapterOptions } from './discord-adapter.js';
export {
  buildPegasusCommand,
  interactionToCommandLine,
  registerCommands,
  type RegisterCommandsOptions,
} from './command-definitions.js';
export { DiscordSink, type DiscordSinkOptions } from './discord-sink.js';
export { renderEmbeds, type RenderedReply } from './render-embeds.js';
export { runDiscordRegister } from './register-cli.js';
export { createInteractionHandler, type InteractionHandler } from './interaction-handler.js';
