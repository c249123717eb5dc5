/**
 * One HTTP GET against one Pegasus server, with a deadline that covers the body too, redirects left to the
 * caller (so leader changes are seen and recorded), and transport failures turned into short, human
 * reasons (`connection refused`, `timed out after 5s`) that end up in `CLUSTER_UNREACHABLE` messages.
 */
import { fail, ok, type Result } from '../result.js';

/** What a server answered. */
export interface HttpAnswer {
  status: number;
  /** The body as text (empty when `raw` carries it). */
  body: string;
  /** The body as received, for a 200 answer to a `binary` request. */
  raw?: Uint8Array;
  /** The `Location` header of a redirect. */
  location?: string;
  /** Body bytes as received (for the `bytesFetched` figure). */
  bytes: number;
}

/** Performs one GET; injected so tests and benchmarks can count or fake requests. */
export type FetchLike = typeof fetch;

/** Options of one GET. */
export interface HttpGetOptions {
  fetch: FetchLike;
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
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await options.fetch(`http://${address}${path}`, { redirect: 'manual', signal });
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

/** `host:port` of an absolute `Location` (`http://host:port/meta/cluster`), or undefined when it has none. */
export function locationAddress(location: string): string | undefined {
  try {
    const url = new URL(location);
    return url.port === '' ? undefined : `${url.hostname}:${url.port}`;
  } catch {
    return undefined;
  }
}
