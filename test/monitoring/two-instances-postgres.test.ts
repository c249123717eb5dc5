/**
 * Two bot instances on one PostgreSQL database (`DATABASE_URL`, default the CI database; a schema of its
 * own, dropped afterwards): each cluster is inspected by exactly one of them per period, a thread is opened
 * once however many instances deliver, and the same Alertmanager notification arriving at both at once is
 * recorded once.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { AlertPipeline, type ExternalBatch } from '../../src/monitoring/alert-pipeline.js';
import { ChannelPacer } from '../../src/monitoring/channel-pacer.js';
import { Inspector } from '../../src/monitoring/inspector.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { FakePegasus } from '../support/fake-pegasus.js';
import { RecordingSink } from './recording-sink.js';

const databaseUrl = process.env['DATABASE_URL'] ?? 'postgres://root@127.0.0.1:5432/test';

interface Instance {
  store: PostgresStore;
  pipeline: AlertPipeline;
  inspector: Inspector;
  sink: RecordingSink;
}

describe('two bot instances on PostgreSQL', () => {
  const schema = `mon_${randomBytes(4).toString('hex')}`;
  const clock = new ManualClock('2026-03-02T10:00:00Z');
  let fake: FakePegasus;
  let config: Config;
  let cluster: ClusterHandle;
  let a: Instance;
  let b: Instance;

  async function instance(): Promise<Instance> {
    const store = new PostgresStore({ connectionString: databaseUrl, schema, clock, max: 4, maxLocks: 4 });
    await store.migrate();
    const sink = new RecordingSink('slack');
    const pipeline = new AlertPipeline({
      store,
      clock,
      config,
      sinks: [sink],
      logger: silentLogger(),
      pacer: new ChannelPacer(0),
    });
    const inspector = new Inspector({ clusters: [cluster], store, clock, config, pipeline, sampleIntervalMs: 10 });
    return { store, pipeline, inspector, sink };
  }

  beforeEach(async () => {
    fake = new FakePegasus();
    config = loadConfig({
      PEGASUS_META_SERVERS: fake.metaServers.join(','),
      PEGASUS_CLUSTER_NAME: 'prod',
      SLACK_BOT_TOKEN: 'x',
      SLACK_SIGNING_SECRET: 'y',
      SLACK_ALERT_CHANNEL: 'C-alerts',
    });
    const clusterConfig = config.clusters[0];
    if (!clusterConfig) throw new Error('no cluster');
    cluster = { name: 'prod', config: clusterConfig, api: fake };
    a = await instance();
    b = await instance();
  });

  afterEach(async () => {
    for (const i of [a, b]) {
      await i.pipeline.stop();
      await i.store.close();
    }
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('inspects each cluster on exactly one instance per period and opens each thread once', async () => {
    fake.makeUnalive('127.0.0.1:34802');
    for (let period = 0; period < 3; period++) {
      clock.advance(config.inspectEveryMs);
      const [ra, rb] = await Promise.all([a.inspector.tick(), b.inspector.tick()]);
      expect(ra.length + rb.length).toBe(1);
    }
    await Promise.all([a.pipeline.deliver(), b.pipeline.deliver(), a.pipeline.deliver()]);
    expect(a.sink.roots().length + b.sink.roots().length).toBe(1);
    expect(await a.store.countAlerts({ status: 'firing' })).toBe(1);
  });

  it('records the same Alertmanager notification once when both instances receive it at once', async () => {
    const batch: ExternalBatch = {
      externalKey: '{}:{alertname="Down"}',
      cluster: 'prod',
      rule: 'Down',
      title: 'prod · Down',
      alerts: ['x', 'y', 'z'].map((id) => ({
        id,
        status: 'firing' as const,
        severity: 'crit' as const,
        subject: id,
        summary: `${id} is down`,
        startsAt: new Date('2026-03-02T09:59:00Z'),
      })),
    };
    const outcomes = await Promise.all([
      a.pipeline.receiveExternal(batch),
      b.pipeline.receiveExternal(batch),
      b.pipeline.receiveExternal(batch),
    ]);
    expect(outcomes.map((o) => o.changes).sort()).toEqual([0, 0, 3]);
    await Promise.all([a.pipeline.deliver(), b.pipeline.deliver()]);
    const roots = [...a.sink.roots(), ...b.sink.roots()];
    expect(roots).toHaveLength(1);
    expect(roots[0]?.reply.title).toBe('FIRING prod · Down: 3 firing');
    expect(await a.store.listAlertDeliveries({ limit: 10 })).toEqual([]);
  });
});
