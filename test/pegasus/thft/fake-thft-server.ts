/** Test helper: a small THFT server on 127.0.0.1 built from the codec, with a handler per request. */
import { createServer, type Server, type Socket } from 'node:net';
import { decodeRequestFrame, splitFrames, type RequestFrame } from '../../../src/pegasus/thft/index.js';

/** What a handler gets: the decoded request, and the socket to answer on (or misbehave with). */
export interface FakeRequest {
  frame: RequestFrame;
  socket: Socket;
  /** Index of the connection this request came on (0 for the first). */
  connection: number;
}

/** A running fake server. */
export interface FakeThftServer {
  address: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Requests received so far. */
  requests: RequestFrame[];
  close(): Promise<void>;
}

/** Starts a fake server; `handle` answers (or not) each request. */
export async function startFakeThftServer(handle: (request: FakeRequest) => void): Promise<FakeThftServer> {
  const sockets = new Set<Socket>();
  const requests: RequestFrame[] = [];
  let accepted = 0;
  const server: Server = createServer((socket) => {
    const connection = accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      const split = splitFrames(buffer);
      buffer = Buffer.from(buffer.subarray(split.consumed));
      for (const bytes of split.frames) {
        const frame = decodeRequestFrame(bytes);
        if (!frame.ok) throw new Error(`fake server got a bad frame: ${frame.error.message}`);
        requests.push(frame.value);
        handle({ frame: frame.value, socket, connection });
      }
      if (split.error) socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const info = server.address();
  if (info === null || typeof info === 'string') throw new Error('no TCP address');
  return {
    address: `127.0.0.1:${info.port}`,
    connections: () => accepted,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}

/** An address where nothing listens (a port that was just freed). */
export async function unusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const info = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (info === null || typeof info === 'string') throw new Error('no TCP address');
  return `127.0.0.1:${info.port}`;
}
