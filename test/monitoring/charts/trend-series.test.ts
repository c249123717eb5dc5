/**
 * Trend series from the real SQLite store's load history, the chart attachment, and `health --chart`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { healthCommand } from '../../../src/commands/views/health-command.js';
import {
  alertTrendChart,
  loadTrendSeries,
  resolutionFor,
  trendChartAttachment,
  trendSeriesFromSamples,
  withTrendChart,
} from '../../../src/monitoring/charts/trend-series.js';
import { messageReply } from '../../../src/replies/reply.js';
import type { MetricSample } from '../../../src/store/store.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import { parseLine, runLine, viewContext } from '../../commands/views/view-context.js';

const now = new Date('2026-01-01T12:00:00Z');
const minute = 60_000;

function sample(
  subject: string,
  minutesAgo: number,
  v: { r: number; w: number; rp: number; wp: number },
  extra: Partial<MetricSample> = {},
): MetricSample {
  return {
    cluster: 'onebox',
    scope: 'table',
    subject,
    resolution: 'minute',
    at: new Date(now.getTime() - minutesAgo * minute),
    readQps: v.r,
    writeQps: v.w,
    readP99Ms: v.rp,
    writeP99Ms: v.wp,
    count: 1,
    ...extra,
  };
}

describe('trendSeriesFromSamples', () => {
  it('sums QPS over tables per time and keeps the worst P99, in time order', () => {
    const series = trendSeriesFromSamples([
      sample('b', 1, { r: 5, w: 1, rp: 30, wp: 2 }),
      sample('a', 2, { r: 10, w: 2, rp: 3, wp: 4 }),
      sample('a', 1, { r: 20, w: 4, rp: 6, wp: 8 }),
    ]);
    expect(series.map((s) => [s.name, s.unit, s.points.map((p) => p.v)])).toEqual([
      ['read', 'QPS', [10, 25]],
      ['write', 'QPS', [2, 5]],
      ['read P99', 'ms', [3, 30]],
      ['write P99', 'ms', [4, 8]],
    ]);
    expect(series[0]?.points.map((p) => p.t)).toEqual([now.getTime() - 2 * minute, now.getTime() - minute]);
  });

  it('chooses minute samples while they cover the period, hourly roll-ups beyond', () => {
    expect(resolutionFor(new Date(now.getTime() - 3 * 3_600_000), now)).toBe('minute');
    expect(resolutionFor(new Date(now.getTime() - 24 * 3_600_000), now)).toBe('hour');
  });
});

describe('trend series from the SQLite store', () => {
  let store: SqliteStore;

  beforeEach(async () => {
    store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
  });

  async function fillHistory(minutes: number): Promise<void> {
    const samples: MetricSample[] = [];
    for (let m = minutes; m >= 1; m--) {
      samples.push(sample('usertable', m, { r: 1000 + m, w: 100, rp: 5, wp: 9 }));
      samples.push(sample('orders', m, { r: 500, w: 50, rp: m === 3 ? 80 : 4, wp: 7 }));
      // Node samples count the same requests again (and secondaries): never in the cluster sum.
      samples.push(sample('127.0.0.1:34801', m, { r: 99_999, w: 1, rp: 1, wp: 1 }, { scope: 'node' }));
      samples.push(sample('usertable', m, { r: 7, w: 7, rp: 7, wp: 7 }, { cluster: 'other' }));
    }
    // Older than the window: left out.
    samples.push(sample('usertable', 500, { r: 1, w: 1, rp: 1, wp: 1 }));
    await store.putMetricSamples(samples);
  }

  it('draws the cluster from its table samples only, within the period', async () => {
    await fillHistory(10);
    const series = await loadTrendSeries(store, {
      cluster: 'onebox',
      since: new Date(now.getTime() - 3 * 3_600_000),
      until: now,
    });
    const read = series.find((s) => s.name === 'read');
    expect(read?.points).toHaveLength(10);
    expect(read?.points.at(-1)?.v).toBe(1501);
    expect(series.find((s) => s.name === 'read P99')?.points.map((p) => p.v)).toEqual([5, 5, 5, 5, 5, 5, 5, 80, 5, 5]);
  });

  it('draws one table or node when asked', async () => {
    await fillHistory(5);
    const range = { cluster: 'onebox', since: new Date(now.getTime() - 3_600_000), until: now };
    const node = await loadTrendSeries(store, { ...range, scope: 'node', subject: '127.0.0.1:34801' });
    expect(node[0]?.points.map((p) => p.v)).toEqual([99_999, 99_999, 99_999, 99_999, 99_999]);
    const table = await loadTrendSeries(store, { ...range, scope: 'table', subject: 'orders' });
    expect(table[0]?.points.every((p) => p.v === 500)).toBe(true);
  });

  it('attaches a PNG named after the cluster and subject, or nothing without history', async () => {
    const range = { cluster: 'onebox', since: new Date(now.getTime() - 3_600_000), until: now, title: 't' };
    expect(await trendChartAttachment(store, range)).toBeUndefined();
    await fillHistory(30);
    const chart = await trendChartAttachment(store, { ...range, scope: 'node', subject: '127.0.0.1:34801' });
    expect(chart?.filename).toBe('trend-onebox-127.0.0.1_34801.png');
    expect(chart?.contentType).toBe('image/png');
    expect([...(chart?.data.slice(1, 4) ?? [])]).toEqual([0x50, 0x4e, 0x47]);
  });

  it('alertTrendChart draws the alert subject (table or node, read/write suffix ignored), else the cluster', async () => {
    expect(await alertTrendChart(store, { cluster: 'onebox', subject: 'orders read', now })).toBeUndefined();
    await fillHistory(20);
    const table = await alertTrendChart(store, { cluster: 'onebox', subject: 'orders read', now });
    expect(table?.filename).toBe('trend-onebox-orders.png');
    const node = await alertTrendChart(store, { cluster: 'onebox', subject: '127.0.0.1:34801', now });
    expect(node?.filename).toBe('trend-onebox-127.0.0.1_34801.png');
    const unknown = await alertTrendChart(store, { cluster: 'onebox', subject: 'no-such-table', now });
    expect(unknown?.filename).toBe('trend-onebox.png');
    // Different subjects, different pictures.
    expect(Buffer.from(table?.data ?? []).equals(Buffer.from(node?.data ?? []))).toBe(false);
  });

  it('withTrendChart keeps the reply when the store cannot be read, with a note', async () => {
    await store.close();
    const reply = messageReply('health --chart', 'ok', 'fine', [], now);
    const out = await withTrendChart(reply, {
      store,
      clock: { now: () => now },
      config: { timezone: 'UTC' },
      cluster: { name: 'onebox' },
    });
    expect(out.attachments).toBeUndefined();
    expect(out.text?.[0]).toMatch(/^No trend chart: the load history could not be read/);
    store = new SqliteStore({ filename: ':memory:' });
  });

  it('health --chart attaches the chart; without history it says why; plain health has none', async () => {
    const { ctx } = viewContext();
    ctx.store = store;
    const empty = await runLine(healthCommand, 'health --chart', ctx);
    expect(empty.command).toBe('health --chart');
    expect(empty.attachments).toBeUndefined();
    expect(empty.text?.at(-1)).toBe(
      'No trend chart: there is no load history for onebox in the last 3 hours yet. The inspection loop keeps one sample a minute; try --chart again after it has run a few times.',
    );
    expect(empty.findings.length).toBeGreaterThan(0);

    await fillHistory(60);
    const withChart = await runLine(healthCommand, 'health --chart', ctx);
    expect(withChart.attachments).toHaveLength(1);
    expect(withChart.attachments?.[0]).toMatchObject({ filename: 'trend-onebox.png', contentType: 'image/png' });
    expect(withChart.findings).toEqual(empty.findings);

    const plain = await runLine(healthCommand, 'health', ctx);
    expect(plain.attachments).toBeUndefined();
    expect(parseLine(healthCommand, 'health --chart=yes')).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });
});
