/**
 * The client's default HTTP transport: GETs over keep-alive TCP connections with a small HTTP/1.1 reader of
 * its own. A health of a 1,000-node cluster sends about 4,000 small GETs a second; `node:http` builds a
 * request, a response stream, a header object and a parser per GET and reads into a fresh buffer each time,
 * which doubles the client's CPU and leaves tens of megabytes of garbage per round. Here every connection
 * reads into one shared buffer (`onread`) and a response is only the bytes of its body.
 *
 * What it reads: a status line, headers up to 64 KB (`Content-Length`, `Transfer-Encoding: chunked`,
 * `Connection: close`, `Location`), then a body of the given length, in chunks, or up to the close. An idle
 * connection the server closed meanwhile is noticed when the next GET on it fails before any answer byte,
 * and that GET is sent again once on a new connection (GETs are idempotent).
 */
import net from 'node:net';
import { formatDuration, type HttpTransport, type RawHttpAnswer } from './http-get.js';

/** Options of `createHttpTransport`. */
export interface HttpTransportOptions {
  /** How long an idle connection is kept for the next request (default 5000 ms). */
  idleMs?: number;
  /** Idle connections kept per server (default 4). */
  maxIdlePerServer?: number;
}

const maxHeaderBytes = 64 * 1024;
const crlfcrlf = Buffer.from('\r\n\r\n', 'latin1');

/** One connection's state: the response being read, if any. */
interface Connection {
  socket: net.Socket;
  address: string;
  /** Set while a request is in flight: receives every byte read. */
  reader: ResponseReader | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  closed: boolean;
}

function timeoutError(timeoutMs: number): Error {
  const error = new Error(`timed out after ${formatDuration(timeoutMs)}`);
  error.name = 'TimeoutError';
  return error;
}

function protocolError(message: string): Error {
  const error = new Error(`bad HTTP answer: ${message}`);
  error.name = 'HttpProtocolError';
  return error;
}

/**
 * Reads one response from the bytes of a connection. `push` returns true once the response is complete;
 * `end` is called when the connection closes first.
 */
class ResponseReader {
  /** Whether any byte of the answer arrived (a reused connection that fails before that is retried). */
  started = false;
  /** Whether the server asked to close the connection after this answer. */
  closeAfter = false;
  private head: Buffer[] = [];
  private headBytes = 0;
  private status = 0;
  private location: string | undefined;
  private mode: 'head' | 'length' | 'chunked' | 'close' = 'head';
  private remaining = 0;
  /** The body so far, one char per byte (strings die young; a Buffer per answer lingers as external memory). */
  private body = '';
  /** Byte mode (a consumer reads the body in place): the body when it came in one piece, else its copied parts. */
  private view: Buffer | undefined;
  private sized: Buffer | undefined;
  private filled = 0;
  private parts: Buffer[] = [];
  private readonly wantBytes: boolean;

  constructor(wantBytes: boolean) {
    this.wantBytes = wantBytes;
  }
  /** Chunked: bytes of the current size line / trailer not yet complete. */
  private line = '';
  private chunkState: 'size' | 'data' | 'data-end' | 'trailer' = 'size';

  /** Feeds bytes (a view that is reused after the call: copy what is kept). */
  push(bytes: Buffer): { done: boolean; error?: Error } {
    if (bytes.length === 0) return { done: false };
    this.started = true;
    if (this.mode === 'head' && this.head.length === 0) {
      // Usually the whole head (and often the body) comes in one read: parse it in place.
      const end = bytes.indexOf(crlfcrlf);
      if (end >= 0) {
        const parsed = this.parseHead(bytes.toString('latin1', 0, end));
        if (parsed !== undefined) return { done: false, error: parsed };
        return this.pushBody(bytes.subarray(end + 4));
      }
    }
    if (this.mode === 'head') {
      this.head.push(Buffer.from(bytes));
      this.headBytes += bytes.length;
      const all = this.head.length === 1 ? (this.head[0] ?? Buffer.alloc(0)) : Buffer.concat(this.head);
      const end = all.indexOf(crlfcrlf);
      if (end < 0) {
        if (this.headBytes > maxHeaderBytes) return { done: false, error: protocolError('headers over 64 KB') };
        this.head = [all];
        return { done: false };
      }
      const parsed = this.parseHead(all.toString('latin1', 0, end));
      if (parsed !== undefined) return { done: false, error: parsed };
      this.head = [];
      return this.pushBody(all.subarray(end + 4));
    }
    return this.pushBody(bytes);
  }

  /** The connection closed: complete when the body runs to the close, else an error. */
  end(): { done: boolean; error?: Error } {
    if (this.mode === 'close') return { done: true };
    return { done: false, error: new Error('connection closed by the server') };
  }

  answer(): RawHttpAnswer {
    const body = this.wantBytes ? this.bytes().toString('latin1') : this.body;
    return { status: this.status, ...(this.location === undefined ? {} : { location: this.location }), body };
  }

  /** Byte mode: the body, a view that is only valid until the connection reads again. */
  bytes(): Buffer {
    return this.view ?? (this.parts.length === 1 ? (this.parts[0] ?? Buffer.alloc(0)) : Buffer.concat(this.parts));
  }

  get statusCode(): number {
    return this.status;
  }

  get locationHeader(): string | undefined {
    return this.location;
  }

  private parseHead(text: string): Error | undefined {
    const lines = text.split('\r\n');
    const statusLine = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
    if (statusLine === null) return protocolError(`status line ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
    this.status = Number(statusLine[2]);
    let length: number | undefined;
    let chunked = false;
    let connection = statusLine[1] === '0' ? 'close' : 'keep-alive';
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) return protocolError(`header line ${JSON.stringify(line.slice(0, 60))}`);
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d+$/.test(value) || (length !== undefined && length !== Number(value))) {
          return protocolError(`Content-Length ${JSON.stringify(value)}`);
        }
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        chunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
      } else if (name === 'connection') {
        connection = value.toLowerCase();
      } else if (name === 'location') {
        this.location = value;
      }
    }
    this.closeAfter = connection.includes('close');
    if (chunked) {
      this.mode = 'chunked';
    } else if (length !== undefined) {
      this.mode = 'length';
      this.remaining = length;
    } else if (this.status === 204 || this.status === 304 || this.status < 200) {
      this.mode = 'length';
      this.remaining = 0;
    } else {
      this.mode = 'close';
      this.closeAfter = true;
    }
    return undefined;
  }

  /** Keeps body bytes (a view of the shared read buffer); `last` when they complete the body. */
  private keep(bytes: Buffer, last = false): void {
    if (bytes.length === 0) return;
    if (!this.wantBytes) {
      this.body += bytes.toString('latin1');
    } else if (last && this.parts.length === 0 && this.filled === 0) {
      // The whole body in one read: the consumer reads it in place, before the buffer is read into again.
      this.view = bytes;
    } else if (this.mode === 'length') {
      // Its length is known: one buffer of that size, filled as the reads come (no list, no concatenation).
      this.sized ??= Buffer.allocUnsafe(this.filled + bytes.length + this.remaining);
      this.filled += bytes.copy(this.sized, this.filled);
      if (last) this.view = this.sized;
    } else {
      this.parts.push(Buffer.from(bytes));
    }
  }

  private pushBody(bytes: Buffer): { done: boolean; error?: Error } {
    if (this.mode === 'length') {
      const take = Math.min(this.remaining, bytes.length);
      this.remaining -= take;
      this.keep(bytes.subarray(0, take), this.remaining === 0);
      // Bytes beyond the body would belong to an answer nobody asked for: do not reuse such a connection.
      if (take < bytes.length) this.closeAfter = true;
      return { done: this.remaining === 0 };
    }
    if (this.mode === 'close') {
      this.keep(bytes);
      return { done: false };
    }
    return this.pushChunked(bytes);
  }

  private pushChunked(bytes: Buffer): { done: boolean; error?: Error } {
    let at = 0;
    while (at < bytes.length) {
      if (this.chunkState === 'data') {
        const take = Math.min(this.remaining, bytes.length - at);
        this.keep(bytes.subarray(at, at + take));
        this.remaining -= take;
        at += take;
        if (this.remaining === 0) this.chunkState = 'data-end';
        continue;
      }
      const newline = bytes.indexOf(10, at);
      const piece = bytes.toString('latin1', at, newline < 0 ? bytes.length : newline + 1);
      at = newline < 0 ? bytes.length : newline + 1;
      this.line += piece;
      if (this.line.length > 4096) return { done: false, error: protocolError('chunk line over 4 KB') };
      if (newline < 0) continue;
      const line = this.line.replace(/\r?\n$/, '');
      this.line = '';
      if (this.chunkState === 'data-end') {
        if (line !== '') return { done: false, error: protocolError('chunk not followed by CRLF') };
        this.chunkState = 'size';
      } else if (this.chunkState === 'size') {
        const size = /^([0-9a-fA-F]+)(;.*)?$/.exec(line.trim());
        if (size === null)
          return { done: false, error: protocolError(`chunk size ${JSON.stringify(line.slice(0, 20))}`) };
        this.remaining = Number.parseInt(size[1] ?? '0', 16);
        this.chunkState = this.remaining === 0 ? 'trailer' : 'data';
      } else if (line === '') {
        // The empty line after the last chunk's trailers.
        if (at < bytes.length) this.closeAfter = true;
        return { done: true };
      }
    }
    return { done: false };
  }
}

/**
 * Creates the transport. Connections are kept per `host:port` (at most `maxIdlePerServer` idle ones, each
 * closed after `idleMs`); `close()` closes them all.
 */
export function createHttpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const idleMs = options.idleMs ?? 5000;
  const maxIdle = options.maxIdlePerServer ?? 4;
  const idle = new Map<string, Connection[]>();
  const all = new Set<Connection>();
  // Every connection reads into this buffer; a reader copies what it keeps before the next read.
  const readBuffer = Buffer.allocUnsafe(64 * 1024);

  const drop = (conn: Connection): void => {
    if (conn.closed) return;
    conn.closed = true;
    if (conn.idleTimer !== undefined) clearTimeout(conn.idleTimer);
    all.delete(conn);
    const list = idle.get(conn.address);
    if (list !== undefined) {
      const at = list.indexOf(conn);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) idle.delete(conn.address);
    }
    conn.socket.destroy();
  };

  const release = (conn: Connection): void => {
    conn.reader = undefined;
    const list = idle.get(conn.address) ?? [];
    if (conn.closed || list.length >= maxIdle) {
      drop(conn);
      return;
    }
    list.push(conn);
    idle.set(conn.address, list);
    conn.idleTimer = setTimeout(() => {
      drop(conn);
    }, idleMs);
    conn.idleTimer.unref();
    conn.socket.unref();
  };

  const connect = (address: string): Connection => {
    const colon = address.lastIndexOf(':');
    const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
    const port = Number(address.slice(colon + 1));
    const conn: Connection = {
      socket: undefined as unknown as net.Socket,
      address,
      reader: undefined,
      idleTimer: undefined,
      closed: false,
    };
    conn.socket = net.connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: readBuffer,
        callback: (nread: number, buf: Uint8Array) => {
          const reader = conn.reader;
          if (reader === undefined) {
            // Bytes nobody asked for: the connection is out of step.
            drop(conn);
            return false;
          }
          onBytes(conn, reader, Buffer.from(buf.buffer, buf.byteOffset, nread));
          return true;
        },
      },
    });
    conn.socket.on('error', (error) => {
      onClose(conn, error);
    });
    conn.socket.on('close', () => {
      onClose(conn, undefined);
    });
    all.add(conn);
    return conn;
  };

  /** Completion callbacks of the request in flight on each connection (called while its bytes are valid). */
  const pending = new WeakMap<Connection, (outcome: { reader?: ResponseReader; error?: Error }) => void>();

  const onBytes = (conn: Connection, reader: ResponseReader, bytes: Buffer): void => {
    const step = reader.push(bytes);
    if (step.error !== undefined) {
      pending.get(conn)?.({ error: step.error });
      drop(conn);
    } else if (step.done) {
      const finish = pending.get(conn);
      pending.delete(conn);
      if (reader.closeAfter) drop(conn);
      else release(conn);
      finish?.({ reader });
    }
  };

  const onClose = (conn: Connection, error: Error | undefined): void => {
    const reader = conn.reader;
    const finish = pending.get(conn);
    pending.delete(conn);
    drop(conn);
    if (reader === undefined || finish === undefined) return;
    const step = error === undefined ? reader.end() : { done: false, error };
    finish(step.done ? { reader } : { error: step.error ?? new Error('connection closed') });
  };

  /**
   * Sends one GET on `reused` or a new connection and hands the finished reader to `consume` (synchronously,
   * while a body read in place is valid); `timeoutMs` is the whole deadline, `deadlineAt` its end.
   */
  const send = <T>(
    address: string,
    path: string,
    reused: Connection | undefined,
    timeoutMs: number,
    deadlineAt: number,
    wantBytes: boolean,
    consume: (reader: ResponseReader) => T,
  ): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const conn = reused ?? connect(address);
      if (conn.idleTimer !== undefined) clearTimeout(conn.idleTimer);
      conn.idleTimer = undefined;
      conn.socket.ref();
      const reader = new ResponseReader(wantBytes);
      conn.reader = reader;
      const timer = setTimeout(
        () => {
          pending.delete(conn);
          drop(conn);
          reject(timeoutError(timeoutMs));
        },
        Math.max(0, deadlineAt - performance.now()),
      );
      pending.set(conn, (outcome) => {
        clearTimeout(timer);
        if (outcome.reader !== undefined) {
          try {
            resolve(consume(outcome.reader));
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
          return;
        }
        const error = outcome.error ?? new Error('no answer');
        // A kept connection the server closed in the meantime: try once more on a new one.
        if (reused !== undefined && !reader.started && error.name !== 'HttpProtocolError') {
          send(address, path, undefined, timeoutMs, deadlineAt, wantBytes, consume).then(resolve, reject);
          return;
        }
        reject(error);
      });
      conn.socket.write(`GET ${path} HTTP/1.1\r\nHost: ${address}\r\nConnection: keep-alive\r\n\r\n`, 'latin1');
    });

  const take = (address: string): Connection | undefined => {
    const list = idle.get(address);
    const reused = list?.pop();
    if (list?.length === 0) idle.delete(address);
    return reused;
  };

  return {
    get(address, path, timeoutMs) {
      return send(address, path, take(address), timeoutMs, performance.now() + timeoutMs, false, (reader) =>
        reader.answer(),
      );
    },
    read(address, path, timeoutMs, consume) {
      return send(address, path, take(address), timeoutMs, performance.now() + timeoutMs, true, (reader) =>
        consume({
          status: reader.statusCode,
          ...(reader.locationHeader === undefined ? {} : { location: reader.locationHeader }),
          body: reader.bytes(),
        }),
      );
    },
    close() {
      for (const conn of [...all]) drop(conn);
      idle.clear();
    },
  };
}
