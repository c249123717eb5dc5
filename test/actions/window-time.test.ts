/** Reading window times in a time zone, the traffic profile and its proposals, and the distribution maths. */
import { describe, expect, it } from 'vitest';
import { distributionOf, worstDeviation } from '../../src/actions/distribution.js';
import {
  proposeWindow,
  readTrafficProfile,
  recordTraffic,
  type TrafficProfile,
} from '../../src/actions/traffic-profile.js';
import {
  effectiveTimeZone,
  formatWindowSpan,
  nextLocalMidnight,
  parseWindowDuration,
  parseWindowStart,
} from '../../src/actions/window-time.js';
import { parseDailyWindow } from '../../src/config/config.js';
import { MemoryStore } from '../support/memory-store.js';

const now = new Date('2026-01-05T01:20:00Z');

function start(words: string[], tz = 'UTC'): string {
  const r = parseWindowStart(words, now, tz);
  if (!r.ok) throw new Error(r.error.message);
  return `${r.value.start.toISOString()} ${String(r.value.wordsUsed)}`;
}

function startError(words: string[], tz = 'UTC'): string {
  const r = parseWindowStart(words, now, tz);
  if (r.ok) throw new Error(`accepted ${r.value.start.toISOString()}`);
  return r.error.message;
}

describe('parseWindowStart', () => {
  it('reads now, relative times, clock times (next occurrence) and dates', () => {
    expect(start(['now'])).toBe('2026-01-05T01:20:00.000Z 1');
    expect(start(['+2h'])).toBe('2026-01-05T03:20:00.000Z 1');
    expect(start(['+90m'])).toBe('2026-01-05T02:50:00.000Z 1');
    expect(start(['02:00'])).toBe('2026-01-05T02:00:00.000Z 1');
    expect(start(['01:00'])).toBe('2026-01-06T01:00:00.000Z 1');
    expect(start(['2026-01-07', '23:15', '2h'])).toBe('2026-01-07T23:15:00.000Z 2');
    expect(start(['2026-01-07T23:15'])).toBe('2026-01-07T23:15:00.000Z 1');
  });

  it('reads clock times and dates in the configured zone', () => {
    // 01:20 UTC is 09:20 in Shanghai (UTC+8) and 20:20 the day before in New York (UTC−5).
    expect(start(['10:00'], 'Asia/Shanghai')).toBe('2026-01-05T02:00:00.000Z 1');
    expect(start(['09:00'], 'Asia/Shanghai')).toBe('2026-01-06T01:00:00.000Z 1');
    expect(start(['22:00'], 'America/New_York')).toBe('2026-01-05T03:00:00.000Z 1');
    expect(start(['2026-01-06', '02:00'], 'America/New_York')).toBe('2026-01-06T07:00:00.000Z 2');
  });

  it('refuses the past, the far future, impossible dates and unknown forms with what is accepted', () => {
    expect(startError(['2026-01-04', '23:00'])).toBe(
      'The start 2026-01-04 23:00 UTC is in the past (now it is 2026-01-05 01:20). Give a future time, or `now`.',
    );
    expect(startError(['+15d'])).toContain('more than 14 days ahead');
    expect(startError(['2026-02-29', '02:00'])).toBe('2026-02-29 is not a date in the calendar.');
    expect(startError(['24:00'])).toContain('"24:00" is not a start time. Accepted: `now`, `HH:mm` (next occurrence)');
    expect(startError(['tomorrow'])).toContain('times are in UTC');
    expect(startError([])).toContain('The window needs a start');
  });

  it('falls back to UTC for an unknown zone', () => {
    expect(effectiveTimeZone('Mars/Olympus')).toBe('UTC');
    expect(start(['02:00'], 'Mars/Olympus')).toBe('2026-01-05T02:00:00.000Z 1');
  });
});

describe('parseWindowDuration', () => {
  it('accepts minutes and hours from 10 minutes to 12 hours', () => {
    expect(parseWindowDuration('2h')).toEqual({ ok: true, value: 7_200_000 });
    expect(parseWindowDuration('90m')).toEqual({ ok: true, value: 5_400_000 });
    expect(parseWindowDuration('1.5h')).toEqual({ ok: true, value: 5_400_000 });
    for (const bad of ['5m', '13h', '2', '2d', 'later', undefined]) {
      expect(parseWindowDuration(bad).ok, String(bad)).toBe(false);
    }
  });
});

describe('formatting and days', () => {
  it('names the end’s date only when it is another day', () => {
    expect(formatWindowSpan(new Date('2026-01-05T02:00:00Z'), new Date('2026-01-05T04:00:00Z'), 'UTC')).toBe(
      '2026-01-05 02:00–04:00 UTC (2h)',
    );
    expect(formatWindowSpan(new Date('2026-01-05T23:30:00Z'), new Date('2026-01-06T01:00:00Z'), 'UTC')).toBe(
      '2026-01-05 23:30–2026-01-06 01:00 UTC (1h 30m)',
    );
  });

  it('finds the next local midnight', () => {
    expect(nextLocalMidnight(now, 'UTC').toISOString()).toBe('2026-01-06T00:00:00.000Z');
    expect(nextLocalMidnight(now, 'Asia/Shanghai').toISOString()).toBe('2026-01-05T16:00:00.000Z');
  });

  it('reads REBALANCE_DEFAULT_WINDOW, also across midnight', () => {
    expect(parseDailyWindow('02:00-04:00')).toEqual({ startHour: 2, startMinute: 0, durationMs: 7_200_000 });
    expect(parseDailyWindow('23:30-01:00')).toEqual({ startHour: 23, startMinute: 30, durationMs: 5_400_000 });
    expect(parseDailyWindow('2am')).toBeUndefined();
  });
});

function profile(hours: (number | null)[], timezone = 'UTC'): TrafficProfile {
  return { timezone, hours, samples: hours.map((h) => (h === null ? 0 : 1)), updatedAt: now.toISOString() };
}

describe('traffic profile', () => {
  it('keeps a moving average per local hour and starts over when the zone changes', async () => {
    const store = new MemoryStore();
    await recordTraffic(store, 'prod', new Date('2026-01-05T03:10:00Z'), 100, 'UTC');
    const second = await recordTraffic(store, 'prod', new Date('2026-01-06T03:40:00Z'), 200, 'UTC');
    expect(second.hours[3]).toBeCloseTo(130);
    expect(second.samples[3]).toBe(2);
    const moved = await recordTraffic(store, 'prod', new Date('2026-01-06T03:40:00Z'), 50, 'Asia/Shanghai');
    expect(moved.hours[3]).toBeNull();
    expect(moved.hours[11]).toBe(50);
    expect((await readTrafficProfile(store, 'prod'))?.timezone).toBe('Asia/Shanghai');
  });

  it('proposes the quietest hours of the next day', () => {
    const hours = Array.from({ length: 24 }, (_, h) => 1000 + h * 10);
    hours[4] = 100;
    hours[5] = 120;
    hours[13] = 90; // quiet alone, but its neighbours are busy
    const p = proposeWindow(profile(hours), now, 2 * 3_600_000, 'UTC');
    expect(p.source).toBe('history');
    expect(p.start.toISOString()).toBe('2026-01-06T04:00:00.000Z');
    expect(p.end.toISOString()).toBe('2026-01-06T06:00:00.000Z');
    expect(p.windowQps).toBe(110);
  });

  it('falls back to the default window without enough history, saying why', () => {
    const none = proposeWindow(undefined, now, 2 * 3_600_000, 'UTC');
    expect([none.source, none.start.toISOString(), none.reason]).toEqual([
      'default',
      '2026-01-06T02:00:00.000Z',
      'the bot has not recorded any traffic for this cluster yet',
    ]);
    const sparse = proposeWindow(
      profile(Array.from({ length: 24 }, (_, h) => (h < 10 ? 5 : null))),
      now,
      3_600_000,
      'UTC',
      {
        startHour: 23,
        startMinute: 30,
        durationMs: 5_400_000,
      },
    );
    expect(sparse.source).toBe('default');
    expect(sparse.start.toISOString()).toBe('2026-01-06T23:30:00.000Z');
    expect(sparse.reason).toBe('the bot has traffic for only 10 of 24 hours of the day (needs 18)');
    const otherZone = proposeWindow(
      profile(
        Array.from({ length: 24 }, () => 1),
        'Asia/Shanghai',
      ),
      now,
      3_600_000,
      'UTC',
    );
    expect(otherZone.reason).toBe('the recorded traffic is bucketed in Asia/Shanghai, not UTC');
  });

  it('skips runs with a missing hour', () => {
    const hours: (number | null)[] = Array.from({ length: 24 }, () => 500);
    hours[1] = 0;
    hours[2] = null; // with a missing hour counted as 0, 01:00–03:00 would look quietest
    hours[3] = 100;
    hours[4] = 100;
    const p = proposeWindow(profile(hours), now, 2 * 3_600_000, 'UTC');
    expect(p.start.toISOString()).toBe('2026-01-06T03:00:00.000Z');
  });
});

describe('distribution', () => {
  it('measures the worst deviation from the mean over ALIVE nodes', () => {
    expect(worstDeviation([10, 10, 10])).toBe(0);
    expect(worstDeviation([5, 10, 15])).toBe(0.5);
    expect(worstDeviation([7])).toBe(0);
    const d = distributionOf(
      [
        { address: 'a', status: 'ALIVE', replicaCount: 10, primaryCount: 2, secondaryCount: 8 },
        { address: 'b', status: 'ALIVE', replicaCount: 14, primaryCount: 6, secondaryCount: 8 },
        { address: 'c', status: 'UNALIVE', replicaCount: 0, primaryCount: 0, secondaryCount: 0 },
      ],
      {
        metaServers: [],
        primaryMetaServer: 'm',
        zookeeperHosts: '',
        zookeeperRoot: '',
        metaFunctionLevel: 'steady',
        balanceOperations: { movePri: 2, copyPri: 0, copySec: 1, total: 3 },
        primaryReplicaCountStddev: 2,
        totalReplicaCountStddev: 2,
      },
      now,
    );
    expect(d.replicaSkew).toBeCloseTo(2 / 12);
    expect(d.primarySkew).toBe(0.5);
    expect(d.nodes).toHaveLength(3);
  });
});
