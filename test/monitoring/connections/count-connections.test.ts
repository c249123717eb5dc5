/**
 * The `ss` counter against real TCP connections on loopback and the machine's real `ss` (iproute2).
 */
import { execFileSync } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionsCommand } from '../../../src/commands/views/connections-command.js';
import { defaultThresholds, type ClusterConfig } from '../../../src/config/config.js';
import type { PegasusApi } from '../../../src/pegasus/cluster-api.js';
import {
  countConnectionsPerHost,
  createSsConnectionsCounter,
  execFileCommand,
  type RunCommand,
} from '../../../src/monitoring/connections/count-connections.js';
import { ok } from '../../../src/result.js';
import { FakePegasus } from '../../support/fake-pegasus.js';
import { rowsOf, runLine, viewContext } from '../../commands/views/view-context.js';

function hasSs(): boolean {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function canUseIpv6Loopback(): Promise<boolean> {
  return await new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => {
      resolve(false);
    });
    probe.listen(0, '::1', () =>
      probe.close(() => {
        resolve(true);
      }),
    );
  });
}

function connect(port: number, host: string, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host, ...(localAddress ? { localAddress } : {}) }, () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function cluster(connectionsCommand: string | undefined, warn = 100): ClusterConfig {
  return {
    name: 'onebox',
    metaServers: ['127.0.0.1:34601'],
    latencySensitiveTables: [],
    thresholds: { ...defaultThresholds(), connectionsPerHostWarn: warn },
    ...(connectionsCommand !== undefined ? { connectionsCommand } : {}),
  };
}

describe('counting connections per remote host with the real ss', () => {
  const server = net.createServer();
  const accepted: net.Socket[] = [];
  const clients: net.Socket[] = [];
  let port = 0;
  let ipv6 = false;

  beforeAll(async () => {
    if (!hasSs()) throw new Error('`ss` is missing: install iproute2 (apt-get install -y iproute2); .ci/run does');
    ipv6 = await canUseIpv6Loopback();
    server.on('connection', (s) => accepted.push(s));
    // Dual stack when IPv6 works, so IPv4 clients appear in the `[::ffff:a.b.c.d]` form ss prints.
    await new Promise<void>((resolve) => server.listen(0, ipv6 ? '::' : '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
    const opened: Promise<net.Socket>[] = [];
    for (let i = 0; i < 5; i++) opened.push(connect(port, '127.0.0.1'));
    for (let i = 0; i < 3; i++) opened.push(connect(port, '127.0.0.1', '127.0.0.2'));
    if (ipv6) for (let i = 0; i < 2; i++) opened.push(connect(port, '::1'));
    clients.push(...(await Promise.all(opened)));
    const expected = clients.length;
    while (accepted.length < expected) await new Promise((r) => setTimeout(r, 10));
  });

  afterAll(async () => {
    for (const s of [...clients, ...accepted]) s.destroy();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  });

  it('groups the established connections to the server port by remote host, busiest first', async () => {
    const server = `127.0.0.1:${port}`;
    const report = await countConnectionsPerHost({
      cluster: cluster('local'),
      servers: [{ address: server, role: 'meta' }],
    });
    expect(report.unavailable).toEqual([]);
    expect(report.counts).toEqual([
      { server, remoteHost: '127.0.0.1', connections: 5 },
      { server, remoteHost: '127.0.0.2', connections: 3 },
      ...(ipv6 ? [{ server, remoteHost: '::1', connections: 2 }] : []),
    ]);
  });

  it('counts only the requested roles (meta servers by default) and nothing for an idle port', async () => {
    const idle = net.createServer();
    await new Promise<void>((resolve) => idle.listen(0, '127.0.0.1', resolve));
    const idlePort = (idle.address() as net.AddressInfo).port;
    try {
      const servers = [
        { address: `127.0.0.1:${idlePort}`, role: 'meta' as const },
        { address: `127.0.0.1:${port}`, role: 'replica' as const },
      ];
      expect(await countConnectionsPerHost({ cluster: cluster('local'), servers })).toEqual({
        counts: [],
        unavailable: [],
      });
      const both = await countConnectionsPerHost(
        { cluster: cluster('local'), servers },
        { roles: ['meta', 'replica'] },
      );
      expect(both.counts.map((c) => c.connections)).toEqual(ipv6 ? [5, 3, 2] : [5, 3]);
    } finally {
      await new Promise<void>((resolve) =>
        idle.close(() => {
          resolve();
        }),
      );
    }
  });

  it('runs a per-host template with {host} and {port} put into its words (env runs the real ss)', async () => {
    const seen: string[][] = [];
    const run: RunCommand = async (command, options) => {
      seen.push([command.file, ...command.args]);
      return await execFileCommand(command, options);
    };
    const template = `env PEGASUS_HOST={host} ss -Htn state established "( sport = :{port} )"`;
    const report = await countConnectionsPerHost(
      { cluster: cluster(template), servers: [{ address: `localhost:${port}`, role: 'meta' }] },
      { run },
    );
    expect(seen).toEqual([
      ['env', 'PEGASUS_HOST=localhost', 'ss', '-Htn', 'state', 'established', `( sport = :${port} )`],
    ]);
    expect(report.counts[0]).toEqual({ server: `localhost:${port}`, remoteHost: '127.0.0.1', connections: 5 });
  });

  it('feeds the connections view: a table of remote hosts and a finding over the threshold', async () => {
    const fake = new FakePegasus();
    const address = `127.0.0.1:${port}`;
    // The fake's meta list, pointed at the real listening socket.
    const api = new Proxy(fake, {
      get: (target, key, receiver) =>
        key === 'metaServers' ? [address] : (Reflect.get(target, key, receiver) as unknown),
    }) as PegasusApi;
    const { ctx } = viewContext(fake, { connectionsCommand: 'local' });
    ctx.cluster = {
      ...ctx.cluster,
      api,
      config: { ...ctx.cluster.config, thresholds: cluster('local', 4).thresholds },
    };
    const reply = await runLine(connectionsCommand, 'connections', ctx);
    expect(rowsOf(reply, 'remote_hosts')[0]).toEqual({
      server: address,
      remote_host: '127.0.0.1',
      connections: '5',
      warn_at: '4',
    });
    const perHost = reply.findings.filter((f) => f.check === 'connections_per_host');
    expect(perHost).toHaveLength(1);
    expect(perHost[0]).toMatchObject({ severity: 'warn', subject: address, evidence: { connections: 5 } });
  });
});

describe('when connections cannot be listed', () => {
  it('reports a missing program, a failing command and a timeout per server, with the reason', async () => {
    const servers = [{ address: '127.0.0.1:34601', role: 'meta' as const }];
    const missing = await countConnectionsPerHost({
      cluster: cluster('pegasus-no-such-program-{port}'),
      servers,
    });
    expect(missing.unavailable).toEqual([
      { server: '127.0.0.1:34601', reason: '`pegasus-no-such-program-34601` is not installed here' },
    ]);
    const failing = await countConnectionsPerHost({ cluster: cluster('ls /nonexistent-{port}'), servers });
    expect(failing.unavailable[0]?.reason).toMatch(/^`ls` exited with code 2: ls: cannot access/);
    const slow = await countConnectionsPerHost({ cluster: cluster('sleep 5'), servers }, { timeoutMs: 100 });
    expect(slow.unavailable[0]?.reason).toBe('`sleep` did not finish within 100 ms');
  });

  it('never runs a command for a host that could inject words, and says why', async () => {
    const seen: string[] = [];
    const run: RunCommand = async (command) => {
      seen.push(command.args.join(' '));
      return ok('');
    };
    const report = await countConnectionsPerHost(
      {
        cluster: cluster('ssh {host} ss -Htn'),
        servers: [
          { address: '$(reboot):34601', role: 'meta' },
          { address: '-oProxyCommand=x:34601', role: 'meta' },
          { address: 'meta-1:34601', role: 'meta' },
        ],
      },
      { run },
    );
    expect(seen).toEqual(['meta-1 ss -Htn']);
    expect(report.unavailable.map((u) => u.server).sort()).toEqual(
      ['$(reboot):34601', '-oProxyCommand=x:34601'].sort(),
    );
    expect(report.unavailable[0]?.reason).toContain('plain host name or IP address');
  });

  it('in local mode, refuses servers on other hosts instead of counting this host for them', async () => {
    const run: RunCommand = async () => ok('0 0 10.0.0.1:34601 10.0.0.9:1000\n');
    const report = await countConnectionsPerHost(
      {
        cluster: cluster('local'),
        servers: [
          { address: '10.0.0.1:34601', role: 'meta' },
          { address: '10.0.0.2:34601', role: 'meta' },
        ],
      },
      { run, isLocalHost: (h) => h === '10.0.0.1' },
    );
    expect(report.counts).toEqual([{ server: '10.0.0.1:34601', remoteHost: '10.0.0.9', connections: 1 }]);
    expect(report.unavailable[0]?.reason).toContain('10.0.0.2 is not this host');
  });

  it('tells servers that share a port on this host apart by the local address, with one run', async () => {
    let runs = 0;
    const run: RunCommand = async () => {
      runs++;
      return ok('0 0 127.0.0.1:34601 10.0.0.9:1\n0 0 127.0.0.2:34601 10.0.0.8:2\n0 0 127.0.0.2:34601 10.0.0.8:3\n');
    };
    const report = await countConnectionsPerHost(
      {
        cluster: cluster('local'),
        servers: [
          { address: '127.0.0.1:34601', role: 'meta' },
          { address: '127.0.0.2:34601', role: 'meta' },
        ],
      },
      { run },
    );
    expect(runs).toBe(1);
    expect(report.counts).toEqual([
      { server: '127.0.0.2:34601', remoteHost: '10.0.0.8', connections: 2 },
      { server: '127.0.0.1:34601', remoteHost: '10.0.0.9', connections: 1 },
    ]);
  });

  it('the counter fails with CONNECTIONS_UNAVAILABLE carrying the counts it got; the view shows both', async () => {
    const run: RunCommand = async (command) =>
      command.args[0] === 'meta-2'
        ? { ok: false, error: { code: 'COMMAND_FAILED', message: 'ssh exited with code 255' } }
        : ok(`0 0 10.0.0.1:${command.args[1] ?? ''} 10.0.0.9:1\n`);
    const counter = createSsConnectionsCounter({ run });
    const result = await counter({
      cluster: cluster('ssh {host} {port}'),
      servers: [
        { address: 'meta-1:34601', role: 'meta' },
        { address: 'meta-2:34601', role: 'meta' },
      ],
    });
    expect(result).toMatchObject({
      ok: false,
      error: {
        code: 'CONNECTIONS_UNAVAILABLE',
        unavailable: [{ server: 'meta-2:34601', reason: 'ssh exited with code 255' }],
        counted: [{ server: 'meta-1:34601', remoteHost: '10.0.0.9', connections: 1 }],
      },
    });
  });

  it('the view: no counting without connectionsCommand; a finding per server that could not be listed', async () => {
    const plain = viewContext();
    const reply = await runLine(connectionsCommand, 'connections', plain.ctx);
    expect(reply.text).toContain(
      'Connections per remote host (the guide’s `ss`/`netstat` check) are not configured for this cluster.',
    );
    // The fake's meta servers are 127.0.0.1:3460x; a program that does not exist cannot list them.
    const broken = viewContext(new FakePegasus(), { connectionsCommand: 'pegasus-no-such-program' });
    const failed = await runLine(connectionsCommand, 'connections', broken.ctx);
    const unavailable = failed.findings.filter((f) => f.check === 'connections_unavailable');
    expect(unavailable.map((f) => f.subject)).toEqual(['127.0.0.1:34601', '127.0.0.1:34602', '127.0.0.1:34603']);
    expect(unavailable[0]?.summary).toBe(
      'could not count the connections of 127.0.0.1:34601: `pegasus-no-such-program` is not installed here',
    );
    expect(failed.tables?.map((t) => t.title)).toEqual(['sessions']);
  });
});
