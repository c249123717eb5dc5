/**
 * Restarts seen between inspections: each server's start time as last read, and when it changed. A server
 * whose start time keeps changing is in a restart loop (a supervisor restarting a crashing process).
 */
import type { ServerInfo } from '../pegasus/cluster-api.js';

/** Per server address: the start time last read and the times (ISO) a change was seen, newest last. */
export type RestartHistory = Record<string, { startTime: string; changes: string[]; lastSeen: string }>;

/** The store key of a cluster's restart history. */
export function restartHistoryKey(cluster: string): string {
  return `inspect:restarts:${cluster}`;
}

/** Reads a stored history defensively (it may come from an older build). */
export function parseRestartHistory(raw: unknown): RestartHistory {
  if (typeof raw !== 'object' || raw === null) return {};
  const out: RestartHistory = {};
  for (const [address, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'object' || value === null) continue;
    const v = value as Record<string, unknown>;
    const startTime = v['startTime'];
    const lastSeen = v['lastSeen'];
    const changes = v['changes'];
    if (typeof startTime !== 'string' || typeof lastSeen !== 'string' || !Array.isArray(changes)) continue;
    out[address] = { startTime, lastSeen, changes: changes.filter((c): c is string => typeof c === 'string') };
  }
  return out;
}

/**
 * The history after reading `servers` at `now`: a changed start time is recorded as a restart; changes older
 * than `windowMs` and servers not seen for that long are forgotten.
 */
export function nextRestartHistory(
  previous: RestartHistory,
  servers: readonly ServerInfo[],
  now: Date,
  windowMs: number,
): RestartHistory {
  const cutoff = now.getTime() - windowMs;
  const next: RestartHistory = {};
  for (const [address, entry] of Object.entries(previous)) {
    if (Date.parse(entry.lastSeen) >= cutoff) next[address] = { ...entry, changes: [...entry.changes] };
  }
  for (const s of servers) {
    const entry = next[s.address];
    if (!entry) {
      next[s.address] = { startTime: s.startTime, changes: [], lastSeen: now.toISOString() };
      continue;
    }
    if (entry.startTime !== s.startTime) entry.changes.push(now.toISOString());
    entry.startTime = s.startTime;
    entry.lastSeen = now.toISOString();
  }
  for (const entry of Object.values(next)) {
    entry.changes = entry.changes.filter((c) => Date.parse(c) >= cutoff);
  }
  return next;
}
