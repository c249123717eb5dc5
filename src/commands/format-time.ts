/** Times shown to people, in the configured time zone (`PEGASUS_TIMEZONE`). */
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';

/** Formats an instant as `2026-01-01 02:00:00 UTC` in the given IANA time zone. */
export function formatTime(at: Date, timezone: string): string {
  try {
    return `${format(new TZDate(at.getTime(), timezone), 'yyyy-MM-dd HH:mm:ss')} ${timezone}`;
  } catch {
    // An unknown zone name should not break a reply; fall back to UTC, which is always understood.
    return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  }
}
