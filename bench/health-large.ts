/**
 * `health` against the simulator's `large` scenario (1,000 replica servers, 200 tables, 64k partitions),
 * and in the same run a baseline that reads the cluster the way the Pegasus Go collector does: every
 * node's `/metrics?detail=true`, one after another, two passes 1 s apart. The simulator runs in a child
 * process so the bot's memory is measured alone. Prints one `name value unit` line per figure.
 * Run: `npx tsx bench/health-large.ts [--runs N] [--nodes N]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { systemClock } from '../src/clock.js';
import { defaultThresholds } from '../src/config/config.js';
import { runHealth } from '../src/diagnostics/run-health.js';
import { createPegasusClient } from '../src/pegasus/pegasus-client.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

/** Figures of one benchmark run. */
export interface HealthBenchResult {
  runs: number;
  nodes: number;
  p50Ms: number;
  p95Ms: number;
  bytesPerHealth: number;
  peakRssMb: number;
  status: string;
  baselineMs: number;
  baselineBytes: number;
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

/** Counts response bytes of every HTTP call the client makes. */
function countingFetch(counter: { bytes: number }): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const body = new Uint8Array(await response.arrayBuffer());
    counter.bytes += body.byteLength;
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** The Go collector's way: every node's full `/metrics?detail=true`, sequentially, two passes 1 s apart. */
async function baseline(metaServers: string[]): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  let bytes = 0;
  const cluster = (await (await fetch(`http://${metaServers[0] ?? ''}/meta/cluster`)).json()) as {
    primary_meta_server: string;
  };
  const nodesBody = await (await fetch(`http://${cluster.primary_meta_server}/meta/nodes`)).text();
  bytes += nodesBody.length;
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
export async function runHealthBench(options: { runs?: number; nodes?: number } = {}): Promise<HealthBenchResult> {
  const runs = options.runs ?? 7;
  const { child, metaServers } = await startSimProcess(options.nodes);
  const store = new SqliteStore({ filename: ':memory:' });
  await store.migrate();
  const counter = { bytes: 0 };
  const api = createPegasusClient({ metaServers, timeoutMs: 10_000, fetch: countingFetch(counter) });
  const cluster = {
    name: 'large',
    api,
    config: { name: 'large', metaServers, latencySensitiveTables: [], thresholds: defaultThresholds() },
  };
  const deps = { cluster, store, clock: systemClock, config: { timezone: 'UTC', timeoutMs: 10_000 } };
  try {
    const first = await runHealth(deps); // warm-up: connections, versions, caches
    const times: number[] = [];
    const bytes: number[] = [];
    let status = first.status;
    for (let i = 0; i < runs; i++) {
      counter.bytes = 0;
      const t0 = performance.now();
      const reply = await runHealth(deps);
      times.push(performance.now() - t0);
      bytes.push(counter.bytes);
      status = reply.status;
    }
    times.sort((a, b) => a - b);
    bytes.sort((a, b) => a - b);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const nodeCount = (await api.listNodes()).ok ? 0 : 0;
    const base = await baseline(metaServers);
    return {
      runs,
      nodes: nodeCount,
      p50Ms: percentile(times, 50),
      p95Ms: percentile(times, 95),
      bytesPerHealth: percentile(bytes, 50),
      peakRssMb,
      status,
      baselineMs: base.ms,
      baselineBytes: base.bytes,
    };
  } finally {
    await api.close();
    await store.close();
    child.kill('SIGTERM');
  }
}

/** The figures as `name value unit` lines. */
export function formatHealthBench(r: HealthBenchResult): string {
  return [
    `health_large_p50 ${(r.p50Ms / 1000).toFixed(3)} s`,
    `health_large_p95 ${(r.p95Ms / 1000).toFixed(3)} s`,
    `health_large_bytes_fetched ${(r.bytesPerHealth / 1e6).toFixed(2)} MB`,
    `health_large_peak_rss ${r.peakRssMb.toFixed(0)} MB`,
    `health_large_status ${r.status} status`,
    `baseline_collector_wall ${(r.baselineMs / 1000).toFixed(3)} s`,
    `baseline_collector_bytes ${(r.baselineBytes / 1e6).toFixed(2)} MB`,
    `health_speedup_vs_baseline ${(r.baselineMs / r.p50Ms).toFixed(1)} x`,
    `health_bytes_ratio_vs_baseline ${(r.baselineBytes / r.bytesPerHealth).toFixed(1)} x`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, nodes: { type: 'string' } } });
  const result = await runHealthBench({
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values.nodes ? { nodes: Number(values.nodes) } : {}),
  });
  process.stdout.write(`${formatHealthBench(result)}\n`);
}
