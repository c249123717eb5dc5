/**
 * Interaction tokens of messages the bot answered through an interaction. Discord lets an interaction's
 * token edit its messages for 15 minutes (and only that token can edit an ephemeral one); after that,
 * updates go through the bot token. Kept in memory: a restart simply falls back to the bot token.
 */
import type { Clock } from '../../src/clock.js';

/** How long Discord honours an interaction token. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;
// Stop using a token a little before Discord does, so an edit never races the expiry.
const SAFETY_MS = 30_000;

/** A way to edit one message with an interaction token. */
export interface TokenEdit {
  applicationId: string;
  token: string;
  /** `@original` for the interaction's own message, else the follow-up's message id. */
  target: string;
  ephemeral: boolean;
}

interface Entry extends TokenEdit {
  expiresAt: number;
}

/** Message id → the interaction token that may still edit it. */
export class InteractionTokens {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;
  private readonly max: number;

  constructor(clock: Clock, max = 5000) {
    this.clock = clock;
    this.max = max;
  }

  /** Remembers that `messageId` can be edited with this token, which Discord issued at `receivedAt`. */
  remember(messageId: string, edit: TokenEdit, receivedAt: Date): void {
    this.entries.delete(messageId);
    this.entries.set(messageId, { ...edit, expiresAt: receivedAt.getTime() + INTERACTION_TOKEN_TTL_MS - SAFETY_MS });
    // Map iteration is insertion order, so the first key is the oldest.
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** The token edit for a message while its token is still valid; undefined once expired or unknown. */
  lookup(messageId: string): TokenEdit | undefined {
    const entry = this.entries.get(messageId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now().getTime()) {
      this.entries.delete(messageId);
      return undefined;
    }
    return entry;
  }

  /** Whether a message is known to be ephemeral (only its token, while valid, can edit it). */
  isEphemeral(messageId: string): boolean {
    return this.entries.get(messageId)?.ephemeral === true;
  }
}
