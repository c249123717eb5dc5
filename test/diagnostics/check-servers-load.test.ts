import { describe, expect, it } from 'vitest';
import { defaultThresholds } from '../../src/config/config.js';
import { checkConnectionsPerHost, checkSessions, sessionCounts } from '../../src/diagnostics/check-connections.js';
import {
  checkLoad,
  checkNodeDisk,
  checkNodeMemory,
  checkNodeP99,
  checkTableP99,
} from '../../src/diagnostics/check-load.js';
import { checkRestarts, checkVersions, parseServerTime } from '../../src/diagnostics/check-servers.js';
import { checkUnreachable, readFailureFinding } from '../../src/diagnostics/check-unreachable.js';
import type { LoadReport, NodeStats, ServerInfo, TableStats } from '../../src/pegasus/cluster-api.js';

const server = (address: string, version = '2.6.0', startTime = '2025-12-01 10:00:00'): ServerInfo => ({
  address,
  role: address.startsWith('m') ? 'meta' : 'replica',
  version,
  startTime,
});

const stats = (address: string, patch: Partial<NodeStats> = {}): NodeStats => ({
  address,
  residentMemMb: 4096,
  virtualMemMb: 8192,
  sessions: 100,
  diskTotalMb: 100_000,
  diskAvailMb: 50_000,
  replicas: { total: 12 },
  readQps: 100,
  writeQps: 50,
  readP99Ns: 2_000_000,
  writeP99Ns: 4_000_000,
  ...patch,
});

const tableStats = (name: string, patch: Partial<TableStats> = {}): TableStats => ({
  appId: 2,
  name,
  partitionCount: 8,
  qps: { get: 10 },
  readQps: 10,
  writeQps: 5,
  readP99Ns: 3_000_000,
  writeP99Ns: 6_000_000,
  sstMb: 100,
  sstFiles: 4,
  memtableMb: 8,
  ...patch,
});

const now = new Date('2026-01-01T12:00:00Z');

describe('checkVersions', () => {
  it('is ok when every server runs the same version', () => {
    const [f] = checkVersions([server('m1'), server('r1'), server('r2')]);
    expect(f).toMatchObject({ check: 'versions', severity: 'ok', summary: 'all 3 servers run 2.6.0' });
  });

  it('warns on mixed versions and names the odd servers', () => {
    const [f] = checkVersions([server('m1'), server('r1'), server('r2', '2.5.0'), server('r3')]);
    expect(f).toMatchObject({ severity: 'warn', subject: 'cluster' });
    expect(f?.summary).toBe('mixed versions: 3 servers run 2.6.0; r2 (replica) runs 2.5.0');
    expect(f?.evidence).toEqual({ '2.6.0': 'm1, r1, r3', '2.5.0': 'r2' });
  });
});

describe('checkRestarts', () => {
  it('parses the start time in the configured time zone', () => {
    expect(parseServerTime('2026-01-01 20:00:00', 'Asia/Shanghai')?.toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(parseServerTime('yesterday', 'UTC')).toBeUndefined();
    expect(parseServerTime('2026-01-01 20:00:00', 'Not/AZone')).toBeUndefined();
  });

  it('is ok when nobody restarted recently', () => {
    const [f] = checkRestarts([server('r1'), server('r2')], now, defaultThresholds(), 'UTC');
    expect(f).toMatchObject({ check: 'restarts', severity: 'ok', summary: 'no server restarted in the last 1h' });
  });

  it('warns about a server started within recentRestartMs, with where to look', () => {
    const findings = checkRestarts(
      [server('r1'), server('r2', '2.6.0', '2026-01-01 11:40:00')],
      now,
      defaultThresholds(),
      'UTC',
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'warn', subject: 'r2' });
    expect(findings[0]?.summary).toBe('replica server r2 started 20m ago (2026-01-01 11:40:00)');
    expect(findings[0]?.advice).toContain('dmesg');
    expect(findings[0]?.advice).toContain('core dump');
  });

  it('reads start times in the server time zone and follows recentRestartMs', () => {
    const list = [server('r1', '2.6.0', '2026-01-01 19:30:00')]; // 11:30 UTC when printed in Shanghai
    expect(checkRestarts(list, now, defaultThresholds(), 'Asia/Shanghai')[0]?.severity).toBe('warn');
    const short = { ...defaultThresholds(), recentRestartMs: 10 * 60_000 };
    expect(checkRestarts(list, now, short, 'Asia/Shanghai')[0]?.severity).toBe('ok');
    const utc = [server('r1', '2.6.0', '2026-01-01 11:30:00')];
    expect(checkRestarts(utc, now, defaultThresholds(), 'Asia/Shanghai')[0]?.severity).toBe('ok');
  });

  it('points at the time zone setting when a start time lies hours ahead', () => {
    const list = [server('r1', '2.6.0', '2026-01-01 19:30:00')];
    const f = checkRestarts(list, now, defaultThresholds(), 'UTC').find((x) => x.subject === 'r1');
    expect(f?.severity).toBe('info');
    expect(f?.summary).toContain('7h 30m in the future');
    expect(f?.advice).toContain('PEGASUS_TIMEZONE');
  });

  it('gives one finding, not one per server, when every start time is ahead', () => {
    const list = ['r1', 'r2', 'r3'].map((a) => server(a, '2.6.0', '2026-01-01 19:30:00'));
    const ahead = checkRestarts(list, now, defaultThresholds(), 'UTC').filter((f) => f.severity === 'info');
    expect(ahead).toHaveLength(1);
    expect(ahead[0]).toMatchObject({ subject: 'cluster', evidence: { servers: 3 } });
    expect(ahead[0]?.summary).toBe('3 servers report start times up to 7h 30m in the future (read as UTC): r1, r2, r3');
  });

  it('notes a start time it cannot read', () => {
    const [f] = checkRestarts([server('r1', '2.6.0', '?')], now, defaultThresholds(), 'UTC');
    expect(f).toMatchObject({ severity: 'info', subject: 'r1' });
  });
});

describe('load checks', () => {
  const t = defaultThresholds();

  it('are all ok on a quiet cluster', () => {
    const report: LoadReport = {
      intervalMs: 1000,
      nodes: [stats('r1'), stats('r2')],
      tables: [tableStats('a')],
      unreachable: [],
      bytesFetched: 0,
    };
    const findings = checkLoad(report, t);
    expect(findings.map((f) => [f.check, f.severity])).toEqual([
      ['node_memory', 'ok'],
      ['node_disk', 'ok'],
      ['node_p99', 'ok'],
      ['table_p99', 'ok'],
    ]);
  });

  it('grades memory against memoryMbWarn and memoryMbCrit', () => {
    const findings = checkNodeMemory(
      [stats('r1'), stats('r2', { residentMemMb: 25_000 }), stats('r3', { residentMemMb: 31_000 })],
      t,
    );
    expect(findings.map((f) => [f.subject, f.severity])).toEqual([
      ['r2', 'warn'],
      ['r3', 'crit'],
    ]);
    expect(findings[1]?.summary).toBe('r3 uses 31000 MB resident memory (crit at 30720 MB)');
    expect(checkNodeMemory([stats('r2', { residentMemMb: 25_000 })], { ...t, memoryMbWarn: 26_000 })[0]?.severity).toBe(
      'ok',
    );
  });

  it('grades free disk against diskFreePctWarn and diskFreePctCrit, in GB and percent', () => {
    const findings = checkNodeDisk(
      [
        stats('r1'),
        stats('r2', { diskAvailMb: 15_000 }),
        stats('r3', { diskAvailMb: 5_000 }),
        stats('r4', { diskTotalMb: 0 }),
      ],
      t,
    );
    expect(findings.map((f) => [f.subject, f.severity])).toEqual([
      ['r2', 'warn'],
      ['r3', 'crit'],
    ]);
    expect(findings[1]?.summary).toBe('r3 has 5.0% disk free (4.9 of 97.7 GB)');
    expect(findings[1]?.advice).toContain('compaction');
  });

  it('grades node P99 in ms against the read and write limits', () => {
    const [f] = checkNodeP99([stats('r1', { readP99Ns: 150_000_000 })], t);
    expect(f).toMatchObject({ check: 'node_p99', severity: 'warn', subject: 'r1' });
    expect(f?.summary).toBe('r1: read P99 150.00 ms > 100 ms');
    expect(f?.evidence).toMatchObject({ read_p99_ms: '150.00', write_p99_ms: '4.00', read_qps: '100' });
  });

  it('gives latency-sensitive tables their own P99 limits', () => {
    const tables = [tableStats('ads', { readP99Ns: 8_000_000 }), tableStats('logs', { readP99Ns: 8_000_000 })];
    const findings = checkTableP99(tables, t, [{ name: 'ads', readP99Ms: 5 }]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'table_p99', severity: 'warn', subject: 'ads' });
    expect(findings[0]?.summary).toBe('table ads (latency-sensitive): read P99 8.00 ms > 5 ms');
    expect(checkTableP99(tables, t, [])[0]?.severity).toBe('ok');
  });
});

describe('connection checks', () => {
  const t = defaultThresholds();

  it('counts sessions of replicas and of metas when the report has them', () => {
    const report: LoadReport = {
      intervalMs: 1000,
      nodes: [stats('r1', { sessions: 7 })],
      metas: [{ address: 'm1', residentMemMb: 1, virtualMemMb: 1, sessions: 3 }],
      tables: [],
      unreachable: [],
      bytesFetched: 0,
    };
    expect(sessionCounts(report)).toEqual([
      { address: 'm1', role: 'meta', sessions: 3 },
      { address: 'r1', role: 'replica', sessions: 7 },
    ]);
  });

  it('grades sessions against sessionsWarn and sessionsCrit', () => {
    const findings = checkSessions(
      [
        { address: 'm1', role: 'meta', sessions: 12_000 },
        { address: 'r1', role: 'replica', sessions: 6_000 },
        { address: 'r2', role: 'replica', sessions: 10 },
      ],
      t,
    );
    expect(findings.map((f) => [f.subject, f.severity])).toEqual([
      ['m1', 'crit'],
      ['r1', 'warn'],
    ]);
    expect(findings[0]?.summary).toBe('meta server m1 has 12000 sessions (crit at 10000)');
    expect(
      checkSessions([{ address: 'r1', role: 'replica', sessions: 6_000 }], { ...t, sessionsWarn: 7_000 })[0]?.severity,
    ).toBe('ok');
  });

  it('warns about a remote host holding too many connections to one server', () => {
    const findings = checkConnectionsPerHost(
      [
        { server: 'm1', remoteHost: '10.0.0.9', connections: 150 },
        { server: 'm1', remoteHost: '10.0.0.8', connections: 3 },
      ],
      t,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'connections_per_host', severity: 'warn', subject: 'm1' });
    expect(findings[0]?.summary).toContain('10.0.0.9 holds 150 connections');
  });
});

describe('checkUnreachable', () => {
  it('makes one finding per silent server, merging reasons and skipping those reported elsewhere', () => {
    const findings = checkUnreachable(
      [
        { address: 'r1', role: 'replica', reason: 'timeout after 5000 ms' },
        { address: 'r1', role: 'replica', reason: 'timeout after 5000 ms' },
        { address: 'r1', role: 'replica', reason: 'connection reset' },
        { address: 'm2', role: 'meta', reason: 'refused' },
      ],
      new Set(['m2']),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ check: 'unreachable', severity: 'warn', subject: 'r1' });
    expect(findings[0]?.summary).toBe('replica server r1 did not answer: timeout after 5000 ms; connection reset');
    expect(findings[0]?.advice).toContain('contact the machine provider');
  });

  it('describes a part of the view that could not be read', () => {
    const f = readFailureFinding('server_info', {
      code: 'TIMEOUT',
      message: 'server_info did not answer within 10 ms',
    });
    expect(f).toMatchObject({ check: 'unreachable', severity: 'warn', evidence: { code: 'TIMEOUT' } });
  });
});
