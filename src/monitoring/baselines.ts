/**
 * Load history and baselines per table and per node. Each inspection keeps one minute sample per table and
 * node (read/write QPS, read/write P99); completed hours are rolled up (mean QPS, median P99 — percentiles
 * are never averaged). A baseline is the median of the same hour on previous days when there is one, else a
 * moving average of the last hour of minute samples. Retention is bounded: minute samples for a few hours,
 * hourly roll-ups for eight days.
 */
import type { LoadReport } from '../pegasus/cluster-api.js';
import type { MetricSample, Store } from '../store/store.js';

const minuteMs = 60_000;
const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** How long each resolution is kept. */
export const sampleRetention = { minuteMs: 3 * hourMs, hourMs: 8 * dayMs } as const;

/** Days looked back for the same hour. */
export const sameHourDays = 7;
/** Minute samples an hourly roll-up needs to count as a baseline. */
export const minSamplesPerHour = 10;
/** Minute samples the moving average needs. */
export const minMovingSamples = 5;
/** The moving average's window. */
export const movingWindowMs = hourMs;

/** The metrics a baseline covers. */
export type BaselineMetric = 'readQps' | 'writeQps' | 'readP99Ms' | 'writeP99Ms';

/** What a table or node usually does at this time. */
export interface Baseline {
  readQps: number;
  writeQps: number;
  readP99Ms: number;
  writeP99Ms: number;
  method: 'same hour' | 'moving average';
  /** Days (same hour) or minute samples (moving average) behind it. */
  basis: number;
}

/** The start of the minute / hour containing `at`. */
export function floorTo(at: Date, unitMs: number): Date {
  return new Date(Math.floor(at.getTime() / unitMs) * unitMs);
}

/** The key of a table or node in baseline maps. */
export function subjectKey(scope: MetricSample['scope'], subject: string): string {
  return `${scope}\u0000${subject}`;
}

/** One minute sample per table and node of a load report. */
export function samplesFromLoad(cluster: string, load: LoadReport, at: Date): MetricSample[] {
  const minute = floorTo(at, minuteMs);
  const ms = (ns: number) => ns / 1_000_000;
  const of = (
    scope: MetricSample['scope'],
    subject: string,
    s: (typeof load.nodes)[number] | (typeof load.tables)[number],
  ) => ({
    cluster,
    scope,
    subject,
    resolution: 'minute' as const,
    at: minute,
    readQps: s.readQps,
    writeQps: s.writeQps,
    readP99Ms: ms(s.readP99Ns),
    writeP99Ms: ms(s.writeP99Ns),
    count: 1,
  });
  return [...load.tables.map((t) => of('table', t.name, t)), ...load.nodes.map((n) => of('node', n.address, n))];
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function bySubject(samples: readonly MetricSample[]): Map<string, MetricSample[]> {
  const map = new Map<string, MetricSample[]>();
  for (const s of samples) {
    const key = subjectKey(s.scope, s.subject);
    const list = map.get(key);
    if (list) list.push(s);
    else map.set(key, [s]);
  }
  return map;
}

/** Rolls the minute samples of one hour up into one hourly sample per table and node. */
export function rollUpHour(minutes: readonly MetricSample[], hour: Date): MetricSample[] {
  return [...bySubject(minutes).values()].flatMap((list) => {
    const first = list[0];
    if (!first) return [];
    return [
      {
        cluster: first.cluster,
        scope: first.scope,
        subject: first.subject,
        resolution: 'hour' as const,
        at: hour,
        readQps: mean(list.map((s) => s.readQps)),
        writeQps: mean(list.map((s) => s.writeQps)),
        readP99Ms: median(list.map((s) => s.readP99Ms)),
        writeP99Ms: median(list.map((s) => s.writeP99Ms)),
        count: list.reduce((n, s) => n + s.count, 0),
      },
    ];
  });
}

/** The bucket times of the same hour on the previous `days` days. */
export function sameHourTimes(now: Date, days = sameHourDays): Date[] {
  const hour = floorTo(now, hourMs).getTime();
  return Array.from({ length: days }, (_, i) => new Date(hour - (i + 1) * dayMs));
}

/**
 * Baselines per table and node from the same hour of previous days (hourly roll-ups) or, failing that, the
 * moving average of recent minute samples (those before the current minute).
 */
export function computeBaselines(
  sameHour: readonly MetricSample[],
  recentMinutes: readonly MetricSample[],
  now: Date,
): Map<string, Baseline> {
  const baselines = new Map<string, Baseline>();
  const currentMinute = floorTo(now, minuteMs).getTime();
  const windowStart = now.getTime() - movingWindowMs;
  for (const [key, list] of bySubject(recentMinutes)) {
    const usable = list.filter((s) => s.at.getTime() < currentMinute && s.at.getTime() >= windowStart);
    if (usable.length < minMovingSamples) continue;
    baselines.set(key, {
      readQps: mean(usable.map((s) => s.readQps)),
      writeQps: mean(usable.map((s) => s.writeQps)),
      readP99Ms: median(usable.map((s) => s.readP99Ms)),
      writeP99Ms: median(usable.map((s) => s.writeP99Ms)),
      method: 'moving average',
      basis: usable.length,
    });
  }
  // The same hour of earlier days knows the daily rhythm, so it wins over the moving average.
  for (const [key, list] of bySubject(sameHour)) {
    const usable = list.filter((s) => s.count >= minSamplesPerHour);
    if (usable.length === 0) continue;
    baselines.set(key, {
      readQps: median(usable.map((s) => s.readQps)),
      writeQps: median(usable.map((s) => s.writeQps)),
      readP99Ms: median(usable.map((s) => s.readP99Ms)),
      writeP99Ms: median(usable.map((s) => s.writeP99Ms)),
      method: 'same hour',
      basis: usable.length,
    });
  }
  return baselines;
}

/** The store key remembering the last hour rolled up for a cluster. */
export function rollupStateKey(cluster: string): string {
  return `inspect:rollup:${cluster}`;
}

/**
 * Reads the baselines for `now` from the store (before this inspection's samples are written, so the current
 * load is compared with what came before it).
 */
export async function loadBaselines(store: Store, cluster: string, now: Date): Promise<Map<string, Baseline>> {
  const [sameHour, recent] = await Promise.all([
    store.listMetricSamples({ cluster, resolution: 'hour', at: sameHourTimes(now) }),
    store.listMetricSamples({ cluster, resolution: 'minute', since: new Date(now.getTime() - movingWindowMs) }),
  ]);
  return computeBaselines(sameHour, recent, now);
}

/**
 * Writes this inspection's minute samples, rolls up every completed hour not rolled up yet (at most the
 * retention of minute samples), and prunes what is past retention.
 */
export async function recordSamples(
  store: Store,
  cluster: string,
  samples: readonly MetricSample[],
  now: Date,
): Promise<void> {
  await store.putMetricSamples(samples);
  const currentHour = floorTo(now, hourMs).getTime();
  const last = await store.getState<string>(rollupStateKey(cluster));
  const oldest = currentHour - sampleRetention.minuteMs;
  let hour = Math.max(last ? Date.parse(last) + hourMs : currentHour - hourMs, oldest);
  let rolled: number | undefined;
  for (; hour < currentHour; hour += hourMs) {
    const minutes = await store.listMetricSamples({
      cluster,
      resolution: 'minute',
      since: new Date(hour),
      until: new Date(hour + hourMs),
    });
    if (minutes.length > 0) await store.putMetricSamples(rollUpHour(minutes, new Date(hour)));
    rolled = hour;
  }
  if (rolled !== undefined) {
    await store.setState(rollupStateKey(cluster), new Date(rolled).toISOString());
    await store.pruneMetricSamples('minute', new Date(now.getTime() - sampleRetention.minuteMs));
    await store.pruneMetricSamples('hour', new Date(now.getTime() - sampleRetention.hourMs));
  }
}
