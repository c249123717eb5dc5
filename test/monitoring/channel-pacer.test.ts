/**
 * The per-channel pacer on virtual time: sends on one channel start at least the interval apart and in call
 * order, other channels are not held up, early timers are waited out, and a failed send does not stall the
 * channel.
 */
import { describe, expect, it } from 'vitest';
import { ChannelPacer, type PacerTimers } from '../../src/monitoring/channel-pacer.js';

/** Virtual time: `sleep` jumps the clock, optionally waking a little early as real timers may. */
function virtualTimers(earlyBy = 0): PacerTimers & { time: number } {
  const t = {
    time: 0,
    now: () => t.time,
    sleep: async (ms: number) => {
      t.time += Math.max(1, ms - earlyBy);
    },
  };
  return t;
}

describe('ChannelPacer', () => {
  it('starts sends on one channel at least the interval apart, in order, without holding up others', async () => {
    const timers = virtualTimers();
    const pacer = new ChannelPacer(1000, timers);
    const starts: string[] = [];
    const send = (label: string) => async () => {
      starts.push(`${label}@${timers.time}`);
      return label;
    };
    const results = await Promise.all([
      pacer.run('slack:C1', send('a1')),
      pacer.run('slack:C1', send('a2')),
      pacer.run('slack:C2', send('b1')),
      pacer.run('slack:C1', send('a3')),
    ]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    const a = starts.filter((s) => s.startsWith('a')).map((s) => Number(s.split('@')[1]));
    expect(starts.filter((s) => s.startsWith('a')).map((s) => s.split('@')[0])).toEqual(['a1', 'a2', 'a3']);
    for (let i = 1; i < a.length; i++) expect((a[i] ?? 0) - (a[i - 1] ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(starts.find((s) => s.startsWith('b1'))).toBe('b1@0');
  });

  it('waits out timers that wake early', async () => {
    const timers = virtualTimers(300);
    const pacer = new ChannelPacer(1000, timers);
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      await pacer.run('k', async () => {
        times.push(timers.time);
      });
    }
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(1000);
  });

  it('passes a failed send on to its caller and keeps the channel going', async () => {
    const pacer = new ChannelPacer(1000, virtualTimers());
    const failed = pacer.run('k', () => Promise.reject(new Error('429')));
    const next = pacer.run('k', async () => 'ok');
    await expect(failed).rejects.toThrow('429');
    await expect(next).resolves.toBe('ok');
    await expect(pacer.acquire('k')).resolves.toBeUndefined();
  });
});
