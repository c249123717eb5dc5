/**
 * The default HTTP transport against real loopback servers that write exact bytes: bodies by length, in
 * chunks, up to the close, split over many writes; kept connections reused, and sent again once when the
 * server closed them meanwhile; deadlines, refused connections, redirects, UTF-8 text, in-place reads.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpGet, httpRead, type HttpTransport } from '../../src/pegasus/http-get.js';
import { createHttpTransport } from '../../src/pegasus/http-transport.js';

/** A server that hands every request head to `answer`, which writes whatever bytes it likes. */
interface RawServer {
  address: string;
  /** Connections accepted so far. */
  connections: number;
  /** Request heads in arrival order. */
  heads: string[];
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

const servers: RawServer[] = [];
const transports: HttpTransport[] = [];

afterEach(async () => {
  for (const t of transports.splice(0)) t.close?.();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function rawServer(answer: (socket: net.Socket, head: string, index: number) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, heads: [] as string[] };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const head = pending.slice(0, end);
        pending = pending.slice(end + 4);
        state.heads.push(head);
        answer(socket, head, state.heads.length - 1);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const s: RawServer = {
    address: `127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    heads: state.heads,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => {
          resolve();
        });
      }),
  };
  servers.push(s);
  return s;
}

function transport(options: Parameters<typeof createHttpTransport>[0] = {}): HttpTransport {
  const t = createHttpTransport(options);
  transports.push(t);
  return t;
}

const ok = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;

describe('default HTTP transport', () => {
  it('reads a body by its length and keeps the connection for the next GETs', async () => {
    const server = await rawServer((socket, head) => {
      socket.write(ok(`you asked ${head.split(' ')[1] ?? ''}`));
    });
    const t = transport();
    for (const path of ['/a', '/b?x=1', '/c']) {
      const answer = await t.get(server.address, path, 1000);
      expect(answer).toEqual({ status: 200, body: `you asked ${path}` });
    }
    expect(server.connections).toBe(1);
    expect(server.heads[0]).toBe(`GET /a HTTP/1.1\r\nHost: ${server.address}\r\nConnection: keep-alive`);
  });

  it('puts a body split over many writes back together, in both modes', async () => {
    const body = Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n');
    const server = await rawServer((socket) => {
      const bytes = Buffer.from(ok(body), 'latin1');
      // Odd-sized pieces a little apart, so they arrive as separate reads.
      let at = 0;
      const next = () => {
        if (at >= bytes.length) return;
        socket.write(bytes.subarray(at, at + 7_001));
        at += 7_001;
        setTimeout(next, 1);
      };
      next();
    });
    const t = transport();
    expect((await t.get(server.address, '/big', 5000)).body).toBe(body);
    const read = t.read?.bind(t);
    if (read === undefined) throw new Error('the default transport reads in place');
    const length = await read(server.address, '/big', 5000, (answer) => {
      expect(answer.body.toString('latin1')).toBe(body);
      return answer.body.length;
    });
    expect(length).toBe(body.length);
  });

  it('reads chunked bodies and bodies that run to the close', async () => {
    const server = await rawServer((socket, head) => {
      if (head.includes('/chunked')) {
        socket.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n');
        setTimeout(() => socket.write('7;ext=1\r\n, world\r\n0\r\nX-Trailer: 1\r\n\r\n'), 5);
      } else {
        socket.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end');
      }
    });
    const t = transport();
    expect(await t.get(server.address, '/chunked', 1000)).toEqual({ status: 200, body: 'hello, world' });
    expect(await t.get(server.address, '/close', 1000)).toEqual({ status: 200, body: 'until the end' });
    // The chunked answer left its connection reusable; the close-delimited one could not be.
    expect(await t.get(server.address, '/chunked', 1000)).toEqual({ status: 200, body: 'hello, world' });
    expect(server.connections).toBe(2);
  });

  it('sends a GET again on a new connection when the server closed the kept one meanwhile', async () => {
    const server = await rawServer((socket) => {
      socket.write(ok('fresh'));
    });
    const t = transport();
    expect((await t.get(server.address, '/one', 1000)).body).toBe('fresh');
    for (const socket of server.sockets) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await t.get(server.address, '/two', 1000)).body).toBe('fresh');
    expect(server.connections).toBe(2);
  });

  it('gives up at the deadline with a TIMEOUT and the time it waited', async () => {
    const server = await rawServer(() => {
      // Never answers.
    });
    const answer = await httpGet(server.address, '/metrics', { transport: transport(), timeoutMs: 150 });
    expect(answer).toEqual({ ok: false, error: { code: 'TIMEOUT', message: 'timed out after 150ms' } });
  });

  it('says connection refused for a closed port', async () => {
    const server = await rawServer(() => undefined);
    const address = server.address;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const answer = await httpGet(address, '/version', { transport: transport(), timeoutMs: 1000 });
    expect(answer).toEqual({ ok: false, error: { code: 'CONNECTION_FAILED', message: 'connection refused' } });
  });

  it('passes a redirect with its Location, and decodes UTF-8 text', async () => {
    const server = await rawServer((socket, head) => {
      if (head.includes('/meta/cluster')) {
        socket.write(
          'HTTP/1.1 307 Temporary Redirect\r\nLocation: http://10.0.0.1:34601/meta/cluster\r\nContent-Length: 0\r\n\r\n',
        );
      } else {
        socket.write(ok('{"name":"über"}'));
      }
    });
    const t = transport();
    const redirect = await httpGet(server.address, '/meta/cluster', { transport: t, timeoutMs: 1000 });
    expect(redirect).toEqual({
      ok: true,
      value: { status: 307, body: '', bytes: 0, location: 'http://10.0.0.1:34601/meta/cluster' },
    });
    const text = await httpGet(server.address, '/meta/apps', { transport: t, timeoutMs: 1000 });
    expect(text.ok && text.value.body).toBe('{"name":"über"}');
    expect(text.ok && text.value.bytes).toBe(Buffer.byteLength('{"name":"über"}'));
  });

  it('reads in place: the consumer sees the body once, a throwing consumer fails the GET', async () => {
    const server = await rawServer((socket) => {
      socket.write(ok('{"a":1}'));
    });
    const t = transport();
    const read = t.read?.bind(t);
    if (read === undefined) throw new Error('the default transport reads in place');
    const seen = await httpRead({ ...t, read }, server.address, '/metrics', 1000, (a) => [a.status, a.body.toString()]);
    expect(seen).toEqual({ ok: true, value: [200, '{"a":1}'] });
    await expect(
      read(server.address, '/metrics', 1000, () => {
        throw new Error('parse failed');
      }),
    ).rejects.toThrow('parse failed');
    // The connection is still fine for the next GET.
    expect((await t.get(server.address, '/x', 1000)).body).toBe('{"a":1}');
  });

  it('runs concurrent GETs to one server on separate connections and keeps a few for later', async () => {
    const server = await rawServer((socket, _head, index) => {
      setTimeout(() => socket.write(ok(`answer ${index}`)), 10);
    });
    const t = transport({ maxIdlePerServer: 2 });
    const answers = await Promise.all([1, 2, 3].map(() => t.get(server.address, '/p', 1000)));
    expect(answers.map((a) => a.body).sort()).toEqual(['answer 0', 'answer 1', 'answer 2']);
    expect(server.connections).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // One connection over the idle limit was closed; the other two serve the next GETs.
    expect(server.sockets.size).toBe(2);
    await Promise.all([1, 2].map(() => t.get(server.address, '/p', 1000)));
    expect(server.connections).toBe(3);
  });

  it('closes idle connections after idleMs and on close()', async () => {
    const server = await rawServer((socket) => {
      socket.write(ok('x'));
    });
    const t = transport({ idleMs: 30 });
    await t.get(server.address, '/p', 1000);
    expect(server.sockets.size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(server.sockets.size).toBe(0);
    await t.get(server.address, '/p', 1000);
    t.close?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.sockets.size).toBe(0);
  });

  it('rejects a garbled answer without reusing its connection', async () => {
    const server = await rawServer((socket, _head, index) => {
      socket.write(index === 0 ? 'SSH-2.0-OpenSSH\r\n\r\n' : ok('fine'));
    });
    const t = transport();
    const bad = await httpGet(server.address, '/version', { transport: t, timeoutMs: 1000 });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.message).toContain('bad HTTP answer: status line');
    expect((await t.get(server.address, '/version', 1000)).body).toBe('fine');
    expect(server.connections).toBe(2);
  });
});
