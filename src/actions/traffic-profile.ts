/**
 * The traffic the bot has seen per local hour of day, and the rebalance window it suggests from it. The
 * window scheduler samples each cluster's total QPS now and then (`recordTraffic`; the inspection loop may
 * call it too) into a 24-bucket moving average kept in the store. `proposeWindow` picks the consecutive
 * hours of the next day with the least traffic; with too little history it falls back to the configured
 * default window and says so.
 */
import type { DailyWindow } from '../config/config.js';
import type { Store } from '../store/store.js';
import { atLocalTime, effectiveTimeZone, localHour, nextLocalMidnight } from './window-time.js';

/** Average QPS per local hour of day (index 0..23; null where nothing was recorded). */
export interface TrafficProfile {
  timezone: string;
  hours: (number | null)[];
  samples: number[];
  /** ISO time of the last sample. */
  updatedAt: string;
}

/** The default window when nothing is configured: 02:00 for two hours. */
export const fallbackDailyWindow: DailyWindow = { startHour: 2, startMinute: 0, durationMs: 2 * 3_600_000 };

/** Hours of the day that must have history before it is trusted over the default window. */
export const minKnownHours = 18;

/** How much a new sample moves an hour's average (recent days weigh more). */
const smoothing = 0.3;

/** The store key of a cluster's traffic profile. */
export function trafficStateKey(cluster: string): string {
  return `traffic:${cluster}`;
}

function emptyProfile(timezone: string, at: Date): TrafficProfile {
  return {
    timezone,
    hours: Array.from({ length: 24 }, () => null),
    samples: Array.from({ length: 24 }, () => 0),
    updatedAt: at.toISOString(),
  };
}

function isProfile(value: unknown): value is TrafficProfile {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['timezone'] === 'string' &&
    typeof v['updatedAt'] === 'string' &&
    Array.isArray(v['hours']) &&
    v['hours'].length === 24 &&
    v['hours'].every((h) => h === null || typeof h === 'number') &&
    Array.isArray(v['samples']) &&
    v['samples'].length === 24 &&
    v['samples'].every((s) => typeof s === 'number')
  );
}

/** Reads a cluster's traffic profile; undefined when none (or an unreadable one) is stored. */
export async function readTrafficProfile(store: Store, cluster: string): Promise<TrafficProfile | undefined> {
  const raw = await store.getState(trafficStateKey(cluster));
  return isProfile(raw) ? raw : undefined;
}

/** Adds one sample of a cluster's total QPS (reads + writes of all tables) at `at` to its profile. */
export async function recordTraffic(
  store: Store,
  cluster: string,
  at: Date,
  qps: number,
  timezone: string,
): Promise<TrafficProfile> {
  const tz = effectiveTimeZone(timezone);
  const stored = await readTrafficProfile(store, cluster);
  // Buckets of another zone are other hours: start over rather than mix them.
  const profile = stored?.timezone === tz ? stored : emptyProfile(tz, at);
  const hour = localHour(at, tz);
  const previous = profile.hours[hour] ?? null;
  const hours = [...profile.hours];
  const samples = [...profile.samples];
  hours[hour] = previous === null ? qps : previous + smoothing * (qps - previous);
  samples[hour] = (samples[hour] ?? 0) + 1;
  const next: TrafficProfile = { timezone: tz, hours, samples, updatedAt: at.toISOString() };
  await store.setState(trafficStateKey(cluster), next);
  return next;
}

/** A suggested window. */
export interface WindowProposal {
  start: Date;
  end: Date;
  source: 'history' | 'default';
  /** Average QPS over the proposed hours and over the whole day (history only). */
  windowQps?: number;
  dayQps?: number;
  /** Why the default was used, when it was. */
  reason?: string;
}

/**
 * Proposes a window on the next local day: the `durationMs`-long run of whole hours with the lowest average
 * recorded QPS, or the default window when fewer than `minKnownHours` hours have history.
 */
export function proposeWindow(
  profile: TrafficProfile | undefined,
  now: Date,
  durationMs: number,
  timezone: string,
  fallback: DailyWindow = fallbackDailyWindow,
): WindowProposal {
  const tz = effectiveTimeZone(timezone);
  const midnight = nextLocalMidnight(now, tz);
  const useDefault = (reason: string): WindowProposal => {
    const start = atLocalTime(midnight, fallback.startHour, fallback.startMinute, tz);
    return { start, end: new Date(start.getTime() + durationMs), source: 'default', reason };
  };
  if (!profile) return useDefault('the bot has not recorded any traffic for this cluster yet');
  if (profile.timezone !== tz) {
    return useDefault(`the recorded traffic is bucketed in ${profile.timezone}, not ${tz}`);
  }
  const known = profile.hours.filter((h) => h !== null).length;
  if (known < minKnownHours) {
    return useDefault(`the bot has traffic for only ${known} of 24 hours of the day (needs ${minKnownHours})`);
  }
  const span = Math.max(1, Math.ceil(durationMs / 3_600_000));
  const values = profile.hours.filter((h): h is number => h !== null);
  const dayQps = values.reduce((a, b) => a + b, 0) / values.length;
  let best: { hour: number; qps: number } | undefined;
  for (let hour = 0; hour < 24; hour++) {
    let sum = 0;
    let complete = true;
    for (let k = 0; k < span; k++) {
      const v = profile.hours[(hour + k) % 24];
      if (v === null || v === undefined) {
        complete = false;
        break;
      }
      sum += v;
    }
    if (!complete) continue;
    const avg = sum / span;
    if (!best || avg < best.qps) best = { hour, qps: avg };
  }
  if (!best) return useDefault(`no run of ${span} recorded hours in a row`);
  const start = atLocalTime(midnight, best.hour, 0, tz);
  return { start, end: new Date(start.getTime() + durationMs), source: 'history', windowQps: best.qps, dayQps };
}
