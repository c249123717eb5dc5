/**
 * `inspect` and `alerts` through the real dispatcher and catalog, and the Ack / Silence buttons: what each
 * rule saw, the open groups, ack / silence / mute with the operator role (refused for viewers, bad input
 * answered and nothing changed), and audit lines for button clicks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Actor } from '../../src/commands/command.js';
import { createCommandCatalog } from '../../src/commands/command-catalog.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { createDispatcher, type CoreDispatcher } from '../../src/commands/dispatcher.js';
import { loadConfig } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import { ChannelPacer } from '../../src/monitoring/channel-pacer.js';
import { monitoringCommands, registerAlertButtons } from '../../src/monitoring/monitoring-commands.js';
import { createMonitoring, type Monitoring } from '../../src/monitoring/monitoring.js';
import type { Reply } from '../../src/replies/reply.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { FakePegasus } from '../support/fake-pegasus.js';
import { RecordingSink } from './recording-sink.js';

const viewer: Actor = { platform: 'slack', userId: 'UVIEW' };
const operator: Actor = { platform: 'slack', userId: 'UOP', displayName: 'Olga' };

describe('monitoring commands', () => {
  let clock: ManualClock;
  let store: SqliteStore;
  let fake: FakePegasus;
  let sink: RecordingSink;
  let dispatcher: CoreDispatcher;
  let monitoring: Monitoring;

  beforeEach(async () => {
    clock = new ManualClock('2026-03-02T10:00:00Z');
    store = new SqliteStore({ filename: ':memory:', clock });
    await store.migrate();
    fake = new FakePegasus();
    sink = new RecordingSink('slack');
    const config = loadConfig({
      PEGASUS_META_SERVERS: fake.metaServers.join(','),
      PEGASUS_CLUSTER_NAME: 'prod',
      PEGASUS_OPERATORS: 'slack:UOP',
      SLACK_BOT_TOKEN: 'x',
      SLACK_SIGNING_SECRET: 'y',
      SLACK_ALERT_CHANNEL: 'C-alerts',
    });
    const clusterConfig = config.clusters[0];
    if (!clusterConfig) throw new Error('no cluster');
    const clusters: ClusterHandle[] = [{ name: 'prod', config: clusterConfig, api: fake }];
    monitoring = createMonitoring({
      config,
      clusters,
      store,
      clock,
      sinks: [sink],
      pacer: new ChannelPacer(0),
      sampleIntervalMs: 10,
    });
    dispatcher = createDispatcher({
      catalog: createCommandCatalog(monitoringCommands),
      clusters,
      config,
      store,
      clock,
      sinks: [sink],
      logger: silentLogger(),
    });
    registerAlertButtons(dispatcher);
  });

  afterEach(async () => {
    await monitoring.stop();
    await store.close();
  });

  const run = (text: string, actor: Actor = operator): Promise<Reply> =>
    dispatcher.run({ actor, channelId: 'C-ops', text });

  it('inspect shows every rule with its value, threshold and verdict, and the alerts it caused', async () => {
    fake.makeUnalive('127.0.0.1:34802');
    const reply = await run('inspect', viewer);
    expect(reply.status).toBe('crit');
    expect(reply.title).toMatch(/^prod inspection: 1 rule firing \(1 critical\), 2 without data — 21 rules$/);
    expect(reply.findings.map((f) => `${f.check} ${f.subject}`)).toEqual(['node_unalive 127.0.0.1:34802']);
    const table = reply.tables?.[0];
    expect(table?.columns).toEqual(['rule', 'subject', 'value', 'threshold / baseline', 'verdict']);
    expect(table?.rows).toContainEqual(['node_unalive', '127.0.0.1:34802', 'UNALIVE', 'ALIVE', 'crit']);
    expect(table?.rows.find((r) => r[0] === 'memory')?.[4]).toBe('ok');
    expect(reply.text?.[0]).toMatch(/^Alerts: 1 fired/);
    expect(reply.data?.['rules']).toContainEqual(
      expect.objectContaining({ rule: 'node_unalive', verdict: 'crit', value: 'UNALIVE' }),
    );
    await monitoring.pipeline.deliver();
    expect(sink.roots()).toHaveLength(1);
  });

  it('inspect takes no arguments, and says so', async () => {
    const reply = await run('inspect now', viewer);
    expect(reply.status).toBe('unknown');
    expect(reply.text?.[0]).toMatch(/"now" was not expected\. Usage: inspect/);
  });

  it('lists open groups and shows one; acks need the operator role', async () => {
    fake.makeUnalive('127.0.0.1:34802');
    await run('inspect');
    let reply = await run('alerts', viewer);
    expect(reply.title).toBe('1 alert firing in 1 group');
    expect(reply.tables?.[0]?.rows[0]?.slice(0, 4)).toEqual(['prod/node_unalive', 'prod', '1', 'crit']);
    reply = await run('alerts prod/node_unalive', viewer);
    expect(reply.title).toBe('FIRING prod · replica server UNALIVE: 1 firing');

    reply = await run('alerts ack prod/node_unalive', viewer);
    expect(reply).toMatchObject({ status: 'unknown', ephemeral: true, data: { error: { code: 'NOT_PERMITTED' } } });
    expect(reply.text?.[0]).toMatch(/need the operator role; you are a viewer.*PEGASUS_OPERATORS/);
    expect((await store.getAlertGroup('prod/node_unalive'))?.ackedBy).toBeUndefined();

    reply = await run('alerts ack prod/node_unalive');
    expect(reply).toMatchObject({ status: 'ok', title: 'Acknowledged prod/node_unalive' });
    expect((await store.getAlertGroup('prod/node_unalive'))?.ackedBy).toMatchObject({ userId: 'UOP' });
    reply = await run('alerts ack prod/node_unalive');
    expect(reply.title).toBe('prod/node_unalive was already acknowledged');
    reply = await run('alerts', viewer);
    expect(reply.tables?.[0]?.rows[0]?.[5]).toBe('acked by Olga (slack:UOP)');
  });

  it('silences 30m..24h or lifts it, and mutes a channel; bad input changes nothing', async () => {
    fake.makeUnalive('127.0.0.1:34802');
    await run('inspect');
    let reply = await run('alerts silence prod/node_unalive 10m');
    expect(reply.data?.['error']).toEqual({ code: 'BAD_DURATION' });
    expect(reply.text?.[0]).toMatch(/from 30m to 24h/);
    reply = await run('alerts silence prod/node_unalive soon');
    expect(reply.text?.[0]).toMatch(/"soon" is not a duration/);
    reply = await run('alerts silence');
    expect(reply.text?.[0]).toMatch(/needs a group and a duration/);
    expect((await store.getAlertGroup('prod/node_unalive'))?.silencedUntil).toBeUndefined();

    reply = await run('alerts silence prod/node_unalive 2h');
    expect(reply.title).toBe('Silenced prod/node_unalive until 2026-03-02 12:00:00 UTC');
    reply = await run('alerts silence prod/node_unalive off');
    expect(reply.title).toBe('Silence of prod/node_unalive lifted');
    expect((await store.getAlertGroup('prod/node_unalive'))?.silencedUntil).toBeUndefined();

    reply = await run('alerts mute 4h');
    expect(reply.title).toBe('Alert posts muted in C-ops until 2026-03-02 14:00:00 UTC');
    expect(await monitoring.pipeline.muteOf('slack', 'C-ops')).toBeDefined();
    reply = await run('alerts mute C-alerts 30d');
    expect(reply.status).toBe('ok');
    reply = await run('alerts mute C-alerts 31d');
    expect(reply.data?.['error']).toEqual({ code: 'BAD_DURATION' });
    reply = await run('alerts mute off');
    expect(reply.title).toBe('Alert posts in C-ops unmuted');
    expect(await monitoring.pipeline.muteOf('slack', 'C-ops')).toBeUndefined();
    reply = await run('alerts mute', viewer);
    expect(reply.text?.[0]).toMatch(/needs a duration/);
  });

  it('routes the Ack and Silence buttons to the pipeline, checks the role and writes the audit log', async () => {
    fake.makeUnalive('127.0.0.1:34802');
    await run('inspect');
    const click = (actor: Actor, kind: 'ack' | 'silence') =>
      dispatcher.act({ actor, channelId: 'C-alerts', action: { kind, ref: 'prod/node_unalive' } });
    let reply = await click(viewer, 'ack');
    expect(reply.data?.['error']).toEqual({ code: 'NOT_PERMITTED' });
    reply = await click(operator, 'ack');
    expect(reply).toMatchObject({ status: 'ok', ephemeral: true, title: 'Acknowledged prod/node_unalive' });
    reply = await click(operator, 'silence');
    expect(reply.title).toMatch(/^Silenced prod\/node_unalive for 1h/);
    const group = await store.getAlertGroup('prod/node_unalive');
    expect(group?.silencedUntil?.toISOString()).toBe('2026-03-02T11:00:00.000Z');
    const audit = await store.listAudit({ limit: 10 });
    expect(audit.filter((a) => a.event === 'alert').map((a) => `${a.command} ${a.outcome}`)).toEqual([
      'silence prod/node_unalive ok',
      'ack prod/node_unalive ok',
      'ack prod/node_unalive refused: NOT_PERMITTED',
    ]);
    // Typed `ack <group>` works like the button.
    reply = await run('ack nope');
    expect(reply.data?.['error']).toEqual({ code: 'UNKNOWN_ALERT' });
  });
});
