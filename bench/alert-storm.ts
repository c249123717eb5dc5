/**
 * Alert storm: 10,000 alerts over 60 s across 200 groups, posted to the bot's real Alertmanager webhook
 * (HTTP on 127.0.0.1, bearer token, version 4 payloads) the way Alertmanager sends them — every notification
 * carries the group's current alerts, and some groups are sent again unchanged. The bot records them in a
 * SQLite store and delivers threads to a recording Slack sink through the pipeline's real per-channel pacing
 * (20 clusters, one alert channel each). The load generator is a separate process, so the CPU figures are
 * the bot's own. Baseline, in the same run: the same requests to a bare `node:http` server that only parses
 * the JSON.
 *
 * Prints one figure per line: `name value unit`. `--quick` runs a tenth of the storm for CI-like runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { systemClock } from '../src/clock.js';
import { loadConfig } from '../src/config/config.js';
import { silentLogger } from '../src/logger.js';
import { AlertPipeline } from '../src/monitoring/alert-pipeline.js';
import { BotMetrics } from '../src/monitoring/bot-metrics.js';
import { ChannelPacer } from '../src/monitoring/channel-pacer.js';
import { startOpsServer } from '../src/monitoring/ops-server.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { RecordingSink } from '../test/monitoring/recording-sink.js';

/** Knobs; the defaults are the storm. */
export interface AlertStormOptions {
  alerts?: number;
  durationMs?: number;
  groups?: number;
  /** Clusters, one alert channel each; groups are spread over them. */
  clusters?: number;
  /** Groups re-sent unchanged every second (Alertmanager's repeats and retries). */
  duplicatesPerTick?: number;
  /** Gap between two messages in one channel. */
  paceMs?: number;
}

/** What the benchmark measured. */
export interface AlertStormResult {
  alertsSent: number;
  alertsRecorded: number;
  groups: number;
  threadsCreated: number;
  maxPostsPerChannelPerSecond: number;
  messages: number;
  webhookRequests: number;
  webhookErrors: number;
  webhookP99Ms: number;
  drainAfterStormS: number;
  cpuSeconds: number;
  peakRssMb: number;
  baselineCpuSeconds: number;
}

const token = 'storm-token';

/** The load generator (plain JavaScript, run by a separate node process): Alertmanager's side. */
const generator = `
const http = require('node:http');
const o = JSON.parse(process.argv[1]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const url = new URL(o.url);
const groupAlerts = Array.from({ length: o.groups }, () => []);
const startsAt = new Date().toISOString();
const pad = (n) => String(n).padStart(2, '0');
function payload(g) {
  const alertname = 'Storm' + g;
  const cluster = 'c' + pad(g % o.clusters);
  return JSON.stringify({
    version: '4', groupKey: '{}:{alertname="' + alertname + '"}', truncatedAlerts: 0, status: 'firing',
    receiver: 'bot', groupLabels: { alertname }, commonLabels: { alertname, cluster, severity: 'warning' },
    commonAnnotations: {}, externalURL: 'http://alertmanager.bench:9093',
    alerts: groupAlerts[g].map((i) => ({
      status: 'firing', labels: { alertname, cluster, severity: 'warning', instance: '10.' + g + '.' + i + ':34801' },
      annotations: { summary: 'alert ' + i + ' of group ' + g }, startsAt, endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.bench/graph', fingerprint: 'fp' + g + '-' + i,
    })),
  });
}
function post(body) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request({ agent, host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: 'Bearer ' + o.token } },
      (res) => { res.resume(); res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started })); });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}
(async () => {
  const ticks = Math.max(1, Math.round(o.durationMs / 1000));
  const perTick = Math.ceil(o.alerts / ticks);
  const start = Date.now();
  let next = 0, requests = 0, errors = 0;
  const latencies = [];
  for (let tick = 0; tick < ticks; tick++) {
    if (!o.fast) { const wait = start + tick * 1000 - Date.now(); if (wait > 0) await new Promise((r) => setTimeout(r, wait)); }
    const touched = new Set();
    for (let k = 0; k < perTick && next < o.alerts; k++, next++) { const g = next % o.groups; groupAlerts[g].push(next); touched.add(g); }
    const repeats = [];
    for (let d = 0; d < o.duplicatesPerTick; d++) { const g = (tick * 7919 + d * 104729) % o.groups; if (groupAlerts[g].length > 0 && !touched.has(g)) repeats.push(g); }
    const results = await Promise.all([...touched, ...repeats].map((g) => post(payload(g))));
    for (const r of results) { requests++; if (r.status !== 200) errors++; latencies.push(r.ms); }
  }
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)] ?? 0;
  process.stdout.write(JSON.stringify({ sent: next, requests, errors, p99, elapsedMs: Date.now() - start }));
  agent.destroy();
})();
`;

interface GeneratorResult {
  sent: number;
  requests: number;
  errors: number;
  p99: number;
  elapsedMs: number;
}

function runGenerator(options: Record<string, unknown>): Promise<GeneratorResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', generator, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
      else resolve(JSON.parse(out) as GeneratorResult);
    });
  });
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** The baseline: the same requests, as fast as they come, to a server that only parses the JSON. */
async function baselineCpu(options: Required<AlertStormOptions>): Promise<number> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const cpu = process.cpuUsage();
  await runGenerator({ ...options, url: `http://127.0.0.1:${port}/alertmanager`, token, fast: true });
  const seconds = cpuSecondsSince(cpu);
  await new Promise<void>((resolve) => {
    server.close(() => {
      resolve();
    });
  });
  return seconds;
}

/** Runs the storm and returns its figures. */
export async function runAlertStormBench(options: AlertStormOptions = {}): Promise<AlertStormResult> {
  const o: Required<AlertStormOptions> = {
    alerts: options.alerts ?? 10_000,
    durationMs: options.durationMs ?? 60_000,
    groups: options.groups ?? 200,
    clusters: options.clusters ?? 20,
    duplicatesPerTick: options.duplicatesPerTick ?? 10,
    paceMs: options.paceMs ?? 1000,
  };
  const dir = mkdtempSync(join(tmpdir(), 'alert-storm-'));
  const names = Array.from({ length: o.clusters }, (_, i) => `c${String(i).padStart(2, '0')}`);
  const config = loadConfig(
    {
      PEGASUS_CONFIG: 'storm.json',
      ALERTMANAGER_TOKEN: token,
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_ALERT_CHANNEL: 'C-default',
    },
    () =>
      JSON.stringify({
        clusters: names.map((name, i) => ({
          name,
          metaServers: [`127.0.0.1:${34601 + i}`],
          slackAlertChannel: `C-${name}`,
        })),
      }),
  );
  const store = new SqliteStore({ filename: join(dir, 'bot.db') });
  await store.migrate();
  const sink = new RecordingSink('slack');
  const metrics = new BotMetrics();
  const pipeline = new AlertPipeline({
    store,
    clock: systemClock,
    config,
    sinks: [sink],
    logger: silentLogger(),
    pacer: new ChannelPacer(o.paceMs),
    observer: metrics.pipelineObserver(),
  });
  const server = await startOpsServer({
    port: 0,
    host: '127.0.0.1',
    config,
    store,
    clock: systemClock,
    metrics,
    pipeline,
    logger: silentLogger(),
  });
  try {
    const cpu = process.cpuUsage();
    const storm = await runGenerator({ ...o, url: `${server.url}/alertmanager`, token, fast: false });
    const stormEnded = Date.now();
    // Deliver everything left in the outbox (the pacing spreads the posts out beyond the storm).
    for (;;) {
      await pipeline.deliver();
      if ((await store.listAlertDeliveries({ limit: 1 })).length === 0) break;
      await sleep(200);
    }
    const drainAfterStormS = (Date.now() - stormEnded) / 1000;
    const cpuSeconds = cpuSecondsSince(cpu);
    const result: AlertStormResult = {
      alertsSent: storm.sent,
      alertsRecorded: await store.countAlerts({}),
      groups: o.groups,
      threadsCreated: sink.roots().length,
      maxPostsPerChannelPerSecond: sink.maxPerChannelPerSecond(),
      messages: sink.calls.length,
      webhookRequests: storm.requests,
      webhookErrors: storm.errors,
      webhookP99Ms: storm.p99,
      drainAfterStormS,
      cpuSeconds,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      baselineCpuSeconds: 0,
    };
    result.baselineCpuSeconds = await baselineCpu(o);
    return result;
  } finally {
    await server.close();
    await pipeline.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures, one per line. */
export function formatAlertStormBench(r: AlertStormResult): string {
  return [
    `alerts_sent ${r.alertsSent} count`,
    `alerts_recorded ${r.alertsRecorded} count`,
    `alert_groups ${r.groups} count`,
    `alert_threads_created ${r.threadsCreated} count`,
    `max_posts_per_channel_per_second ${r.maxPostsPerChannelPerSecond} per_s`,
    `alert_messages_sent ${r.messages} count`,
    `webhook_requests ${r.webhookRequests} count`,
    `webhook_errors ${r.webhookErrors} count`,
    `webhook_p99 ${r.webhookP99Ms.toFixed(1)} ms`,
    `drain_after_storm ${r.drainAfterStormS.toFixed(1)} s`,
    `cpu_seconds ${r.cpuSeconds.toFixed(2)} s`,
    `baseline_cpu_seconds ${r.baselineCpuSeconds.toFixed(2)} s`,
    `peak_rss ${r.peakRssMb.toFixed(0)} MB`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const result = await runAlertStormBench(
    quick ? { alerts: 1000, durationMs: 10_000, groups: 20, clusters: 4, duplicatesPerTick: 2 } : {},
  );
  process.stdout.write(`${formatAlertStormBench(result)}\n`);
  const ok =
    result.alertsRecorded === result.alertsSent &&
    result.threadsCreated === result.groups &&
    result.maxPostsPerChannelPerSecond <= 1 &&
    result.webhookErrors === 0;
  if (!ok) process.exitCode = 1;
}
