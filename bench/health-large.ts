/**
 * `health` against the simulator's `large` scenario (1,000 replica servers, 200 tables, 64k partitions, with
 * the per-replica metrics a real cluster of that size exposes), and in the same run a baseline that reads the
 * cluster the way the Pegasus Go collector does: every node's `/metrics?detail=true`, one after another, two
 * passes 1 s apart. The simulator runs in a child process so the bot's memory is measured alone. Prints one
 * `name value unit` line per figure: p50/p95 wall time of whole `health` runs, bytes the bot fetched per run
 * (HTTP bodies and THFT RPC), peak RSS of the bot process, the baseline, the speedup and the bytes ratio.
 * The cluster config names two latency-sensitive tables, as a production config would, so `health` samples
 * their primaries too. Run: `npx tsx bench/health-large.ts [--runs N] [--nodes N] [--skip-baseline]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { defaultThresholds } from '../src/config/config.js';
import { runHealth } from '../src/diagnostics/run-health.js';
import type { HttpTransport } from '../src/pegasus/http-get.js';
import { createHttpTransport } from '../src/pegasus/http-transport.js';
import { MetaRpc } from '../src/pegasus/meta-rpc.js';
import { createPegasusClient } from '../src/pegasus/pegasus-client.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

/** Figures of one benchmark run. */
export interface HealthBenchResult {
  runs: number;
  nodes: number;
  p50Ms: number;
  p95Ms: number;
  /** Median bytes fetched per health (HTTP bodies and RPC). */
  bytesPerHealth: number;
  /** Median HTTP requests per health. */
  requestsPerHealth: number;
  peakRssMb: number;
  status: string;
  /** Absent with `skipBaseline`. */
  baselineMs?: number;
  baselineBytes?: number;
}

/** Options of `runHealthBench`. */
export interface HealthBenchOptions {
  runs?: number;
  nodes?: number;
  /** Leave out the collector baseline (several minutes); for quick iterations only. */
  skipBaseline?: boolean;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** Starts `sim/cli.ts` in a child process and resolves with its meta servers once it printed them. */
async function startSimProcess(nodes: number | undefined): Promise<{ child: ChildProcess; metaServers: string[] }> {
  const args = ['--import', 'tsx', 'sim/cli.ts', '--scenario', 'large', '--base-port', '0'];
  if (nodes !== undefined) args.push('--nodes', String(nodes));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const metaServers = await new Promise<string[]>((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`the simulator exited with code ${String(code)}`));
    });
    lines.on('line', (line) => {
      const match = /^PEGASUS_META_SERVERS=(.+)$/.exec(line);
      if (match?.[1]) resolve(match[1].split(','));
    });
  });
  return { child, metaServers };
}

/** Counts the body bytes and requests of every HTTP call the client makes, over the client's default transport. */
function countingTransport(counter: { bytes: number; requests: number }): HttpTransport {
  const inner = createHttpTransport();
  return {
    async get(address, path, timeoutMs) {
      const answer = await inner.get(address, path, timeoutMs);
      counter.requests++;
      counter.bytes += answer.body.length;
      return answer;
    },
    read(address, path, timeoutMs, consume) {
      if (inner.read === undefined) throw new Error('the default transport reads in place');
      return inner.read(address, path, timeoutMs, (answer) => {
        counter.requests++;
        counter.bytes += answer.body.length;
        return consume(answer);
      });
    },
    close: () => inner.close?.(),
  };
}

/** The Go collector's way: every node's full `/metrics?detail=true`, sequentially, two passes 1 s apart. */
async function baseline(metaServers: string[]): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  let bytes = 0;
  const clusterBody = await (await fetch(`http://${metaServers[0] ?? ''}/meta/cluster`)).text();
  bytes += Buffer.byteLength(clusterBody);
  const cluster = JSON.parse(clusterBody) as { primary_meta_server: string };
  const appsBody = await (await fetch(`http://${cluster.primary_meta_server}/meta/apps`)).text();
  bytes += Buffer.byteLength(appsBody);
  const nodesBody = await (await fetch(`http://${cluster.primary_meta_server}/meta/nodes`)).text();
  bytes += Buffer.byteLength(nodesBody);
  const replicas = Object.keys((JSON.parse(nodesBody) as { details: Record<string, unknown> }).details);
  const servers = [...metaServers, ...replicas];
  for (let pass = 0; pass < 2; pass++) {
    if (pass === 1) await new Promise((r) => setTimeout(r, 1000));
    for (const server of servers) {
      const response = await fetch(`http://${server}/metrics?detail=true`);
      bytes += (await response.arrayBuffer()).byteLength;
    }
  }
  return { ms: performance.now() - started, bytes };
}

/** Runs the benchmark and returns its figures. */
export async function runHealthBench(options: HealthBenchOptions = {}): Promise<HealthBenchResult> {
  const runs = options.runs ?? 7;
  const { child, metaServers } = await startSimProcess(options.nodes);
  const store = new SqliteStore({ filename: ':memory:' });
  await store.migrate();
  const counter = { bytes: 0, requests: 0 };
  const rpc = new MetaRpc({ metaServers, timeoutMs: 10_000 });
  const transport = countingTransport(counter);
  const api = createPegasusClient({ metaServers, timeoutMs: 10_000, transport, rpc });
  const cluster = {
    name: 'large',
    api,
    config: {
      name: 'large',
      metaServers,
      latencySensitiveTables: [
        { name: 'large_table_002', readP99Ms: 50, writeP99Ms: 100 },
        { name: 'large_table_100', readP99Ms: 50, writeP99Ms: 100 },
      ],
      thresholds: defaultThresholds(),
    },
  };
  const deps = { cluster, store, clock: systemClock, config: { timezone: 'UTC', timeoutMs: 10_000 } };
  try {
    const first = await runHealth(deps); // warm-up: connections, versions, caches
    const times: number[] = [];
    const bytes: number[] = [];
    const requests: number[] = [];
    let status = first.status;
    for (let i = 0; i < runs; i++) {
      counter.bytes = 0;
      counter.requests = 0;
      const rpcBefore = rpc.bytesRead;
      const t0 = performance.now();
      const reply = await runHealth(deps);
      times.push(performance.now() - t0);
      bytes.push(counter.bytes + (rpc.bytesRead - rpcBefore));
      requests.push(counter.requests);
      status = reply.status;
    }
    times.sort((a, b) => a - b);
    bytes.sort((a, b) => a - b);
    requests.sort((a, b) => a - b);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const nodes = await api.listNodes();
    const base = options.skipBaseline === true ? undefined : await baseline(metaServers);
    return {
      runs,
      nodes: nodes.ok ? nodes.value.length : 0,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      bytesPerHealth: percentile(bytes, 50),
      requestsPerHealth: percentile(requests, 50),
      peakRssMb,
      status,
      ...(base ? { baselineMs: base.ms, baselineBytes: base.bytes } : {}),
    };
  } finally {
    await api.close();
    transport.close?.();
    await rpc.close();
    await store.close();
    child.kill('SIGTERM');
  }
}

/** The figures as `name value unit` lines. */
export function formatHealthBench(r: HealthBenchResult): string {
  const lines = [
    `health_large_replica_servers ${r.nodes} count`,
    `health_large_runs ${r.runs} count`,
    `health_large_p50 ${(r.p50Ms / 1000).toFixed(3)} s`,
    `health_large_p95 ${(r.p95Ms / 1000).toFixed(3)} s`,
    `health_large_bytes_fetched ${(r.bytesPerHealth / 1e6).toFixed(2)} MB`,
    `health_large_http_requests ${r.requestsPerHealth} count`,
    `health_large_peak_rss ${r.peakRssMb.toFixed(0)} MB`,
    `health_large_status ${r.status} status`,
  ];
  if (r.baselineMs !== undefined && r.baselineBytes !== undefined) {
    lines.push(
      `baseline_collector_wall ${(r.baselineMs / 1000).toFixed(3)} s`,
      `baseline_collector_bytes ${(r.baselineBytes / 1e6).toFixed(2)} MB`,
      `health_speedup_vs_baseline ${(r.baselineMs / r.p50Ms).toFixed(1)} x`,
      `health_bytes_ratio_vs_baseline ${(r.baselineBytes / r.bytesPerHealth).toFixed(1)} x`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: { runs: { type: 'string' }, nodes: { type: 'string' }, 'skip-baseline': { type: 'boolean' } },
  });
  const result = await runHealthBench({
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values.nodes ? { nodes: Number(values.nodes) } : {}),
    ...(values['skip-baseline'] === true ? { skipBaseline: true } : {}),
  });
  process.stdout.write(`${formatHealthBench(result)}\n`);
}
