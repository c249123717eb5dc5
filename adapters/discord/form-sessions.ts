/**
 * Partial answers of forms longer than one Discord modal (at most 5 inputs each). Each part's values are
 * kept in memory, keyed by user and form id, until the last part is submitted and the whole form goes to
 * the dispatcher; an abandoned form expires after 15 minutes (Discord's interaction token lifetime).
 * A restart loses unfinished forms: the user is told to start again.
 */
import type { Clock } from '../../src/clock.js';
import type { FormField, FormSpec } from '../../src/replies/reply.js';
import { DiscordLimits } from './discord-wire.js';

/** One user's unfinished form. */
export interface FormSession {
  spec: FormSpec;
  /** Answers so far, by field name. */
  values: Record<string, string>;
  /** Set once the core answered with errors: after fixing one part the form is submitted again at once. */
  reviewed: boolean;
  expiresAt: number;
}

/** Splits a form into the parts shown as consecutive modals. */
export function formParts(spec: FormSpec): FormField[][] {
  const parts: FormField[][] = [];
  for (let i = 0; i < spec.fields.length; i += DiscordLimits.inputsPerModal) {
    parts.push(spec.fields.slice(i, i + DiscordLimits.inputsPerModal));
  }
  return parts.length > 0 ? parts : [[]];
}

/** The part (modal index) that holds a field. */
export function partOfField(spec: FormSpec, name: string): number {
  const index = spec.fields.findIndex((f) => f.name === name);
  return index < 0 ? 0 : Math.floor(index / DiscordLimits.inputsPerModal);
}

/** In-memory store of unfinished forms. */
export class FormSessions {
  private readonly sessions = new Map<string, FormSession>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly max: number;

  constructor(clock: Clock, ttlMs = 15 * 60_000, max = 1000) {
    this.clock = clock;
    this.ttlMs = ttlMs;
    this.max = max;
  }

  private key(userId: string, formId: string): string {
    return `${userId}\u0000${formId}`;
  }

  /** Starts (or restarts, forgetting earlier answers) a form for a user. */
  start(userId: string, spec: FormSpec): FormSession {
    const session: FormSession = {
      spec,
      values: {},
      reviewed: false,
      expiresAt: this.clock.now().getTime() + this.ttlMs,
    };
    const key = this.key(userId, spec.id);
    this.sessions.delete(key);
    this.sessions.set(key, session);
    while (this.sessions.size > this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.sessions.delete(oldest);
    }
    return session;
  }

  /** The user's unfinished form, unless it expired. */
  get(userId: string, formId: string): FormSession | undefined {
    const key = this.key(userId, formId);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock.now().getTime()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  /** Adds a part's answers and extends the expiry. */
  save(userId: string, formId: string, values: Record<string, string>): FormSession | undefined {
    const session = this.get(userId, formId);
    if (!session) return undefined;
    Object.assign(session.values, values);
    session.expiresAt = this.clock.now().getTime() + this.ttlMs;
    return session;
  }

  /** Forgets a form (submitted or cancelled). */
  delete(userId: string, formId: string): void {
    this.sessions.delete(this.key(userId, formId));
  }

  /** How many forms are unfinished (for tests and metrics). */
  get size(): number {
    return this.sessions.size;
  }
}
