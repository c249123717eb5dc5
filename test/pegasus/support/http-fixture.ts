/** Small `node:http` servers on 127.0.0.1 that answer like Pegasus (text/plain, Content-Length, Location). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a fixture answers; `hang` never answers (for timeouts). */
export interface FixtureAnswer {
  status?: number;
  body?: string;
  location?: string;
  hang?: boolean;
}

/** Answers one request; `path` is the path, `query` the parsed query (repeated keys keep the last). */
export type FixtureHandler = (path: string, query: URLSearchParams, rawUrl: string) => FixtureAnswer;

/** A running fixture. */
export interface HttpFixture {
  address: string;
  port: number;
  /** Raw request URLs in arrival order. */
  requests: string[];
  handler: FixtureHandler;
  close(): Promise<void>;
}

/** Starts a fixture on an ephemeral loopback port. */
export async function startHttp(handler: FixtureHandler = () => ({ status: 404, body: '' })): Promise<HttpFixture> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    const raw = req.url ?? '/';
    requests.push(raw);
    const url = new URL(raw, 'http://fixture');
    const answer = fixture.handler(url.pathname, url.searchParams, raw);
    if (answer.hang === true) return;
    const body = answer.body ?? '';
    const headers: Record<string, string | number> = {
      'Content-Type': 'text/plain',
      'Content-Length': Buffer.byteLength(body),
    };
    if (answer.location !== undefined) headers['Location'] = answer.location;
    res.writeHead(answer.status ?? 200, headers);
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const fixture: HttpFixture = {
    address: `127.0.0.1:${port}`,
    port,
    requests,
    handler,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
  return fixture;
}

/** An address nothing listens on (a port that was just released), so connecting is refused. */
export async function refusedAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return `127.0.0.1:${port}`;
}
