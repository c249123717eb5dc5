/**
 * A local Socket Mode endpoint: a `ws` server on 127.0.0.1 that greets with `hello`, sends envelopes
 * (`{ envelope_id, type, payload, accepts_response_payload }`) and collects the client's acks by envelope id.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** An ack the client sent for an envelope. */
export interface SocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/** The fake Socket Mode server. */
export class FakeSocketModeServer {
  url = '';
  readonly acks: SocketAck[] = [];
  private server: WebSocketServer | undefined;
  private readonly sockets = new Set<WebSocket>();
  private readonly waiting = new Map<string, (ack: SocketAck) => void>();
  private connectedResolve: (() => void) | undefined;
  readonly connected: Promise<void>;

  constructor() {
    this.connected = new Promise((resolve) => {
      this.connectedResolve = resolve;
    });
  }

  /** Listens on a free loopback port. */
  async start(): Promise<void> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server = server;
    await new Promise<void>((resolve) =>
      server.once('listening', () => {
        resolve();
      }),
    );
    this.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link/?ticket=test`;
    server.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data: Buffer) => {
        const ack = JSON.parse(data.toString('utf8')) as SocketAck;
        this.acks.push(ack);
        this.waiting.get(ack.envelope_id)?.(ack);
        this.waiting.delete(ack.envelope_id);
      });
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.sockets.size,
          debug_info: { host: 'fake-socket-mode', approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0000TEST' },
        }),
      );
      this.connectedResolve?.();
    });
  }

  /** Sends one envelope to the (first) connected client; resolves with its ack. */
  send(type: 'slash_commands' | 'interactive', payload: Record<string, unknown>): Promise<SocketAck> {
    const socket = [...this.sockets][0];
    if (!socket) return Promise.reject(new Error('no Socket Mode client connected'));
    const envelopeId = randomUUID();
    const acked = new Promise<SocketAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`no ack for ${type} envelope`));
      }, 5000);
      this.waiting.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    socket.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: true }));
    return acked;
  }

  /** Closes every connection and the server. */
  async stop(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    const server = this.server;
    this.server = undefined;
    if (server)
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
  }
}
