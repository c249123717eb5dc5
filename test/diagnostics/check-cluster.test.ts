import { describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../src/config/config.js';
import {
  checkBalancePending,
  checkCluster,
  checkMetaLevel,
  checkMetaServers,
  type ClusterCheckInput,
} from '../../src/diagnostics/check-cluster.js';
import type { ClusterInfo, MetaServerStatus } from '../../src/pegasus/cluster-api.js';

const now = new Date('2026-01-01T12:00:00Z');

const metas = (): MetaServerStatus[] => [
  { address: 'm1:34601', reachable: true, isLeader: true },
  { address: 'm2:34601', reachable: true, isLeader: false },
  { address: 'm3:34601', reachable: true, isLeader: false },
];

const info = (patch: Partial<ClusterInfo> = {}): ClusterInfo => ({
  clusterName: 'prod',
  metaServers: ['m1:34601', 'm2:34601', 'm3:34601'],
  primaryMetaServer: 'm1:34601',
  zookeeperHosts: 'zk:2181',
  zookeeperRoot: '/pegasus/prod',
  metaFunctionLevel: 'steady',
  balanceOperations: { movePri: 0, copyPri: 0, copySec: 0, total: 0 },
  primaryReplicaCountStddev: 0,
  totalReplicaCountStddev: 0,
  ...patch,
});

const input = (patch: Partial<ClusterCheckInput> = {}): ClusterCheckInput => ({
  metas: metas(),
  info: info(),
  storedLevel: 'steady',
  rebalanceWindowOpen: false,
  now,
  ...patch,
});

describe('checkCluster', () => {
  it('reports a healthy cluster as all ok, one finding per check', () => {
    const findings = checkCluster(input(), defaultThresholds());
    expect(findings.map((f) => [f.check, f.severity])).toEqual([
      ['meta_servers', 'ok'],
      ['meta_level', 'ok'],
      ['balance_pending', 'ok'],
    ]);
    expect(findings[0]?.summary).toContain('3/3 meta servers answer, leader m1:34601');
  });
});

describe('checkMetaServers', () => {
  it('warns about a backup meta server that does not answer, naming it and the error', () => {
    const list = metas();
    list[2] = { address: 'm3:34601', reachable: false, isLeader: false, error: 'connect ECONNREFUSED' };
    const [f] = checkMetaServers(list);
    expect(f).toMatchObject({ check: 'meta_servers', severity: 'warn', subject: 'm3:34601' });
    expect(f?.summary).toContain('connect ECONNREFUSED');
    expect(f?.evidence).toMatchObject({ reachable: '2/3' });
    expect(f?.advice).toMatch(/dmesg/);
  });

  it('is critical when no meta server that answers is the leader', () => {
    const list = metas().map((m) => ({ ...m, isLeader: false }));
    const findings = checkMetaServers(list);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'crit', subject: 'cluster' });
    expect(findings[0]?.advice).toMatch(/ZooKeeper/);
  });

  it('is critical when two meta servers claim to lead', () => {
    const list = metas();
    list[1] = { address: 'm2:34601', reachable: true, isLeader: true };
    const findings = checkMetaServers(list);
    expect(findings.find((f) => f.severity === 'crit')?.summary).toContain('m1:34601, m2:34601');
  });

  it('notes a leader change since the last check and points at the meta level', () => {
    const findings = checkMetaServers(metas(), info(), { at: '2026-01-01T11:00:00Z', leader: 'm2:34601' }, now);
    const change = findings.find((f) => f.severity === 'info');
    expect(change?.summary).toContain('from m2:34601 to m1:34601');
    expect(change?.summary).toContain('1h ago');
    expect(change?.advice).toContain('get_meta_level');
    expect(findings.some((f) => f.severity === 'ok')).toBe(true);
  });

  it('lists meta servers the cluster knows but the bot is not configured with', () => {
    const findings = checkMetaServers(metas(), info({ metaServers: ['m1:34601', 'm2:34601', 'm3:34601', 'm4:34601'] }));
    expect(findings.find((f) => f.severity === 'info')?.summary).toContain('m4:34601');
  });
});

describe('checkMetaLevel', () => {
  it('warns on lively with no approved rebalance window and offers to set steady', () => {
    const [f] = checkMetaLevel(input({ info: info({ metaFunctionLevel: 'lively' }), storedLevel: 'lively' }));
    expect(f).toMatchObject({ check: 'meta_level', severity: 'warn', subject: 'cluster' });
    expect(f?.action).toMatchObject({ kind: 'run', ref: 'set_meta_level steady' });
    expect(f?.advice).toContain('steady');
  });

  it('accepts lively while a rebalance window runs', () => {
    const [f] = checkMetaLevel(
      input({ info: info({ metaFunctionLevel: 'lively' }), storedLevel: 'lively', rebalanceWindowOpen: true }),
    );
    expect(f?.severity).toBe('info');
  });

  it.each(['freezed', 'blind', 'stopped'] as const)('is critical at %s', (level) => {
    const [f] = checkMetaLevel(input({ info: info({ metaFunctionLevel: level }), storedLevel: level }));
    expect(f?.severity).toBe('crit');
    expect(f?.summary).toContain(level);
    expect(f?.advice).toMatch(/does not cure/);
  });

  it('shows effective and stored when freeze protection forced the level down', () => {
    const [f] = checkMetaLevel(input({ info: info({ metaFunctionLevel: 'freezed' }), storedLevel: 'lively' }));
    expect(f?.severity).toBe('crit');
    expect(f?.summary).toContain('freezed (effective; stored lively)');
    expect(f?.evidence).toEqual({ effective: 'fl_freezed', stored: 'fl_lively' });
    expect(f?.advice).toMatch(/min_live_node_count_for_unfreeze/);
  });

  it('reports a level change since the last check', () => {
    const findings = checkMetaLevel(input({ previous: { at: '2026-01-01T11:00:00Z', level: 'lively' } }));
    expect(findings.map((f) => f.severity)).toEqual(['ok', 'info']);
    expect(findings[1]?.summary).toBe('meta level changed from lively to steady since the last check');
  });

  it('warns when the level cannot be read at all', () => {
    const { info: _dropped, storedLevel: _s, ...rest } = input();
    const [f] = checkMetaLevel(rest);
    expect(f).toMatchObject({ severity: 'warn', summary: 'the meta level could not be read' });
  });
});

describe('checkBalancePending', () => {
  const ops = { movePri: 2, copyPri: 1, copySec: 3, total: 6 };

  it('only notes pending operations seen for the first time', () => {
    const [f] = checkBalancePending(input({ info: info({ balanceOperations: ops }) }), defaultThresholds());
    expect(f?.severity).toBe('info');
    expect(f?.evidence).toMatchObject({ move_pri: 2, copy_pri: 1, copy_sec: 3, total: 6 });
  });

  it('warns with a rebalance plan once operations stay pending past balancePendingMs', () => {
    const previous = { at: '2026-01-01T11:00:00Z', balancePendingSince: '2026-01-01T10:30:00Z' };
    const [f] = checkBalancePending(
      input({ info: info({ balanceOperations: ops }), previous, latencySensitiveTables: ['ads'] }),
      defaultThresholds(),
    );
    expect(f?.severity).toBe('warn');
    expect(f?.summary).toContain('pending for 1h 30m');
    expect(f?.action).toMatchObject({ kind: 'run', ref: 'rebalance plan' });
    expect(f?.advice).toContain('low-traffic window');
    expect(f?.advice).toContain('ads');
  });

  it('follows balancePendingMs from config', () => {
    const previous = { at: '2026-01-01T11:00:00Z', balancePendingSince: '2026-01-01T10:30:00Z' };
    const thresholds = { ...defaultThresholds(), balancePendingMs: 4 * 3_600_000 };
    const [f] = checkBalancePending(input({ info: info({ balanceOperations: ops }), previous }), thresholds);
    expect(f?.severity).toBe('info');
  });

  it('reports progress, not a problem, during a rebalance window', () => {
    const previous = { at: '2026-01-01T11:00:00Z', balancePendingSince: '2026-01-01T08:00:00Z' };
    const [f] = checkBalancePending(
      input({
        info: info({ balanceOperations: ops, metaFunctionLevel: 'lively' }),
        rebalanceWindowOpen: true,
        previous,
      }),
      defaultThresholds(),
    );
    expect(f?.severity).toBe('info');
    expect(f?.summary).toContain('rebalance in progress: 6 balance operations left');
  });

  it('explains total = -1', () => {
    const [f] = checkBalancePending(
      input({ info: info({ balanceOperations: { movePri: 0, copyPri: 0, copySec: 0, total: -1 } }) }),
      defaultThresholds(),
    );
    expect(f?.summary).toContain('-1');
  });
});
