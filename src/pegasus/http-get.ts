/**
 * One HTTP GET against one Pegasus server, with a deadline that covers the body too, redirects left to the
 * caller (so leader changes are seen and recorded), and transport failures turned into short, human
 * reasons (`connection refused`, `timed out after 5s`) that end up in `CLUSTER_UNREACHABLE` messages.
 *
 * Two ways to send it: an injected `fetch` (tests fake it), or an `HttpTransport` (`http-transport.ts`, the
 * client's default: keep-alive connections and a lean reader). A 1,000-node health sends a few thousand small
 * GETs; `fetch` builds a Request, a Response and web streams for each and costs several times the CPU.
 */
import { fail, ok, type Result } from '../result.js';

/** What a server answered. */
export interface HttpAnswer {
  status: number;
  /** The body as text (empty when `raw` carries it). */
  body: string;
  /** The body as received, for a 200 answer to a `binary` request (with `fetch`). */
  raw?: Uint8Array;
  /** The body as received, one char per byte, for a 200 answer to a `binary` request (with a transport). */
  latin1?: string;
  /** The `Location` header of a redirect. */
  location?: string;
  /** Body bytes as received (for the `bytesFetched` figure). */
  bytes: number;
}

/** Performs one GET; injected so tests and benchmarks can count or fake requests. */
export type FetchLike = typeof fetch;

/** What a server answered to one GET, as received. */
export interface RawHttpAnswer {
  status: number;
  location?: string;
  /** The body bytes as a latin1 string (one char per byte; decode UTF-8 text with `latin1ToUtf8`). */
  body: string;
}

const nonAscii = /[\u0080-\uffff]/;

/** The text of a body given as latin1 bytes, decoded as UTF-8 (ASCII, the common case, as is). */
export function latin1ToUtf8(bytes: string): string {
  return nonAscii.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** Sends GETs; a transport failure or a missed deadline is thrown (as `fetch` does), never returned. */
export interface HttpTransport {
  /** GETs `http://<address><path>`, the whole answer within `timeoutMs` (else a `TimeoutError`). */
  get(address: string, path: string, timeoutMs: number): Promise<RawHttpAnswer>;
  /**
   * GETs and hands the answer to `consume` at once, its body a view that is only valid during the call (no
   * copy is made when the body came in one read). For bodies that are scanned and dropped.
   */
  read?<T>(
    address: string,
    path: string,
    timeoutMs: number,
    consume: (answer: { status: number; location?: string; body: Buffer }) => T,
  ): Promise<T>;
  /** Closes idle connections. */
  close?(): void;
}

/** Options of one GET: a `transport` when given, else `fetch`. */
export interface HttpGetOptions {
  fetch?: FetchLike;
  transport?: HttpTransport;
  timeoutMs: number;
  /** Keep a 200 body as bytes (large `/metrics` bodies are scanned without becoming strings). */
  binary?: boolean;
}

/** Formats a duration the way people read it: `5s`, `1.5s`, `300ms`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)}s`;
}

const reasonsByCode: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed by the server',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name not found',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
};

/** Why a fetch threw, in words (`connection refused`, `timed out after 5s`) and as a stable code. */
export function describeFetchError(
  error: unknown,
  timeoutMs: number,
): { code: 'TIMEOUT' | 'CONNECTION_FAILED'; reason: string } {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { code: 'TIMEOUT', reason: `timed out after ${formatDuration(timeoutMs)}` };
  }
  const ownCode = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
  if (ownCode !== undefined && ownCode in reasonsByCode) {
    return { code: 'CONNECTION_FAILED', reason: reasonsByCode[ownCode] ?? ownCode };
  }
  let cause: unknown = error instanceof Error ? error.cause : undefined;
  // undici nests the system error one or two levels down (TypeError → cause → cause).
  for (let depth = 0; depth < 3 && cause instanceof Error; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== undefined && code in reasonsByCode) {
      return { code: 'CONNECTION_FAILED', reason: reasonsByCode[code] ?? code };
    }
    if (cause.name === 'TimeoutError') {
      return { code: 'TIMEOUT', reason: `timed out after ${formatDuration(timeoutMs)}` };
    }
    if (!(cause.cause instanceof Error)) {
      return { code: 'CONNECTION_FAILED', reason: code ?? cause.message };
    }
    cause = cause.cause;
  }
  return { code: 'CONNECTION_FAILED', reason: error instanceof Error ? error.message : String(error) };
}

/** GETs `http://<address><path>`; a thrown transport error becomes a `TIMEOUT` or `CONNECTION_FAILED` failure. */
export async function httpGet(address: string, path: string, options: HttpGetOptions): Promise<Result<HttpAnswer>> {
  if (options.transport !== undefined) return transportGet(options.transport, address, path, options);
  const signal = AbortSignal.timeout(options.timeoutMs);
  const fetchFn = options.fetch ?? globalThis.fetch;
  try {
    const response = await fetchFn(`http://${address}${path}`, { redirect: 'manual', signal });
    let answer: HttpAnswer;
    if (options.binary === true && response.status === 200) {
      const raw = new Uint8Array(await response.arrayBuffer());
      answer = { status: response.status, body: '', raw, bytes: raw.byteLength };
    } else {
      const body = await response.text();
      answer = { status: response.status, body, bytes: Buffer.byteLength(body) };
    }
    const location = response.headers.get('location');
    if (location !== null) answer.location = location;
    return ok(answer);
  } catch (error) {
    const { code, reason } = describeFetchError(error, options.timeoutMs);
    return fail(code, reason);
  }
}

async function transportGet(
  transport: HttpTransport,
  address: string,
  path: string,
  options: HttpGetOptions,
): Promise<Result<HttpAnswer>> {
  try {
    const raw = await transport.get(address, path, options.timeoutMs);
    const answer: HttpAnswer =
      options.binary === true && raw.status === 200
        ? { status: raw.status, body: '', latin1: raw.body, bytes: raw.body.length }
        : { status: raw.status, body: latin1ToUtf8(raw.body), bytes: raw.body.length };
    if (raw.location !== undefined) answer.location = raw.location;
    return ok(answer);
  } catch (error) {
    const { code, reason } = describeFetchError(error, options.timeoutMs);
    return fail(code, reason);
  }
}

/**
 * GETs with a transport's `read` and hands the answer to `consume` while its body is valid; a transport
 * failure is a `TIMEOUT` or `CONNECTION_FAILED` failure as with `httpGet`.
 */
export async function httpRead<T>(
  transport: HttpTransport & Required<Pick<HttpTransport, 'read'>>,
  address: string,
  path: string,
  timeoutMs: number,
  consume: (answer: { status: number; location?: string; body: Buffer }) => T,
): Promise<Result<T>> {
  try {
    return ok(await transport.read(address, path, timeoutMs, consume));
  } catch (error) {
    const { code, reason } = describeFetchError(error, timeoutMs);
    return fail(code, reason);
  }
}

/** `host:port` of an absolute `Location` (`http://host:port/meta/cluster`), or undefined when it has none. */
export function locationAddress(location: string): string | undefined {
  try {
    const url = new URL(location);
    return url.port === '' ? undefined : `${url.hostname}:${url.port}`;
  } catch {
    return undefined;
  }
}
