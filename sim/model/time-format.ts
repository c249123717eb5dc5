/** Pegasus's date formats (`src/utils/time_utils.cpp`), in the simulated servers' local time zone. */

function parts(ms: number, utcOffsetMinutes: number): Date {
  return new Date(ms + utcOffsetMinutes * 60_000);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `%Y-%m-%d %H:%M:%S` (`time_ms_to_date_time`), e.g. `/recentStartTime` and `server-info`. */
export function formatDateTime(ms: number, utcOffsetMinutes: number): string {
  const d = parts(ms, utcOffsetMinutes);
  return (
    `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `%Y-%m-%d %H:%M:%S.mmm` (`time_ms_to_string`), e.g. a table's `create_time`. */
export function formatDateTimeMs(ms: number, utcOffsetMinutes: number): string {
  return `${formatDateTime(ms, utcOffsetMinutes)}.${pad(((ms % 1000) + 1000) % 1000, 3)}`;
}
