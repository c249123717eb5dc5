import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchmarkFiles, benchmarkOf } from '../../bench/run.js';

describe('bench runner', () => {
  it('finds the benchmarks by their exported run…Bench function, without running any file', () => {
    const names = benchmarkFiles().map((f) => path.basename(f, '.ts'));
    expect(names).toEqual(expect.arrayContaining(['health-large', 'slack-ack']));
    expect(names).not.toContain('run');
  });

  it('pairs run…Bench with its format…Bench, and ignores modules without one', async () => {
    const run = () => Promise.resolve({ p50: 1 });
    const format = (r: unknown) => `x_p50 ${(r as { p50: number }).p50} s`;
    const bench = benchmarkOf({ runThingBench: run, formatThingBench: format, other: 1 });
    expect(bench?.run).toBe(run);
    expect(bench?.format?.(await run())).toBe('x_p50 1 s');
    expect(benchmarkOf({ helper: () => 1 })).toBeUndefined();
  });
});
