import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { ClusterHandle } from '../../src/commands/command-spec.js';
import { defaultThresholds, type ClusterConfig } from '../../src/config/config.js';
import { healthStateKey } from '../../src/diagnostics/health-state.js';
import { collectHealth, runHealth, type HealthDeps } from '../../src/diagnostics/run-health.js';
import { FakePegasus } from '../support/fake-pegasus.js';
import { MemoryStore, windowFor } from './memory-store.js';

function setup(fake = new FakePegasus(), cluster: Partial<ClusterConfig> = {}) {
  const config: ClusterConfig = {
    name: 'onebox',
    metaServers: [...fake.metaServers],
    latencySensitiveTables: [],
    thresholds: defaultThresholds(),
    ...cluster,
  };
  const handle: ClusterHandle = { name: config.name, config, api: fake };
  const store = new MemoryStore();
  const clock = new ManualClock('2026-01-01T12:00:00Z');
  const deps: HealthDeps = {
    cluster: handle,
    store: store.asStore(),
    clock,
    config: { timezone: 'UTC', timeoutMs: 1000 },
  };
  return { fake, deps, store, clock };
}

const r = (i: number) => `127.0.0.1:${34800 + i}`;

describe('runHealth', () => {
  it('answers ok with every check and a one-line summary on a healthy cluster', async () => {
    const { deps } = setup();
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.command).toBe('health');
    expect(reply.status).toBe('ok');
    expect(reply.title).toBe('onebox: all checks ok — 5/5 nodes alive, 2 tables, level steady');
    expect(reply.findings.every((f) => f.severity === 'ok')).toBe(true);
    expect(new Set(reply.findings.map((f) => f.check))).toEqual(
      new Set([
        'meta_servers',
        'meta_level',
        'balance_pending',
        'table_count',
        'table_health',
        'nodes_alive',
        'replica_skew',
        'primary_skew',
        'versions',
        'restarts',
        'node_memory',
        'node_disk',
        'node_p99',
        'table_p99',
        'sessions',
      ]),
    );
    expect(reply.fields).toEqual([
      { label: 'leader', value: '127.0.0.1:34601' },
      { label: 'meta level', value: 'steady' },
      { label: 'replica servers', value: '5/5 alive' },
      { label: 'tables', value: '2' },
    ]);
    expect(reply.context).toMatchObject({ cluster: 'onebox', at: '2026-01-01T12:00:00.000Z' });
  });

  it('asks the cluster concurrently: every read is in flight at once', async () => {
    const { fake, deps } = setup();
    fake.callDelayMs = 20;
    await runHealth(deps, { intervalMs: 10 });
    expect(new Set(fake.calls.map((c) => c.method))).toEqual(
      new Set(['probeMetas', 'clusterInfo', 'getMetaLevel', 'listTables', 'listNodes', 'serverInfo', 'load']),
    );
    expect(fake.maxInFlight).toBe(7);
  });

  it('puts the worst first and counts them in the title', async () => {
    const { fake, deps } = setup();
    fake.makeUnalive(r(5)).setNodeLoad(r(2), { residentMemMb: 25_000 });
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.status).toBe('crit');
    expect(reply.title).toBe('onebox: 1 critical, 1 warning — 4/5 nodes alive, 2 tables, level steady');
    expect(reply.findings[0]).toMatchObject({ check: 'nodes_alive', severity: 'crit', subject: r(5) });
    expect(reply.findings[1]).toMatchObject({ check: 'node_memory', severity: 'warn', subject: r(2) });
  });

  it('recommends freezing when too many servers are UNALIVE and shows effective and stored levels', async () => {
    const { fake, deps } = setup();
    fake.makeUnalive(r(4)).makeUnalive(r(5));
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.title).toContain('3/5 nodes alive');
    expect(reply.title).toContain('level freezed (stored steady)');
    const freeze = reply.findings.find((f) => f.action?.ref === 'set_meta_level freezed');
    expect(freeze).toMatchObject({ check: 'nodes_alive', severity: 'crit', subject: 'cluster' });
    expect(reply.findings.find((f) => f.check === 'meta_level')?.summary).toContain(
      'freezed (effective; stored steady)',
    );
  });

  it('reports a node that misses its deadline as unreachable while the others are reported', async () => {
    const fake = new FakePegasus({ nodeTimeoutMs: 30 });
    fake.makeSlow(r(3), 60_000);
    const { deps } = setup(fake);
    const reply = await runHealth(deps, { intervalMs: 10 });
    const silent = reply.findings.filter((f) => f.check === 'unreachable');
    expect(silent).toHaveLength(1);
    expect(silent[0]).toMatchObject({ severity: 'warn', subject: r(3) });
    expect(silent[0]?.summary).toContain('timeout after 30 ms');
    expect(silent[0]?.advice).toContain('machine provider');
    expect(reply.findings.find((f) => f.check === 'node_memory')?.summary).toContain('on 4 nodes');
    expect(reply.findings.find((f) => f.check === 'versions')?.summary).toBe('all 7 servers run 2.6.0');
  });

  it('turns a read that never answers into a finding and still reports the rest', async () => {
    const { fake, deps } = setup();
    fake.hang('serverInfo');
    const reply = await runHealth(deps, { intervalMs: 10, deadlineMs: 50 });
    const late = reply.findings.find((f) => f.check === 'unreachable');
    expect(late?.summary).toBe('could not read server_info: server_info did not answer within 50 ms');
    expect(late?.evidence).toEqual({ code: 'TIMEOUT' });
    expect(reply.findings.some((f) => f.check === 'versions')).toBe(false);
    expect(reply.findings.find((f) => f.check === 'nodes_alive')?.severity).toBe('ok');
    expect(reply.status).toBe('warn');
  });

  it('answers unknown with the servers tried when the cluster is unreachable', async () => {
    const { fake, deps } = setup();
    fake.makeClusterUnreachable('connect ECONNREFUSED');
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.status).toBe('unknown');
    expect(reply.title).toBe('onebox: cluster unreachable — tried 127.0.0.1:34601, 127.0.0.1:34602, 127.0.0.1:34603');
    expect(reply.findings).toHaveLength(3);
    expect(reply.findings[0]).toMatchObject({ check: 'meta_servers', severity: 'crit', subject: '127.0.0.1:34601' });
    expect(reply.text?.[0]).toContain('127.0.0.1:34602 (connect ECONNREFUSED)');
  });

  it('remembers what it saw and reports a dropped table and a level change next time', async () => {
    const { fake, deps, store, clock } = setup();
    fake.setStoredLevel('lively');
    await runHealth(deps, { intervalMs: 10 });
    expect(store.state.get(healthStateKey('onebox'))).toMatchObject({
      tableCount: 2,
      tables: ['stat', 'temp'],
      level: 'lively',
      leader: '127.0.0.1:34601',
    });
    fake.dropTable('stat').setStoredLevel('steady');
    clock.advance(60_000);
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.findings.find((f) => f.check === 'table_count')).toMatchObject({
      severity: 'warn',
      summary: '1 table now, 2 at the last check (gone: stat)',
    });
    expect(reply.findings.find((f) => f.check === 'meta_level' && f.severity === 'info')?.summary).toBe(
      'meta level changed from lively to steady since the last check',
    );
  });

  it('warns about balance operations pending since an earlier check and offers a rebalance plan', async () => {
    const { fake, deps, clock } = setup();
    fake.setBalanceOperations({ movePri: 3, copySec: 2 });
    const first = await runHealth(deps, { intervalMs: 10 });
    expect(first.findings.find((f) => f.check === 'balance_pending')?.severity).toBe('info');
    clock.advance(2 * 3_600_000);
    const second = await runHealth(deps, { intervalMs: 10 });
    const pending = second.findings.find((f) => f.check === 'balance_pending');
    expect(pending).toMatchObject({ severity: 'warn', action: { kind: 'run', ref: 'rebalance plan' } });
    expect(pending?.summary).toContain('5 balance operations pending for 2h');
  });

  it('accepts lively during a running rebalance window and warns without one', async () => {
    const { fake, deps, store } = setup();
    fake.setStoredLevel('lively');
    const without = await runHealth(deps, { intervalMs: 10, saveState: false });
    expect(without.findings.find((f) => f.check === 'meta_level')?.severity).toBe('warn');
    store.windows.push(windowFor('onebox', 'running'), windowFor('other', 'running'));
    const within = await runHealth(deps, { intervalMs: 10, saveState: false });
    expect(within.findings.find((f) => f.check === 'meta_level')?.severity).toBe('info');
    expect(within.status).toBe('ok');
  });

  it('uses the cluster config: expected tables, latency-sensitive limits and thresholds', async () => {
    const fake = new FakePegasus();
    fake.setTableLoad('temp', { readP99Ns: 12_000_000 }).setNodeLoad(r(1), { sessions: 600 });
    const { deps } = setup(fake, {
      expectedTables: ['temp', 'stat', 'orders'],
      latencySensitiveTables: [{ name: 'temp', readP99Ms: 10 }],
      thresholds: { ...defaultThresholds(), sessionsWarn: 500 },
    });
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.findings.find((f) => f.check === 'table_count')?.summary).toBe('1 expected table missing: orders');
    expect(reply.findings.find((f) => f.check === 'table_p99')).toMatchObject({ severity: 'warn', subject: 'temp' });
    expect(reply.findings.find((f) => f.check === 'sessions')).toMatchObject({ severity: 'warn', subject: r(1) });
  });

  it('names mixed versions and recent restarts from server_info', async () => {
    const { fake, deps } = setup();
    fake.setVersion(r(2), '2.5.0').restart(r(4), new Date('2026-01-01T11:50:00Z'));
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.findings.find((f) => f.check === 'versions')?.summary).toContain(`${r(2)} (replica) runs 2.5.0`);
    expect(reply.findings.find((f) => f.check === 'restarts')).toMatchObject({ severity: 'warn', subject: r(4) });
  });

  it('still answers when the store fails, and says so', async () => {
    const { deps, store } = setup();
    store.failState = true;
    const report = await collectHealth(deps, { intervalMs: 10 });
    expect(report.reachable).toBe(true);
    const notes = report.findings.filter((f) => f.check === 'state');
    expect(notes.map((f) => f.summary)).toEqual([
      'could not read the previous check from the store: database is locked',
      'could not remember this check in the store: database is locked',
    ]);
  });

  it('after a leader fail-over names the silent meta, the new leader and the level it came up with', async () => {
    const { fake, deps, clock } = setup();
    fake.setStoredLevel('lively');
    await runHealth(deps, { intervalMs: 10 });
    fake.makeMetaDown('127.0.0.1:34601');
    clock.advance(5 * 60_000);
    const reply = await runHealth(deps, { intervalMs: 10 });
    const metas = reply.findings.filter((f) => f.check === 'meta_servers');
    expect(metas.map((f) => [f.severity, f.subject])).toEqual([
      ['warn', '127.0.0.1:34601'],
      ['info', 'cluster'],
    ]);
    expect(metas[1]?.summary).toBe(
      'the meta leader changed from 127.0.0.1:34601 to 127.0.0.1:34602 since the last check (last check 5m ago)',
    );
    expect(reply.findings.find((f) => f.check === 'meta_level' && f.severity === 'info')?.summary).toBe(
      'meta level changed from lively to steady since the last check',
    );
    expect(reply.findings.some((f) => f.check === 'unreachable')).toBe(false);
  });

  it('ignores a remembered state it cannot parse', async () => {
    const { deps, store } = setup();
    store.state.set(healthStateKey('onebox'), { tableCount: 'many' });
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.findings.find((f) => f.check === 'table_count')?.severity).toBe('ok');
    expect(store.state.get(healthStateKey('onebox'))).toMatchObject({ tableCount: 2 });
  });

  it('turns a client that throws into a finding instead of failing', async () => {
    const { fake, deps } = setup();
    fake.listTables = () => Promise.reject(new Error('boom'));
    const reply = await runHealth(deps, { intervalMs: 10 });
    expect(reply.findings.find((f) => f.check === 'unreachable')?.summary).toContain('boom');
    expect(reply.title).toContain('tables unknown');
  });
});
