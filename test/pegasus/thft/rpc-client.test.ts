import { afterEach, describe, expect, it } from 'vitest';
import { RpcClient } from '../../../src/pegasus/rpc-client.js';
import {
  cliCallRpc,
  controlMetaRpc,
  decodeCliCallRequest,
  encodeCliCallResponse,
  encodeControlMetaResponse,
  encodeErrorResponseFrame,
  encodeListAppsResponse,
  encodeResponseFrame,
} from '../../../src/pegasus/thft/index.js';
import { startFakeThftServer, unusedAddress, type FakeRequest, type FakeThftServer } from './fake-thft-server.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handle: (request: FakeRequest) => void): Promise<FakeThftServer> {
  const started = await startFakeThftServer(handle);
  cleanups.push(() => started.close());
  return started;
}

function client(options: ConstructorParameters<typeof RpcClient>[0] = {}): RpcClient {
  const made = new RpcClient(options);
  cleanups.push(() => made.close());
  return made;
}

/** Echoes a cli call: output "<cmd> <args>". */
function echo({ frame, socket }: FakeRequest): void {
  const request = decodeCliCallRequest(frame);
  if (!request.ok) throw new Error(request.error.message);
  const output = [request.value.cmd, ...request.value.arguments].join(' ');
  socket.write(encodeCliCallResponse(output, { seqid: frame.seqid }));
}

describe('RpcClient', () => {
  it('calls and decodes a typed reply', async () => {
    const fake = await server(({ frame, socket }) => {
      socket.write(encodeControlMetaResponse({ err: 'ERR_OK', oldLevel: 'lively' }, { seqid: frame.seqid }));
    });
    const rpc = client();
    const result = await rpc.call(fake.address, controlMetaRpc, { level: 'invalid' });
    expect(result).toEqual({ ok: true, value: { err: 'ERR_OK', oldLevel: 'lively' } });
    expect(fake.requests[0]).toMatchObject({ name: 'RPC_CM_CONTROL_META', headerVersion: 0, timeoutMs: 5000 });
  });

  it('matches pipelined replies that come back out of order', async () => {
    const held: FakeRequest[] = [];
    const fake = await server((request) => {
      held.push(request);
      if (held.length === 5) for (const waiting of held.reverse()) echo(waiting);
    });
    const rpc = client();
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((n) => rpc.call(fake.address, cliCallRpc, { cmd: 'echo', arguments: [String(n)] })),
    );
    expect(results).toEqual([1, 2, 3, 4, 5].map((n) => ({ ok: true, value: `echo ${n}` })));
    expect(fake.connections()).toBe(1);
  });

  it('reuses one connection for many calls', async () => {
    const fake = await server(echo);
    const rpc = client();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => rpc.call(fake.address, cliCallRpc, { cmd: `c${i}`, arguments: [] })),
    );
    for (let i = 0; i < 5; i++) {
      expect(await rpc.call(fake.address, cliCallRpc, { cmd: 'again', arguments: [] })).toMatchObject({ ok: true });
    }
    expect(fake.connections()).toBe(1);
    expect(rpc.connectionsOpened).toBe(1);
    expect(fake.requests.map((r) => r.seqid)).toEqual([...new Set(fake.requests.map((r) => r.seqid))]);
  });

  it('fails a reply with an unknown seqid, then reconnects', async () => {
    let first = true;
    const fake = await server((request) => {
      if (first) {
        first = false;
        request.socket.write(encodeCliCallResponse('x', { seqid: request.frame.seqid + 1000 }));
      } else echo(request);
    });
    const rpc = client();
    const bad = await rpc.call(fake.address, cliCallRpc, { cmd: 'a', arguments: [] });
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE', message: /seqid/ } });
    const good = await rpc.call(fake.address, cliCallRpc, { cmd: 'b', arguments: [] });
    expect(good).toEqual({ ok: true, value: 'b' });
    expect(fake.connections()).toBe(2);
  });

  it('fails a reply whose name is not <RPC>_ACK and resets the connection', async () => {
    const fake = await server(({ frame, socket }) => {
      socket.write(encodeListAppsResponse({ err: 'ERR_OK', infos: [] }, { seqid: frame.seqid }));
    });
    const rpc = client();
    const result = await rpc.call(fake.address, controlMetaRpc, { level: 'invalid' });
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE', message: /RPC_CM_LIST_APPS_ACK/ } });
    await rpc.call(fake.address, controlMetaRpc, { level: 'invalid' });
    expect(fake.connections()).toBe(2);
  });

  it('fails every waiting call on a bad length instead of waiting for bytes', async () => {
    const fake = await server(({ socket, frame }) => {
      if (frame.seqid % 2 === 0) socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
    });
    const rpc = client({ timeoutMs: 10_000 });
    const results = await Promise.all([
      rpc.call(fake.address, cliCallRpc, { cmd: 'a', arguments: [] }),
      rpc.call(fake.address, cliCallRpc, { cmd: 'b', arguments: [] }),
    ]);
    for (const result of results) expect(result).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE' } });
  });

  it('refuses a length below the minimum', async () => {
    const fake = await server(({ socket }) => socket.write(Buffer.from([0, 0, 0, 2])));
    const result = await client().call(fake.address, cliCallRpc, { cmd: 'a', arguments: [] });
    expect(result).toMatchObject({ ok: false, error: { code: 'BAD_RESPONSE', message: /length/ } });
  });

  it('times out on a silent server, and drops the late reply without resetting', async () => {
    const held: FakeRequest[] = [];
    const fake = await server((request) => {
      held.push(request);
      if (held.length === 2) for (const waiting of held) echo(waiting);
    });
    const rpc = client();
    const silent = await rpc.call(fake.address, cliCallRpc, { cmd: 'slow', arguments: [] }, { timeoutMs: 50 });
    expect(silent).toMatchObject({ ok: false, error: { code: 'TIMEOUT', message: /within 50 ms/ } });
    const next = await rpc.call(fake.address, cliCallRpc, { cmd: 'next', arguments: [] });
    expect(next).toEqual({ ok: true, value: 'next' });
    expect(fake.connections()).toBe(1);
  });

  it('fails when the server closes mid-frame, then reconnects', async () => {
    let first = true;
    const fake = await server((request) => {
      if (first) {
        first = false;
        const reply = encodeCliCallResponse('a long enough output', { seqid: request.frame.seqid });
        request.socket.end(reply.subarray(0, 30));
      } else echo(request);
    });
    const rpc = client();
    const cut = await rpc.call(fake.address, cliCallRpc, { cmd: 'a', arguments: [] });
    expect(cut).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED' } });
    expect(await rpc.call(fake.address, cliCallRpc, { cmd: 'b', arguments: [] })).toEqual({ ok: true, value: 'b' });
  });

  it('reports a transport error name as RPC_ERROR', async () => {
    const fake = await server(({ frame, socket }) => {
      socket.write(encodeErrorResponseFrame(frame.name, frame.seqid, 'ERR_HANDLER_NOT_FOUND'));
    });
    const result = await client().call(fake.address, controlMetaRpc, { level: 'invalid' });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'RPC_ERROR', errorName: 'ERR_HANDLER_NOT_FOUND', message: /ERR_HANDLER_NOT_FOUND/ },
    });
  });

  it('reports an undecodable result as BAD_RESPONSE and keeps the connection', async () => {
    const fake = await server(({ frame, socket }) => {
      if (frame.seqid === 1) {
        socket.write(
          encodeResponseFrame({
            errorName: 'ERR_OK',
            name: 'RPC_CLI_CLI_CALL_ACK',
            seqid: 1,
            result: new Uint8Array([11, 0]),
          }),
        );
      } else echo({ frame, socket, connection: 0 });
    });
    const rpc = client();
    expect(await rpc.call(fake.address, cliCallRpc, { cmd: 'a', arguments: [] })).toMatchObject({
      ok: false,
      error: { code: 'BAD_RESPONSE' },
    });
    expect(await rpc.call(fake.address, cliCallRpc, { cmd: 'b', arguments: [] })).toEqual({ ok: true, value: 'b' });
    expect(fake.connections()).toBe(1);
  });

  it('fails fast when nothing listens, and on a malformed address', async () => {
    const rpc = client();
    const refused = await rpc.call(await unusedAddress(), cliCallRpc, { cmd: 'a', arguments: [] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED', message: /ECONNREFUSED/ } });
    const malformed = await rpc.call('no-port', cliCallRpc, { cmd: 'a', arguments: [] });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED', message: /host:port/ } });
  });

  it('assembles a large reply arriving in small pieces and counts the bytes read', async () => {
    const big = 'x'.repeat(300_000);
    let replyBytes = 0;
    const fake = await server(({ frame, socket }) => {
      const reply = encodeCliCallResponse(big, { seqid: frame.seqid });
      replyBytes += reply.length;
      for (let at = 0; at < reply.length; at += 7_000) socket.write(reply.subarray(at, at + 7_000));
    });
    const rpc = client();
    const [a, b] = await Promise.all([
      rpc.call(fake.address, cliCallRpc, { cmd: 'a', arguments: [] }),
      rpc.call(fake.address, cliCallRpc, { cmd: 'b', arguments: [] }),
    ]);
    expect(a.ok && a.value.length).toBe(big.length);
    expect(b.ok && b.value).toBe(big);
    expect(rpc.bytesRead).toBe(replyBytes);
  });

  it('sends v1 headers when asked', async () => {
    const fake = await server(echo);
    const result = await client({ headerVersion: 1 }).call(fake.address, cliCallRpc, { cmd: 'v1', arguments: [] });
    expect(result).toEqual({ ok: true, value: 'v1' });
    expect(fake.requests[0]?.headerVersion).toBe(1);
  });

  it('fails calls in flight and later calls once closed', async () => {
    const fake = await server(() => {});
    const rpc = new RpcClient();
    const inFlight = rpc.call(fake.address, cliCallRpc, { cmd: 'a', arguments: [] });
    while (fake.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await rpc.close();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED', message: /closed/ } });
    expect(await rpc.call(fake.address, cliCallRpc, { cmd: 'b', arguments: [] })).toMatchObject({
      ok: false,
      error: { code: 'CONNECTION_FAILED' },
    });
  });
});
