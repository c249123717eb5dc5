/**
 * Connection checks: sessions per server (replica and meta) against the thresholds, and, when a counter is
 * configured, connections per remote host (the guide's `netstat`/`ss` check on the meta servers).
 */
import type { ClusterConfig, Thresholds } from '../config/config.js';
import type { LoadReport } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import type { Result } from '../result.js';
import { sessionsAdvice } from './advice.js';
import { checkIds } from './check-ids.js';
import { plural } from './format.js';

/** Sessions of one server (`network_server_sessions`). */
export interface SessionCount {
  address: string;
  role: 'meta' | 'replica';
  sessions: number;
}

/** The session counts of a load report: replicas, then metas when the client sampled them. */
export function sessionCounts(report: LoadReport): SessionCount[] {
  return [
    ...(report.metas ?? []).map((m) => ({ address: m.address, role: 'meta' as const, sessions: m.sessions })),
    ...report.nodes.map((n) => ({ address: n.address, role: 'replica' as const, sessions: n.sessions })),
  ];
}

/** `sessions`: sessions per server under `sessionsWarn` / `sessionsCrit`. */
export function checkSessions(servers: readonly SessionCount[], thresholds: Thresholds): Finding[] {
  const findings: Finding[] = [];
  for (const s of servers) {
    const severity =
      s.sessions >= thresholds.sessionsCrit ? 'crit' : s.sessions >= thresholds.sessionsWarn ? 'warn' : 'ok';
    if (severity === 'ok') continue;
    findings.push({
      check: checkIds.sessions,
      severity,
      subject: s.address,
      summary: `${s.role} server ${s.address} has ${s.sessions} sessions (${severity} at ${severity === 'crit' ? thresholds.sessionsCrit : thresholds.sessionsWarn})`,
      evidence: { sessions: s.sessions, warn: thresholds.sessionsWarn, crit: thresholds.sessionsCrit },
      advice: sessionsAdvice,
    });
  }
  if (findings.length === 0 && servers.length > 0) {
    const top = [...servers].sort((a, b) => b.sessions - a.sessions)[0];
    findings.push({
      check: checkIds.sessions,
      severity: 'ok',
      subject: 'cluster',
      summary: `sessions under ${thresholds.sessionsWarn} on ${plural(servers.length, 'server')}${top ? ` (max ${top.sessions} on ${top.address})` : ''}`,
    });
  }
  return findings;
}

/** Established connections from one remote host to one server. */
export interface RemoteHostConnections {
  /** The server counted (`host:port`). */
  server: string;
  /** The remote host (IP or name). */
  remoteHost: string;
  connections: number;
}

/**
 * The hook for per-remote-host connection counts (`ss` on the server hosts, per the cluster's
 * `connectionsCommand`). Not part of the Pegasus API: the implementation is injected into the
 * `connections` view (see `createConnectionsCommand`). Expected failures are `Result` failures.
 */
export type ConnectionsPerHostCounter = (request: {
  cluster: ClusterConfig;
  servers: readonly { address: string; role: 'meta' | 'replica' }[];
}) => Promise<Result<RemoteHostConnections[]>>;

/** `connections_per_host`: connections from one remote host to one server under `connectionsPerHostWarn`. */
export function checkConnectionsPerHost(counts: readonly RemoteHostConnections[], thresholds: Thresholds): Finding[] {
  const over = counts.filter((c) => c.connections >= thresholds.connectionsPerHostWarn);
  if (over.length === 0) {
    return counts.length === 0
      ? []
      : [
          {
            check: checkIds.connectionsPerHost,
            severity: 'ok',
            subject: 'cluster',
            summary: `no remote host holds ${thresholds.connectionsPerHostWarn} or more connections to one server`,
          },
        ];
  }
  return over.map((c) => ({
    check: checkIds.connectionsPerHost,
    severity: 'warn',
    subject: c.server,
    summary: `${c.remoteHost} holds ${c.connections} connections to ${c.server} (warn at ${thresholds.connectionsPerHostWarn})`,
    evidence: { remote_host: c.remoteHost, connections: c.connections, warn: thresholds.connectionsPerHostWarn },
    advice:
      'One client host holds too many connections: find the process on that host (`ss -tnp`) and check that it reuses its Pegasus client instead of creating one per request.',
  }));
}
