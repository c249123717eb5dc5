/**
 * The simulator's own control API (JSON over HTTP on its own port, not part of Pegasus): inspect the state,
 * switch faults on and off, advance simulated time. `GET /` lists the routes.
 */
import http from 'node:http';
import { z } from 'zod';
import type { ProcessRef, SimFaults } from './faults.js';
import type { ClusterModel } from './model/cluster-model.js';
import { formatDateTime } from './model/time-format.js';

/** What the control API drives. */
export interface ControlTarget {
  readonly model: ClusterModel;
  readonly faults: SimFaults;
  tick(ms?: number): void;
  sync(): void;
}

/** A running control API. */
export interface ControlApi {
  readonly url: string;
  close(): Promise<void>;
}

const processRef = z.union([
  z.string().regex(/^(meta|replica):\d+$/, 'expected meta:<i>, replica:<i> or 127.0.0.1:<port>'),
  z.string().regex(/^[\w.-]+:\d+$/, 'expected meta:<i>, replica:<i> or 127.0.0.1:<port>'),
]);

function toRef(text: string): ProcessRef {
  const m = /^(meta|replica):(\d+)$/.exec(text);
  if (!m) return text;
  return m[1] === 'meta' ? { meta: Number(m[2]) } : { replica: Number(m[2]) };
}

const nodeRef = z.union([z.number().int().min(0), z.string()]);

const routes = {
  'stop-replica': z.object({ node: nodeRef }),
  'start-replica': z.object({ node: nodeRef }),
  'restart-replica': z.object({ node: nodeRef }),
  'stop-meta': z.object({ meta: nodeRef }),
  'start-meta': z.object({ meta: nodeRef }),
  'restart-meta': z.object({ meta: nodeRef }),
  failover: z.object({}),
  slow: z.object({ target: processRef, delayMs: z.number().int().min(0).max(600_000) }),
  hang: z.object({ target: processRef, hanging: z.boolean().default(true) }),
  unhealthy: z.object({
    table: z.string().min(1),
    count: z.number().int().min(1).default(1),
    kind: z.enum(['writable_ill', 'unwritable', 'unreadable', 'dead']).default('writable_ill'),
  }),
  skew: z.object({ node: nodeRef.default(0), fraction: z.number().min(0).max(1).default(0.6) }),
  'mixed-versions': z.object({
    replicas: z.array(z.number().int().min(0)).optional(),
    metas: z.array(z.number().int().min(0)).optional(),
    version: z.enum(['2.6.0', '2.5.0']).optional(),
  }),
  'latency-spike': z.object({ table: z.string().min(1), factor: z.number().positive().max(10_000).default(20) }),
  'fill-disk': z.object({ node: nodeRef, availPercent: z.number().min(0).max(100).default(3) }),
  'session-flood': z.object({ target: processRef, sessions: z.number().int().min(0).max(10_000_000).default(20_000) }),
  clear: z.object({}),
  tick: z.object({
    ms: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3_600_000)
      .default(10_000),
  }),
} as const;

type RouteName = keyof typeof routes;

async function apply(target: ControlTarget, name: RouteName, body: unknown): Promise<unknown> {
  const f = target.faults;
  switch (name) {
    case 'stop-replica':
      return f.stopReplica(routes[name].parse(body).node);
    case 'start-replica':
      return f.startReplica(routes[name].parse(body).node);
    case 'restart-replica':
      return f.restartReplica(routes[name].parse(body).node);
    case 'stop-meta':
      return f.stopMeta(routes[name].parse(body).meta);
    case 'start-meta':
      return f.startMeta(routes[name].parse(body).meta);
    case 'restart-meta':
      return f.restartMeta(routes[name].parse(body).meta);
    case 'failover':
      return f.failover();
    case 'slow': {
      const a = routes[name].parse(body);
      f.slow(toRef(a.target), a.delayMs);
      return undefined;
    }
    case 'hang': {
      const a = routes[name].parse(body);
      f.hang(toRef(a.target), a.hanging);
      return undefined;
    }
    case 'unhealthy': {
      const a = routes[name].parse(body);
      return { partitions: f.unhealthyPartitions(a) };
    }
    case 'skew':
      f.skewPlacement(routes[name].parse(body));
      return undefined;
    case 'mixed-versions': {
      const a = routes[name].parse(body);
      f.mixedVersions({
        ...(a.replicas ? { replicas: a.replicas } : {}),
        ...(a.metas ? { metas: a.metas } : {}),
        ...(a.version ? { version: a.version } : {}),
      });
      return undefined;
    }
    case 'latency-spike': {
      const a = routes[name].parse(body);
      f.latencySpike(a.table, a.factor);
      return undefined;
    }
    case 'fill-disk': {
      const a = routes[name].parse(body);
      f.fillDisk(a.node, a.availPercent);
      return undefined;
    }
    case 'session-flood': {
      const a = routes[name].parse(body);
      f.sessionFlood(toRef(a.target), a.sessions);
      return undefined;
    }
    case 'clear':
      f.clear();
      return undefined;
    case 'tick':
      target.tick(routes[name].parse(body).ms);
      return undefined;
  }
}

/** A JSON summary of the cluster (what `GET /state` answers). */
export function describeState(model: ClusterModel): unknown {
  const leader = model.leader();
  return {
    clusterName: model.clusterName,
    simulatedTime: formatDateTime(model.nowWallMs, model.utcOffsetMinutes),
    rounds: model.rounds,
    effectiveLevel: model.effectiveLevel(),
    storedLevel: leader?.storedLevel ?? null,
    leader: leader?.address ?? null,
    balanceOperationCount: leader?.counters ?? null,
    metas: model.metas.map((m) => ({
      address: m.address,
      up: m.up,
      leader: m === leader,
      version: m.version,
      storedLevel: m.storedLevel,
      startTime: formatDateTime(m.startWallMs, model.utcOffsetMinutes),
      slowMs: m.faults.slowMs,
      hang: m.faults.hang,
    })),
    replicas: model.nodes.map((n) => {
      const counts = model.roleCounts(n);
      return {
        address: n.address,
        up: n.up,
        alive: n.alive,
        version: n.version,
        primaries: counts.primary,
        secondaries: counts.secondary,
        startTime: formatDateTime(n.startWallMs, model.utcOffsetMinutes),
        slowMs: n.faults.slowMs,
        hang: n.faults.hang,
        extraSessions: n.extraSessions,
      };
    }),
    tables: model.tables.map((t) => ({
      name: t.name,
      appId: t.appId,
      partitionCount: t.partitionCount,
      health: t.healthCounts,
      latencyFactor: t.latencyFactor,
    })),
  };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 64 * 1024) throw new RangeError('request body larger than 64 KB');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  return text === '' ? {} : (JSON.parse(text) as unknown);
}

async function handle(target: ControlTarget, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  target.sync();
  if (req.method === 'GET' && path === '/') {
    send(res, 200, {
      routes: [
        'GET /state',
        'GET /faults',
        'DELETE /faults (clear every reversible fault)',
        ...Object.keys(routes).map((r) => (r === 'tick' ? 'POST /tick {"ms":10000}' : `POST /faults/${r}`)),
      ],
    });
    return;
  }
  if (req.method === 'GET' && path === '/state') {
    send(res, 200, describeState(target.model));
    return;
  }
  if (req.method === 'GET' && path === '/faults') {
    send(res, 200, target.faults.list());
    return;
  }
  if (req.method === 'DELETE' && path === '/faults') {
    target.faults.clear();
    send(res, 200, { ok: true, faults: target.faults.list() });
    return;
  }
  const m = /^\/(?:faults\/([a-z-]+)|(tick))$/.exec(path);
  const name = (m?.[1] ?? m?.[2]) as RouteName | undefined;
  if (req.method !== 'POST' || name === undefined || !(name in routes)) {
    send(res, 404, { ok: false, error: `no route ${req.method ?? ''} ${path}; GET / lists the routes` });
    return;
  }
  let body: unknown;
  try {
    body = await readBody(req);
  } catch (err) {
    send(res, 400, { ok: false, error: `the body is not JSON: ${(err as Error).message}` });
    return;
  }
  try {
    const result = await apply(target, name, body);
    send(res, 200, { ok: true, result: result ?? null, faults: target.faults.list() });
  } catch (err) {
    const message =
      err instanceof z.ZodError
        ? err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')
        : (err as Error).message;
    send(res, 400, { ok: false, error: message });
  }
}

/** Starts the control API on 127.0.0.1:`port` (0 = ephemeral). */
export async function startControlApi(target: ControlTarget, port: number): Promise<ControlApi> {
  const server = http.createServer((req, res) => {
    handle(target, req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, { ok: false, error: (err as Error).message });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = address && typeof address === 'object' ? address.port : port;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
