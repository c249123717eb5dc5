/**
 * A THFT RPC client: one TCP connection per server (`host:port`), reused; calls are pipelined on it and
 * matched to replies by seqid. Every call has a timeout and ends with a `Result`; a reply the client cannot
 * trust (bad length, unknown seqid, wrong name) fails and resets the connection, and the next call reconnects.
 */
import { createConnection, type Socket } from 'node:net';
import { ok, type Failure, type Result } from '../result.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  decodeResponseFrame,
  decodeRpcResponse,
  encodeRpcRequest,
  splitResponseFrames,
  type ResponseFrame,
  type RpcCodec,
} from './thft/index.js';

/** Stable failure codes of an RPC call. */
export type RpcFailureCode = 'TIMEOUT' | 'CONNECTION_FAILED' | 'RPC_ERROR' | 'BAD_RESPONSE';

/** A failed call; `errorName` is the Pegasus error (`ERR_…`) when the code is `RPC_ERROR`. */
export interface RpcFailure extends Failure {
  code: RpcFailureCode;
  errorName?: string;
}

/** The outcome of one call. */
export type RpcResult<T> = Result<T, RpcFailure>;

/** Client-wide settings. */
export interface RpcClientOptions {
  /** Default per-call timeout in ms (5000, the shell's). */
  timeoutMs?: number;
  /** Time allowed to open a connection, in ms (defaults to `timeoutMs`). */
  connectTimeoutMs?: number;
  /** Largest reply accepted; a peer announcing more is cut off (64 MiB). */
  maxFrameBytes?: number;
  /** THFT request header version: 0 (48-byte, default) or 1. */
  headerVersion?: 0 | 1;
}

/** Per-call settings. */
export interface CallOptions {
  timeoutMs?: number;
}

interface PendingCall {
  ackName: string;
  rpcName: string;
  decode: (frame: ResponseFrame) => Result<unknown>;
  settle: (result: RpcResult<unknown>) => void;
}

/** Replies that arrive after their call timed out are dropped quietly; remember this many such seqids. */
const MAX_EXPIRED_SEQIDS = 1024;

function rpcFailure(code: RpcFailureCode, message: string, errorName?: string): { ok: false; error: RpcFailure } {
  return { ok: false, error: errorName === undefined ? { code, message } : { code, message, errorName } };
}

/** Splits `host:port` (IPv6 as `[::1]:port`); undefined when it is not that. */
export function parseHostPortAddress(address: string): { host: string; port: number } | undefined {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) return undefined;
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return host === '' ? undefined : { host, port };
}

interface ConnectionSettings {
  maxFrameBytes: number;
  connectTimeoutMs: number;
  countRead(bytes: number): void;
}

class Connection {
  readonly pending = new Map<number, PendingCall>();
  private readonly expired = new Set<number>();
  private readonly socket: Socket;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private connected = false;
  private closed = false;
  private readonly connectTimer: NodeJS.Timeout;
  readonly address: string;
  private readonly client: ConnectionSettings;
  private readonly onClosed: (connection: Connection) => void;

  constructor(
    address: string,
    target: { host: string; port: number },
    client: ConnectionSettings,
    onClosed: (connection: Connection) => void,
  ) {
    this.address = address;
    this.client = client;
    this.onClosed = onClosed;
    const { host, port } = target;
    this.socket = createConnection({ host, port });
    this.socket.setNoDelay(true);
    this.connectTimer = setTimeout(() => {
      this.shutdown(
        'CONNECTION_FAILED',
        `could not connect to ${address} within ${client.connectTimeoutMs} ms; check the address and that the server is up`,
      );
    }, client.connectTimeoutMs);
    this.socket.on('connect', () => {
      this.connected = true;
      clearTimeout(this.connectTimer);
    });
    this.socket.on('data', (chunk: Buffer) => {
      this.onData(chunk);
    });
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code ?? error.message;
      this.shutdown(
        'CONNECTION_FAILED',
        this.connected
          ? `connection to ${address} failed (${reason}); the server may have restarted, retry`
          : `cannot connect to ${address} (${reason}); check the address and that the server is running`,
      );
    });
    this.socket.on('close', () => {
      this.shutdown(
        'CONNECTION_FAILED',
        `${address} closed the connection before replying; retry, or check the server`,
      );
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Sends a frame and registers the call; the promise always settles (reply, failure or timeout). */
  send(
    seqid: number,
    frame: Uint8Array,
    call: Omit<PendingCall, 'settle'>,
    timeoutMs: number,
  ): Promise<RpcResult<unknown>> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(seqid)) return;
        this.rememberExpired(seqid);
        this.refreshRef();
        resolve(
          rpcFailure(
            'TIMEOUT',
            `${this.address} did not answer ${call.rpcName} within ${timeoutMs} ms; check that it is up and not overloaded`,
          ),
        );
      }, timeoutMs);
      this.pending.set(seqid, {
        ...call,
        settle: (result) => {
          clearTimeout(timer);
          resolve(result);
        },
      });
      this.refreshRef();
      this.socket.write(frame);
    });
  }

  /** Fails every pending call and closes the socket; idempotent. */
  shutdown(code: RpcFailureCode, message: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.connectTimer);
    this.socket.destroy();
    this.chunks = [];
    this.buffered = 0;
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const call of calls) call.settle(rpcFailure(code, message));
    this.onClosed(this);
  }

  /** Resolves once the socket is fully closed. */
  closedPromise(): Promise<void> {
    if (this.socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => {
        resolve();
      });
    });
  }

  /** A call, not a field read, so checks after `onFrame` (which may shut down) are not narrowed away. */
  private open(): boolean {
    return !this.closed;
  }

  private refreshRef(): void {
    // An idle pooled connection must not keep the process alive; one with calls in flight must.
    if (this.pending.size > 0) this.socket.ref();
    else this.socket.unref();
  }

  private rememberExpired(seqid: number): void {
    this.expired.add(seqid);
    if (this.expired.size > MAX_EXPIRED_SEQIDS) {
      const oldest = this.expired.values().next();
      if (oldest.done !== true) this.expired.delete(oldest.value);
    }
  }

  private onData(chunk: Buffer): void {
    if (!this.open()) return;
    this.client.countRead(chunk.length);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // Join chunks only when a whole frame is there, so a large reply is copied once, not once per chunk.
    while (this.open() && this.buffered >= 4) {
      if ((this.chunks[0]?.length ?? 0) < 4) this.chunks = [Buffer.concat(this.chunks)];
      const head = this.chunks[0] ?? Buffer.alloc(0);
      const check = splitResponseFrames(head.subarray(0, 4), this.client.maxFrameBytes);
      if (check.error) {
        this.fatal(`${this.address} sent a bad reply length: ${check.error.message}`);
        return;
      }
      if (this.buffered < head.readInt32BE(0)) return;
      const merged = this.chunks.length === 1 ? head : Buffer.concat(this.chunks);
      const split = splitResponseFrames(merged, this.client.maxFrameBytes);
      const rest = merged.subarray(split.consumed);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      for (const frame of split.frames) {
        if (!this.open()) return;
        this.onFrame(frame);
      }
      if (split.error) {
        this.fatal(`${this.address} sent a bad reply length: ${split.error.message}`);
        return;
      }
    }
  }

  private onFrame(bytes: Uint8Array): void {
    const decoded = decodeResponseFrame(bytes);
    if (!decoded.ok) {
      this.fatal(`${this.address} sent an unreadable reply: ${decoded.error.message}`);
      return;
    }
    const frame = decoded.value;
    const call = this.pending.get(frame.seqid);
    if (!call) {
      if (this.expired.delete(frame.seqid)) return;
      this.fatal(`${this.address} replied to seqid ${frame.seqid}, which no call is waiting for`);
      return;
    }
    this.pending.delete(frame.seqid);
    this.refreshRef();
    if (frame.name !== call.ackName) {
      call.settle(rpcFailure('BAD_RESPONSE', `${this.address} answered ${call.rpcName} with ${frame.name}`));
      this.shutdown('CONNECTION_FAILED', `connection to ${this.address} was reset after a mismatched reply; retry`);
      return;
    }
    if (frame.errorName !== 'ERR_OK') {
      call.settle(
        rpcFailure('RPC_ERROR', `${this.address} refused ${call.rpcName}: ${frame.errorName}`, frame.errorName),
      );
      return;
    }
    const result = call.decode(frame);
    call.settle(
      result.ok
        ? ok(result.value)
        : rpcFailure('BAD_RESPONSE', `${this.address} sent an unreadable ${frame.name}: ${result.error.message}`),
    );
  }

  /** The stream can no longer be trusted: fail everything waiting on it. */
  private fatal(message: string): void {
    this.shutdown('BAD_RESPONSE', message);
  }
}

/** A pooled, pipelining THFT RPC client. */
export class RpcClient {
  private readonly connections = new Map<string, Connection>();
  private readonly timeoutMs: number;
  private readonly headerVersion: 0 | 1;
  private readonly settings: ConnectionSettings;
  private nextSeqid = 1;
  private closed = false;
  private read = 0;
  private written = 0;
  private opened = 0;

  constructor(options: RpcClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.headerVersion = options.headerVersion ?? 0;
    this.settings = {
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES,
      connectTimeoutMs: options.connectTimeoutMs ?? this.timeoutMs,
      countRead: (n) => {
        this.read += n;
      },
    };
  }

  /** Bytes received from all servers so far (for benchmarks). */
  get bytesRead(): number {
    return this.read;
  }

  /** Bytes sent to all servers so far. */
  get bytesWritten(): number {
    return this.written;
  }

  /** TCP connections opened so far (reuse keeps this at one per server). */
  get connectionsOpened(): number {
    return this.opened;
  }

  /** Calls one RPC on `address` (`host:port`) and waits for its reply, a failure or the timeout. */
  async call<Req, Resp>(
    address: string,
    codec: RpcCodec<Req, Resp>,
    request: Req,
    options: CallOptions = {},
  ): Promise<RpcResult<Resp>> {
    if (this.closed) return rpcFailure('CONNECTION_FAILED', `the RPC client is closed; cannot call ${address}`);
    const target = parseHostPortAddress(address);
    if (!target) {
      return rpcFailure(
        'CONNECTION_FAILED',
        `"${address}" is not a server address; use host:port, e.g. 10.0.0.1:34601`,
      );
    }
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const seqid = this.takeSeqid();
    const frame = encodeRpcRequest(codec, request, { seqid, timeoutMs, headerVersion: this.headerVersion });
    let connection = this.connections.get(address);
    if (!connection || connection.isClosed) {
      connection = new Connection(address, target, this.settings, (closed) => {
        if (this.connections.get(address) === closed) this.connections.delete(address);
      });
      this.connections.set(address, connection);
      this.opened += 1;
    }
    this.written += frame.length;
    const result = await connection.send(
      seqid,
      frame,
      { ackName: codec.ackName, rpcName: codec.name, decode: (reply) => decodeRpcResponse(codec, reply) },
      timeoutMs,
    );
    // The connection decoded the reply with this call's codec, so the value is a Resp.
    return result as RpcResult<Resp>;
  }

  /** Closes every connection; calls in flight fail with `CONNECTION_FAILED`, later calls too. */
  async close(): Promise<void> {
    this.closed = true;
    const connections = [...this.connections.values()];
    for (const connection of connections) connection.shutdown('CONNECTION_FAILED', 'the RPC client was closed');
    await Promise.all(connections.map((connection) => connection.closedPromise()));
  }

  private takeSeqid(): number {
    const seqid = this.nextSeqid;
    this.nextSeqid = seqid >= 0x7fffffff ? 1 : seqid + 1;
    return seqid;
  }
}
