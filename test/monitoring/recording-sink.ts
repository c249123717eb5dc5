/**
 * A `ChatSink` that records every post and edit, can fail on demand (a rate limit, an outage), and can
 * measure the posting rate per channel.
 */
import type { ChatSink, PostTarget } from '../../src/chat/chat-sink.js';
import type { MessageRef, Platform } from '../../src/commands/command.js';
import type { Reply } from '../../src/replies/reply.js';

/** One recorded call. */
export interface SinkCall {
  kind: 'post' | 'update';
  channelId: string;
  /** For posts: the thread root's id when it is a reply. For updates: the edited message's id. */
  threadOf?: string;
  messageId: string;
  reply: Reply;
  /** Wall-clock milliseconds of the call (rate measurements). */
  atMs: number;
}

/** Records calls; `failNext(n)` makes the next n calls throw. */
export class RecordingSink implements ChatSink {
  readonly platform: Platform;
  readonly calls: SinkCall[] = [];
  private counter = 0;
  private failures = 0;
  private readonly now: () => number;

  constructor(platform: Platform = 'slack', now: () => number = () => Date.now()) {
    this.platform = platform;
    this.now = now;
  }

  /** The next `n` calls fail as a platform outage would. */
  failNext(n: number): void {
    this.failures = n;
  }

  private maybeFail(): void {
    if (this.failures > 0) {
      this.failures--;
      throw new Error('platform unavailable (test)');
    }
  }

  async post(target: PostTarget, reply: Reply): Promise<MessageRef> {
    this.maybeFail();
    const messageId = `m${++this.counter}`;
    this.calls.push({
      kind: 'post',
      channelId: target.channelId,
      ...(target.threadOf ? { threadOf: target.threadOf.messageId } : {}),
      messageId,
      reply,
      atMs: this.now(),
    });
    return {
      platform: this.platform,
      channelId: target.channelId,
      messageId,
      ...(target.threadOf ? { threadId: target.threadOf.messageId } : {}),
    };
  }

  async update(ref: MessageRef, reply: Reply): Promise<void> {
    this.maybeFail();
    this.calls.push({ kind: 'update', channelId: ref.channelId, messageId: ref.messageId, reply, atMs: this.now() });
  }

  /** Top-level posts (thread roots). */
  roots(): SinkCall[] {
    return this.calls.filter((c) => c.kind === 'post' && c.threadOf === undefined);
  }

  /** Replies in the thread of a root. */
  repliesTo(rootId: string): SinkCall[] {
    return this.calls.filter((c) => c.kind === 'post' && c.threadOf === rootId);
  }

  /** Edits of a message. */
  updatesOf(messageId: string): SinkCall[] {
    return this.calls.filter((c) => c.kind === 'update' && c.messageId === messageId);
  }

  /** The most calls (posts and edits) one channel received within any one-second window. */
  maxPerChannelPerSecond(): number {
    const byChannel = new Map<string, number[]>();
    for (const c of this.calls) byChannel.set(c.channelId, [...(byChannel.get(c.channelId) ?? []), c.atMs]);
    let max = 0;
    for (const times of byChannel.values()) {
      times.sort((a, b) => a - b);
      let start = 0;
      for (let end = 0; end < times.length; end++) {
        while ((times[end] ?? 0) - (times[start] ?? 0) >= 1000) start++;
        max = Math.max(max, end - start + 1);
      }
    }
    return max;
  }
}
