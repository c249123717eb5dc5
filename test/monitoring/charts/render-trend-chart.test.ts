import { createCanvas, loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { renderTrendChart, timeTicks, type TrendSeries } from '../../../src/monitoring/charts/render-trend-chart.js';

const t0 = Date.UTC(2026, 0, 1, 9, 0);
const minutes = (n: number, f: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => ({ t: t0 + i * 60_000, v: f(i) }));

function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  // The IHDR chunk follows the 8-byte signature and its own length and type: width, then height.
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Mean row of the pixels of one colour above the legend (the line's height on the chart). */
async function meanRowOf(png: Uint8Array, rgb: [number, number, number], legendTop: number): Promise<number> {
  const image = await loadImage(Buffer.from(png));
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  const { data } = ctx.getImageData(0, 0, image.width, legendTop);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < data.length; i += 4) {
    const close =
      Math.abs((data[i] ?? 0) - rgb[0]) < 12 &&
      Math.abs((data[i + 1] ?? 0) - rgb[1]) < 12 &&
      Math.abs((data[i + 2] ?? 0) - rgb[2]) < 12;
    if (close) {
      sum += Math.floor(i / 4 / image.width);
      count++;
    }
  }
  if (count === 0) throw new Error('colour not found');
  return sum / count;
}

const fullChart: TrendSeries[] = [
  { name: 'read', unit: 'QPS', points: minutes(180, (i) => 12_000 + 3_000 * Math.sin(i / 20)) },
  { name: 'write', unit: 'QPS', points: minutes(180, (i) => 4_000 + 800 * Math.cos(i / 15)) },
  { name: 'read P99', unit: 'ms', points: minutes(180, (i) => (i > 120 && i < 140 ? 45 : 8)) },
  { name: 'write P99', unit: 'ms', points: minutes(180, (i) => (i > 60 && i < 65 ? NaN : 15)) },
];

describe('renderTrendChart', () => {
  it('renders a PNG of the requested size', () => {
    const png = renderTrendChart({ title: 'onebox: QPS and P99', subtitle: 'all tables', series: fullChart });
    expect([...png.slice(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(pngSize(png)).toEqual({ width: 1000, height: 480 });
    const small = renderTrendChart({ title: 'x', series: fullChart, width: 640, height: 320 });
    expect(pngSize(small)).toEqual({ width: 640, height: 320 });
  });

  it('is deterministic for the same data and differs for different data', () => {
    const a = renderTrendChart({ title: 't', series: fullChart });
    const b = renderTrendChart({ title: 't', series: fullChart });
    const other = fullChart.map((s) => ({ ...s, points: s.points.map((p) => ({ ...p, v: p.v * 2 })) }));
    const c = renderTrendChart({ title: 't', series: other });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('draws a high value higher up than a low one (against a shared second series)', async () => {
    // The write line is fixed at 100 so the QPS axis stays 0..100; only the read line moves.
    const chart = (readValue: number) =>
      renderTrendChart({
        title: 't',
        series: [
          { name: 'read', unit: 'QPS', points: minutes(30, () => readValue) },
          { name: 'write', unit: 'QPS', points: minutes(30, () => 100) },
        ],
      });
    const blue: [number, number, number] = [0x00, 0x72, 0xb2];
    const high = await meanRowOf(chart(90), blue, 440);
    const low = await meanRowOf(chart(10), blue, 440);
    expect(low - high).toBeGreaterThan(200);
  });

  it('renders an empty period with a note instead of failing', () => {
    const png = renderTrendChart({ title: 'empty', series: [{ name: 'read', unit: 'QPS', points: [] }] });
    expect(pngSize(png)).toEqual({ width: 1000, height: 480 });
  });

  it('refuses more than two units (a programming error)', () => {
    expect(() =>
      renderTrendChart({
        title: 't',
        series: [
          { name: 'a', unit: 'QPS', points: [] },
          { name: 'b', unit: 'ms', points: [] },
          { name: 'c', unit: '%', points: [] },
        ],
      }),
    ).toThrow(/at most two units/);
  });
});

describe('timeTicks', () => {
  it('puts ticks on round times, at most ten', () => {
    const min = Date.UTC(2026, 0, 1, 9, 7);
    const ticks = timeTicks(min, min + 3 * 3_600_000, 'UTC');
    expect(ticks.length).toBeLessThanOrEqual(10);
    expect(ticks.map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '09:20',
      '09:40',
      '10:00',
      '10:20',
      '10:40',
      '11:00',
      '11:20',
      '11:40',
      '12:00',
    ]);
  });

  it('rounds hours in the chart time zone (India is UTC+05:30)', () => {
    const min = Date.UTC(2026, 0, 1, 0, 0);
    const ticks = timeTicks(min, min + 24 * 3_600_000, 'Asia/Kolkata');
    expect(ticks.every((t) => new Date(t).getUTCMinutes() === 30)).toBe(true);
    expect(ticks.length).toBeLessThanOrEqual(10);
  });
});
