import { describe, expect, it } from 'vitest';
import { appCommand } from '../../../src/commands/views/app-command.js';
import { lsCommand } from '../../../src/commands/views/ls-command.js';
import { nodesCommand } from '../../../src/commands/views/nodes-command.js';
import { serverInfoCommand } from '../../../src/commands/views/server-info-command.js';
import { healthStateKey } from '../../../src/diagnostics/health-state.js';
import { FakePegasus } from '../../support/fake-pegasus.js';
import { fieldOf, parseLine, rowsOf, runLine, tableOf, viewContext } from './view-context.js';

const r = (i: number) => `127.0.0.1:${34800 + i}`;

describe('ls', () => {
  it('lists general_info with the shell columns, without health unless -d', async () => {
    const { ctx } = viewContext();
    const reply = await runLine(lsCommand, 'ls', ctx);
    expect(reply.command).toBe('ls');
    expect(tableOf(reply, 'general_info').columns).toEqual([
      'app_id',
      'status',
      'app_name',
      'app_type',
      'partition_count',
      'replica_count',
      'is_stateful',
      'create_time',
      'drop_time',
      'drop_expire',
      'envs_count',
    ]);
    expect(rowsOf(reply, 'general_info')[0]).toMatchObject({
      app_id: '2',
      status: 'AVAILABLE',
      app_name: 'temp',
      partition_count: '10',
      replica_count: '3',
      is_stateful: 'true',
    });
    expect(reply.tables?.map((t) => t.title)).toEqual(['general_info']);
    expect(reply.findings.map((f) => f.check)).toEqual(['table_count']);
    expect(reply.fields).toEqual([{ label: 'total_app_count', value: '2' }]);
  });

  it('adds healthy_info, the health summary and table_health findings with -d', async () => {
    const { ctx, fake } = viewContext();
    fake.makePartitionsUnhealthy('stat', { missingSecondary: 2 });
    const reply = await runLine(lsCommand, 'ls -d', ctx);
    expect(reply.command).toBe('ls -d');
    expect(rowsOf(reply, 'healthy_info')).toEqual([
      {
        app_id: '2',
        app_name: 'temp',
        partition_count: '10',
        fully_healthy: '10',
        unhealthy: '0',
        write_unhealthy: '0',
        read_unhealthy: '0',
      },
      {
        app_id: '3',
        app_name: 'stat',
        partition_count: '5',
        fully_healthy: '3',
        unhealthy: '2',
        write_unhealthy: '0',
        read_unhealthy: '0',
      },
    ]);
    expect(fieldOf(reply, 'unhealthy_app_count')).toBe('1');
    expect(fieldOf(reply, 'fully_healthy_app_count')).toBe('1');
    expect(reply.status).toBe('warn');
    expect(reply.findings[0]).toMatchObject({ check: 'table_health', severity: 'warn', subject: 'stat' });
    expect(reply.title).toBe('onebox: 1 warning — 2 tables');
  });

  it('compares the count with the expected list and the last health check without changing it', async () => {
    const { ctx, store } = viewContext(new FakePegasus(), { expectedTables: ['temp', 'stat', 'orders'] });
    store.state.set(healthStateKey('onebox'), {
      at: '2026-01-01T11:00:00Z',
      tableCount: 3,
      tables: ['a', 'stat', 'temp'],
    });
    const reply = await runLine(lsCommand, 'ls', ctx);
    expect(reply.findings.map((f) => f.summary)).toEqual([
      '1 expected table missing: orders',
      '2 tables now, 3 at the last check (gone: a)',
    ]);
    expect(store.state.get(healthStateKey('onebox'))).toMatchObject({ tableCount: 3 });
  });

  it('rejects an unknown flag, naming the accepted ones', () => {
    const parsed = parseLine(lsCommand, 'ls -x');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toBe('Unknown flag -x. Accepted flags: -d. Usage: ls [-d]');
  });
});

describe('nodes', () => {
  it('lists address and status, and the summary counts', async () => {
    const { ctx, fake } = viewContext();
    fake.makeUnalive(r(5));
    const reply = await runLine(nodesCommand, 'nodes', ctx);
    expect(tableOf(reply, 'details').columns).toEqual(['address', 'status']);
    expect(rowsOf(reply, 'details')[4]).toEqual({ address: r(5), status: 'UNALIVE' });
    expect(reply.fields).toEqual([
      { label: 'total_node_count', value: '5' },
      { label: 'alive_node_count', value: '4' },
      { label: 'unalive_node_count', value: '1' },
    ]);
    expect(reply.findings.map((f) => [f.check, f.severity, f.subject])).toEqual([['nodes_alive', 'crit', r(5)]]);
    expect(reply.title).toBe('onebox: 1 critical — 4/5 replica servers alive');
  });

  it('adds replica counts and the skew findings with -d', async () => {
    const { ctx, fake } = viewContext();
    fake.skew(r(1), { replicas: 6, primaries: 3 });
    const reply = await runLine(nodesCommand, 'nodes -d', ctx);
    expect(tableOf(reply, 'details').columns).toEqual([
      'address',
      'status',
      'replica_count',
      'primary_count',
      'secondary_count',
    ]);
    expect(rowsOf(reply, 'details')[0]).toEqual({
      address: r(1),
      status: 'ALIVE',
      replica_count: '15',
      primary_count: '6',
      secondary_count: '9',
    });
    const skews = reply.findings.filter((f) => f.severity === 'warn');
    expect(skews.map((f) => f.check)).toEqual(['replica_skew', 'primary_skew']);
    expect(skews[0]?.action).toMatchObject({ kind: 'run', ref: 'rebalance plan' });
    expect(skews[0]?.summary).toContain(`${r(1)} has 15`);
    expect(skews[0]?.evidence).toHaveProperty('stddev');
  });

  it('recommends freezing past the ratio unless the level is already freezed', async () => {
    const { ctx, fake } = viewContext();
    fake.makeUnalive(r(1)).makeUnalive(r(2));
    const reply = await runLine(nodesCommand, 'nodes', ctx);
    expect(reply.findings[0]?.action?.ref).toBe('set_meta_level freezed');
    fake.setStoredLevel('freezed');
    const frozen = await runLine(nodesCommand, 'nodes', ctx);
    expect(frozen.findings.some((f) => f.action)).toBe(false);
  });

  it('answers unknown when the list cannot be read', async () => {
    const { ctx, fake } = viewContext();
    fake.failWith('listNodes', { code: 'TIMEOUT', message: 'nodes did not answer within 5000 ms' });
    const reply = await runLine(nodesCommand, 'nodes -d', ctx);
    expect(reply.status).toBe('unknown');
    expect(reply.title).toBe('onebox: could not read the replica server list');
  });
});

describe('app', () => {
  it('shows a table’s general info', async () => {
    const { ctx } = viewContext();
    const reply = await runLine(appCommand, 'app temp', ctx);
    expect(reply.command).toBe('app temp');
    expect(reply.fields).toEqual([
      { label: 'app_name', value: 'temp' },
      { label: 'app_id', value: '2' },
      { label: 'partition_count', value: '10' },
      { label: 'max_replica_count', value: '3' },
    ]);
    expect(reply.tables).toBeUndefined();
    expect(reply.title).toBe('onebox: table temp, 10/10 partitions fully healthy');
  });

  it('adds replicas, nodes with a total row and healthy with -d', async () => {
    const { ctx, fake } = viewContext();
    fake.makePartitionsUnhealthy('stat', { noPrimary: 1 });
    const reply = await runLine(appCommand, 'app stat -d', ctx);
    const replicas = rowsOf(reply, 'replicas');
    expect(replicas).toHaveLength(5);
    expect(replicas[0]).toMatchObject({ pidx: '0', replica_count: '1/3', primary: '-' });
    expect(replicas[1]?.['secondaries']).toMatch(/^\[127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\]$/);
    const nodes = rowsOf(reply, 'nodes');
    expect(nodes.at(-1)).toEqual({ node: 'total', primary: '4', secondary: '9', total: '13' });
    expect(rowsOf(reply, 'healthy')).toEqual([
      {
        fully_healthy_partition_count: '4',
        unhealthy_partition_count: '1',
        write_unhealthy_partition_count: '1',
        read_unhealthy_partition_count: '1',
      },
    ]);
    expect(reply.findings[0]).toMatchObject({ check: 'table_health', severity: 'crit', subject: 'stat' });
  });

  it('answers an unknown table with the list of tables and changes nothing', async () => {
    const { ctx, fake } = viewContext();
    const reply = await runLine(appCommand, 'app tmep -d', ctx);
    expect(reply.status).toBe('unknown');
    expect(reply.title).toBe('onebox: there is no table named "tmep"');
    expect(reply.text?.[0]).toBe('Available tables (2): stat, temp.');
    expect(reply.data).toEqual({ tables: ['stat', 'temp'] });
    expect(fake.calls.every((c) => c.method !== 'createTable' && c.method !== 'setMetaLevel')).toBe(true);
  });

  it('asks for the table name when it is missing, and rejects extra words', () => {
    const missing = parseLine(appCommand, 'app -d');
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.error.message).toContain('Which table?');
    const extra = parseLine(appCommand, 'app temp stat');
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.error.message).toContain('"stat" was not expected');
  });
});

describe('server_info', () => {
  it('lists every meta and ALIVE replica server with version, start time and uptime', async () => {
    const { ctx, fake } = viewContext();
    fake.makeUnalive(r(5));
    const reply = await runLine(serverInfoCommand, 'server_info', ctx);
    const rows = rowsOf(reply, 'details');
    expect(rows).toHaveLength(7);
    expect(rows[0]).toEqual({
      node: '127.0.0.1:34601',
      role: 'meta-server',
      version: '2.6.0',
      git_sha: 'abc1234',
      build_type: 'Release',
      start_time: '2025-12-01 10:00:00',
      uptime: '31d 2h',
    });
    expect(reply.status).toBe('ok');
    expect(reply.findings.map((f) => f.check)).toEqual(['versions', 'restarts']);
  });

  it('names the odd version, a recent restart and a server that did not answer', async () => {
    const fake = new FakePegasus({ nodeTimeoutMs: 20 });
    fake.setVersion(r(3), '2.5.0').restart(r(2), '2026-01-01 11:55:00').makeUnreachable(r(4));
    const { ctx } = viewContext(fake);
    const reply = await runLine(serverInfoCommand, 'server_info', ctx);
    expect(reply.findings.map((f) => [f.check, f.subject])).toEqual([
      ['versions', 'cluster'],
      ['restarts', r(2)],
      ['unreachable', r(4)],
    ]);
    expect(rowsOf(reply, 'details').at(-1)).toMatchObject({ node: r(4), uptime: 'no answer: connect ECONNREFUSED' });
    expect(fieldOf(reply, 'failed_count')).toBe('1');
  });

  it('filters by -t and rejects other types', async () => {
    const { ctx } = viewContext();
    const reply = await runLine(serverInfoCommand, 'server_info -t replica-server', ctx);
    expect(reply.command).toBe('server_info -t replica-server');
    expect(rowsOf(reply, 'details').every((row) => row['role'] === 'replica-server')).toBe(true);
    const bad = parseLine(serverInfoCommand, 'server_info -t collector');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toContain('-t takes all, meta-server or replica-server (got "collector")');
  });
});
