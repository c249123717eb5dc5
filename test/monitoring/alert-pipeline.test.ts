/**
 * The alert pipeline against a real SQLite store and recording sinks: one thread per group, the root kept
 * current, one reply per change, damping and flapping, ack / silence / mute persisted across a restart, a
 * failing sink retried without loss, reminders, routing, and idempotent external notifications.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChatSink } from '../../src/chat/chat-sink.js';
import { ManualClock } from '../../src/clock.js';
import type { Actor } from '../../src/commands/command.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { silentLogger } from '../../src/logger.js';
import {
  AlertPipeline,
  alertFingerprint,
  externalGroupKey,
  type AlertSignal,
  type ExternalBatch,
} from '../../src/monitoring/alert-pipeline.js';
import { ChannelPacer } from '../../src/monitoring/channel-pacer.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { RecordingSink } from './recording-sink.js';

const alice: Actor = { platform: 'slack', userId: 'U1', displayName: 'Alice' };
const minute = 60_000;

function configWith(env: Record<string, string>, file?: unknown): Config {
  return loadConfig(
    {
      // With a config file the clusters come from it (the env cluster would replace the file's "prod").
      ...(file ? {} : { PEGASUS_META_SERVERS: '127.0.0.1:34601', PEGASUS_CLUSTER_NAME: 'prod' }),
      SLACK_BOT_TOKEN: 'xoxb-test',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_ALERT_CHANNEL: 'C-alerts',
      ...(file ? { PEGASUS_CONFIG: 'cfg.json' } : {}),
      ...env,
    },
    () => JSON.stringify(file),
  );
}

const unalive = (node: string): AlertSignal => ({
  rule: 'node_unalive',
  subject: node,
  severity: 'crit',
  summary: `replica server ${node} is UNALIVE`,
  detail: { advice: 'look in dmesg', value: 'UNALIVE', threshold: 'ALIVE' },
});
const memory = (node: string, severity: 'warn' | 'crit' = 'warn'): AlertSignal => ({
  rule: 'memory',
  subject: node,
  severity,
  summary: `${node} uses a lot of memory`,
});
const all = new Set(['node_unalive', 'memory']);

describe('AlertPipeline', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let slack: RecordingSink;
  const stores: Store[] = [];

  async function open(): Promise<Store> {
    const s = new SqliteStore({ filename: join(dir, 'bot.db'), clock });
    await s.migrate();
    stores.push(s);
    return s;
  }

  function pipeline(options: { config?: Config; sinks?: ChatSink[]; on?: Store } = {}): AlertPipeline {
    return new AlertPipeline({
      store: options.on ?? store,
      clock,
      config: options.config ?? configWith({}),
      sinks: options.sinks ?? [slack],
      logger: silentLogger(),
      pacer: new ChannelPacer(0),
      retryBaseMs: 10_000,
    });
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    clock = new ManualClock('2026-03-01T10:00:00Z');
    store = await open();
    slack = new RecordingSink('slack');
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens one thread per (cluster, rule) with a root that lists every firing subject', async () => {
    const p = pipeline();
    const notes = await p.observeInspection('prod', [unalive('n1:1'), unalive('n2:1'), memory('n3:1')], all);
    expect(notes.map((n) => n.kind)).toEqual(['firing', 'firing', 'firing']);
    await p.deliver();
    const roots = slack.roots();
    expect(roots).toHaveLength(2);
    expect(roots.every((r) => r.channelId === 'C-alerts')).toBe(true);
    const unaliveRoot = roots.find((r) => r.reply.title.includes('UNALIVE'));
    expect(unaliveRoot?.reply.title).toMatch(/^FIRING prod · replica server UNALIVE: 2 firing$/);
    expect(unaliveRoot?.reply.status).toBe('crit');
    expect(unaliveRoot?.reply.findings.map((f) => f.subject).sort()).toEqual(['n1:1', 'n2:1']);
    expect(unaliveRoot?.reply.findings[0]?.advice).toBe('look in dmesg');
    expect(unaliveRoot?.reply.actions?.map((a) => `${a.kind}:${a.ref}`)).toEqual([
      'ack:prod/node_unalive',
      'silence:prod/node_unalive',
      'run:health --cluster prod',
    ]);
    // A new root already shows everything: no reply and no edit yet.
    expect(slack.calls).toHaveLength(2);
    const group = await store.getAlertGroup('prod/node_unalive');
    expect(group?.roots).toEqual([{ platform: 'slack', channelId: 'C-alerts', messageId: unaliveRoot?.messageId }]);
  });

  it('replies in the thread for each change and keeps the root current; unchanged repeats post nothing', async () => {
    const p = pipeline();
    await p.observeInspection('prod', [unalive('n1:1')], all);
    await p.deliver();
    const root = slack.roots()[0]!;
    await p.observeInspection('prod', [unalive('n1:1')], all);
    await p.deliver();
    expect(slack.calls).toHaveLength(1);

    clock.advance(minute);
    await p.observeInspection('prod', [unalive('n1:1'), unalive('n2:1')], all);
    await p.deliver();
    const replies = slack.repliesTo(root.messageId);
    expect(replies).toHaveLength(1);
    expect(replies[0]?.reply.findings.map((f) => f.summary)).toEqual(['FIRING: replica server n2:1 is UNALIVE']);
    const edits = slack.updatesOf(root.messageId);
    expect(edits).toHaveLength(1);
    expect(edits[0]?.reply.title).toContain('2 firing');

    // Severity changes are updates.
    await p.observeInspection('prod', [memory('n3:1', 'warn')], new Set(['memory']));
    await p.deliver();
    await p.observeInspection('prod', [memory('n3:1', 'crit')], new Set(['memory']));
    await p.deliver();
    const memRoot = slack.roots().find((r) => r.reply.title.includes('memory'))!;
    expect(slack.repliesTo(memRoot.messageId)[0]?.reply.findings[0]?.summary).toMatch(/^UPDATED warn → crit: /);
  });

  it('damps resolution: absent once is nothing, absent twice resolves; rules without data never resolve', async () => {
    const p = pipeline();
    await p.observeInspection('prod', [unalive('n1:1'), memory('n3:1')], all);
    await p.deliver();
    const root = slack.roots().find((r) => r.reply.title.includes('UNALIVE'))!;

    // Memory could not be read: its alert is left alone however often it is absent.
    for (let i = 0; i < 3; i++) {
      clock.advance(minute);
      await p.observeInspection('prod', [unalive('n1:1')], new Set(['node_unalive']));
    }
    clock.advance(minute);
    expect(await p.observeInspection('prod', [], all)).toEqual([]);
    expect((await store.getAlert(alertFingerprint('prod', 'node_unalive', 'n1:1')))?.missingCount).toBe(1);
    clock.advance(minute);
    const notes = await p.observeInspection('prod', [], all);
    expect(notes.map((n) => `${n.kind} ${n.subject}`).sort()).toEqual(['resolved n1:1', 'resolved n3:1']);
    await p.deliver();
    const reply = slack.repliesTo(root.messageId).at(-1);
    expect(reply?.reply.findings[0]?.summary).toMatch(/^RESOLVED after 5m: replica server n1:1 is UNALIVE/);
    expect(reply?.reply.status).toBe('ok');
    expect(slack.updatesOf(root.messageId).at(-1)?.reply.title).toMatch(/^RESOLVED .*: resolved$/);
  });

  it('treats firing again within the flap window as the same episode and stops replying after a few flaps', async () => {
    const p = pipeline();
    const fp = alertFingerprint('prod', 'node_unalive', 'n1:1');
    await p.observeInspection('prod', [unalive('n1:1')], all);
    await p.deliver();
    const started = (await store.getAlert(fp))?.startedAt;
    const root = slack.roots()[0]!;
    const flap = async () => {
      clock.advance(minute);
      await p.observeInspection('prod', [], all);
      clock.advance(minute);
      await p.observeInspection('prod', [], all);
      clock.advance(minute);
      return p.observeInspection('prod', [unalive('n1:1')], all);
    };
    expect((await flap()).map((n) => n.kind)).toEqual(['refiring']);
    await p.deliver();
    expect((await store.getAlert(fp))?.startedAt).toEqual(started);
    expect(slack.repliesTo(root.messageId).at(-1)?.reply.findings[0]?.summary).toMatch(/^FIRING AGAIN \(1×/);
    await flap();
    await p.deliver();
    const repliesBefore = slack.repliesTo(root.messageId).length;
    const editsBefore = slack.updatesOf(root.messageId).length;
    await flap();
    await p.deliver();
    // Third flap: the root changes, the thread does not.
    expect(slack.repliesTo(root.messageId)).toHaveLength(repliesBefore);
    expect(slack.updatesOf(root.messageId).length).toBeGreaterThan(editsBefore);
    expect((await store.getAlert(fp))?.flaps).toBe(3);

    // Long after the flap window a new firing is a new episode.
    clock.advance(minute);
    await p.observeInspection('prod', [], all);
    clock.advance(minute);
    await p.observeInspection('prod', [], all);
    clock.advance(60 * minute);
    expect((await p.observeInspection('prod', [unalive('n1:1')], all)).map((n) => n.kind)).toEqual(['firing']);
    expect((await store.getAlert(fp))?.flaps).toBe(0);
  });

  it('keeps ack, silence and mute across a restart, and a restarted pipeline neither reposts nor forgets', async () => {
    const p = pipeline();
    await p.observeInspection('prod', [unalive('n1:1'), memory('n3:1')], all);
    await p.deliver();
    const unaliveRoot = slack.roots().find((r) => r.reply.title.includes('UNALIVE'))!;

    const acked = await p.ack('prod/node_unalive', alice);
    expect(acked).toMatchObject({ ok: true, value: { already: false } });
    await p.deliver();
    expect(slack.repliesTo(unaliveRoot.messageId).at(-1)?.reply.text?.[0]).toMatch(
      /^Acknowledged by Alice \(slack:U1\)/,
    );
    const edited = slack.updatesOf(unaliveRoot.messageId).at(-1)?.reply;
    expect(edited?.actions?.map((a) => a.kind)).toEqual(['silence', 'run']);
    expect(edited?.fields?.find((f) => f.label === 'acknowledged')?.value).toMatch(/^by Alice/);

    const fp = alertFingerprint('prod', 'memory', 'n3:1');
    const silenced = await p.silence(fp, 2 * 3_600_000, alice);
    expect(silenced.ok).toBe(true);
    await p.deliver();
    const muted = await p.mute('slack', 'C-other', 3_600_000, alice);
    expect(muted.ok).toBe(true);

    // Restart: a new store connection and a new pipeline over the same database.
    await p.stop();
    const reopened = await open();
    const slack2 = new RecordingSink('slack');
    const p2 = pipeline({ on: reopened, sinks: [slack2] });
    expect(await p2.observeInspection('prod', [unalive('n1:1'), memory('n3:1')], all)).toEqual([]);
    await p2.deliver();
    expect(slack2.calls).toHaveLength(0);
    expect(await p2.ack('prod/node_unalive', alice)).toMatchObject({ ok: true, value: { already: true } });
    expect(await p2.muteOf('slack', 'C-other')).toMatchObject({ by: 'Alice (slack:U1)' });

    // The silenced group stays quiet; the other one still talks, in its old thread.
    clock.advance(minute);
    await p2.observeInspection('prod', [unalive('n1:1'), unalive('n2:1'), memory('n3:1', 'crit')], all);
    await p2.deliver();
    expect(slack2.roots()).toHaveLength(0);
    expect(slack2.calls.filter((c) => c.kind === 'post').map((c) => c.threadOf)).toEqual([unaliveRoot.messageId]);

    // After the silence ends, changes are posted again.
    clock.advance(2 * 3_600_000);
    await p2.observeInspection('prod', [unalive('n1:1'), unalive('n2:1'), memory('n3:1', 'warn')], all);
    await p2.deliver();
    const memRootId = (await reopened.getAlertGroup('prod/memory'))?.roots[0]?.messageId;
    expect(slack2.repliesTo(memRootId ?? '')).toHaveLength(1);
  });

  it('refuses silences outside 30m..24h, unknown groups and acks of resolved groups, changing nothing', async () => {
    const p = pipeline();
    await p.observeInspection('prod', [unalive('n1:1')], all);
    expect(await p.silence('prod/node_unalive', 10 * minute, alice)).toMatchObject({
      ok: false,
      error: { code: 'BAD_DURATION', message: expect.stringMatching(/30m to 24h; 10m/) as unknown },
    });
    expect(await p.silence('prod/node_unalive', 25 * 3_600_000, alice)).toMatchObject({ ok: false });
    expect(await p.ack('prod/nope', alice)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_ALERT' } });
    expect(await p.mute('slack', 'C', 1000, alice)).toMatchObject({ ok: false, error: { code: 'BAD_DURATION' } });
    expect((await store.getAlertGroup('prod/node_unalive'))?.silencedUntil).toBeUndefined();
    clock.advance(minute);
    await p.observeInspection('prod', [], all);
    clock.advance(minute);
    await p.observeInspection('prod', [], all);
    expect(await p.ack('prod/node_unalive', alice)).toMatchObject({ ok: false, error: { code: 'NOT_FIRING' } });
  });

  it('drops posts to a muted channel while other channels still get them', async () => {
    const discord = new RecordingSink('discord');
    const config = configWith({ DISCORD_BOT_TOKEN: 'x', DISCORD_ALERT_CHANNEL: '998877' });
    const p = pipeline({ config, sinks: [slack, discord] });
    await p.mute('slack', 'C-alerts', 3_600_000, alice);
    await p.observeInspection('prod', [unalive('n1:1')], all);
    const stats = await p.deliver();
    expect(slack.calls).toHaveLength(0);
    expect(discord.roots()).toHaveLength(1);
    expect(stats.dropped).toBe(1);
    await p.mute('slack', 'C-alerts', undefined, alice);
    clock.advance(minute);
    await p.observeInspection('prod', [unalive('n1:1'), unalive('n2:1')], all);
    await p.deliver();
    expect(slack.roots()).toHaveLength(1);
  });

  it('retries a failing sink later and loses nothing, in order', async () => {
    const p = pipeline();
    slack.failNext(1);
    await p.observeInspection('prod', [unalive('n1:1')], all);
    const first = await p.deliver();
    expect(first.failed).toBe(1);
    expect(slack.calls).toHaveLength(0);
    const queued = await store.listAlertDeliveries({ limit: 10 });
    expect(queued).toMatchObject([{ attempts: 1, lastError: 'platform unavailable (test)' }]);
    // More changes arrive while the platform is down; the backoff is not over yet.
    clock.advance(5000);
    await p.observeInspection('prod', [unalive('n1:1'), unalive('n2:1')], all);
    expect(slack.calls).toHaveLength(0);
    clock.advance(10_000);
    await p.deliver();
    expect(slack.roots()).toHaveLength(1);
    expect(
      slack
        .roots()[0]
        ?.reply.findings.map((f) => f.subject)
        .sort(),
    ).toEqual(['n1:1', 'n2:1']);
    expect(await store.listAlertDeliveries({ limit: 10 })).toEqual([]);

    // A failed root edit is retried on its own; the reply is not posted twice.
    slack.failNext(0);
    clock.advance(minute);
    await p.observeInspection('prod', [unalive('n1:1'), unalive('n2:1'), unalive('n4:1')], all);
    const root = slack.roots()[0]!;
    const realUpdate = slack.update.bind(slack);
    let failUpdate = true;
    slack.update = async (ref, reply) => {
      if (failUpdate) {
        failUpdate = false;
        throw new Error('edit failed (test)');
      }
      return realUpdate(ref, reply);
    };
    await p.deliver();
    expect(slack.repliesTo(root.messageId)).toHaveLength(1);
    clock.advance(20_000);
    await p.deliver();
    expect(slack.repliesTo(root.messageId)).toHaveLength(1);
    expect(slack.updatesOf(root.messageId).at(-1)?.reply.title).toContain('3 firing');
  });

  it('reminds about groups nobody acknowledged, but not acknowledged or silenced ones', async () => {
    const config = configWith(
      {},
      {
        clusters: [{ name: 'prod', metaServers: ['127.0.0.1:34601'], thresholds: { alertReminderMs: 3_600_000 } }],
      },
    );
    const p = pipeline({ config });
    await p.observeInspection('prod', [unalive('n1:1'), memory('n3:1')], all);
    await p.deliver();
    await p.ack('prod/memory', alice);
    clock.advance(30 * minute);
    expect(await p.remind()).toBe(0);
    clock.advance(31 * minute);
    expect(await p.remind()).toBe(1);
    expect(await p.remind()).toBe(0);
    await p.deliver();
    const root = slack.roots().find((r) => r.reply.title.includes('UNALIVE'))!;
    expect(slack.repliesTo(root.messageId).at(-1)?.reply.text?.[0]).toMatch(/^Reminder: still firing after 1h 1m/);
  });

  it('routes each cluster to its own channels from the config file, defaults otherwise', async () => {
    const discord = new RecordingSink('discord');
    const config = configWith(
      { DISCORD_BOT_TOKEN: 'x', DISCORD_ALERT_CHANNEL: 'D-default' },
      {
        clusters: [
          {
            name: 'prod',
            metaServers: ['127.0.0.1:34601'],
            slackAlertChannel: 'C-prod',
            discordAlertChannel: 'D-prod',
          },
          { name: 'test', metaServers: ['127.0.0.1:34701'] },
        ],
      },
    );
    const p = pipeline({ config, sinks: [slack, discord] });
    await p.observeInspection('prod', [unalive('n1:1')], all);
    await p.observeInspection('test', [unalive('t1:1')], all);
    await p.deliver();
    expect(
      slack
        .roots()
        .map((r) => r.channelId)
        .sort(),
    ).toEqual(['C-alerts', 'C-prod']);
    expect(
      discord
        .roots()
        .map((r) => r.channelId)
        .sort(),
    ).toEqual(['D-default', 'D-prod']);
  });

  it('forgets resolved alerts after the retention, never firing ones', async () => {
    const p = pipeline();
    await p.observeInspection('prod', [unalive('n1:1'), unalive('n2:1')], all);
    for (let i = 0; i < 2; i++) {
      clock.advance(minute);
      await p.observeInspection('prod', [unalive('n1:1')], all);
    }
    clock.advance(6 * 86_400_000);
    expect(await p.prune()).toBe(0);
    clock.advance(86_400_000 + minute);
    expect(await p.prune()).toBe(1);
    expect((await store.listAlerts({})).map((a) => a.subject)).toEqual(['n1:1']);
  });

  it('attaches files to a new root when asked, and posts without them when that fails', async () => {
    let fail = false;
    const p = new AlertPipeline({
      store,
      clock,
      config: configWith({}),
      sinks: [slack],
      logger: silentLogger(),
      pacer: new ChannelPacer(0),
      rootAttachments: async (group, alerts) => {
        if (fail) throw new Error('no canvas');
        return [{ filename: `${group.rule}.png`, contentType: 'image/png', data: new Uint8Array([alerts.length]) }];
      },
    });
    await p.observeInspection('prod', [unalive('n1:1')], all);
    await p.deliver();
    expect(slack.roots()[0]?.reply.attachments).toEqual([
      { filename: 'node_unalive.png', contentType: 'image/png', data: new Uint8Array([1]) },
    ]);
    fail = true;
    await p.observeInspection('prod', [unalive('n1:1'), memory('n3:1')], all);
    await p.deliver();
    expect(slack.roots()).toHaveLength(2);
    expect(slack.roots()[1]?.reply.attachments).toBeUndefined();
    // Thread replies and root edits carry no files.
    expect(slack.calls.filter((c) => c.reply.attachments).length).toBe(1);
  });

  it('prints on the console when no chat platform is configured', async () => {
    const consoleSink = new RecordingSink('console');
    const config = loadConfig({ PEGASUS_META_SERVERS: '127.0.0.1:34601', PEGASUS_CLUSTER_NAME: 'prod' });
    const p = pipeline({ config, sinks: [consoleSink] });
    await p.observeInspection('prod', [unalive('n1:1')], all);
    await p.deliver();
    expect(consoleSink.roots().map((r) => r.channelId)).toEqual(['console']);
  });

  describe('external groups (Alertmanager)', () => {
    const batch = (statuses: ('firing' | 'resolved')[], key = '{}:{alertname="PegasusDown"}'): ExternalBatch => ({
      externalKey: key,
      cluster: 'prod',
      rule: 'PegasusDown',
      title: 'prod · PegasusDown',
      alerts: statuses.map((status, i) => ({
        id: `fp${i}`,
        status,
        severity: 'crit',
        subject: `n${i}:1`,
        summary: `node n${i} down`,
        startsAt: new Date('2026-03-01T09:59:00Z'),
        ...(status === 'resolved' ? { endsAt: new Date('2026-03-01T10:00:00Z') } : {}),
      })),
    });

    it('is idempotent on the group key, fingerprints and statuses', async () => {
      const p = pipeline();
      const first = await p.receiveExternal(batch(['firing', 'firing']));
      expect(first).toEqual({ group: externalGroupKey('{}:{alertname="PegasusDown"}'), duplicate: false, changes: 2 });
      expect(await p.receiveExternal(batch(['firing', 'firing']))).toMatchObject({ duplicate: true, changes: 0 });
      await p.deliver();
      expect(slack.roots()).toHaveLength(1);
      const resolved = await p.receiveExternal(batch(['firing', 'resolved']));
      expect(resolved).toMatchObject({ duplicate: false, changes: 1 });
      expect(await p.receiveExternal(batch(['firing', 'resolved']))).toMatchObject({ duplicate: true });
      await p.deliver();
      const root = slack.roots()[0]!;
      expect(slack.repliesTo(root.messageId).map((r) => r.reply.findings[0]?.summary)).toEqual([
        'RESOLVED after 1m: node n1 down',
      ]);
      // A late, stale "firing" for the resolved alert does not re-open it.
      await p.receiveExternal({ ...batch(['firing', 'firing']), alerts: batch(['firing', 'firing']).alerts.slice(1) });
      expect(await store.countAlerts({ groupKey: first.group, status: 'firing' })).toBe(1);
    });
  });
});
