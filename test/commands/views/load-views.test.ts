import { describe, expect, it } from 'vitest';
import { appStatCommand } from '../../../src/commands/views/app-stat-command.js';
import { connectionsCommand, createConnectionsCommand } from '../../../src/commands/views/connections-command.js';
import { createViewCommands } from '../../../src/commands/views/index.js';
import { serverStatCommand } from '../../../src/commands/views/server-stat-command.js';
import type { ConnectionsPerHostCounter } from '../../../src/diagnostics/check-connections.js';
import { defaultThresholds } from '../../../src/config/config.js';
import { fail, ok } from '../../../src/result.js';
import { FakePegasus } from '../../support/fake-pegasus.js';
import { parseLine, rowsOf, runLine, tableOf, viewContext } from './view-context.js';

const r = (i: number) => `127.0.0.1:${34800 + i}`;

describe('server_stat', () => {
  it('shows memory, replicas, QPS, P99 in ms and disk in GB and percent per replica server', async () => {
    const { ctx, fake } = viewContext();
    fake.setNodeLoad(r(1), { readQps: 1234.567, readP99Ns: 2_345_678, diskAvailMb: 256_000, diskTotalMb: 1_024_000 });
    const reply = await runLine(serverStatCommand, 'server_stat', ctx);
    expect(reply.status).toBe('ok');
    expect(rowsOf(reply, 'replica-server')[0]).toEqual({
      node: r(1),
      res_mem_mb: '4096',
      virt_mem_mb: '8192',
      total_replicas: '9',
      primary_replicas: '3',
      secondary_replicas: '6',
      read_qps: '1234.57',
      write_qps: '50',
      read_p99_ms: '2.35',
      write_p99_ms: '5.00',
      disk_avail_gb: '250.0',
      disk_total_gb: '1000.0',
      disk_free: '25.0%',
    });
    expect(rowsOf(reply, 'meta-server')).toHaveLength(3);
    expect(reply.findings.map((f) => f.check)).toEqual(['node_memory', 'node_disk', 'node_p99']);
    expect(reply.title).toBe('onebox: 5 replica servers sampled over 1000 ms');
  });

  it('grades against the cluster thresholds and reports a node that did not answer', async () => {
    const fake = new FakePegasus({ nodeTimeoutMs: 20 });
    fake.setNodeLoad(r(2), { residentMemMb: 31_000 }).setNodeLoad(r(3), { diskAvailMb: 150_000 }).makeSlow(r(4), 5_000);
    const { ctx } = viewContext(fake);
    const reply = await runLine(serverStatCommand, 'server_stat -i 500', ctx);
    expect(reply.command).toBe('server_stat -i 500');
    expect(fake.calls.find((c) => c.method === 'load')?.args).toEqual([{ intervalMs: 500 }]);
    expect(reply.findings.map((f) => [f.check, f.severity, f.subject])).toEqual([
      ['node_memory', 'crit', r(2)],
      ['node_disk', 'warn', r(3)],
      ['unreachable', 'warn', r(4)],
      ['node_p99', 'ok', 'cluster'],
    ]);
    expect(reply.title).toBe(
      'onebox: 1 critical, 2 warnings — 4 replica servers sampled over 500 ms, 1 did not answer',
    );
  });

  it('rejects a bad sampling interval', () => {
    const parsed = parseLine(serverStatCommand, 'server_stat -i fast');
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message).toContain('from 100 to 60000 (got "fast")');
  });
});

describe('app_stat', () => {
  it('shows per-table QPS by operation with a total row that sums QPS and takes the worst P99', async () => {
    const { ctx, fake } = viewContext();
    fake.setTableLoad('stat', { qps: { get: 0.5, put: 1.25 }, readP99Ns: 9_000_000, sstMb: 2048 });
    const reply = await runLine(appStatCommand, 'app_stat', ctx);
    const table = tableOf(reply, 'app_stat');
    expect(table.columns).toEqual([
      'app_id',
      'app_name',
      'pcount',
      'GET',
      'MGET',
      'BGET',
      'PUT',
      'MPUT',
      'DEL',
      'MDEL',
      'INCR',
      'CAS',
      'CAM',
      'SCAN',
      'read_p99_ms',
      'write_p99_ms',
      'file_mb',
      'file_num',
      'mem_tbl_mb',
    ]);
    const rows = rowsOf(reply, 'app_stat');
    expect(rows[1]).toMatchObject({ app_name: 'stat', GET: '0.50', PUT: '1.25', read_p99_ms: '9.00', file_mb: '2048' });
    expect(rows[2]).toMatchObject({
      app_id: '(total:2)',
      pcount: '15',
      GET: '80.50',
      PUT: '41.25',
      read_p99_ms: '9.00',
      file_mb: '3072',
    });
    expect(reply.findings.map((f) => [f.check, f.severity])).toEqual([['table_p99', 'ok']]);
  });

  it('gives one table by partition with -a, totals taking the worst partition P99', async () => {
    const { ctx } = viewContext();
    const reply = await runLine(appStatCommand, 'app_stat -a temp', ctx);
    expect(reply.command).toBe('app_stat -a temp');
    expect(rowsOf(reply, 'table').map((row) => row['app_name'])).toEqual(['temp']);
    const parts = rowsOf(reply, 'partitions');
    expect(parts).toHaveLength(11);
    expect(parts[0]).toMatchObject({ pidx: '0', read_qps: '9.10', read_p99_ms: '3.00' });
    expect(parts.at(-1)).toMatchObject({ pidx: '(total:10)', read_qps: '91', read_p99_ms: '3.00', file_mb: '1024' });
  });

  it('answers an unknown table with the list of tables', async () => {
    const { ctx } = viewContext();
    const reply = await runLine(appStatCommand, 'app_stat -a nope', ctx);
    expect(reply.status).toBe('unknown');
    expect(reply.title).toBe('onebox: there is no table named "nope"');
    expect(reply.text?.[0]).toBe('Available tables (2): stat, temp.');
  });

  it('holds latency-sensitive tables to their own P99 limits', async () => {
    const { ctx, fake } = viewContext(new FakePegasus(), {
      latencySensitiveTables: [{ name: 'temp', readP99Ms: 2, writeP99Ms: 50 }],
    });
    fake.setTableLoad('stat', { readP99Ns: 20_000_000 });
    const reply = await runLine(appStatCommand, 'app_stat', ctx);
    expect(reply.findings).toHaveLength(1);
    expect(reply.findings[0]).toMatchObject({ check: 'table_p99', severity: 'warn', subject: 'temp' });
    expect(reply.findings[0]?.summary).toBe('table temp (latency-sensitive): read P99 3.00 ms > 2 ms');
  });

  it('needs a table name after -a', () => {
    const parsed = parseLine(appStatCommand, 'app_stat -a');
    expect(parsed.ok).toBe(false);
  });
});

describe('connections', () => {
  it('shows sessions per meta and replica server against the thresholds', async () => {
    const { ctx, fake } = viewContext(new FakePegasus(), {
      thresholds: { ...defaultThresholds(), sessionsWarn: 100, sessionsCrit: 1000 },
    });
    fake.setMetaLoad('127.0.0.1:34601', { sessions: 1500 });
    const reply = await runLine(connectionsCommand, 'connections', ctx);
    const rows = rowsOf(reply, 'sessions');
    expect(rows).toHaveLength(8);
    expect(rows[0]).toEqual({
      server: '127.0.0.1:34601',
      role: 'meta-server',
      sessions: '1500',
      warn_at: '100',
      crit_at: '1000',
      state: 'crit',
    });
    expect(rows[3]).toMatchObject({ role: 'replica-server', sessions: '120', state: 'warn' });
    expect(reply.findings.filter((f) => f.severity === 'warn')).toHaveLength(5);
    expect(reply.findings[0]).toMatchObject({ check: 'sessions', severity: 'crit', subject: '127.0.0.1:34601' });
    expect(reply.text).toEqual([
      'Connections per remote host (the guide’s `ss`/`netstat` check) are not configured for this cluster.',
    ]);
  });

  it('says when the client does not report meta server sessions', async () => {
    const { ctx } = viewContext(new FakePegasus({ reportMetaStats: false }));
    const reply = await runLine(connectionsCommand, 'connections', ctx);
    expect(rowsOf(reply, 'sessions')).toHaveLength(5);
    expect(reply.text?.[0]).toBe('Meta server sessions: not reported by this cluster client.');
  });

  it('adds per-remote-host counts from an injected counter, busiest first', async () => {
    const seen: string[] = [];
    const counter: ConnectionsPerHostCounter = async ({ servers }) => {
      seen.push(...servers.map((s) => `${s.role}:${s.address}`));
      return ok([
        { server: '127.0.0.1:34601', remoteHost: '10.0.0.8', connections: 4 },
        { server: '127.0.0.1:34601', remoteHost: '10.0.0.9', connections: 180 },
      ]);
    };
    const { ctx, fake } = viewContext();
    fake.makeUnalive(r(5));
    const spec = createConnectionsCommand({ countPerHost: counter });
    const reply = await runLine(spec, 'connections', ctx);
    expect(seen).toContain('meta:127.0.0.1:34601');
    expect(seen).toContain(`replica:${r(1)}`);
    expect(seen).not.toContain(`replica:${r(5)}`);
    expect(rowsOf(reply, 'remote_hosts')[0]).toEqual({
      server: '127.0.0.1:34601',
      remote_host: '10.0.0.9',
      connections: '180',
      warn_at: '100',
    });
    expect(reply.findings[0]).toMatchObject({ check: 'connections_per_host', severity: 'warn' });
  });

  it('reports a failing counter as a finding and still shows the sessions', async () => {
    const counter: ConnectionsPerHostCounter = async () => fail('COMMAND_FAILED', 'ss exited with code 1');
    const { ctx } = viewContext();
    const reply = await runLine(createConnectionsCommand({ countPerHost: counter }), 'connections', ctx);
    expect(reply.findings[0]?.summary).toBe('could not read connections per remote host: ss exited with code 1');
    expect(rowsOf(reply, 'sessions')).toHaveLength(8);
  });

  it('can be wired with a counter through createViewCommands', () => {
    const counter: ConnectionsPerHostCounter = async () => ok([]);
    const specs = createViewCommands({ connections: { countPerHost: counter } });
    expect(specs.map((s) => s.name)).toContain('connections');
    expect(specs.find((s) => s.name === 'connections')).not.toBe(connectionsCommand);
  });
});
