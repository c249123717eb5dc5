/**
 * Test clients for the simulated cluster that see the bytes: raw HTTP over a socket (status line, headers,
 * exact body) and THFT request/response over a socket with the codec.
 */
import net from 'node:net';
import { decodeResponseFrame, splitResponseFrames, type ResponseFrame } from '../../src/pegasus/thft/index.js';

/** A raw HTTP response. */
export interface RawResponse {
  statusLine: string;
  status: number;
  headers: Map<string, string>;
  body: string;
  raw: Buffer;
}

function parseResponses(data: Buffer): { responses: RawResponse[]; rest: Buffer } {
  const responses: RawResponse[] = [];
  let rest = data;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const head = rest.subarray(0, end).toString('latin1').split('\r\n');
    const headers = new Map<string, string>();
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      headers.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? '0');
    if (rest.length < end + 4 + length) break;
    const raw = rest.subarray(0, end + 4 + length);
    const statusLine = head[0] ?? '';
    responses.push({
      statusLine,
      status: Number(statusLine.split(' ')[1]),
      headers,
      body: rest.subarray(end + 4, end + 4 + length).toString('utf8'),
      raw: Buffer.from(raw),
    });
    rest = rest.subarray(end + 4 + length);
  }
  return { responses, rest };
}

/** Sends raw bytes and collects `expected` HTTP responses (or whatever arrived when the peer closed). */
export function rawHttp(
  address: string,
  payload: string | Buffer,
  expected = 1,
): Promise<{ responses: RawResponse[]; closed: boolean }> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host);
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ responses: parseResponses(data).responses, closed });
    };
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (parseResponses(data).responses.length >= expected) finish(false);
    });
    socket.on('close', () => {
      finish(true);
    });
    socket.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}

/** GET one path and return the parsed response. */
export async function get(address: string, path: string): Promise<RawResponse> {
  const { responses } = await rawHttp(address, `GET ${path} HTTP/1.1\r\nHost: ${address}\r\n\r\n`);
  const response = responses[0];
  if (!response) throw new Error(`no response to GET ${path}`);
  return response;
}

/** Sends bytes on a socket and waits for the peer to close it (resolves true) or `waitMs` to pass (false). */
export function expectClose(address: string, payload: Uint8Array | string, waitMs = 2_000): Promise<boolean> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(false);
    }, waitMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
    socket.on('error', () => {});
  });
}

/** Sends bytes and watches the socket for `waitMs`: whether the peer closed it and how many bytes came back. */
export function probe(
  address: string,
  payload: Buffer | Uint8Array | string,
  waitMs: number,
): Promise<{ closed: boolean; received: number }> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), host);
    let received = 0;
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed, received });
    }, waitMs);
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.on('close', () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      resolve({ closed, received });
    });
    socket.on('error', () => {});
  });
}

/** Sends THFT bytes and collects `count` response frames (raw bytes and decoded). */
export function thftExchange(
  address: string,
  payload: Uint8Array,
  count = 1,
): Promise<{ raw: Uint8Array[]; frames: ResponseFrame[]; closed: boolean }> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), host);
    let data: Uint8Array = new Uint8Array(0);
    const raw: Uint8Array[] = [];
    let done = false;
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      socket.destroy();
      const frames: ResponseFrame[] = [];
      for (const r of raw) {
        const decoded = decodeResponseFrame(r);
        if (decoded.ok) frames.push(decoded.value);
      }
      resolve({ raw, frames, closed });
    };
    socket.on('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const split = splitResponseFrames(data);
      for (const f of split.frames) raw.push(Uint8Array.from(f));
      data = data.slice(split.consumed);
      if (raw.length >= count) finish(false);
    });
    socket.on('close', () => {
      finish(true);
    });
    socket.on('error', (err) => {
      if (!done) reject(err);
    });
  });
}

/** Hex of bytes, for readable byte comparisons. */
export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}
