/**
 * Server checks (`server_info`): every server runs the same version (the odd ones named), and servers that
 * started recently (a restart nobody may have planned).
 */
import { TZDate } from '@date-fns/tz';
import type { Thresholds } from '../config/config.js';
import type { ServerInfo } from '../pegasus/cluster-api.js';
import type { Finding } from '../replies/reply.js';
import { processExitedAdvice, versionsAdvice } from './advice.js';
import { checkIds } from './check-ids.js';
import { formatAge, listForSentence, plural } from './format.js';

/** `versions`: all servers run the same version; the odd ones are named. */
export function checkVersions(servers: readonly ServerInfo[]): Finding[] {
  if (servers.length === 0) return [];
  const byVersion = new Map<string, ServerInfo[]>();
  for (const s of servers) {
    const list = byVersion.get(s.version);
    if (list) list.push(s);
    else byVersion.set(s.version, [s]);
  }
  // The most common version is the reference; ties go to the newest-looking one so an upgrade reads naturally.
  const ranked = [...byVersion.entries()].sort(
    (a, b) => b[1].length - a[1].length || b[0].localeCompare(a[0], 'en', { numeric: true }),
  );
  const [main, ...others] = ranked;
  if (!main) return [];
  if (others.length === 0) {
    return [
      {
        check: checkIds.versions,
        severity: 'ok',
        subject: 'cluster',
        summary: `all ${plural(servers.length, 'server')} run ${main[0]}`,
        evidence: { version: main[0], servers: servers.length },
      },
    ];
  }
  const odd = others.flatMap(([version, list]) => list.map((s) => `${s.address} (${s.role}) runs ${version}`));
  return [
    {
      check: checkIds.versions,
      severity: 'warn',
      subject: 'cluster',
      summary: `mixed versions: ${plural(main[1].length, 'server')} run ${main[0]}; ${listForSentence(odd, 4)}`,
      evidence: Object.fromEntries(ranked.map(([version, list]) => [version, list.map((s) => s.address).join(', ')])),
      advice: versionsAdvice,
    },
  ];
}

/** Parses a server start time (`YYYY-MM-DD HH:MM:SS`, server local time) in the given time zone. */
export function parseServerTime(text: string, timeZone: string): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new TZDate(y, mo - 1, d, h, mi, s, timeZone);
  const time = date.getTime();
  return Number.isNaN(time) ? undefined : new Date(time);
}

const futureToleranceMs = 5 * 60_000;

/** `restarts`: servers whose start time is less than `recentRestartMs` ago. */
export function checkRestarts(
  servers: readonly ServerInfo[],
  now: Date,
  thresholds: Thresholds,
  timeZone: string,
): Finding[] {
  const findings: Finding[] = [];
  const ahead: { server: ServerInfo; aheadMs: number }[] = [];
  let parsed = 0;
  for (const s of servers) {
    const started = parseServerTime(s.startTime, timeZone);
    if (!started) {
      findings.push({
        check: checkIds.restarts,
        severity: 'info',
        subject: s.address,
        summary: `${s.address} reports a start time that cannot be read: "${s.startTime}"`,
        evidence: { start_time: s.startTime },
      });
      continue;
    }
    parsed++;
    const uptime = now.getTime() - started.getTime();
    // A few minutes ahead is clock skew; hours ahead means the servers print another time zone.
    if (uptime < -futureToleranceMs) {
      ahead.push({ server: s, aheadMs: -uptime });
      continue;
    }
    if (uptime < thresholds.recentRestartMs) {
      findings.push({
        check: checkIds.restarts,
        severity: 'warn',
        subject: s.address,
        summary: `${s.role} server ${s.address} started ${formatAge(uptime)} ago (${s.startTime})`,
        evidence: {
          start_time: s.startTime,
          uptime: formatAge(uptime),
          'recent if under': formatAge(thresholds.recentRestartMs),
        },
        advice: `If nobody restarted it on purpose: ${processExitedAdvice}`,
      });
    }
  }
  // A wrong time zone puts every server ahead at once: one finding, not one per server.
  const first = ahead[0];
  if (first) {
    const most = Math.max(...ahead.map((a) => a.aheadMs));
    findings.push({
      check: checkIds.restarts,
      severity: 'info',
      subject: ahead.length === 1 ? first.server.address : 'cluster',
      summary:
        ahead.length === 1
          ? `${first.server.address} reports a start time ${formatAge(most)} in the future (${first.server.startTime} read as ${timeZone})`
          : `${ahead.length} servers report start times up to ${formatAge(most)} in the future (read as ${timeZone}): ${listForSentence(
              ahead.map((a) => a.server.address),
              4,
            )}`,
      evidence: { start_time: first.server.startTime, 'time zone': timeZone, servers: ahead.length },
      advice:
        'Set PEGASUS_TIMEZONE to the time zone the Pegasus servers print their times in, or fix the server clock.',
    });
  }
  if (parsed > 0 && !findings.some((f) => f.severity === 'warn')) {
    findings.unshift({
      check: checkIds.restarts,
      severity: 'ok',
      subject: 'cluster',
      summary: `no server restarted in the last ${formatAge(thresholds.recentRestartMs)}`,
      evidence: { servers: parsed },
    });
  }
  return findings;
}

/** Both server checks over `server_info`. */
export function checkServers(
  servers: readonly ServerInfo[],
  now: Date,
  thresholds: Thresholds,
  timeZone: string,
): Finding[] {
  return [...checkVersions(servers), ...checkRestarts(servers, now, thresholds, timeZone)];
}
