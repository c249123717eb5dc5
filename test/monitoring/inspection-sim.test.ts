/**
 * An inspection against the simulated cluster over real sockets (the real cluster client, HTTP and THFT):
 * a stopped replica server fires `node_unalive` into a thread, and once it is back the alert resolves there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { createClusterHandles } from '../../src/cli/cluster-clients.js';
import { ManualClock } from '../../src/clock.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { AlertPipeline } from '../../src/monitoring/alert-pipeline.js';
import { ChannelPacer } from '../../src/monitoring/channel-pacer.js';
import { Inspector, type InspectionReport } from '../../src/monitoring/inspector.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { RecordingSink } from './recording-sink.js';

describe('inspection against the simulated cluster', () => {
  let sim: SimCluster;
  let store: SqliteStore;
  let cluster: ClusterHandle;
  let pipeline: AlertPipeline;
  let inspector: Inspector;
  const clock = new ManualClock(new Date());
  const sink = new RecordingSink('slack');

  beforeAll(async () => {
    sim = await startSimCluster({ seed: 11, nodes: 5, autoTick: false });
    store = new SqliteStore({ filename: ':memory:', clock });
    await store.migrate();
    const config = loadConfig({
      PEGASUS_META_SERVERS: sim.metaServers.join(','),
      PEGASUS_CLUSTER_NAME: 'sim',
      PEGASUS_TIMEOUT: '3s',
      SLACK_BOT_TOKEN: 'x',
      SLACK_SIGNING_SECRET: 'y',
      SLACK_ALERT_CHANNEL: 'C-alerts',
    });
    const [handle] = createClusterHandles(config, silentLogger());
    if (!handle) throw new Error('no cluster handle');
    cluster = handle;
    pipeline = new AlertPipeline({
      store,
      clock,
      config,
      sinks: [sink],
      logger: silentLogger(),
      pacer: new ChannelPacer(0),
    });
    inspector = new Inspector({ clusters: [cluster], store, clock, config, pipeline, sampleIntervalMs: 200 });
  }, 30_000);

  afterAll(async () => {
    await pipeline.stop();
    await cluster.api.close();
    await sim.stop();
    await store.close();
  });

  async function inspect(): Promise<InspectionReport> {
    clock.advance(60_000);
    const outcome = await inspector.inspect(cluster, { force: true });
    if (!outcome.ran) throw new Error('inspection skipped');
    await pipeline.deliver();
    return outcome.report;
  }

  const firing = (r: InspectionReport) =>
    r.evaluations.filter((e) => e.verdict === 'warn' || e.verdict === 'crit').map((e) => `${e.rule} ${e.subject}`);

  it('fires node_unalive when a replica server stops and resolves it when it is back', async () => {
    const healthy = await inspect();
    expect(healthy.health.reachable).toBe(true);
    expect(firing(healthy).filter((f) => f.startsWith('node_unalive'))).toEqual([]);

    const stopped = sim.replicaServers[1] ?? '';
    await sim.faults.stopReplica(1);
    sim.tick();
    const down = await inspect();
    expect(firing(down)).toContain(`node_unalive ${stopped}`);
    const root = sink.roots().find((r) => r.reply.data?.['alertGroup'] === 'sim/node_unalive');
    expect(root?.reply.findings.map((f) => f.subject)).toEqual([stopped]);
    expect(root?.reply.findings[0]?.advice).toMatch(/dmesg/);

    await sim.faults.startReplica(1);
    sim.tick();
    const back = await inspect();
    expect(firing(back).filter((f) => f.startsWith('node_unalive'))).toEqual([]);
    await inspect();
    expect(await store.countAlerts({ groupKey: 'sim/node_unalive', status: 'firing' })).toBe(0);
    const replies = sink.repliesTo(root?.messageId ?? '');
    expect(replies.at(-1)?.reply.findings[0]?.summary).toMatch(new RegExp(`^RESOLVED after .*${stopped}`));
  }, 60_000);
});
