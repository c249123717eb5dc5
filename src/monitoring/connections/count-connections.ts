/**
 * Connections per remote host, as the administration guide counts them with `netstat` on the meta servers:
 * established connections to each server's port, grouped by the remote host, busiest first. The list comes
 * from the real `ss` on this host (`connectionsCommand: "local"`) or from a configured command run per
 * server host (e.g. `ssh {host} …`). A server whose list cannot be read is reported with the reason; the
 * others are still counted.
 */
import { execFile } from 'node:child_process';
import { hostname, networkInterfaces } from 'node:os';
import pLimit from 'p-limit';
import type { ClusterConfig } from '../../config/config.js';
import type { ConnectionsPerHostCounter, RemoteHostConnections } from '../../diagnostics/check-connections.js';
import type { Finding } from '../../replies/reply.js';
import { fail, ok, type Failure, type Result } from '../../result.js';
import {
  connectionsCommandLine,
  isPerHostTemplate,
  parseServerAddress,
  type CommandLine,
} from './connections-command-line.js';
import { normaliseHost, parseSocketList, type SocketPair } from './parse-socket-list.js';

/** Runs a program without a shell and returns its standard output; expected failures are values. */
export type RunCommand = (command: CommandLine, options: { timeoutMs: number }) => Promise<Result<string>>;

/** A server whose connections could not be listed, and why. */
export interface UnavailableServer {
  server: string;
  reason: string;
}

/** What one count found: the counts of the servers that answered, and the servers that did not. */
export interface ConnectionsPerHostReport {
  counts: RemoteHostConnections[];
  unavailable: UnavailableServer[];
}

/** The failure the counter returns when some servers could not be counted; it still carries the other counts. */
export interface ConnectionsUnavailable extends Failure {
  code: 'CONNECTIONS_UNAVAILABLE';
  unavailable: UnavailableServer[];
  counted: RemoteHostConnections[];
}

/** Options of the `ss` counter. */
export interface SsCounterOptions {
  /** Runs the listing command (default: `execFile`, no shell). */
  run?: RunCommand;
  /** Per command (default 5000 ms). */
  timeoutMs?: number;
  /** Commands at once (default 8). */
  concurrency?: number;
  /** Which servers to count (default: the meta servers, as the guide does). */
  roles?: readonly ('meta' | 'replica')[];
  /** Whether a host is this machine, for the local mode (default: loopback, this host's addresses and name). */
  isLocalHost?: (host: string) => boolean;
}

/** The request the counter hook receives. */
export type CountRequest = Parameters<ConnectionsPerHostCounter>[0];

const maxOutputBytes = 64 * 1024 * 1024;

/** Runs a program with `execFile` (no shell), with a timeout; failures say what happened. */
export const execFileCommand: RunCommand = (command, { timeoutMs }) =>
  new Promise((resolve) => {
    execFile(
      command.file,
      command.args,
      { timeout: timeoutMs, maxBuffer: maxOutputBytes, encoding: 'utf8', windowsHide: true },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(ok(stdout));
          return;
        }
        const code: unknown = (error as { code?: unknown }).code;
        const firstLine = stderr.trim().split('\n')[0]?.trim() ?? '';
        if (code === 'ENOENT') {
          resolve(
            fail(
              'COMMAND_NOT_FOUND',
              `\`${command.file}\` is not installed here${command.file === 'ss' ? ' (Debian: apt-get install iproute2)' : ''}`,
            ),
          );
        } else if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          resolve(fail('COMMAND_FAILED', `\`${command.file}\` printed more than ${maxOutputBytes} bytes`));
        } else if (error.killed === true) {
          resolve(fail('COMMAND_TIMEOUT', `\`${command.file}\` did not finish within ${timeoutMs} ms`));
        } else if (error.signal) {
          resolve(fail('COMMAND_FAILED', `\`${command.file}\` was ended by ${error.signal}`));
        } else {
          const status = typeof code === 'number' ? `exited with code ${code}` : `failed (${error.message})`;
          resolve(fail('COMMAND_FAILED', `\`${command.file}\` ${status}${firstLine ? `: ${firstLine}` : ''}`));
        }
      },
    );
  });

/** Whether a host is this machine: loopback, one of its interface addresses, `localhost` or its host name. */
export function isThisHost(host: string): boolean {
  const h = normaliseHost(host);
  if (h === 'localhost' || h === '::1' || h.startsWith('127.')) return true;
  const name = hostname().toLowerCase();
  if (h === name || h === name.split('.')[0] || h.split('.')[0] === name) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((i) => normaliseHost(i.address) === h));
}

/** Counts pairs per remote host for one server, busiest first. */
function groupByRemote(server: string, pairs: readonly SocketPair[]): RemoteHostConnections[] {
  const byHost = new Map<string, number>();
  for (const p of pairs) byHost.set(p.peer.host, (byHost.get(p.peer.host) ?? 0) + 1);
  return [...byHost.entries()].map(([remoteHost, connections]) => ({ server, remoteHost, connections }));
}

/** Busiest first, then by server and remote host so the order is stable. */
export function sortConnections(counts: readonly RemoteHostConnections[]): RemoteHostConnections[] {
  return [...counts].sort(
    (a, b) =>
      b.connections - a.connections || a.server.localeCompare(b.server) || a.remoteHost.localeCompare(b.remoteHost),
  );
}

interface Target {
  server: string;
  host: string;
  port: number;
  command: CommandLine;
}

/**
 * Counts established connections per remote host on each server of the request that has a configured
 * `connectionsCommand`; servers that could not be listed are in `unavailable` with the reason.
 */
export async function countConnectionsPerHost(
  request: CountRequest,
  options: SsCounterOptions = {},
): Promise<ConnectionsPerHostReport> {
  const template = request.cluster.connectionsCommand?.trim();
  const roles = options.roles ?? ['meta'];
  const servers = request.servers.filter((s) => roles.includes(s.role));
  const unavailable: UnavailableServer[] = [];
  if (template === undefined || template === '') {
    return {
      counts: [],
      unavailable: servers.map((s) => ({
        server: s.address,
        reason: 'no connectionsCommand is configured for this cluster',
      })),
    };
  }
  const perHost = isPerHostTemplate(template);
  const isLocal = options.isLocalHost ?? isThisHost;
  const targets: Target[] = [];
  for (const s of servers) {
    const address = parseServerAddress(s.address);
    if (!address.ok) {
      unavailable.push({ server: s.address, reason: address.error.message });
      continue;
    }
    if (!perHost && !isLocal(address.value.host)) {
      unavailable.push({
        server: s.address,
        reason: `${address.value.host} is not this host; to count remote servers, set connectionsCommand to a command with {host}, e.g. ssh {host} …`,
      });
      continue;
    }
    const command = connectionsCommandLine(template, address.value.host, address.value.port);
    if (!command.ok) {
      unavailable.push({ server: s.address, reason: command.error.message });
      continue;
    }
    targets.push({ server: s.address, ...address.value, command: command.value });
  }

  // Servers on this host that share a port share one command (and one run); its rows are then told apart
  // by the local address the client connected to.
  const byCommand = new Map<string, Target[]>();
  for (const t of targets) {
    const key = JSON.stringify([t.command.file, ...t.command.args]);
    const group = byCommand.get(key);
    if (group) group.push(t);
    else byCommand.set(key, [t]);
  }
  const run = options.run ?? execFileCommand;
  const timeoutMs = options.timeoutMs ?? 5000;
  const limit = pLimit(options.concurrency ?? 8);
  const counts: RemoteHostConnections[] = [];
  await Promise.all(
    [...byCommand.values()].map((group) =>
      limit(async () => {
        const first = group[0];
        if (!first) return;
        const output = await run(first.command, { timeoutMs });
        if (!output.ok) {
          for (const t of group) unavailable.push({ server: t.server, reason: output.error.message });
          return;
        }
        const pairs = parseSocketList(output.value);
        for (const t of group) {
          const own = pairs.filter(
            (p) => p.local.port === t.port && (group.length === 1 || p.local.host === normaliseHost(t.host)),
          );
          counts.push(...groupByRemote(t.server, own));
        }
      }),
    ),
  );
  unavailable.sort((a, b) => a.server.localeCompare(b.server));
  return { counts: sortConnections(counts), unavailable };
}

/** Whether a counter failure carries the counts of the servers that did answer. */
export function isConnectionsUnavailable(failure: Failure): failure is ConnectionsUnavailable {
  return (
    failure.code === 'CONNECTIONS_UNAVAILABLE' && Array.isArray((failure as Partial<ConnectionsUnavailable>).counted)
  );
}

/**
 * The `connections` view's per-host counter backed by `ss`: every server counted gives `ok`; when some could
 * not be counted it fails with `CONNECTIONS_UNAVAILABLE`, carrying the reasons and the counts it did get.
 */
export function createSsConnectionsCounter(options: SsCounterOptions = {}): ConnectionsPerHostCounter {
  return async (request) => {
    const report = await countConnectionsPerHost(request, options);
    if (report.unavailable.length === 0) return ok(report.counts);
    const error: ConnectionsUnavailable = {
      code: 'CONNECTIONS_UNAVAILABLE',
      message: report.unavailable.map((u) => `${u.server}: ${u.reason}`).join('; '),
      unavailable: report.unavailable,
      counted: report.counts,
    };
    return { ok: false, error };
  };
}

/** `connections_unavailable`: one finding per server whose connections could not be listed. */
export function connectionsUnavailableFindings(unavailable: readonly UnavailableServer[]): Finding[] {
  return unavailable.map((u) => ({
    check: 'connections_unavailable',
    severity: 'warn',
    subject: u.server,
    summary: `could not count the connections of ${u.server}: ${u.reason}`,
    evidence: { reason: u.reason },
    advice:
      'Check connectionsCommand in the cluster config: `local` runs `ss` on the bot host; a command with {host} (e.g. `ssh -o BatchMode=yes {host} "ss -Htn state established \'( sport = :{port} )\'"`) runs on each server host and needs `ss` (iproute2) there and a key the bot may use.',
  }));
}

/** Whether the cluster asks for per-host counts (`connectionsCommand` set). */
export function countsConnections(cluster: ClusterConfig): boolean {
  return (cluster.connectionsCommand?.trim() ?? '') !== '';
}
