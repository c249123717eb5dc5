/**
 * A local stand-in for Discord's gateway (v10, JSON encoding, no compression) on 127.0.0.1: HELLO, the
 * IDENTIFY → READY handshake, heartbeat ACKs, and dispatches a test pushes (e.g. `INTERACTION_CREATE`).
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** The fake gateway. */
export class FakeDiscordGateway {
  /** Payloads the client sent (IDENTIFY, heartbeats), in order. */
  readonly received: { op: number; d: unknown }[] = [];
  private readonly server: WebSocketServer;
  private readonly sockets = new Set<WebSocket>();
  private sequence = 1;
  private readyWaiters: (() => void)[] = [];
  private identified = false;

  private constructor(server: WebSocketServer, applicationId: string) {
    this.server = server;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
      socket.on('message', (data: Buffer) => {
        const payload = JSON.parse(data.toString('utf8')) as { op: number; d: unknown };
        this.received.push(payload);
        if (payload.op === 1) socket.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
        if (payload.op === 2) {
          socket.send(
            JSON.stringify({
              op: 0,
              t: 'READY',
              s: this.sequence++,
              d: {
                v: 10,
                user: {
                  id: '1100000000000000001',
                  username: 'pegasus-bot',
                  discriminator: '0000',
                  bot: true,
                  avatar: null,
                  global_name: null,
                  flags: 0,
                },
                guilds: [],
                session_id: 'fake-session-1',
                resume_gateway_url: this.url,
                shard: [0, 1],
                application: { id: applicationId, flags: 0 },
              },
            }),
          );
          this.identified = true;
          for (const resolve of this.readyWaiters) resolve();
          this.readyWaiters = [];
        }
      });
    });
  }

  /** Starts the fake gateway on a free loopback port. */
  static async start(applicationId: string): Promise<FakeDiscordGateway> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return new FakeDiscordGateway(server, applicationId);
  }

  /** The URL `GET /gateway/bot` should return. */
  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once a client has identified and been sent READY. */
  async identifiedClient(): Promise<void> {
    if (this.identified) return;
    await new Promise<void>((resolve) => this.readyWaiters.push(resolve));
  }

  /** Sends a dispatch to every connected client. */
  dispatch(t: string, d: unknown): void {
    const text = JSON.stringify({ op: 0, t, s: this.sequence++, d });
    for (const socket of this.sockets) socket.send(text);
  }

  /** Closes every connection and the server. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }
}
