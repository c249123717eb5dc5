/**
 * `server_info [-t all|meta-server|replica-server]`: version, build and start time of every meta server and
 * every ALIVE replica server; findings on mixed versions, recent restarts and servers that did not answer.
 */
import { checkRestarts, checkVersions, parseServerTime } from '../../diagnostics/check-servers.js';
import { checkUnreachable } from '../../diagnostics/check-unreachable.js';
import { formatAge, plural } from '../../diagnostics/format.js';
import { fail, ok } from '../../result.js';
import type { CommandSpec } from '../command-spec.js';
import { badInputCode, checkArgs, commandLine, failureReply, valueFlag, viewReply } from './view-support.js';

const usage = 'server_info [-t all|meta-server|replica-server]';

const types = ['all', 'meta-server', 'replica-server'] as const;

/** Which servers `-t` selects. */
export type ServerType = (typeof types)[number];

/** Parameters of `server_info`. */
export interface ServerInfoParams {
  type: ServerType;
}

/** The `server_info` command. */
export const serverInfoCommand: CommandSpec<ServerInfoParams> = {
  name: 'server_info',
  summary: 'Version, build and start time of every server; mixed versions and recent restarts',
  usage,
  examples: ['server_info', 'server_info -t replica-server'],
  group: 'nodes',
  valueFlags: ['t'],
  risk: () => 'read',
  parse(args) {
    const checked = checkArgs(args, { flags: ['t'], usage });
    if (!checked.ok) return checked;
    const t = valueFlag(args, 't', 'a server type: all, meta-server or replica-server', usage);
    if (!t.ok) return t;
    const type = (t.value ?? 'all') as ServerType;
    if (!types.includes(type)) {
      return fail(
        badInputCode,
        `-t takes all, meta-server or replica-server (got "${t.value ?? ''}"). Usage: ${usage}`,
      );
    }
    return ok({ type });
  },
  async run(ctx, params) {
    const command = commandLine('server_info', params.type !== 'all' && `-t ${params.type}`);
    const answer = await ctx.cluster.api.serverInfo();
    if (!answer.ok) return failureReply(ctx, command, 'server_info', answer.error);
    const wanted = (role: 'meta' | 'replica') =>
      params.type === 'all' || (params.type === 'meta-server' ? role === 'meta' : role === 'replica');
    const servers = answer.value.results.filter((s) => wanted(s.role));
    const silent = answer.value.unreachable.filter((u) => wanted(u.role));
    const now = ctx.clock.now();
    const tz = ctx.config.timezone;
    const findings = [
      ...checkVersions(servers),
      ...checkRestarts(servers, now, ctx.cluster.config.thresholds, tz),
      ...checkUnreachable(silent),
    ];
    const rows = servers.map((s) => {
      const started = parseServerTime(s.startTime, tz);
      return [
        s.address,
        s.role === 'meta' ? 'meta-server' : 'replica-server',
        s.version,
        s.gitSha ?? '-',
        s.buildType ?? '-',
        s.startTime,
        started ? formatAge(now.getTime() - started.getTime()) : '-',
      ];
    });
    for (const u of silent) {
      rows.push([
        u.address,
        u.role === 'meta' ? 'meta-server' : 'replica-server',
        '-',
        '-',
        '-',
        '-',
        `no answer: ${u.reason}`,
      ]);
    }
    return viewReply(ctx, command, {
      findings,
      facts: `${plural(servers.length, 'server')} answered${silent.length > 0 ? `, ${silent.length} did not` : ''}`,
      tables: [
        {
          title: 'details',
          columns: ['node', 'role', 'version', 'git_sha', 'build_type', 'start_time', 'uptime'],
          rows,
        },
      ],
      fields: [
        { label: 'succeed_count', value: String(servers.length) },
        { label: 'failed_count', value: String(silent.length) },
      ],
    });
  },
};
