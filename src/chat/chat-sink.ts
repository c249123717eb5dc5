/**
 * The port through which the core speaks first (approval requests, rebalance window progress, alerts),
 * as opposed to answering a command. Each chat adapter implements it; the console prints.
 */
import type { MessageRef, Platform } from '../commands/command.js';
import type { Reply } from '../replies/reply.js';

/** Where to post: a channel, optionally inside the thread of an earlier message. */
export interface PostTarget {
  channelId: string;
  /** Post as a reply in this message's thread. */
  threadOf?: MessageRef;
}

/** Posts and edits messages on one platform. Implementations pace per channel and retry on rate limits. */
export interface ChatSink {
  readonly platform: Platform;
  /** Posts a new message; resolves once the platform accepted it. */
  post(target: PostTarget, reply: Reply): Promise<MessageRef>;
  /** Replaces the content of a message posted earlier (approval decided, alert root kept current). */
  update(ref: MessageRef, reply: Reply): Promise<void>;
}
