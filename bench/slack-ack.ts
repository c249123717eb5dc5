/**
 * Slack acknowledgement latency: 100 concurrent signed `/pegasus health` requests through Bolt's real HTTP
 * receiver, with a dispatcher that takes 200 ms per command (the cluster I/O), against the local fake Web
 * API. Slack's limit is 3 s; the goal is p99 under 100 ms. A plain `node:http` server that checks the same
 * signature is measured in the same run as the baseline.
 *
 * Prints one figure per line: `name value unit`.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createSlackAdapter } from '../adapters/slack/slack-adapter.js';
import { silentLogger } from '../src/logger.js';
import { FakeDispatcher } from '../test/slack/fake-dispatcher.js';
import { FakeSlackApi } from '../test/slack/fake-slack-api.js';
import { slackSignature, slashCommandForm } from '../test/slack/slack-signing.js';

/** What the benchmark measured. */
export interface SlackAckBenchResult {
  commands: number;
  ackP50Ms: number;
  ackP99Ms: number;
  delivered: number;
  baselineP50Ms: number;
  baselineP99Ms: number;
}

/** Knobs; the defaults are the scenario. */
export interface SlackAckBenchOptions {
  commands?: number;
  dispatchMs?: number;
}

const secret = 'bench-signing-secret';

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/**
 * The load generator runs in a worker thread so that firing 100 requests does not compete with the
 * adapter for the same event loop (Slack's side is another machine, after all). Plain JavaScript, so the
 * worker needs no TypeScript loader. Signatures are computed before the clock starts.
 */
const loadGenerator = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHmac } = require('node:crypto');
const http = require('node:http');
const { url, secret, bodies } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: bodies.length });
function post(body) {
  const ts = Math.floor(Date.now() / 1000);
  const signature = 'v0=' + createHmac('sha256', secret).update('v0:' + ts + ':' + body).digest('hex');
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = http.request(url, { method: 'POST', agent, headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': Buffer.byteLength(body),
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signature,
    } }, (res) => {
      const elapsed = performance.now() - started;
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(elapsed) : reject(new Error('ack answered ' + res.statusCode))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
Promise.all(bodies.map(post)).then(
  (latencies) => { agent.destroy(); parentPort.postMessage({ latencies }); },
  (error) => { agent.destroy(); parentPort.postMessage({ error: String(error) }); },
);
`;

/** Fires all bodies at once from a worker thread; resolves with the sorted ack latencies (ms). */
async function fire(url: string, bodies: readonly string[]): Promise<number[]> {
  const worker = new Worker(loadGenerator, { eval: true, workerData: { url, secret, bodies } });
  try {
    const [message] = (await once(worker, 'message')) as [{ latencies?: number[]; error?: string }];
    if (message.error !== undefined || !message.latencies) throw new Error(message.error ?? 'load generator failed');
    return [...message.latencies].sort((a, b) => a - b);
  } finally {
    await worker.terminate();
  }
}

function commandBodies(responseUrls: readonly string[]): string[] {
  return responseUrls.map((responseUrl) =>
    new URLSearchParams(slashCommandForm({ text: 'health', responseUrl })).toString(),
  );
}

/** A bare server that verifies the signature and answers 200: what an ack costs without Bolt. */
async function baseline(count: number): Promise<number[]> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = Number(req.headers['x-slack-request-timestamp']);
      const expected = Buffer.from(slackSignature(secret, ts, body));
      const given = Buffer.from(String(req.headers['x-slack-signature'] ?? ''));
      const ok = expected.length === given.length && timingSafeEqual(expected, given);
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ response_type: 'ephemeral', text: 'ok' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await fire(
      `http://127.0.0.1:${port}/slack/events`,
      commandBodies(Array.from({ length: count }, () => 'http://127.0.0.1:9/unused')),
    );
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}

/** Runs the benchmark and returns its figures. */
export async function runSlackAckBench(options: SlackAckBenchOptions = {}): Promise<SlackAckBenchResult> {
  const commands = options.commands ?? 100;
  const api = new FakeSlackApi();
  await api.start();
  const dispatcher = new FakeDispatcher();
  dispatcher.runDelayMs = options.dispatchMs ?? 200;
  const adapter = createSlackAdapter({
    config: { botToken: api.botToken, signingSecret: secret, port: 0, apiUrl: api.apiUrl },
    dispatcher,
    logger: silentLogger(),
    apiRetries: 0,
    host: '127.0.0.1',
  });
  await adapter.start();
  try {
    const url = `http://127.0.0.1:${adapter.port() ?? 0}/slack/events`;
    // A warm-up round so the measured one does not pay for lazy initialisation and JIT compilation.
    const warmup = Array.from({ length: 20 }, () => api.responseUrl());
    await fire(url, commandBodies(warmup));
    await api.waitFor(() => warmup.every((u) => api.responsesTo(u).length > 0), 10_000);

    const urls = Array.from({ length: commands }, () => api.responseUrl());
    const latencies = await fire(url, commandBodies(urls));
    const delivered = (): number =>
      urls.filter((u) => api.responsesTo(u).some((r) => r.body['response_type'] === 'in_channel')).length;
    await api.waitFor(() => delivered() === commands, 30_000).catch(() => undefined);
    const base = await baseline(commands);
    return {
      commands,
      ackP50Ms: percentile(latencies, 50),
      ackP99Ms: percentile(latencies, 99),
      delivered: delivered(),
      baselineP50Ms: percentile(base, 50),
      baselineP99Ms: percentile(base, 99),
    };
  } finally {
    await adapter.stop();
    await api.stop();
  }
}

/** The figures as `name value unit` lines. */
export function formatSlackAckBench(r: SlackAckBenchResult): string {
  return [
    `slack_ack_p50 ${r.ackP50Ms.toFixed(1)} ms`,
    `slack_ack_p99 ${r.ackP99Ms.toFixed(1)} ms`,
    `slack_responses_delivered ${r.delivered} count`,
    `slack_ack_baseline_p50 ${r.baselineP50Ms.toFixed(1)} ms`,
    `slack_ack_baseline_p99 ${r.baselineP99Ms.toFixed(1)} ms`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runSlackAckBench();
  process.stdout.write(`${formatSlackAckBench(result)}\n`);
  if (result.delivered !== result.commands) process.exitCode = 1;
}
