/**
 * The real Alertmanager (Debian package `prometheus-alertmanager`) posting to the bot's webhook: alerts
 * posted to Alertmanager's API come back as one thread per group, resolve in their thread, and a receiver
 * with a wrong token is refused (401) without creating anything. Fails (does not skip) when the binary is
 * missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { AlertPipeline } from '../../src/monitoring/alert-pipeline.js';
import { BotMetrics } from '../../src/monitoring/bot-metrics.js';
import { ChannelPacer } from '../../src/monitoring/channel-pacer.js';
import { startOpsServer, type OpsServer } from '../../src/monitoring/ops-server.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { RecordingSink } from './recording-sink.js';

const token = 'am-test-token';

function findBinary(): string {
  for (const name of ['prometheus-alertmanager', 'alertmanager']) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  throw new Error(
    'Alertmanager is not installed: `apt-get install -y prometheus-alertmanager` (CI’s .ci/run installs it), then run this test again.',
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('the real Alertmanager posting to the bot', () => {
  let dir: string;
  let am: ChildProcess | undefined;
  let amLog = '';
  let amUrl: string;
  let store: SqliteStore;
  let server: OpsServer;
  let pipeline: AlertPipeline;
  let metrics: BotMetrics;
  const sink = new RecordingSink('slack');

  beforeAll(async () => {
    const binary = findBinary();
    dir = mkdtempSync(join(tmpdir(), 'am-'));
    store = new SqliteStore({ filename: join(dir, 'bot.db') });
    await store.migrate();
    metrics = new BotMetrics();
    const config = loadConfig({
      PEGASUS_META_SERVERS: '127.0.0.1:34601',
      PEGASUS_CLUSTER_NAME: 'prod',
      ALERTMANAGER_TOKEN: token,
      SLACK_BOT_TOKEN: 'x',
      SLACK_SIGNING_SECRET: 'y',
      SLACK_ALERT_CHANNEL: 'C-alerts',
    });
    pipeline = new AlertPipeline({
      store,
      clock: systemClock,
      config,
      sinks: [sink],
      logger: silentLogger(),
      pacer: new ChannelPacer(0),
    });
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      config,
      store,
      clock: systemClock,
      metrics,
      pipeline,
      logger: silentLogger(),
    });
    const hook = `${server.url}/alertmanager`;
    writeFileSync(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: bot',
        "  group_by: ['alertname', 'cluster']",
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        '  routes:',
        '    - receiver: wrong-token',
        '      matchers: [\'alertname="WrongToken"\']',
        'receivers:',
        '  - name: bot',
        '    webhook_configs:',
        `      - url: ${hook}`,
        '        send_resolved: true',
        '        http_config:',
        '          authorization:',
        '            type: Bearer',
        `            credentials: ${token}`,
        '  - name: wrong-token',
        '    webhook_configs:',
        `      - url: ${hook}`,
        '        http_config:',
        '          authorization:',
        '            credentials: not-the-token',
        '',
      ].join('\n'),
    );
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      binary,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stdout?.on('data', (b: Buffer) => (amLog += b.toString()));
    am.stderr?.on('data', (b: Buffer) => (amLog += b.toString()));
    await until(
      'Alertmanager to be ready',
      async () => {
        if (am?.exitCode !== null) throw new Error(`Alertmanager exited: ${amLog}`);
        try {
          return (await fetch(`${amUrl}/-/ready`)).ok ? true : undefined;
        } catch {
          return undefined;
        }
      },
      15_000,
    );
  }, 30_000);

  afterAll(async () => {
    const child = am;
    if (child?.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      if (!stopped) child.kill('SIGKILL');
    }
    await server.close();
    await pipeline.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function postAlerts(alerts: unknown[]): Promise<void> {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    expect(res.status, await res.text()).toBe(200);
  }

  const alert = (name: string, instance: string, endsAt?: Date) => ({
    labels: { alertname: name, cluster: 'prod', instance, severity: 'critical' },
    annotations: { summary: `${name} on ${instance}` },
    ...(endsAt ? { endsAt: endsAt.toISOString() } : {}),
  });

  it('delivers groups as threads, resolves in the thread, and is refused with a wrong token', async () => {
    await postAlerts([
      alert('PegasusReplicaDown', '10.0.0.1:34801'),
      alert('PegasusReplicaDown', '10.0.0.2:34801'),
      alert('PegasusDiskFull', '10.0.0.3:34801'),
      alert('WrongToken', '10.0.0.9:34801'),
    ]);
    await until('both groups with all their alerts', async () => {
      const firing = await store.countAlerts({ status: 'firing' });
      return firing === 3 ? true : undefined;
    });
    await pipeline.deliver();
    const titles = sink
      .roots()
      .map((r) => r.reply.title)
      .sort();
    expect(titles).toEqual(['FIRING prod · PegasusDiskFull: 1 firing', 'FIRING prod · PegasusReplicaDown: 2 firing']);
    const groups = await store.listAlertGroups({ cluster: 'prod' });
    expect(groups.map((g) => g.externalKey).every((k) => k?.includes('alertname='))).toBe(true);

    await until('the wrong-token receiver to be refused', async () =>
      metrics.webhookRequests.get({ code: '401' }) > 0 ? true : undefined,
    );
    expect((await store.listAlerts({})).some((a) => a.rule === 'WrongToken')).toBe(false);

    // Resolve one alert: Alertmanager sends the group again with it resolved.
    await postAlerts([alert('PegasusReplicaDown', '10.0.0.2:34801', new Date(Date.now() - 1000))]);
    await until('the resolution', async () =>
      (await store.countAlerts({ status: 'resolved' })) === 1 ? true : undefined,
    );
    await pipeline.deliver();
    const root = sink.roots().find((r) => r.reply.title.includes('ReplicaDown'));
    const replies = sink.repliesTo(root?.messageId ?? '');
    expect(replies).toHaveLength(1);
    expect(replies[0]?.reply.findings.map((f) => f.summary)).toEqual([
      expect.stringMatching(/^RESOLVED after \d+s: PegasusReplicaDown on 10.0.0.2:34801/),
    ]);
    expect(sink.updatesOf(root?.messageId ?? '').at(-1)?.reply.title).toBe(
      'FIRING prod · PegasusReplicaDown: 1 firing, 1 resolved',
    );
    // Alertmanager re-sends groups (group_interval, retries): nothing is posted twice.
    await sleep(2500);
    await pipeline.deliver();
    expect(sink.roots()).toHaveLength(2);
    expect(sink.repliesTo(root?.messageId ?? '')).toHaveLength(1);
  }, 40_000);
});
