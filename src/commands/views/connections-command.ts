/**
 * `connections [-i ms]`: client sessions per server (replica servers, and meta servers when the client samples
 * them) against the session thresholds. Per-remote-host counts (the guide's `ss`/`netstat` check) come from an
 * injected `ConnectionsPerHostCounter`, by default `ss` as the cluster's `connectionsCommand` says
 * (src/monitoring/connections); a cluster without one gets a note that they are not configured.
 */
import {
  checkConnectionsPerHost,
  checkSessions,
  sessionCounts,
  type ConnectionsPerHostCounter,
  type RemoteHostConnections,
} from '../../diagnostics/check-connections.js';
import { checkUnreachable, readFailureFinding } from '../../diagnostics/check-unreachable.js';
import { plural } from '../../diagnostics/format.js';
import {
  connectionsUnavailableFindings,
  countsConnections,
  createSsConnectionsCounter,
  isConnectionsUnavailable,
} from '../../monitoring/connections/count-connections.js';
import type { Finding, ReplyTable } from '../../replies/reply.js';
import type { Result } from '../../result.js';
import type { CommandSpec } from '../command-spec.js';
import { commandLine, failureReply, parseIntervalOnly, viewReply } from './view-support.js';

const usage = 'connections [-i <ms>]';

/** Parameters of `connections`. */
export interface ConnectionsParams {
  intervalMs?: number;
}

/** How to build the `connections` command. */
export interface ConnectionsCommandOptions {
  /** Counts connections per remote host on the server hosts; default: `ss` per the cluster's `connectionsCommand`. */
  countPerHost?: ConnectionsPerHostCounter;
  /** Rows of the per-host table, busiest first (default 20). */
  topHosts?: number;
  /** Use the counter only for clusters that set `connectionsCommand` (default: true for the `ss` counter). */
  onlyWhenConfigured?: boolean;
}

function severityOf(sessions: number, warn: number, crit: number): string {
  return sessions >= crit ? 'crit' : sessions >= warn ? 'warn' : 'ok';
}

/** Builds the `connections` command, with the per-remote-host counter when one is configured. */
export function createConnectionsCommand(options: ConnectionsCommandOptions = {}): CommandSpec<ConnectionsParams> {
  const topHosts = options.topHosts ?? 20;
  const countPerHost = options.countPerHost ?? createSsConnectionsCounter();
  const onlyWhenConfigured = options.onlyWhenConfigured ?? options.countPerHost === undefined;
  return {
    name: 'connections',
    summary: 'Client sessions per server against the thresholds (and per remote host when configured)',
    usage,
    examples: ['connections'],
    group: 'nodes',
    valueFlags: ['i'],
    risk: () => 'read',
    parse: (args) => parseIntervalOnly(args, usage),
    async run(ctx, params) {
      const command = commandLine('connections', params.intervalMs !== undefined && `-i ${params.intervalMs}`);
      const api = ctx.cluster.api;
      const counter = onlyWhenConfigured && !countsConnections(ctx.cluster.config) ? undefined : countPerHost;
      // The per-host count runs beside the load sample: it only needs the server list.
      const perHost: Promise<Result<RemoteHostConnections[]> | undefined> = counter
        ? api.listNodes().then((nodes) =>
            nodes.ok
              ? counter({
                  cluster: ctx.cluster.config,
                  servers: [
                    ...api.metaServers.map((address) => ({ address, role: 'meta' as const })),
                    ...nodes.value
                      .filter((n) => n.status === 'ALIVE')
                      .map((n) => ({ address: n.address, role: 'replica' as const })),
                  ],
                })
              : nodes,
          )
        : Promise.resolve(undefined);
      const [load, hosts] = await Promise.all([
        api.load(params.intervalMs !== undefined ? { intervalMs: params.intervalMs } : {}),
        perHost,
      ]);
      if (!load.ok) return failureReply(ctx, command, 'the load sample', load.error);
      const t = ctx.cluster.config.thresholds;
      const servers = sessionCounts(load.value);
      const findings: Finding[] = [...checkSessions(servers, t), ...checkUnreachable(load.value.unreachable)];
      const tables: ReplyTable[] = [
        {
          title: 'sessions',
          columns: ['server', 'role', 'sessions', 'warn_at', 'crit_at', 'state'],
          rows: servers.map((s) => [
            s.address,
            s.role === 'meta' ? 'meta-server' : 'replica-server',
            String(s.sessions),
            String(t.sessionsWarn),
            String(t.sessionsCrit),
            severityOf(s.sessions, t.sessionsWarn, t.sessionsCrit),
          ]),
        },
      ];
      const text: string[] = [];
      if (!load.value.metas) text.push('Meta server sessions: not reported by this cluster client.');
      if (!hosts) {
        text.push(
          'Connections per remote host (the guide’s `ss`/`netstat` check) are not configured for this cluster.',
        );
      } else {
        // Servers that could not be listed are findings of their own; the others are still shown.
        let counted: RemoteHostConnections[] = [];
        if (hosts.ok) counted = hosts.value;
        else if (isConnectionsUnavailable(hosts.error)) {
          findings.push(...connectionsUnavailableFindings(hosts.error.unavailable));
          counted = hosts.error.counted;
        } else findings.push(readFailureFinding('connections per remote host', hosts.error));
        findings.push(...checkConnectionsPerHost(counted, t));
        const busiest = [...counted].sort((a, b) => b.connections - a.connections).slice(0, topHosts);
        if (hosts.ok || counted.length > 0) {
          tables.push({
            title: 'remote_hosts',
            columns: ['server', 'remote_host', 'connections', 'warn_at'],
            rows: busiest.map((h) => [h.server, h.remoteHost, String(h.connections), String(t.connectionsPerHostWarn)]),
          });
        }
        if (counted.length > busiest.length) {
          text.push(`Showing the ${busiest.length} busiest of ${counted.length} server/remote-host pairs.`);
        }
      }
      const total = servers.reduce((sum, s) => sum + s.sessions, 0);
      return viewReply(ctx, command, {
        findings,
        facts: `${total} sessions on ${plural(servers.length, 'server')}`,
        tables,
        ...(text.length > 0 ? { text } : {}),
      });
    },
  };
}

/** The `connections` command: per-host counts with `ss` for clusters that set `connectionsCommand`. */
export const connectionsCommand = createConnectionsCommand();
