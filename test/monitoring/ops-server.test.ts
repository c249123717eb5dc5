/**
 * The ops server over real HTTP on 127.0.0.1: `/healthz` (store and clusters as last inspected), `/metrics`
 * in the Prometheus text format (commands counted through the observed dispatcher, store errors through the
 * observed store), and the Alertmanager webhook (401 without or with a wrong token, 400 on a bad payload,
 * 200 and idempotent on repeats).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { CoreDispatcher } from '../../src/commands/dispatcher.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { AlertPipeline, externalGroupKey } from '../../src/monitoring/alert-pipeline.js';
import { BotMetrics, observeDispatcher, observeStore } from '../../src/monitoring/bot-metrics.js';
import { ChannelPacer } from '../../src/monitoring/channel-pacer.js';
import { startOpsServer, type OpsServer } from '../../src/monitoring/ops-server.js';
import { messageReply } from '../../src/replies/reply.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { RecordingSink } from './recording-sink.js';

const token = 's3cret-token';

function payload(status: 'firing' | 'resolved', fingerprints = ['a1', 'b2']) {
  return {
    version: '4',
    groupKey: '{}/{severity="page"}:{alertname="PegasusReplicaDown"}',
    truncatedAlerts: 0,
    status,
    receiver: 'pegasus-bot',
    groupLabels: { alertname: 'PegasusReplicaDown' },
    commonLabels: { alertname: 'PegasusReplicaDown', cluster: 'prod', severity: 'critical' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.example:9093',
    notification_reason: 'new alerts',
    alerts: fingerprints.map((fp, i) => ({
      status,
      labels: {
        alertname: 'PegasusReplicaDown',
        cluster: 'prod',
        instance: `10.0.0.${i + 1}:34801`,
        rule: 'node_unalive',
      },
      annotations: { summary: `replica server 10.0.0.${i + 1}:34801 is down` },
      startsAt: '2026-03-01T09:58:00.123456789Z',
      endsAt: status === 'resolved' ? '2026-03-01T10:00:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.example/graph',
      fingerprint: fp,
    })),
  };
}

describe('ops server', () => {
  let clock: ManualClock;
  let raw: SqliteStore;
  let store: Store;
  let metrics: BotMetrics;
  let sink: RecordingSink;
  let pipeline: AlertPipeline;
  let server: OpsServer;
  let config: Config;

  async function start(overrides: Record<string, string> = {}): Promise<void> {
    config = loadConfig({
      PEGASUS_META_SERVERS: '127.0.0.1:34601',
      PEGASUS_CLUSTER_NAME: 'prod',
      ALERTMANAGER_TOKEN: token,
      SLACK_BOT_TOKEN: 'x',
      SLACK_SIGNING_SECRET: 'y',
      SLACK_ALERT_CHANNEL: 'C-alerts',
      ...overrides,
    });
    pipeline = new AlertPipeline({
      store,
      clock,
      config,
      sinks: [sink],
      logger: silentLogger(),
      pacer: new ChannelPacer(0),
      observer: metrics.pipelineObserver(),
    });
    server = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      config,
      store: raw,
      clock,
      metrics,
      pipeline,
      logger: silentLogger(),
    });
  }

  beforeEach(async () => {
    clock = new ManualClock('2026-03-01T10:00:00Z');
    raw = new SqliteStore({ filename: ':memory:', clock });
    await raw.migrate();
    metrics = new BotMetrics();
    store = observeStore(raw, metrics);
    sink = new RecordingSink('slack');
  });

  afterEach(async () => {
    await server.close();
    await pipeline.stop();
    await raw.close();
  });

  const post = (body: unknown, auth: string | null = `Bearer ${token}`) =>
    fetch(`${server.url}/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth !== null ? { authorization: auth } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers /healthz with the store and each cluster as last inspected', async () => {
    await start();
    let res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: 'ok',
      store: { ok: true, kind: 'sqlite' },
      clusters: [{ name: 'prod', reachable: null, lastInspection: null }],
      alertsOpen: 0,
    });
    await store.setState('inspect:last:prod', {
      at: '2026-03-01T09:59:00.000Z',
      reachable: false,
      status: 'unknown',
      firing: 1,
      durationMs: 5,
    });
    res = await fetch(`${server.url}/healthz`);
    expect(await res.json()).toMatchObject({
      status: 'degraded',
      clusters: [{ name: 'prod', reachable: false, lastInspection: '2026-03-01T09:59:00.000Z' }],
    });
    await raw.close();
    res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'down', store: { ok: false } });
    expect(metrics.storeErrors.get()).toBe(1);
    raw = new SqliteStore({ filename: ':memory:', clock });
  });

  it('serves /metrics in the Prometheus text format with commands, alerts, reachability and store errors', async () => {
    await start();
    const inner = {
      run: async () => messageReply('health', 'warn', 'prod: 1 warning', [], clock.now()),
      act: async () => messageReply('ack x', 'ok', 'ok', [], clock.now()),
      submit: async () => messageReply('form', 'ok', 'ok', [], clock.now()),
      registerForm: () => undefined,
      registerAction: () => undefined,
      expireStale: async () => 0,
    } satisfies CoreDispatcher;
    const observed = observeDispatcher(inner, metrics, (name) => name === 'health');
    await observed.run({ actor: { platform: 'slack', userId: 'U1' }, channelId: 'C', text: 'health' });
    await observed.run({ actor: { platform: 'slack', userId: 'U1' }, channelId: 'C', text: 'health' });
    await store.setState('inspect:last:prod', {
      at: '2026-03-01T09:59:00.000Z',
      reachable: true,
      status: 'ok',
      firing: 0,
      durationMs: 5,
    });
    await post(payload('firing'));
    await expect(store.getPending('x')).resolves.toBeUndefined();
    const broken = observeStore(raw, metrics);
    await expect(broken.listAlerts({ cluster: "'" })).resolves.toEqual([]);
    await expect(broken.putAlerts([{ bad: true } as never])).rejects.toThrow();

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    expect(text).toContain('# TYPE pegasus_chatops_commands_total counter');
    expect(text).toContain('pegasus_chatops_commands_total{command="health",status="warn"} 2');
    expect(text).toContain('# TYPE pegasus_chatops_command_duration_seconds histogram');
    expect(text).toMatch(/pegasus_chatops_command_duration_seconds_bucket\{command="health",le="\+Inf"\} 2\n/);
    expect(text).toContain('pegasus_chatops_command_duration_seconds_count{command="health"} 2');
    expect(text).toContain('pegasus_chatops_alerts_open 2');
    expect(text).toContain('pegasus_chatops_cluster_reachable{cluster="prod"} 1');
    expect(text).toContain('pegasus_chatops_store_errors_total 1');
    expect(text).toContain('pegasus_chatops_webhook_requests_total{code="200"} 1');
    expect(text).toContain('pegasus_chatops_alert_changes_total{kind="firing"} 2');
    // Every sample line is `name{labels} value`; every family has HELP and TYPE.
    for (const line of text.trim().split('\n')) {
      expect(line).toMatch(
        /^(# (HELP|TYPE) [a-z_]+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9.e+-]+|.*Inf)$/,
      );
    }
  });

  it('refuses the webhook without the bearer token or with a wrong one, and when no token is configured', async () => {
    await start();
    for (const auth of [null, 'Bearer wrong', `Basic ${token}`, 'Bearer ', `Bearer ${token}x`]) {
      const res = await post(payload('firing'), auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect(await store.countAlerts({})).toBe(0);
    await server.close();
    await pipeline.stop();
    await start({ ALERTMANAGER_TOKEN: '' });
    const res = await post(payload('firing'));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: string }).error).toMatch(/set ALERTMANAGER_TOKEN/);
  });

  it('says what is wrong with a bad payload and changes nothing', async () => {
    await start();
    let res = await post('{not json');
    expect(res.status).toBe(400);
    res = await post({ ...payload('firing'), version: '3' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/version: only payload version "4"/);
    res = await post({ ...payload('firing'), alerts: [{ status: 'weird' }] });
    expect(res.status).toBe(400);
    expect(await store.countAlerts({})).toBe(0);
    expect((await fetch(`${server.url}/alertmanager`)).status).toBe(405);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('turns alerts into one thread per groupKey, idempotent on repeated deliveries', async () => {
    await start();
    let res = await post(payload('firing'));
    expect(res.status).toBe(200);
    const group = externalGroupKey(payload('firing').groupKey);
    expect(await res.json()).toEqual({ status: 'ok', group, duplicate: false, changes: 2 });
    res = await post(payload('firing'));
    expect(await res.json()).toMatchObject({ duplicate: true, changes: 0 });
    await pipeline.deliver();
    const roots = sink.roots();
    expect(roots).toHaveLength(1);
    expect(roots[0]?.reply.title).toBe('FIRING prod · PegasusReplicaDown: 2 firing');
    expect(roots[0]?.reply.status).toBe('crit');
    // The alert named a rule: it carries that rule's runbook hint.
    expect(roots[0]?.reply.findings[0]?.advice).toMatch(/Out of memory: Killed process/);
    res = await post(payload('resolved'));
    expect(await res.json()).toMatchObject({ duplicate: false, changes: 2 });
    await post(payload('resolved'));
    await pipeline.deliver();
    expect(sink.repliesTo(roots[0]?.messageId ?? '')).toHaveLength(1);
    expect(await store.countAlerts({ groupKey: group, status: 'resolved' })).toBe(2);
  });
});
