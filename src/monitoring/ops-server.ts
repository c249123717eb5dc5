/**
 * The ops port (`OPS_PORT`): `GET /healthz` (the store answers; each cluster as last inspected),
 * `GET /metrics` (Prometheus text) and `POST /alertmanager` (the Alertmanager webhook receiver, bearer token
 * `ALERTMANAGER_TOKEN`; 401 without it or with a wrong one). Plain `node:http`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Clock } from '../clock.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { AlertPipeline } from './alert-pipeline.js';
import { receiveAlertmanager } from './alertmanager-webhook.js';
import { observeStore, type BotMetrics } from './bot-metrics.js';
import { lastInspectionKey, type LastInspection } from './inspector.js';

/** What the ops server serves from. */
export interface OpsServerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Interface to listen on (default: all). */
  host?: string;
  config: Pick<Config, 'clusters' | 'defaultCluster' | 'alertmanagerToken'>;
  /** The plain store (its failures are counted here; do not pass one already wrapped by `observeStore`). */
  store: Store;
  clock: Clock;
  metrics: BotMetrics;
  /** Without it, `/alertmanager` answers 503. */
  pipeline?: AlertPipeline;
  logger: Logger;
  /** Largest webhook body accepted (default 5 MB). */
  maxBodyBytes?: number;
}

/** A running ops server. */
export interface OpsServer {
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `the body is larger than ${limit} bytes; lower max_alerts in the webhook config`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Whether the request carries `Authorization: Bearer <token>` (compared in constant time). */
export function hasBearer(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return false;
  return timingSafeEqual(digest(match[1].trim()), digest(token));
}

/** The last inspection of every configured cluster, from the store (shared by all instances). */
async function clusterStates(options: OpsServerOptions): Promise<{ name: string; last: LastInspection | undefined }[]> {
  return Promise.all(
    options.config.clusters.map(async (c) => ({
      name: c.name,
      last: await options.store.getState<LastInspection>(lastInspectionKey(c.name)),
    })),
  );
}

/** Starts the ops server; resolves once it listens. */
export async function startOpsServer(given: OpsServerOptions): Promise<OpsServer> {
  const { metrics, logger } = given;
  // A store that does not answer here counts in pegasus_chatops_store_errors_total too.
  const options: OpsServerOptions = { ...given, store: observeStore(given.store, metrics) };
  const started = options.clock.now().getTime();
  const limit = options.maxBodyBytes ?? 5 * 1024 * 1024;

  async function healthz(res: ServerResponse): Promise<void> {
    let storeOk = true;
    let storeError: string | undefined;
    let clusters: Awaited<ReturnType<typeof clusterStates>> = [];
    let alertsOpen: number | undefined;
    try {
      clusters = await clusterStates(options);
      alertsOpen = await options.store.countAlerts({ status: 'firing' });
    } catch (err) {
      storeOk = false;
      storeError = err instanceof Error ? err.message : String(err);
    }
    const unreachable = clusters.filter((c) => c.last && !c.last.reachable).length;
    const status = !storeOk ? 'down' : unreachable > 0 ? 'degraded' : 'ok';
    send(res, storeOk ? 200 : 503, {
      status,
      store: { ok: storeOk, kind: options.store.kind, ...(storeError ? { error: storeError } : {}) },
      clusters: clusters.map((c) => ({
        name: c.name,
        reachable: c.last ? c.last.reachable : null,
        lastInspection: c.last?.at ?? null,
        status: c.last?.status ?? null,
        firing: c.last?.firing ?? null,
      })),
      ...(alertsOpen !== undefined ? { alertsOpen } : {}),
      uptimeSeconds: Math.round((options.clock.now().getTime() - started) / 1000),
    });
  }

  async function metricsBody(res: ServerResponse): Promise<void> {
    const gauges: Parameters<BotMetrics['render']>[0] = {};
    try {
      gauges.alertsOpen = await options.store.countAlerts({ status: 'firing' });
      const reachable: Record<string, boolean> = {};
      for (const c of await clusterStates(options)) if (c.last) reachable[c.name] = c.last.reachable;
      gauges.clusterReachable = reachable;
    } catch (err) {
      logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'metrics: the store did not answer');
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(metrics.render(gauges));
  }

  async function alertmanager(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const token = options.config.alertmanagerToken;
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      metrics.webhookRequests.inc({ code: String(status) });
      send(res, status, body, headers);
    };
    if (!token) {
      answer(503, { error: 'the Alertmanager receiver is off: set ALERTMANAGER_TOKEN and restart the bot' });
      return;
    }
    if (!hasBearer(req.headers.authorization, token)) {
      answer(
        401,
        { error: 'missing or wrong bearer token: set http_config.authorization.credentials to ALERTMANAGER_TOKEN' },
        { 'www-authenticate': 'Bearer' },
      );
      return;
    }
    if (!options.pipeline) {
      answer(503, { error: 'alerts are not enabled in this bot' });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, limit)).toString('utf8'));
    } catch (err) {
      if (err instanceof HttpError) {
        answer(err.status, { error: err.message });
        return;
      }
      answer(400, { error: 'the body is not JSON' });
      return;
    }
    const received = await receiveAlertmanager(body, options.pipeline, options.config);
    if (!received.ok) {
      answer(400, { error: received.error.message });
      return;
    }
    answer(200, { status: 'ok', ...received.value });
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    const route =
      path === '/healthz' && (method === 'GET' || method === 'HEAD')
        ? () => healthz(res)
        : path === '/metrics' && method === 'GET'
          ? () => metricsBody(res)
          : path === '/alertmanager' && method === 'POST'
            ? () => alertmanager(req, res)
            : undefined;
    if (!route) {
      const known = ['/healthz', '/metrics', '/alertmanager'].includes(path ?? '');
      send(res, known ? 405 : 404, {
        error: known
          ? `${method} is not allowed here`
          : 'not found: this port serves GET /healthz, GET /metrics and POST /alertmanager',
      });
      return;
    }
    route().catch((err: unknown) => {
      logger.error({ err, path }, 'ops request failed');
      if (path === '/alertmanager') metrics.webhookRequests.inc({ code: '500' });
      if (!res.headersSent) send(res, 500, { error: 'internal error; see the bot log' });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  return {
    port: address.port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
