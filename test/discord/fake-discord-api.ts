/**
 * A local stand-in for Discord's REST API (v10) on 127.0.0.1: the routes the adapter calls, answering in
 * Discord's documented shapes (message objects, channel objects, error objects `{ message, code }`, 429 with
 * `retry_after` and the `Retry-After` header). Every call is recorded; an unknown route answers 404 and is
 * kept in `unexpected` so tests can fail loudly on it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A file uploaded with a call (multipart `files[n]`). */
export interface RecordedFile {
  field: string;
  name: string;
  contentType: string;
  text: string;
}

/** One request the fake received. */
export interface RecordedCall {
  method: string;
  /** Path below `/api/v10`, e.g. `/channels/123/messages`. */
  path: string;
  /** The JSON body, or the multipart `payload_json`. */
  body: unknown;
  files: RecordedFile[];
  authorization: string | undefined;
  status: number;
}

/** A message as the fake keeps it (Discord's message object, trimmed to what matters here). */
export interface FakeMessage {
  id: string;
  type: number;
  channel_id: string;
  content: string;
  embeds: unknown[];
  components: unknown[];
  attachments: { id: string; filename: string; size: number; url: string; content_type: string }[];
  flags: number;
  author: { id: string; username: string; bot: boolean };
  timestamp: string;
  edited_timestamp: string | null;
  webhook_id?: string;
  application_id?: string;
  mentions: unknown[];
  mention_roles: unknown[];
  pinned: boolean;
  mention_everyone: boolean;
  tts: boolean;
}

interface RateLimitRule {
  method: string;
  pattern: RegExp;
  remaining: number;
  retryAfterSeconds: number;
}

interface Waiter {
  predicate: (calls: readonly RecordedCall[]) => boolean;
  resolve: () => void;
}

const BOT_USER = { id: '1100000000000000001', username: 'pegasus-bot', bot: true };

/** The fake Discord REST API. */
export class FakeDiscordApi {
  readonly calls: RecordedCall[] = [];
  readonly unexpected: RecordedCall[] = [];
  readonly messages = new Map<string, FakeMessage>();
  /** Threads by id (a message's thread shares the message's id). */
  readonly threads = new Map<string, { id: string; parent_id: string; name: string; archived: boolean }>();
  /** The message an interaction token's `@original` refers to. */
  readonly originals = new Map<string, string>();
  /** What `GET /gateway/bot` points clients to (a fake gateway in tests). */
  gatewayUrl = 'wss://gateway.discord.gg';
  private readonly rateLimits: RateLimitRule[] = [];
  private readonly failures: (Omit<RateLimitRule, 'retryAfterSeconds'> & {
    status: number;
    error: { message: string; code: number };
  })[] = [];
  private readonly waiters: Waiter[] = [];
  private nextId = 1300000000000000000n;
  private readonly server: Server;
  private port = 0;
  private readonly botToken: string;

  private constructor(botToken: string) {
    this.botToken = botToken;
    this.server = createServer((req, res) => {
      void this.onRequest(req, res);
    });
  }

  /** Starts the fake on a free loopback port; `botToken` is what `Authorization: Bot …` must carry. */
  static async start(botToken = 'test-bot-token'): Promise<FakeDiscordApi> {
    const api = new FakeDiscordApi(botToken);
    await new Promise<void>((resolve) => api.server.listen(0, '127.0.0.1', resolve));
    api.port = (api.server.address() as AddressInfo).port;
    return api;
  }

  /** The base URL in discord.js's `api` form. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** Stops the fake. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  /** Answers the next `times` calls matching method and path with 429 and `retry_after`. */
  rateLimit(method: string, pattern: RegExp, times: number, retryAfterSeconds = 0.05): void {
    this.rateLimits.push({ method, pattern, remaining: times, retryAfterSeconds });
  }

  /** Answers the next `times` calls matching method and path with an error object. */
  failNext(
    method: string,
    pattern: RegExp,
    times: number,
    status: number,
    error: { message: string; code: number },
  ): void {
    this.failures.push({ method, pattern, remaining: times, status, error });
  }

  /** Says which message a token's `@original` is (a component interaction's message). */
  bindOriginal(token: string, messageId: string): void {
    this.originals.set(token, messageId);
  }

  /** Adds a message as if posted earlier (e.g. an approval request with buttons). */
  seedMessage(channelId: string, partial: Partial<FakeMessage> = {}): FakeMessage {
    const message = this.newMessage(channelId, {}, partial.flags ?? 0);
    Object.assign(message, partial);
    this.messages.set(message.id, message);
    return message;
  }

  /** Calls matching a method and a path pattern, in order. */
  find(method: string, pattern: RegExp): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && pattern.test(c.path) && c.status < 400);
  }

  /** Resolves once `count` successful calls match (event-driven; rejects after `timeoutMs`). */
  async waitFor(method: string, pattern: RegExp, count = 1, timeoutMs = 5000): Promise<RecordedCall[]> {
    const predicate = (calls: readonly RecordedCall[]) =>
      calls.filter((c) => c.method === method && pattern.test(c.path) && c.status < 400).length >= count;
    if (!predicate(this.calls)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `fake Discord: waited for ${count} × ${method} ${pattern}; got ${this.calls.map((c) => `${c.method} ${c.path} ${c.status}`).join(', ')}`,
            ),
          );
        }, timeoutMs);
        this.waiters.push({
          predicate,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    }
    return this.find(method, pattern);
  }

  private id(): string {
    this.nextId += 1n;
    return this.nextId.toString();
  }

  private newMessage(
    channelId: string,
    body: Record<string, unknown>,
    flags: number,
    files: RecordedFile[] = [],
  ): FakeMessage {
    return {
      id: this.id(),
      type: 0,
      channel_id: channelId,
      content: typeof body['content'] === 'string' ? body['content'] : '',
      embeds: Array.isArray(body['embeds']) ? body['embeds'] : [],
      components: Array.isArray(body['components']) ? body['components'] : [],
      attachments: files.map((f) => ({
        id: this.id(),
        filename: f.name,
        size: Buffer.byteLength(f.text),
        url: `https://cdn.discordapp.com/attachments/${channelId}/${f.name}`,
        content_type: f.contentType,
      })),
      flags,
      author: BOT_USER,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      mentions: [],
      mention_roles: [],
      pinned: false,
      mention_everyone: false,
      tts: false,
    };
  }

  private edit(message: FakeMessage, body: Record<string, unknown>, files: RecordedFile[]): FakeMessage {
    if (typeof body['content'] === 'string') message.content = body['content'];
    if (Array.isArray(body['embeds'])) message.embeds = body['embeds'];
    if (Array.isArray(body['components'])) message.components = body['components'];
    if (Array.isArray(body['attachments'])) {
      message.attachments = files.map((f) => ({
        id: this.id(),
        filename: f.name,
        size: Buffer.byteLength(f.text),
        url: `https://cdn.discordapp.com/attachments/${message.channel_id}/${f.name}`,
        content_type: f.contentType,
      }));
    }
    message.edited_timestamp = new Date().toISOString();
    return message;
  }

  private async readBody(req: IncomingMessage): Promise<{ body: unknown; files: RecordedFile[] }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const type = req.headers['content-type'] ?? '';
    if (type.startsWith('multipart/form-data')) {
      // Loopback test traffic of a few kilobytes: the platform's parser is enough here.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
      const files: RecordedFile[] = [];
      let body: unknown;
      for (const [field, value] of form) {
        if (typeof value === 'string') {
          if (field === 'payload_json') body = JSON.parse(value);
        } else {
          files.push({ field, name: value.name, contentType: value.type, text: await value.text() });
        }
      }
      return { body, files };
    }
    return { body: raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined, files: [] };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const { body, files } = await this.readBody(req);
    // discord.js escapes route segments (`@original` arrives as `%40original`), as Discord accepts.
    const path = decodeURIComponent(url.pathname).replace(/^\/api\/v10/, '');
    const call: RecordedCall = {
      method,
      path,
      body,
      files,
      authorization: req.headers.authorization,
      status: 0,
    };
    this.calls.push(call);
    const reply = (status: number, payload?: unknown, headers: Record<string, string> = {}) => {
      call.status = status;
      const text = payload === undefined ? '' : JSON.stringify(payload);
      res.writeHead(status, { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers });
      res.end(text);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(this.calls)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    };

    const limit = this.rateLimits.find((r) => r.method === method && r.pattern.test(path) && r.remaining > 0);
    if (limit) {
      limit.remaining -= 1;
      reply(
        429,
        { message: 'You are being rate limited.', retry_after: limit.retryAfterSeconds, global: false },
        {
          'retry-after': String(limit.retryAfterSeconds),
          'x-ratelimit-limit': '5',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(limit.retryAfterSeconds),
          'x-ratelimit-bucket': 'fakebucket',
          'x-ratelimit-scope': 'user',
        },
      );
      return;
    }

    const failure = this.failures.find((r) => r.method === method && r.pattern.test(path) && r.remaining > 0);
    if (failure) {
      failure.remaining -= 1;
      reply(failure.status, failure.error);
      return;
    }

    const object = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const flags = typeof object['flags'] === 'number' ? object['flags'] : 0;
    const botAuthorised = req.headers.authorization === `Bot ${this.botToken}`;
    const unauthorised = () => {
      reply(401, { message: '401: Unauthorized', code: 0 });
    };
    let m: RegExpExecArray | null;

    if (method === 'POST' && (m = /^\/interactions\/(\d+)\/([^/]+)\/callback$/.exec(path))) {
      const token = m[2] ?? '';
      const type = object['type'];
      const data = (object['data'] ?? {}) as Record<string, unknown>;
      if (type === 4 || type === 5) {
        const message = this.newMessage(
          'interaction-channel',
          data,
          typeof data['flags'] === 'number' ? data['flags'] : 0,
        );
        this.messages.set(message.id, message);
        this.originals.set(token, message.id);
      } else if (type === 7) {
        const id = this.originals.get(token);
        const message = id ? this.messages.get(id) : undefined;
        if (message) this.edit(message, data, []);
      }
      reply(204);
      return;
    }
    if ((m = /^\/webhooks\/(\d+)\/([^/]+)\/messages\/([^/]+)$/.exec(path))) {
      const token = m[2] ?? '';
      const target = m[3] ?? '';
      const id = target === '@original' ? this.originals.get(token) : target;
      if (method === 'DELETE') {
        if (id) this.messages.delete(id);
        reply(204);
        return;
      }
      if (method === 'PATCH') {
        let message = id ? this.messages.get(id) : undefined;
        if (!message) {
          if (target !== '@original') {
            reply(404, { message: 'Unknown Message', code: 10008 });
            return;
          }
          message = this.newMessage('interaction-channel', {}, 0);
          this.messages.set(message.id, message);
          this.originals.set(token, message.id);
        }
        reply(200, this.edit(message, object, files));
        return;
      }
    }
    if (method === 'POST' && (m = /^\/webhooks\/(\d+)\/([^/]+)$/.exec(path))) {
      const message = this.newMessage('interaction-channel', object, flags, files);
      message.webhook_id = m[1] ?? '';
      message.application_id = m[1] ?? '';
      this.messages.set(message.id, message);
      reply(200, message);
      return;
    }
    if ((m = /^\/channels\/(\d+)\/messages$/.exec(path)) && method === 'POST') {
      if (!botAuthorised) {
        unauthorised();
        return;
      }
      const channelId = m[1] ?? '';
      const thread = this.threads.get(channelId);
      if (thread?.archived) {
        reply(400, { message: 'Thread is archived', code: 50083 });
        return;
      }
      const message = this.newMessage(channelId, object, flags, files);
      this.messages.set(message.id, message);
      reply(200, message);
      return;
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)$/.exec(path)) && method === 'PATCH') {
      if (!botAuthorised) {
        unauthorised();
        return;
      }
      const message = this.messages.get(m[2] ?? '');
      if (!message || message.channel_id !== m[1]) {
        reply(404, { message: 'Unknown Message', code: 10008 });
        return;
      }
      reply(200, this.edit(message, object, files));
      return;
    }
    if ((m = /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/.exec(path)) && method === 'POST') {
      if (!botAuthorised) {
        unauthorised();
        return;
      }
      const parent = m[1] ?? '';
      const messageId = m[2] ?? '';
      if (this.threads.has(messageId)) {
        reply(400, { message: 'A thread has already been created for this message', code: 160004 });
        return;
      }
      const thread = {
        id: messageId,
        parent_id: parent,
        name: typeof object['name'] === 'string' ? object['name'] : '',
        archived: false,
      };
      this.threads.set(messageId, thread);
      reply(201, {
        id: thread.id,
        type: 11,
        guild_id: '1200000000000000001',
        parent_id: parent,
        name: thread.name,
        owner_id: BOT_USER.id,
        message_count: 0,
        member_count: 1,
        thread_metadata: {
          archived: false,
          auto_archive_duration: object['auto_archive_duration'] ?? 1440,
          archive_timestamp: new Date().toISOString(),
          locked: false,
        },
      });
      return;
    }
    if ((m = /^\/channels\/(\d+)$/.exec(path)) && method === 'PATCH') {
      if (!botAuthorised) {
        unauthorised();
        return;
      }
      const thread = this.threads.get(m[1] ?? '');
      if (!thread) {
        reply(404, { message: 'Unknown Channel', code: 10003 });
        return;
      }
      if (object['archived'] === false) thread.archived = false;
      reply(200, { id: thread.id, type: 11, parent_id: thread.parent_id, name: thread.name });
      return;
    }
    if (method === 'PUT' && (m = /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/.exec(path))) {
      if (!botAuthorised) {
        unauthorised();
        return;
      }
      const commands = Array.isArray(body) ? (body as Record<string, unknown>[]) : [];
      reply(
        200,
        commands.map((c) => ({
          ...c,
          id: this.id(),
          application_id: m?.[1],
          ...(m?.[2] ? { guild_id: m[2] } : {}),
          version: this.id(),
          default_member_permissions: null,
          nsfw: false,
        })),
      );
      return;
    }
    if (method === 'GET' && path === '/gateway/bot') {
      if (!botAuthorised) {
        unauthorised();
        return;
      }
      reply(200, {
        url: this.gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      });
      return;
    }
    this.unexpected.push(call);
    reply(404, { message: '404: Not Found', code: 0 });
  }
}
