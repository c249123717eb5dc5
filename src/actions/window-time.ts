/**
 * Times of rebalance windows as people type them, read in the configured time zone with date-fns and
 * @date-fns/tz: the start (`now`, `HH:mm` for its next occurrence, `YYYY-MM-DD HH:mm`, `+2h`) and the
 * duration (`2h`, `90m`). Bad input is answered with what was wrong and what is accepted.
 */
import { TZDate } from '@date-fns/tz';
import { addDays, format } from 'date-fns';
import { formatDuration, parseDuration } from '../config/duration.js';
import { fail, ok, type Result } from '../result.js';

/** Stable code of a time the bot could not read. */
export const badTimeCode = 'BAD_INPUT';

/** The shortest window worth approving: the balancer needs a few rounds to make progress. */
export const minWindowMs = 10 * 60_000;
/** The longest window: `lively` for longer than half a day is no longer a maintenance window. */
export const maxWindowMs = 12 * 3_600_000;
/** How far ahead a window may be requested. */
export const maxLeadMs = 14 * 86_400_000;

/** The accepted start forms, for messages. */
export const startForms = '`now`, `HH:mm` (next occurrence), `YYYY-MM-DD HH:mm`, or `+2h` / `+90m` from now';

/** Whether the runtime knows an IANA time zone name. */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The configured zone when it is known, else UTC (a typo in PEGASUS_TIMEZONE must not break windows). */
export function effectiveTimeZone(timezone: string): string {
  return isKnownTimeZone(timezone) ? timezone : 'UTC';
}

/** Formats an instant as `2026-01-02 02:00` in a zone (minutes only: windows are planned to the minute). */
export function formatWindowTime(at: Date, timezone: string): string {
  return format(new TZDate(at.getTime(), effectiveTimeZone(timezone)), 'yyyy-MM-dd HH:mm');
}

/** `2026-01-02 02:00–04:00 Asia/Shanghai (2h)`, naming the end's date only when it differs. */
export function formatWindowSpan(start: Date, end: Date, timezone: string): string {
  const tz = effectiveTimeZone(timezone);
  const from = formatWindowTime(start, tz);
  const to = formatWindowTime(end, tz);
  const sameDay = from.slice(0, 10) === to.slice(0, 10);
  return `${from}–${sameDay ? to.slice(11) : to} ${tz} (${formatDuration(end.getTime() - start.getTime())})`;
}

const clockPattern = /^([01]?\d|2[0-3]):([0-5]\d)$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimePattern = /^(\d{4})-(\d{2})-(\d{2})[T ]([01]?\d|2[0-3]):([0-5]\d)$/;
const relativePattern = /^\+(\d+(?:\.\d+)?)(m|h|d)$/i;

/** A start instant from `HH:mm` today or tomorrow (the next occurrence after `now`) in `tz`. */
function nextOccurrence(hours: number, minutes: number, now: Date, tz: string): Date {
  const local = new TZDate(now.getTime(), tz);
  let candidate = new TZDate(local.getFullYear(), local.getMonth(), local.getDate(), hours, minutes, 0, tz);
  if (candidate.getTime() <= now.getTime()) {
    const tomorrow = addDays(local, 1);
    candidate = new TZDate(tomorrow.getFullYear(), tomorrow.getMonth(), tomorrow.getDate(), hours, minutes, 0, tz);
  }
  return new Date(candidate.getTime());
}

function localDateTime(y: number, mo: number, d: number, h: number, mi: number, tz: string): Result<Date> {
  const at = new TZDate(y, mo - 1, d, h, mi, 0, tz);
  // date-fns rolls 2026-02-30 over into March: a date that does not exist is a typo, not a wish.
  if (at.getFullYear() !== y || at.getMonth() !== mo - 1 || at.getDate() !== d) {
    return fail(badTimeCode, `${String(y)}-${pad(mo)}-${pad(d)} is not a date in the calendar.`);
  }
  return ok(new Date(at.getTime()));
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** What `parseWindowStart` read: the instant, and the words it used (a date and a clock time are two words). */
export interface ParsedStart {
  start: Date;
  wordsUsed: number;
}

/** Reads a window's start from the first one or two words, without checking where it lies in time. */
export function readWindowStart(words: readonly string[], now: Date, timezone: string): Result<ParsedStart> {
  const tz = effectiveTimeZone(timezone);
  const first = words[0]?.trim() ?? '';
  const second = words[1]?.trim() ?? '';
  let parsed: Result<ParsedStart>;
  let m: RegExpExecArray | null;
  if (first === '') {
    return fail(badTimeCode, `The window needs a start: ${startForms}.`);
  } else if (first.toLowerCase() === 'now') {
    parsed = ok({ start: new Date(now.getTime()), wordsUsed: 1 });
  } else if ((m = relativePattern.exec(first))) {
    const amount = Number(m[1]);
    const unit = (m[2] ?? 'h').toLowerCase();
    const ms = amount * (unit === 'm' ? 60_000 : unit === 'h' ? 3_600_000 : 86_400_000);
    parsed = ok({ start: new Date(now.getTime() + Math.round(ms)), wordsUsed: 1 });
  } else if ((m = clockPattern.exec(first))) {
    parsed = ok({ start: nextOccurrence(Number(m[1]), Number(m[2]), now, tz), wordsUsed: 1 });
  } else if ((m = dateTimePattern.exec(first))) {
    const at = localDateTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), tz);
    parsed = at.ok ? ok({ start: at.value, wordsUsed: 1 }) : at;
  } else if ((m = datePattern.exec(first))) {
    const clock = clockPattern.exec(second);
    if (!clock) {
      return fail(
        badTimeCode,
        `"${first}" needs a time of day after it, e.g. "${first} 02:00" (24-hour clock, ${tz}).`,
      );
    }
    const at = localDateTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(clock[1]), Number(clock[2]), tz);
    parsed = at.ok ? ok({ start: at.value, wordsUsed: 2 }) : at;
  } else {
    return fail(badTimeCode, `"${first}" is not a start time. Accepted: ${startForms}; times are in ${tz}.`);
  }
  return parsed;
}

/**
 * Reads a window's start from the first one or two words; `now` is the current instant. The start must not lie
 * in the past (a minute of slack for `now`) nor more than 14 days ahead.
 */
export function parseWindowStart(words: readonly string[], now: Date, timezone: string): Result<ParsedStart> {
  const tz = effectiveTimeZone(timezone);
  const parsed = readWindowStart(words, now, tz);
  if (!parsed.ok) return parsed;
  const start = parsed.value.start;
  if (start.getTime() < now.getTime() - 60_000) {
    return fail(
      badTimeCode,
      `The start ${formatWindowTime(start, tz)} ${tz} is in the past (now it is ${formatWindowTime(now, tz)}). Give a future time, or \`now\`.`,
    );
  }
  if (start.getTime() > now.getTime() + maxLeadMs) {
    return fail(
      badTimeCode,
      `The start ${formatWindowTime(start, tz)} ${tz} is more than 14 days ahead. Request the window closer to the date.`,
    );
  }
  return parsed;
}

/** Reads a window's duration (`2h`, `90m`, `1.5h`); 10 minutes to 12 hours. */
export function parseWindowDuration(word: string | undefined): Result<number> {
  const text = word?.trim() ?? '';
  if (text === '') return fail(badTimeCode, 'The window needs a duration after its start, e.g. `2h` or `90m`.');
  const ms = /^\d+(?:\.\d+)?\s*(m|h)$/i.test(text) ? parseDuration(text) : undefined;
  if (ms === undefined) {
    return fail(badTimeCode, `"${text}" is not a duration. Give minutes or hours, e.g. \`90m\` or \`2h\`.`);
  }
  if (ms < minWindowMs || ms > maxWindowMs) {
    return fail(
      badTimeCode,
      `A window lasts from ${formatDuration(minWindowMs)} to ${formatDuration(maxWindowMs)}; "${text}" is ${formatDuration(ms)}.`,
    );
  }
  return ok(ms);
}

/** The next local midnight after `now` in `tz` (the start of "the next day"). */
export function nextLocalMidnight(now: Date, timezone: string): Date {
  const tz = effectiveTimeZone(timezone);
  const tomorrow = addDays(new TZDate(now.getTime(), tz), 1);
  return new Date(new TZDate(tomorrow.getFullYear(), tomorrow.getMonth(), tomorrow.getDate(), 0, 0, 0, tz).getTime());
}

/** The local hour of day (0..23) of an instant in `tz`. */
export function localHour(at: Date, timezone: string): number {
  return new TZDate(at.getTime(), effectiveTimeZone(timezone)).getHours();
}

/** The instant of `HH:mm` on the local day that starts at `midnight` in `tz`. */
export function atLocalTime(midnight: Date, hours: number, minutes: number, timezone: string): Date {
  const tz = effectiveTimeZone(timezone);
  const day = new TZDate(midnight.getTime(), tz);
  return new Date(new TZDate(day.getFullYear(), day.getMonth(), day.getDate(), hours, minutes, 0, tz).getTime());
}
