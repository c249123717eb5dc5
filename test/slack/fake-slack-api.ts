/**
 * A local stand-in for Slack's Web API, `response_url`s and the file upload URL: a `node:http` server on
 * 127.0.0.1 that answers in Slack's documented JSON shapes, checks the bearer token, enforces the Block Kit
 * limits the real API enforces, records every call, and can be told to answer 429 with `Retry-After`.
 */
import { EventEmitter } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Web API call as the fake received it. */
export interface RecordedCall {
  method: string;
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
  /** The fake's clock when it arrived (virtual in sink tests). */
  at: number;
  /** True when the fake answered 429. */
  rateLimited: boolean;
}

/** One POST to a `response_url`. */
export interface ResponsePost {
  id: string;
  body: Record<string, unknown>;
  at: number;
}

/** A message the fake holds, as `chat.postMessage` / `chat.update` left it. */
export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  edits: number;
}

const blockLimits = { blocks: 50, text: 3000, header: 150, actions: 25, button: 75, actionId: 255, fields: 10 };

/** Checks what Slack's API checks on message blocks; returns the reasons a real API would refuse them. */
export function blockProblems(blocks: unknown): string[] {
  const problems: string[] = [];
  if (!Array.isArray(blocks)) return ['blocks must be an array'];
  if (blocks.length > blockLimits.blocks) problems.push(`more than ${blockLimits.blocks} blocks (${blocks.length})`);
  blocks.forEach((raw, i) => {
    const b = raw as Record<string, unknown>;
    const text = (b['text'] as { text?: string } | undefined)?.text;
    switch (b['type']) {
      case 'header':
        if (!text || text.length > blockLimits.header) problems.push(`[${i}] header text must be 1-150 chars`);
        break;
      case 'section': {
        const fields = (b['fields'] ?? []) as { text: string }[];
        if (!text && fields.length === 0) problems.push(`[${i}] section needs text or fields`);
        if (text && text.length > blockLimits.text) problems.push(`[${i}] section text longer than 3000 chars`);
        if (fields.length > blockLimits.fields) problems.push(`[${i}] more than 10 fields`);
        if (fields.some((f) => f.text.length > 2000)) problems.push(`[${i}] field longer than 2000 chars`);
        break;
      }
      case 'context': {
        const elements = (b['elements'] ?? []) as { text: string }[];
        if (elements.length === 0 || elements.length > 10) problems.push(`[${i}] context needs 1-10 elements`);
        if (elements.some((e) => e.text.length > blockLimits.text)) problems.push(`[${i}] context text too long`);
        break;
      }
      case 'actions': {
        const elements = (b['elements'] ?? []) as {
          action_id: string;
          text: { text: string };
          value?: string;
          confirm?: Record<string, { text: string }>;
        }[];
        if (elements.length === 0 || elements.length > blockLimits.actions)
          problems.push(`[${i}] actions needs 1-25 elements`);
        const ids = new Set<string>();
        for (const e of elements) {
          if (ids.has(e.action_id)) problems.push(`[${i}] duplicate action_id ${e.action_id}`);
          ids.add(e.action_id);
          if (e.action_id.length > blockLimits.actionId) problems.push(`[${i}] action_id longer than 255`);
          if (e.text.text.length > blockLimits.button) problems.push(`[${i}] button text longer than 75`);
          if ((e.value ?? '').length > 2000) problems.push(`[${i}] button value longer than 2000`);
          if (e.confirm) {
            const c = e.confirm;
            if ((c['title']?.text.length ?? 0) > 100 || (c['text']?.text.length ?? 0) > 300)
              problems.push(`[${i}] confirm too long`);
            if ((c['confirm']?.text.length ?? 0) > 30 || (c['deny']?.text.length ?? 0) > 30)
              problems.push(`[${i}] confirm button too long`);
          }
        }
        break;
      }
      case 'divider':
        break;
      default:
        problems.push(`[${i}] unexpected block type ${String(b['type'])}`);
    }
  });
  return problems;
}

/** A body field as a string ('' when absent or not a string). */
function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function parseForm(raw: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The Web API client JSON-encodes nested arguments (blocks, view, files) inside the form.
    if (/^[[{]/.test(v)) {
      try {
        body[k] = JSON.parse(v);
        continue;
      } catch {
        // not JSON after all: keep the string
      }
    }
    body[k] = v;
  }
  return body;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The fake Slack. Start it, point `SLACK_API_URL` at `apiUrl`, hand out `responseUrl()`s. */
export class FakeSlackApi {
  readonly calls: RecordedCall[] = [];
  readonly responses: ResponsePost[] = [];
  readonly uploads = new Map<string, { bytes: Buffer; filename: string }>();
  readonly messages = new Map<string, StoredMessage>();
  readonly completedFiles: { id: string; title: string; channel?: string; threadTs?: string }[] = [];
  botToken = 'xoxb-test-token';
  appToken = 'xapp-test-token';
  /** What `apps.connections.open` returns (the fake Socket Mode server). */
  socketUrl = '';
  /** The clock recorded on each call; sink tests pass their virtual clock. */
  now: () => number = () => Date.now();
  private server: Server | undefined;
  private base = '';
  private readonly events = new EventEmitter();
  private readonly rateLimits = new Map<string, { times: number; retryAfter: number }>();
  private readonly failures = new Map<string, { times: number; error: string }>();
  private readonly expiredResponseUrls = new Set<string>();
  private readonly expiredTriggers = new Set<string>();
  private seq = 0;
  private fileSeq = 0;
  private responseSeq = 0;

  /** The Web API base URL, with the trailing slash the client expects. */
  get apiUrl(): string {
    return `${this.base}/api/`;
  }

  /** Listens on a free loopback port. */
  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        res.writeHead(500);
        res.end(String(error));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.base = `http://127.0.0.1:${port}`;
  }

  /** Closes the server and every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }

  /** A fresh `response_url` served by the fake. */
  responseUrl(): string {
    return `${this.base}/response/${++this.responseSeq}`;
  }

  /** The next `times` calls of `method` get HTTP 429 with `Retry-After: retryAfter`. */
  rateLimit(method: string, times: number, retryAfter: number): void {
    this.rateLimits.set(method, { times, retryAfter });
  }

  /** The next `times` calls of `method` answer `{ ok: false, error }`. */
  fail(method: string, error: string, times = 1): void {
    this.failures.set(method, { times, error });
  }

  /** Posts to this response_url answer 404, as an expired one does. */
  expireResponseUrl(url: string): void {
    this.expiredResponseUrls.add(url.slice(url.lastIndexOf('/') + 1));
  }

  /** `views.open` with this trigger id answers `expired_trigger_id`. */
  expireTrigger(triggerId: string): void {
    this.expiredTriggers.add(triggerId);
  }

  /** Calls of one method that were answered (not rate limited). */
  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method && !c.rateLimited);
  }

  /** Posts received by one response_url. */
  responsesTo(url: string): ResponsePost[] {
    const id = url.slice(url.lastIndexOf('/') + 1);
    return this.responses.filter((r) => r.id === id);
  }

  /** Resolves once `predicate` holds, re-checked after every request; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.events.off('request', check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.events.off('request', check);
        reject(new Error('fake Slack: condition not met in time'));
      }, timeoutMs);
      this.events.on('request', check);
    });
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(JSON.stringify(body));
  }

  private nextTs(): string {
    this.seq++;
    return `${1767225600 + this.seq}.${String(this.seq).padStart(6, '0')}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    const raw = await readBody(req);
    try {
      if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
        this.api(url.pathname.slice('/api/'.length), req, raw, res);
      } else if (req.method === 'POST' && url.pathname.startsWith('/response/')) {
        const id = url.pathname.slice('/response/'.length);
        if (this.expiredResponseUrls.has(id)) {
          res.writeHead(404, { 'content-type': 'text/plain' });
          res.end('expired_url');
          return;
        }
        this.responses.push({ id, body: JSON.parse(raw.toString('utf8')) as Record<string, unknown>, at: this.now() });
        this.json(res, 200, { ok: true });
      } else if (req.method === 'POST' && url.pathname.startsWith('/upload/')) {
        const id = url.pathname.slice('/upload/'.length);
        const pending = this.uploads.get(id);
        if (!pending) {
          res.writeHead(404);
          res.end();
          return;
        }
        pending.bytes = raw;
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`OK - ${raw.length}`);
      } else {
        res.writeHead(404);
        res.end();
      }
    } finally {
      this.events.emit('request');
    }
  }

  private api(method: string, req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const type = req.headers['content-type'] ?? '';
    const text = raw.toString('utf8');
    const body =
      type.includes('application/json') && text.length > 0
        ? (JSON.parse(text) as Record<string, unknown>)
        : parseForm(text);
    const call: RecordedCall = { method, body, headers: req.headers, at: this.now(), rateLimited: false };
    this.calls.push(call);

    const limit = this.rateLimits.get(method);
    if (limit && limit.times > 0) {
      limit.times--;
      call.rateLimited = true;
      this.json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(limit.retryAfter) });
      return;
    }
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '') || str(body['token']);
    const expected = method === 'apps.connections.open' ? this.appToken : this.botToken;
    if (bearer !== expected) {
      this.json(res, 200, { ok: false, error: 'invalid_auth' });
      return;
    }
    const failure = this.failures.get(method);
    if (failure && failure.times > 0) {
      failure.times--;
      this.json(res, 200, { ok: false, error: failure.error });
      return;
    }
    this.json(res, 200, this.answer(method, body));
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const channel = typeof body['channel'] === 'string' ? body['channel'] : undefined;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://pegasus-test.slack.com/',
          team: 'Pegasus Test',
          user: 'pegasus',
          team_id: 'T0000TEST',
          user_id: 'U0000BOT',
          bot_id: 'B0000BOT',
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        if (!channel) return { ok: false, error: 'channel_not_found' };
        if (channel.startsWith('CNOTIN')) return { ok: false, error: 'not_in_channel' };
        const problems = body['blocks'] === undefined ? [] : blockProblems(body['blocks']);
        if (problems.length > 0) return { ok: false, error: 'invalid_blocks', errors: problems };
        if (typeof body['text'] !== 'string' && body['blocks'] === undefined) return { ok: false, error: 'no_text' };
        const ts = this.nextTs();
        const threadTs = typeof body['thread_ts'] === 'string' ? body['thread_ts'] : undefined;
        if (threadTs !== undefined && !this.messages.has(`${channel}/${threadTs}`))
          return { ok: false, error: 'thread_not_found' };
        const message: StoredMessage = {
          channel,
          ts,
          text: str(body['text']),
          blocks: (body['blocks'] as unknown[] | undefined) ?? [],
          edits: 0,
          ...(threadTs !== undefined ? { threadTs } : {}),
        };
        this.messages.set(`${channel}/${ts}`, message);
        return {
          ok: true,
          channel,
          ts,
          message: {
            type: 'message',
            user: 'U0000BOT',
            bot_id: 'B0000BOT',
            text: message.text,
            blocks: message.blocks,
            ts,
            ...(threadTs ? { thread_ts: threadTs } : {}),
          },
        };
      }
      case 'chat.update': {
        const ts = str(body['ts']);
        const stored = channel ? this.messages.get(`${channel}/${ts}`) : undefined;
        if (!stored) return { ok: false, error: 'message_not_found' };
        const problems = body['blocks'] === undefined ? [] : blockProblems(body['blocks']);
        if (problems.length > 0) return { ok: false, error: 'invalid_blocks', errors: problems };
        stored.text = str(body['text']);
        stored.blocks = (body['blocks'] as unknown[] | undefined) ?? [];
        stored.edits++;
        return {
          ok: true,
          channel,
          ts,
          text: stored.text,
          message: { text: stored.text, blocks: stored.blocks, user: 'U0000BOT' },
        };
      }
      case 'chat.postEphemeral': {
        if (!channel || typeof body['user'] !== 'string') return { ok: false, error: 'user_not_in_channel' };
        return { ok: true, message_ts: this.nextTs() };
      }
      case 'views.open':
      case 'views.update': {
        const view = body['view'] as { title?: { text?: string }; blocks?: unknown[] } | undefined;
        if (method === 'views.open') {
          const trigger = str(body['trigger_id']);
          if (!trigger) return { ok: false, error: 'invalid_arguments' };
          if (this.expiredTriggers.has(trigger)) return { ok: false, error: 'expired_trigger_id' };
        }
        if (!view || (view.title?.text?.length ?? 0) > 24 || (view.blocks?.length ?? 0) > 100) {
          return { ok: false, error: 'invalid_arguments' };
        }
        const id = method === 'views.update' ? str(body['view_id']) : `V${String(++this.seq).padStart(8, '0')}`;
        return { ok: true, view: { id, ...view } };
      }
      case 'files.getUploadURLExternal': {
        const filename = body['filename'];
        const length = Number(body['length']);
        if (typeof filename !== 'string' || !Number.isInteger(length)) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(++this.fileSeq).padStart(8, '0')}`;
        this.uploads.set(id, { bytes: Buffer.alloc(0), filename });
        return { ok: true, upload_url: `${this.base}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = body['files'] as { id: string; title?: string }[] | undefined;
        if (!Array.isArray(files) || files.length === 0) return { ok: false, error: 'invalid_arguments' };
        for (const f of files) if (!this.uploads.has(f.id)) return { ok: false, error: 'file_not_found' };
        const channelId = typeof body['channel_id'] === 'string' ? body['channel_id'] : undefined;
        if (channelId?.startsWith('CNOTIN')) return { ok: false, error: 'not_in_channel' };
        const threadTs = typeof body['thread_ts'] === 'string' ? body['thread_ts'] : undefined;
        for (const f of files) {
          this.completedFiles.push({
            id: f.id,
            title: f.title ?? '',
            ...(channelId ? { channel: channelId } : {}),
            ...(threadTs ? { threadTs } : {}),
          });
        }
        return {
          ok: true,
          files: files.map((f) => ({ id: f.id, title: f.title, name: this.uploads.get(f.id)?.filename })),
        };
      }
      case 'apps.connections.open':
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'socket_mode_not_enabled' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}
