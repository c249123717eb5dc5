/**
 * What the application intake and decisions work with: the command context (or the dispatcher's form tools
 * shaped like it), the parts that vary in tests (ids, file reads, sleeping between health checks, logs), the
 * admission settings, and small helpers to post, edit and audit without letting a chat failure break a flow.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import type { ChatSink, PostTarget } from '../chat/chat-sink.js';
import type { Clock } from '../clock.js';
import type { Actor, MessageRef, Platform } from '../commands/command.js';
import type { ClusterHandle } from '../commands/command-spec.js';
import { defaultAdmissionSettings, type AdmissionSettings, type Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { Reply } from '../replies/reply.js';
import type { AuditEntry, Store } from '../store/store.js';

/** The context of an application command or form (a `CommandContext` fits). */
export interface AdmissionContext {
  /** The cluster addressed by default. */
  cluster: ClusterHandle;
  clusters: readonly ClusterHandle[];
  actor: Actor;
  channelId: string;
  config: Config;
  store: Store;
  clock: Clock;
  sinks: readonly ChatSink[];
}

/** What varies: ids, file reads, waiting between health checks, logs. */
export interface AdmissionDeps {
  newId: () => string;
  readFile: (path: string) => string;
  sleep: (ms: number) => Promise<void>;
  /** Receives failures that do not change the answer (a post that did not go through). */
  logger?: Logger;
}

/** Random 8-hex ids, the file system, real sleeping. */
export const defaultAdmissionDeps: AdmissionDeps = {
  newId: () => randomBytes(4).toString('hex'),
  readFile: (path) => readFileSync(path, 'utf8'),
  sleep: (ms) => delay(ms),
};

/** The admission settings of a config (the defaults when a hand-built config has none). */
export function admissionSettings(config: Config): AdmissionSettings {
  return config.admission ?? defaultAdmissionSettings();
}

/** Chat platforms, where posts land in channels other people see. */
export function isChat(platform: Platform): platform is 'slack' | 'discord' {
  return platform === 'slack' || platform === 'discord';
}

/** The sink of a platform, if the bot runs one. */
export function sinkFor(ctx: Pick<AdmissionContext, 'sinks'>, platform: Platform): ChatSink | undefined {
  return ctx.sinks.find((s) => s.platform === platform);
}

/** Posts a reply; a failure is logged and answered with undefined (the flow goes on without that message). */
export async function postSafely(
  sink: ChatSink,
  target: PostTarget,
  reply: Reply,
  deps: AdmissionDeps,
  what: string,
): Promise<MessageRef | undefined> {
  try {
    return await sink.post(target, reply);
  } catch (err) {
    deps.logger?.warn({ err, channel: target.channelId }, `posting ${what} failed`);
    return undefined;
  }
}

/** Edits messages posted earlier; failures are logged. */
export async function updateSafely(
  ctx: Pick<AdmissionContext, 'sinks'>,
  refs: readonly MessageRef[],
  reply: Reply,
  deps: AdmissionDeps,
): Promise<void> {
  for (const ref of refs) {
    const sink = sinkFor(ctx, ref.platform);
    if (!sink) continue;
    try {
      await sink.update(ref, reply);
    } catch (err) {
      deps.logger?.warn({ err, message: ref }, 'editing the decision request failed');
    }
  }
}

/** Appends to the audit log; losing a line is logged, never turned into a failed decision. */
export async function auditSafely(
  ctx: Pick<AdmissionContext, 'store' | 'clock'>,
  entry: Omit<AuditEntry, 'id' | 'at'>,
  deps: AdmissionDeps,
): Promise<void> {
  try {
    await ctx.store.appendAudit({ ...entry, at: ctx.clock.now() });
  } catch (err) {
    deps.logger?.error({ err, event: entry.event, ref: entry.ref }, 'audit write failed');
  }
}
