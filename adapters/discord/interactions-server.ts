/**
 * The HTTP interactions endpoint (`POST /discord/interactions`). Every request is verified before it is
 * read: the Ed25519 signature (`X-Signature-Ed25519`) over `X-Signature-Timestamp` + raw body with the
 * application's public key, and a timestamp no older than 5 minutes (replays). Discord probes endpoints
 * with bad signatures and drops those that accept them, so any doubt answers 401.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../../src/clock.js';
import type { Logger } from '../../src/logger.js';
import { fail, ok, type Result } from '../../src/result.js';
import type { InteractionHandler } from './interaction-handler.js';
import type { InteractionResponse } from './discord-wire.js';

/** The path Discord posts interactions to. */
export const INTERACTIONS_PATH = '/discord/interactions';
/** Signed requests older (or newer) than this are refused as replays. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;
const MAX_BODY_BYTES = 1024 * 1024;
// The DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** Builds a key object from the 64 hex characters of Discord's application public key. */
export function publicKeyFromHex(hex: string): KeyObject {
  return createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, Buffer.from(hex, 'hex')]),
    format: 'der',
    type: 'spki',
  });
}

/** Checks a request's signature and age; the failure code says which check failed (for the log). */
export function verifyDiscordRequest(
  key: KeyObject,
  signatureHex: string | undefined,
  timestamp: string | undefined,
  rawBody: Buffer,
  now: Date,
): Result<true> {
  if (!signatureHex || !timestamp) return fail('missing_signature', 'signature headers missing');
  if (!/^[0-9a-fA-F]{128}$/.test(signatureHex)) return fail('bad_signature', 'signature is not 64 bytes of hex');
  if (!/^\d{1,12}$/.test(timestamp)) return fail('bad_timestamp', 'timestamp is not a number of seconds');
  if (Math.abs(now.getTime() - Number(timestamp) * 1000) > MAX_SIGNATURE_AGE_MS) {
    return fail('stale_timestamp', 'timestamp older or newer than 5 minutes');
  }
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]);
  let valid = false;
  try {
    valid = verify(null, signed, key, Buffer.from(signatureHex, 'hex'));
  } catch {
    // OpenSSL rejects some malformed signatures by throwing rather than returning false.
    valid = false;
  }
  return valid ? ok(true) : fail('bad_signature', 'signature does not match');
}

/** What the endpoint needs. */
export interface InteractionsServerOptions {
  /** The application's public key, 64 hex characters (`DISCORD_PUBLIC_KEY`). */
  publicKey: string;
  handler: InteractionHandler;
  logger: Logger;
  clock?: Clock;
}

/** The running endpoint. */
export interface InteractionsServer {
  readonly server: Server;
  /** Starts listening; resolves with the bound port (use 0 for any free port). */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting requests and waits for interactions in flight. */
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body?: unknown): Promise<void> {
  return new Promise((resolve) => {
    if (res.headersSent) {
      resolve();
      return;
    }
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
    });
    res.end(text, () => {
      resolve();
    });
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Creates the HTTP interactions endpoint around the shared interaction handler. */
export function createInteractionsServer(options: InteractionsServerOptions): InteractionsServer {
  const key = publicKeyFromHex(options.publicKey);
  const clock = options.clock ?? systemClock;
  const { handler, logger } = options;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path !== INTERACTIONS_PATH) {
      await send(res, 404, { error: 'not found' });
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      await send(res, 405, { error: 'method not allowed' });
      return;
    }
    const body = await readBody(req);
    if (!body) {
      await send(res, 413, { error: 'body too large' });
      return;
    }
    const checked = verifyDiscordRequest(
      key,
      req.headers['x-signature-ed25519'] as string | undefined,
      req.headers['x-signature-timestamp'] as string | undefined,
      body,
      clock.now(),
    );
    if (!checked.ok) {
      logger.warn({ reason: checked.error.code }, 'discord: interaction refused (401)');
      await send(res, 401, { error: 'invalid request signature' });
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      await send(res, 400, { error: 'body is not JSON' });
      return;
    }
    const state = { answered: false };
    const respond = async (response: InteractionResponse): Promise<void> => {
      state.answered = true;
      await send(res, 200, response);
    };
    await handler.handle(payload, respond).catch((err: unknown) => {
      logger.error({ err }, 'discord: interaction handler failed');
    });
    // A payload the handler could not use still gets an answer, so Discord does not retry or time out.
    if (!state.answered) await send(res, 400, { error: 'unsupported interaction' });
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((err: unknown) => {
      logger.error({ err }, 'discord: interactions endpoint failed');
      void send(res, 500, { error: 'internal error' });
    });
  });

  return {
    server,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeIdleConnections();
      });
      await handler.drain();
    },
  };
}
