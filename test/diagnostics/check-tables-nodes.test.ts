import { describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../src/config/config.js';
import { checkNodes, checkNodesAlive, checkSkew } from '../../src/diagnostics/check-nodes.js';
import { checkTableCount, checkTableHealth, checkTables } from '../../src/diagnostics/check-tables.js';
import type { NodeInfo, TableInfo } from '../../src/pegasus/cluster-api.js';

const table = (name: string, health?: Partial<NonNullable<TableInfo['health']>>): TableInfo => ({
  appId: 2,
  name,
  status: 'AVAILABLE',
  appType: 'pegasus',
  partitionCount: 8,
  replicaCount: 3,
  isStateful: true,
  createTime: '2025-12-01 10:00:00.000',
  envsCount: 0,
  health: { fullyHealthy: 8, unhealthy: 0, writeUnhealthy: 0, readUnhealthy: 0, ...health },
});

const node = (i: number, replicas = 12, primaries = 4, status: NodeInfo['status'] = 'ALIVE'): NodeInfo => ({
  address: `r${i}:34801`,
  status,
  replicaCount: replicas,
  primaryCount: primaries,
  secondaryCount: replicas - primaries,
});

describe('checkTableCount', () => {
  it('is ok with the count when nothing is expected and nothing changed', () => {
    expect(checkTableCount({ tables: ['a', 'b'] })).toEqual([
      { check: 'table_count', severity: 'ok', subject: 'cluster', summary: '2 tables', evidence: { tables: 2 } },
    ]);
  });

  it('warns about tables missing from and added to the expected list', () => {
    const findings = checkTableCount({ tables: ['a', 'c'], expected: ['a', 'b'] });
    expect(findings.map((f) => [f.severity, f.summary])).toEqual([
      ['warn', '1 expected table missing: b'],
      ['warn', '1 table not on the expected list: c'],
    ]);
  });

  it('warns when tables disappeared since the last check, naming them', () => {
    const [f] = checkTableCount({ tables: ['a'], previous: { at: 'x', tableCount: 3, tables: ['a', 'b', 'c'] } });
    expect(f).toMatchObject({ severity: 'warn', summary: '1 table now, 3 at the last check (gone: b, c)' });
    expect(f?.advice).toContain('drop_expire');
  });

  it('notes new tables since the last check as info', () => {
    const [f] = checkTableCount({ tables: ['a', 'b'], previous: { at: 'x', tableCount: 1, tables: ['a'] } });
    expect(f).toMatchObject({ severity: 'info', summary: '2 tables now, 1 at the last check (new: b)' });
  });
});

describe('checkTableHealth', () => {
  it('is ok when every partition of every table is healthy', () => {
    const [f] = checkTableHealth([table('a'), table('b')]);
    expect(f).toMatchObject({ severity: 'ok', summary: 'all partitions of 2 tables are healthy' });
  });

  it('warns per table with partitions short of replicas', () => {
    const [f] = checkTableHealth([table('a'), table('b', { fullyHealthy: 6, unhealthy: 2 })]);
    expect(f).toMatchObject({ check: 'table_health', severity: 'warn', subject: 'b' });
    expect(f?.summary).toBe('table b: 2 of 8 partitions lack a full set of replicas');
    expect(f?.evidence).toMatchObject({ unhealthy: 2, write_unhealthy: 0, read_unhealthy: 0 });
    expect(f?.advice).toContain('nodes -d');
  });

  it('is critical for partitions that cannot serve reads or writes', () => {
    const [f] = checkTableHealth([table('a', { fullyHealthy: 5, unhealthy: 3, writeUnhealthy: 3, readUnhealthy: 1 })]);
    expect(f).toMatchObject({ severity: 'crit', subject: 'a' });
    expect(f?.summary).toBe('table a: 1 cannot serve reads, 3 cannot serve writes (of 8 partitions)');
  });

  it('says nothing when health was not listed (ls without -d)', () => {
    const { health: _h, ...bare } = table('a');
    expect(checkTableHealth([bare])).toEqual([]);
  });

  it('checkTables runs both checks', () => {
    expect(checkTables([table('a')]).map((f) => f.check)).toEqual(['table_count', 'table_health']);
  });
});

describe('checkNodesAlive', () => {
  it('is ok when every replica server is ALIVE', () => {
    const [f] = checkNodesAlive([node(1), node(2), node(3)], defaultThresholds());
    expect(f).toMatchObject({ severity: 'ok', summary: '3/3 replica servers ALIVE' });
  });

  it('is critical per UNALIVE node with the guide’s advice, without freezing below the ratio', () => {
    const nodes = [node(1), node(2), node(3), node(4), node(5, 0, 0, 'UNALIVE')];
    const findings = checkNodesAlive(nodes, defaultThresholds());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      severity: 'crit',
      subject: 'r5:34801',
      summary: 'replica server r5:34801 is UNALIVE',
    });
    expect(findings[0]?.advice).toContain('Out of memory: Killed process');
    expect(findings[0]?.advice).toContain('segfault at');
    expect(findings[0]?.advice).toContain('ulimit');
    expect(findings[0]?.action).toBeUndefined();
  });

  it('recommends freezing with an action once the UNALIVE share reaches unaliveFreezeRatio', () => {
    const nodes = [node(1), node(2), node(3, 0, 0, 'UNALIVE'), node(4, 0, 0, 'UNALIVE')];
    const findings = checkNodesAlive(nodes, defaultThresholds());
    const freeze = findings[0];
    expect(freeze).toMatchObject({ check: 'nodes_alive', severity: 'crit', subject: 'cluster' });
    expect(freeze?.action).toMatchObject({ kind: 'run', ref: 'set_meta_level freezed', style: 'danger' });
    expect(freeze?.evidence).toMatchObject({ unalive: 2, total: 4, ratio: '50.0%', 'freeze at': '30.0%' });
    expect(freeze?.advice).toContain('freezed');
    expect(findings).toHaveLength(3);
  });

  it('follows unaliveFreezeRatio from config', () => {
    const nodes = [node(1), node(2), node(3, 0, 0, 'UNALIVE'), node(4, 0, 0, 'UNALIVE')];
    const findings = checkNodesAlive(nodes, { ...defaultThresholds(), unaliveFreezeRatio: 0.6 });
    expect(findings.some((f) => f.action)).toBe(false);
  });

  it('offers no freeze action when the stored level is already freezed', () => {
    const nodes = [node(1), node(2, 0, 0, 'UNALIVE')];
    const [freeze] = checkNodesAlive(nodes, defaultThresholds(), 'freezed');
    expect(freeze?.summary).toContain('already freezed');
    expect(freeze?.action).toBeUndefined();
  });
});

describe('checkSkew', () => {
  it('is ok within skewRatio', () => {
    const [f] = checkSkew('replica', [node(1, 12), node(2, 13), node(3, 11)], defaultThresholds());
    expect(f).toMatchObject({ check: 'replica_skew', severity: 'ok' });
  });

  it('warns beyond skewRatio, names the nodes and attaches a rebalance plan', () => {
    const nodes = [node(1, 20), node(2, 10), node(3, 12)];
    const [f] = checkSkew('replica', nodes, defaultThresholds(), ['ads'], 4.2);
    expect(f).toMatchObject({ check: 'replica_skew', severity: 'warn', subject: 'cluster' });
    expect(f?.summary).toContain('r1:34801 has 20');
    expect(f?.summary).toContain('r2:34801 has 10');
    expect(f?.summary).not.toContain('r3:34801');
    expect(f?.evidence).toMatchObject({ mean: '14.0', max: 'r1:34801 = 20', min: 'r2:34801 = 10', stddev: '4.20' });
    expect(f?.action).toMatchObject({ kind: 'run', ref: 'rebalance plan' });
    expect(f?.advice).toContain('low-traffic window');
    expect(f?.advice).toContain('lively');
    expect(f?.advice).toContain('back to steady');
    expect(f?.advice).toContain('ads');
  });

  it('follows skewRatio from config', () => {
    const nodes = [node(1, 20), node(2, 10), node(3, 12)];
    const [f] = checkSkew('replica', nodes, { ...defaultThresholds(), skewRatio: 0.5 });
    expect(f?.severity).toBe('ok');
  });

  it('checks primaries separately and ignores UNALIVE nodes', () => {
    const nodes = [node(1, 12, 8), node(2, 12, 2), node(3, 12, 2), node(4, 0, 0, 'UNALIVE')];
    const findings = checkNodes({ nodes }, defaultThresholds());
    expect(findings.find((f) => f.check === 'replica_skew')?.severity).toBe('ok');
    const primary = findings.find((f) => f.check === 'primary_skew');
    expect(primary?.severity).toBe('warn');
    expect(primary?.advice).toMatch(/^Bring the UNALIVE replica servers back first/);
  });
});
