import { describe, expect, it } from 'vitest';
import { clusterInfoCommand } from '../../../src/commands/views/cluster-info-command.js';
import { getMetaLevelCommand } from '../../../src/commands/views/get-meta-level-command.js';
import { healthCommand } from '../../../src/commands/views/health-command.js';
import { viewCommands } from '../../../src/commands/views/index.js';
import { FakePegasus } from '../../support/fake-pegasus.js';
import { windowFor } from '../../diagnostics/memory-store.js';
import { fieldOf, parseLine, runLine, viewContext } from './view-context.js';

const r = (i: number) => `127.0.0.1:${34800 + i}`;

describe('viewCommands', () => {
  it('lists every view once, all read-only, each example parsing', () => {
    expect(viewCommands.map((s) => s.name)).toEqual([
      'health',
      'cluster_info',
      'get_meta_level',
      'ls',
      'app',
      'app_stat',
      'nodes',
      'server_info',
      'server_stat',
      'connections',
    ]);
    for (const spec of viewCommands) {
      for (const example of spec.examples ?? []) {
        const params = parseLine(spec, example.replace(/ --cluster \S+/, ''));
        expect(params.ok, `${spec.name}: ${example}`).toBe(true);
        if (params.ok) expect(spec.risk(params.value)).toBe('read');
      }
    }
  });

  it('rejects unknown flags with the accepted ones, and arguments where none are taken', () => {
    expect(parseLine(healthCommand, 'health -x')).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT', message: expect.stringContaining('Accepted flags: --chart') as unknown },
    });
    const extra = parseLine(getMetaLevelCommand, 'get_meta_level lively');
    expect(extra.ok).toBe(false);
    if (!extra.ok) expect(extra.error.message).toContain('takes no arguments, but got "lively"');
  });
});

describe('health', () => {
  it('runs every check through the spec', async () => {
    const { ctx, fake } = viewContext();
    fake.makeUnalive(r(2));
    const reply = await runLine(healthCommand, 'health', ctx);
    expect(reply.command).toBe('health');
    expect(reply.status).toBe('crit');
    expect(reply.title).toMatch(/^onebox: 1 critical — 4\/5 nodes alive, 2 tables, level steady$/);
  });
});

describe('cluster_info', () => {
  it('shows every key including cluster_name, with the cluster findings on top', async () => {
    const { ctx } = viewContext();
    const reply = await runLine(clusterInfoCommand, 'cluster_info', ctx);
    expect(reply.status).toBe('ok');
    expect(reply.fields?.map((f) => f.label)).toEqual([
      'cluster_name',
      'meta_servers',
      'primary_meta_server',
      'zookeeper_hosts',
      'zookeeper_root',
      'meta_function_level',
      'balance_operation_count',
      'primary_replica_count_stddev',
      'total_replica_count_stddev',
    ]);
    expect(fieldOf(reply, 'cluster_name')).toBe('onebox');
    expect(fieldOf(reply, 'meta_servers')).toBe('127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603');
    expect(fieldOf(reply, 'balance_operation_count')).toBe('copy_pri=0, copy_sec=0, move_pri=0, total=0');
    expect(fieldOf(reply, 'total_replica_count_stddev')).toBe('0.00');
    expect(reply.findings.map((f) => f.check)).toEqual(['meta_servers', 'meta_level', 'balance_pending']);
    expect(reply.title).toBe('onebox: leader 127.0.0.1:34601, level steady');
  });

  it('shows the effective and the stored level when freeze protection makes them differ', async () => {
    const { ctx, fake } = viewContext();
    fake.setStoredLevel('lively').makeUnalive(r(1)).makeUnalive(r(2));
    const reply = await runLine(clusterInfoCommand, 'cluster_info', ctx);
    expect(fieldOf(reply, 'meta_function_level')).toBe('freezed');
    expect(fieldOf(reply, 'stored_meta_function_level')).toBe('lively');
    expect(reply.status).toBe('crit');
    expect(reply.title).toContain('level freezed (stored lively)');
  });

  it('says when the client cannot read cluster_name', async () => {
    const { ctx } = viewContext(new FakePegasus({ clusterName: null }));
    const reply = await runLine(clusterInfoCommand, 'cluster_info', ctx);
    expect(fieldOf(reply, 'cluster_name')).toBe('-');
    expect(reply.text?.[0]).toContain('only available over RPC');
  });

  it('reports pending balance operations and lively outside a window', async () => {
    const { ctx, fake, store } = viewContext();
    fake.setStoredLevel('lively').setBalanceOperations({ copySec: 4 });
    const reply = await runLine(clusterInfoCommand, 'cluster_info', ctx);
    expect(reply.findings[0]).toMatchObject({ check: 'meta_level', severity: 'warn' });
    store.windows.push(windowFor('onebox', 'running'));
    const during = await runLine(clusterInfoCommand, 'cluster_info', ctx);
    expect(during.status).toBe('ok');
    expect(during.findings.find((f) => f.check === 'balance_pending')?.summary).toContain('rebalance in progress');
  });

  it('answers unknown with the servers tried when the cluster is unreachable', async () => {
    const { ctx, fake } = viewContext();
    fake.makeClusterUnreachable();
    const reply = await runLine(clusterInfoCommand, 'cluster_info', ctx);
    expect(reply.status).toBe('unknown');
    expect(reply.title).toBe('onebox: cluster unreachable — tried 127.0.0.1:34601, 127.0.0.1:34602, 127.0.0.1:34603');
    expect(reply.findings[0]).toMatchObject({ check: 'meta_servers', evidence: { code: 'CLUSTER_UNREACHABLE' } });
    expect(reply.text?.[1]).toContain('reachable from the bot');
  });
});

describe('get_meta_level', () => {
  it('prints the stored level as the shell does', async () => {
    const { ctx } = viewContext();
    const reply = await runLine(getMetaLevelCommand, 'get_meta_level', ctx);
    expect(reply.text).toEqual(['current meta level is fl_steady']);
    expect(reply.status).toBe('ok');
    expect(reply.title).toBe('onebox: level steady');
  });

  it('adds the effective level when it differs', async () => {
    const { ctx, fake } = viewContext();
    fake.setStoredLevel('lively').makeUnalive(r(1)).makeUnalive(r(2));
    const reply = await runLine(getMetaLevelCommand, 'get_meta_level', ctx);
    expect(reply.text).toEqual([
      'current meta level is fl_lively',
      'effective meta level is fl_freezed (cluster_info): freeze protection, too few replica servers are alive',
    ]);
    expect(reply.fields).toEqual([
      { label: 'stored', value: 'fl_lively' },
      { label: 'effective', value: 'fl_freezed' },
    ]);
    expect(reply.status).toBe('crit');
  });

  it('warns on lively outside a rebalance window', async () => {
    const { ctx, fake } = viewContext();
    fake.setStoredLevel('lively');
    const reply = await runLine(getMetaLevelCommand, 'get_meta_level', ctx);
    expect(reply.findings[0]).toMatchObject({ severity: 'warn', action: { ref: 'set_meta_level steady' } });
  });

  it('answers unknown when the level cannot be read', async () => {
    const { ctx, fake } = viewContext();
    fake.failWith('getMetaLevel', { code: 'RPC_ERROR', message: 'ERR_FORWARD_TO_OTHERS from 127.0.0.1:34602' });
    const reply = await runLine(getMetaLevelCommand, 'get_meta_level', ctx);
    expect(reply.status).toBe('unknown');
    expect(reply.title).toBe('onebox: could not read the meta level');
    expect(reply.text?.[0]).toContain('ERR_FORWARD_TO_OTHERS');
  });
});
