/**
 * The series of a trend chart from the load history the inspection loop keeps in the store (one sample a
 * minute per table and node, hourly roll-ups for days): read/write QPS and read/write P99, for one table or
 * node, or for the whole cluster (QPS summed over the tables, which count primaries only; P99 of the worst
 * table, since percentiles are never averaged). Also the chart as a reply attachment, for `health --chart`
 * and alert threads.
 */
import type { Reply, ReplyAttachment } from '../../replies/reply.js';
import type { MetricSample, Store } from '../../store/store.js';
import { sampleRetention } from '../baselines.js';
import { renderTrendChart, type TrendSeries } from './render-trend-chart.js';

/** Which history to draw. */
export interface TrendQuery {
  cluster: string;
  /** A table or a node; absent: the whole cluster (all tables). */
  scope?: MetricSample['scope'];
  /** Table name or node `host:port` (with `scope`). */
  subject?: string;
  since: Date;
  until: Date;
  /** Default: minute samples when they still cover `since`, else hourly roll-ups. */
  resolution?: MetricSample['resolution'];
}

/** The resolution whose retention covers the period. */
export function resolutionFor(since: Date, until: Date): MetricSample['resolution'] {
  return until.getTime() - since.getTime() <= sampleRetention.minuteMs ? 'minute' : 'hour';
}

/** Read/write QPS and P99 series from samples; several subjects at one time are summed (QPS) or maxed (P99). */
export function trendSeriesFromSamples(samples: readonly MetricSample[]): TrendSeries[] {
  const byTime = new Map<number, { readQps: number; writeQps: number; readP99Ms: number; writeP99Ms: number }>();
  for (const s of samples) {
    const t = s.at.getTime();
    const acc = byTime.get(t);
    if (!acc) {
      byTime.set(t, { readQps: s.readQps, writeQps: s.writeQps, readP99Ms: s.readP99Ms, writeP99Ms: s.writeP99Ms });
    } else {
      acc.readQps += s.readQps;
      acc.writeQps += s.writeQps;
      acc.readP99Ms = Math.max(acc.readP99Ms, s.readP99Ms);
      acc.writeP99Ms = Math.max(acc.writeP99Ms, s.writeP99Ms);
    }
  }
  const rows = [...byTime.entries()].sort((x, y) => x[0] - y[0]);
  type Row = (typeof rows)[number][1];
  const series = (name: string, unit: string, pick: (row: Row) => number): TrendSeries => ({
    name,
    unit,
    points: rows.map(([t, row]) => ({ t, v: pick(row) })),
  });
  return [
    series('read', 'QPS', (v) => v.readQps),
    series('write', 'QPS', (v) => v.writeQps),
    series('read P99', 'ms', (v) => v.readP99Ms),
    series('write P99', 'ms', (v) => v.writeP99Ms),
  ];
}

/** Loads the QPS and P99 series of a table, a node or the whole cluster from the store. */
export async function loadTrendSeries(store: Store, query: TrendQuery): Promise<TrendSeries[]> {
  const samples = await store.listMetricSamples({
    cluster: query.cluster,
    resolution: query.resolution ?? resolutionFor(query.since, query.until),
    scope: query.scope ?? 'table',
    ...(query.subject !== undefined ? { subject: query.subject } : {}),
    since: query.since,
    until: query.until,
  });
  return trendSeriesFromSamples(samples);
}

/** Options of a chart attachment. */
export interface TrendChartOptions extends TrendQuery {
  title: string;
  subtitle?: string;
  /** Time zone of the time axis (the bot's `PEGASUS_TIMEZONE`). */
  timeZone?: string;
}

/** A file name that every platform accepts. */
function fileName(parts: readonly string[]): string {
  return `${parts.map((p) => p.replace(/[^A-Za-z0-9_.-]+/g, '_')).join('-')}.png`;
}

/** The trend chart as a PNG attachment; undefined when the store has fewer than two samples in the period. */
export async function trendChartAttachment(
  store: Store,
  options: TrendChartOptions,
): Promise<ReplyAttachment | undefined> {
  const series = await loadTrendSeries(store, options);
  if ((series[0]?.points.length ?? 0) < 2) return undefined;
  const data = renderTrendChart({
    title: options.title,
    series,
    from: options.since,
    to: options.until,
    ...(options.subtitle !== undefined ? { subtitle: options.subtitle } : {}),
    ...(options.timeZone !== undefined ? { timeZone: options.timeZone } : {}),
  });
  return {
    filename: fileName(['trend', options.cluster, ...(options.subject !== undefined ? [options.subject] : [])]),
    contentType: 'image/png',
    data,
  };
}

/** What `withTrendChart` needs; a `CommandContext` fits. */
export interface TrendChartDeps {
  store: Store;
  clock: { now(): Date };
  config: { timezone: string };
  cluster: { name: string };
}

/** Hours of history `health --chart` draws (what the minute samples cover). */
export const healthChartHours = sampleRetention.minuteMs / 3_600_000;

/**
 * Adds the cluster's QPS and P99 chart of the last hours to a reply (`health --chart`), or a note saying why
 * there is none. A store that cannot be read is a note too: the health answer stands without its picture.
 */
export async function withTrendChart(reply: Reply, deps: TrendChartDeps, hours = healthChartHours): Promise<Reply> {
  const until = deps.clock.now();
  const since = new Date(until.getTime() - hours * 3_600_000);
  const cluster = deps.cluster.name;
  let attachment: ReplyAttachment | undefined;
  try {
    attachment = await trendChartAttachment(deps.store, {
      cluster,
      since,
      until,
      title: `${cluster}: QPS and P99, last ${hours} hours`,
      subtitle: 'all tables: QPS summed over primaries, P99 of the worst table',
      timeZone: deps.config.timezone,
    });
  } catch (err) {
    return {
      ...reply,
      text: [
        ...(reply.text ?? []),
        `No trend chart: the load history could not be read (${err instanceof Error ? err.message : String(err)}). The checks above are complete; try --chart again later.`,
      ],
    };
  }
  if (!attachment) {
    return {
      ...reply,
      text: [
        ...(reply.text ?? []),
        `No trend chart: there is no load history for ${cluster} in the last ${hours} hours yet. The inspection loop keeps one sample a minute; try --chart again after it has run a few times.`,
      ],
    };
  }
  return { ...reply, attachments: [...(reply.attachments ?? []), attachment] };
}

/** What `alertTrendChart` needs to know about an alert. */
export interface AlertChartRequest {
  cluster: string;
  /** The alert's subject: a table, a node `host:port`, `<table> read|write`, or `cluster`. */
  subject?: string;
  now: Date;
  /** Hours of history (default: what the minute samples cover). */
  hours?: number;
  timeZone?: string;
}

/**
 * The trend chart for an alert thread: the table or node the alert is about when the load history has it
 * (a trailing `read` / `write` of the subject is ignored), else the whole cluster; undefined without history.
 */
export async function alertTrendChart(store: Store, request: AlertChartRequest): Promise<ReplyAttachment | undefined> {
  const hours = request.hours ?? healthChartHours;
  const until = request.now;
  const since = new Date(until.getTime() - hours * 3_600_000);
  const base = { cluster: request.cluster, since, until, ...(request.timeZone ? { timeZone: request.timeZone } : {}) };
  const subject = request.subject?.replace(/ (read|write)$/, '');
  if (subject !== undefined && subject !== 'cluster') {
    for (const scope of ['table', 'node'] as const) {
      const chart = await trendChartAttachment(store, {
        ...base,
        scope,
        subject,
        title: `${request.cluster} ${scope} ${subject}: QPS and P99, last ${hours} hours`,
      });
      if (chart) return chart;
    }
  }
  return await trendChartAttachment(store, {
    ...base,
    title: `${request.cluster}: QPS and P99, last ${hours} hours`,
    subtitle: 'all tables: QPS summed over primaries, P99 of the worst table',
  });
}
