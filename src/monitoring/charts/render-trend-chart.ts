/**
 * Trend pictures for chat: a PNG line chart of QPS and P99 over the last hours, drawn with Chart.js on a
 * Skia canvas (`@napi-rs/canvas`, a prebuilt binary in its npm package: no build, no browser). Series of the
 * first unit use the left axis, series of a second unit the right one (dashed), so read/write QPS and
 * read/write P99 fit one picture.
 */
import { TZDate } from '@date-fns/tz';
import { createCanvas } from '@napi-rs/canvas';
import { Chart, registerables, type ChartConfiguration, type ChartDataset, type Plugin } from 'chart.js';
import { format } from 'date-fns';

/** One value at one time. */
export interface TrendPoint {
  /** Epoch milliseconds or a date. */
  t: number | Date;
  /** NaN leaves a gap. */
  v: number;
}

/** One line of the chart. */
export interface TrendSeries {
  name: string;
  /** The axis it belongs to, e.g. `QPS` or `ms`. At most two units per chart. */
  unit: string;
  points: readonly TrendPoint[];
}

/** What to draw. */
export interface TrendChartSpec {
  title: string;
  /** A second line under the title (cluster, window). */
  subtitle?: string;
  series: readonly TrendSeries[];
  /** Pixels (default 1000 × 480). */
  width?: number;
  height?: number;
  /** Time zone of the time axis (default UTC). */
  timeZone?: string;
  /** The period shown (default: from the first to the last point), so that missing history shows as such. */
  from?: number | Date;
  to?: number | Date;
}

let registered = false;

function register(): void {
  if (registered) return;
  Chart.register(...registerables);
  registered = true;
}

// Colour-blind-safe (Okabe–Ito), one per series in order; the second unit's lines are dashed.
const palette = ['#0072B2', '#009E73', '#D55E00', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

const minuteMs = 60_000;
const dayMs = 86_400_000;

function timeOf(p: TrendPoint): number {
  return p.t instanceof Date ? p.t.getTime() : p.t;
}

/** The typical step between points, so that a missed sample does not break a line but a long outage does. */
function gapLimit(series: readonly TrendSeries[]): number {
  const steps: number[] = [];
  for (const s of series) {
    const times = s.points.map(timeOf).sort((a, b) => a - b);
    for (let i = 1; i < times.length; i++) {
      const step = (times[i] ?? 0) - (times[i - 1] ?? 0);
      if (step > 0) steps.push(step);
    }
  }
  steps.sort((a, b) => a - b);
  const median = steps[Math.floor(steps.length / 2)] ?? minuteMs;
  return median * 3;
}

const niceStepsMinutes = [1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440];

/** Tick times on round minutes, hours or days of the time zone, at most `maxTicks` of them. */
export function timeTicks(min: number, max: number, timeZone: string, maxTicks = 10): number[] {
  const span = Math.max(max - min, minuteMs);
  const step =
    niceStepsMinutes.map((m) => m * minuteMs).find((s) => span / s <= maxTicks) ??
    Math.ceil(span / maxTicks / dayMs) * dayMs;
  // Round in local time, so that hours and days fall on the zone's own midnight.
  const offsetMs = -new TZDate(min, timeZone).getTimezoneOffset() * minuteMs;
  const ticks: number[] = [];
  for (let t = Math.ceil((min + offsetMs) / step) * step - offsetMs; t <= max; t += step) ticks.push(t);
  return ticks;
}

function formatTick(ms: number, spanMs: number, timeZone: string): string {
  return format(new TZDate(ms, timeZone), spanMs > dayMs ? 'MM-dd HH:mm' : 'HH:mm');
}

/** The Skia 2D context; Chart.js's own typing of it needs the DOM library, which this project does not load. */
type Context2D = ReturnType<ReturnType<typeof createCanvas>['getContext']>;

function whiteBackground(ctx: Context2D): Plugin {
  return {
    id: 'whiteBackground',
    beforeDraw(chart) {
      ctx.save();
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    },
  };
}

function noDataNote(ctx: Context2D, empty: boolean): Plugin {
  return {
    id: 'noDataNote',
    afterDraw(chart) {
      if (!empty) return;
      const area = chart.chartArea;
      ctx.save();
      ctx.fillStyle = '#666666';
      ctx.font = '16px sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText('no samples in this period', (area.left + area.right) / 2, (area.top + area.bottom) / 2);
      ctx.restore();
    },
  };
}

/** Renders the series as a PNG line chart (time on x, up to two units on the y axes). */
export function renderTrendChart(spec: TrendChartSpec): Uint8Array {
  register();
  const width = spec.width ?? 1000;
  const height = spec.height ?? 480;
  const timeZone = spec.timeZone ?? 'UTC';
  const units = [...new Set(spec.series.map((s) => s.unit))];
  if (units.length > 2) throw new Error(`a trend chart has at most two units, got ${units.join(', ')}`);

  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');

  const times = spec.series.flatMap((s) => s.points.map(timeOf)).filter(Number.isFinite);
  const empty = times.length === 0;
  const asMs = (t: number | Date | undefined) => (t instanceof Date ? t.getTime() : t);
  const min = asMs(spec.from) ?? (empty ? 0 : Math.min(...times));
  const max = asMs(spec.to) ?? (empty ? min + 1 : Math.max(...times));
  // Without points or a given period there is no time to label.
  const labelTimes = !empty || spec.from !== undefined;
  const span = Math.max(max - min, minuteMs);

  const datasets: ChartDataset<'line', { x: number; y: number | null }[]>[] = spec.series.map((s, i) => {
    const colour = palette[i % palette.length] ?? '#000000';
    const secondUnit = units.indexOf(s.unit) === 1;
    return {
      label: `${s.name} (${s.unit})`,
      data: [...s.points]
        .sort((a, b) => timeOf(a) - timeOf(b))
        .map((p) => ({ x: timeOf(p), y: Number.isFinite(p.v) ? p.v : null })),
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 2,
      borderDash: secondUnit ? [6, 4] : [],
      pointRadius: s.points.length > 60 ? 0 : 2,
      tension: 0,
      yAxisID: secondUnit ? 'y1' : 'y',
    };
  });

  const config: ChartConfiguration<'line', { x: number; y: number | null }[]> = {
    type: 'line',
    data: { datasets },
    options: {
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
      parsing: false,
      normalized: true,
      spanGaps: gapLimit(spec.series),
      plugins: {
        title: { display: true, text: spec.title, font: { size: 18, weight: 'bold' }, color: '#222222' },
        ...(spec.subtitle !== undefined
          ? { subtitle: { display: true, text: spec.subtitle, color: '#555555', padding: { bottom: 8 } } }
          : {}),
        legend: { position: 'bottom', labels: { color: '#222222', boxWidth: 24 } },
      },
      scales: {
        x: {
          type: 'linear',
          min,
          max: min + span,
          title: { display: true, text: `time (${timeZone})`, color: '#555555' },
          afterBuildTicks: (axis) => {
            if (labelTimes) {
              axis.ticks = timeTicks(min, min + span, timeZone).map((value) => ({ value }));
            }
          },
          ticks: {
            color: '#444444',
            callback: (value) => (labelTimes ? formatTick(Number(value), span, timeZone) : ''),
          },
          grid: { color: '#e5e5e5' },
        },
        y: {
          type: 'linear',
          position: 'left',
          beginAtZero: true,
          title: { display: units[0] !== undefined, text: units[0] ?? '', color: '#555555' },
          ticks: { color: '#444444' },
          grid: { color: '#e5e5e5' },
        },
        ...(units[1] !== undefined
          ? {
              y1: {
                type: 'linear' as const,
                position: 'right' as const,
                beginAtZero: true,
                title: { display: true, text: units[1], color: '#555555' },
                ticks: { color: '#444444' },
                grid: { drawOnChartArea: false },
              },
            }
          : {}),
      },
    },
    plugins: [whiteBackground(ctx), noDataNote(ctx, empty)],
  };
  // Chart.js draws on any context with the 2D canvas API; Skia's is one.
  const chart = new Chart(ctx, config);
  try {
    return new Uint8Array(canvas.toBuffer('image/png'));
  } finally {
    chart.destroy();
  }
}
