/**
 * The REST client (discord.js's `@discordjs/rest`, which queues per rate-limit bucket and waits out 429s
 * with their `retry_after`) and the one way the adapter sends a rendered message through it.
 */
import { DiscordAPIError, REST } from 'discord.js';
import type { MessageBody } from './discord-wire.js';
import { messageSchema } from './discord-wire.js';
import type { DiscordFile } from './render-embeds.js';

/** Discord's error code for a webhook (here: an interaction token) it does not know. */
const UNKNOWN_WEBHOOK = 10015;
const WEBHOOK_ATTEMPTS = 3;

/** Creates the REST client for an API base URL (discord.js's `api` form, e.g. `https://discord.com/api`). */
export function createDiscordRest(apiUrl: string, botToken?: string): REST {
  const rest = new REST({ version: '10', api: apiUrl });
  if (botToken) rest.setToken(botToken);
  return rest;
}

/** Stops the REST client's background sweepers (so a stopped adapter holds no timers). */
export function closeDiscordRest(rest: REST): void {
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
}

/** A message Discord answered with: where it lives. */
export interface SentMessage {
  id: string;
  channelId: string;
}

/**
 * Sends a message body (and its files, as multipart with `payload_json`) with the given method and route.
 * `auth: false` for interaction webhooks, which carry their own token in the route.
 */
export async function sendMessage(
  rest: REST,
  method: 'post' | 'patch',
  route: `/${string}`,
  body: MessageBody,
  files: readonly DiscordFile[],
  auth: boolean,
): Promise<SentMessage | undefined> {
  const request = {
    body,
    auth,
    ...(files.length > 0
      ? { files: files.map((f) => ({ name: f.name, data: Buffer.from(f.data), contentType: f.contentType })) }
      : {}),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const answer: unknown = method === 'post' ? await rest.post(route, request) : await rest.patch(route, request);
      const parsed = messageSchema.safeParse(answer);
      return parsed.success ? { id: parsed.data.id, channelId: parsed.data.channel_id } : undefined;
    } catch (err) {
      // Right after an HTTP-answered interaction, Discord may not know its webhook yet: try again shortly.
      const notYet = !auth && err instanceof DiscordAPIError && err.code === UNKNOWN_WEBHOOK;
      if (!notYet || attempt >= WEBHOOK_ATTEMPTS) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}
