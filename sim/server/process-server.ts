/**
 * One simulated Pegasus process on its own loopback port. Like Pegasus (`message_parser::get_header_type`),
 * the first four bytes of a connection choose the protocol: `GET `/`POST` → HTTP, `THFT` → thrift RPC,
 * anything else → the connection is closed. Process faults act here: a slow process answers late, a hanging
 * one reads and never answers, a stopped one has its port closed.
 */
import net from 'node:net';
import {
  encodeResponse,
  HttpRequestParser,
  type HttpLimits,
  type HttpRequest,
  type HttpResponse,
} from '../http/http-parser.js';
import type { SimProcess } from '../model/cluster-model.js';

/** A protocol session on one connection; `push` gets every byte after the sniffed prefix too. */
export interface ProtocolSession {
  push(chunk: Buffer): void;
}

/** What the cluster plugs into each process server. */
export interface ProcessServerHooks {
  /** Called before any request is answered (the cluster catches its simulated clock up). */
  beforeRequest(): void;
  /** Answers one HTTP request. */
  http(process: SimProcess, request: HttpRequest): HttpResponse;
  /**
   * Opens a THFT session. `send` writes a reply in order (after the process's fault delay); `close` drops
   * the connection (a malformed frame).
   */
  thft(process: SimProcess, send: (reply: Buffer) => void, close: () => void): ProtocolSession;
  httpLimits?: HttpLimits;
}

/** A loopback listener for one process. */
export class ProcessServer {
  private attached: SimProcess | undefined;
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private readonly hooks: ProcessServerHooks;
  private boundPort: number;

  constructor(port: number, hooks: ProcessServerHooks) {
    this.boundPort = port;
    this.hooks = hooks;
  }

  /** Binds the model's process (its address is only known once the port is). */
  attach(process: SimProcess): void {
    this.attached = process;
  }

  /** The process served here. */
  get process(): SimProcess {
    if (!this.attached) throw new Error('ProcessServer: no process attached');
    return this.attached;
  }

  /** The port (known after the first `listen`). */
  get port(): number {
    return this.boundPort;
  }

  /** Open connections (for `network_server_sessions`). */
  get connections(): number {
    return this.sockets.size;
  }

  /** Whether the port is open. */
  get listening(): boolean {
    return this.server !== undefined;
  }

  /** Opens the port (the first time on the requested one, later on the same one again). */
  async listen(): Promise<number> {
    if (this.server) return this.boundPort;
    const server = net.createServer({ noDelay: true }, (socket) => {
      this.accept(socket);
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        reject(err);
      };
      server.once('error', onError);
      server.listen(this.boundPort, '127.0.0.1', () => {
        server.off('error', onError);
        resolve();
      });
    });
    server.on('error', () => {
      // A listening server only errors on fatal conditions; the port simply stays closed.
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    this.server = server;
    return this.boundPort;
  }

  /** Closes the port and drops every connection (a stopped process). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  }

  private accept(socket: net.Socket): void {
    if (!this.attached) {
      socket.destroy();
      return;
    }
    const process = this.attached;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {
      socket.destroy();
    });
    let prefix = Buffer.alloc(0);
    let session: ProtocolSession | undefined;
    // Replies leave in request order, each after the process's delay at the time it was asked.
    let queue: Promise<void> = Promise.resolve();
    const send = (reply: Buffer | (() => Buffer | undefined)): void => {
      if (process.faults.hang) return;
      const delay = process.faults.slowMs;
      queue = queue
        .then(async () => {
          if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
          if (socket.destroyed || process.faults.hang) return;
          const bytes = typeof reply === 'function' ? reply() : reply;
          if (bytes) socket.write(bytes);
        })
        .catch(() => {
          // A bug in a handler costs one connection, never the simulator.
          socket.destroy();
        });
    };
    const close = (): void => {
      queue = queue.then(() => {
        socket.destroy();
      });
    };
    const onData = (chunk: Buffer): void => {
      if (session) {
        session.push(chunk);
        return;
      }
      prefix = Buffer.concat([prefix, chunk]);
      if (prefix.length < 4) return;
      const magic = prefix.subarray(0, 4).toString('latin1');
      if (magic === 'GET ' || magic === 'POST') {
        session = this.httpSession(process, send, close);
      } else if (magic === 'THFT') {
        session = this.hooks.thft(process, send, close);
      } else {
        socket.destroy();
        return;
      }
      const first = prefix;
      prefix = Buffer.alloc(0);
      session.push(first);
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        onData(chunk);
      } catch {
        socket.destroy();
      }
    });
  }

  private httpSession(
    process: SimProcess,
    send: (reply: () => Buffer | undefined) => void,
    close: () => void,
  ): ProtocolSession {
    const parser = new HttpRequestParser(this.hooks.httpLimits);
    return {
      push: (chunk) => {
        const outcome = parser.push(chunk);
        for (const request of outcome.requests) {
          send(() => {
            this.hooks.beforeRequest();
            return encodeResponse(this.hooks.http(process, request));
          });
        }
        if (outcome.error !== undefined) close();
      },
    };
  }
}
