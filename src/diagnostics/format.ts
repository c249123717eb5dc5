/**
 * Number formatting shared by the checks and the shell views, so a figure reads the same in a finding and in
 * the table under it: QPS with two decimals (integers bare, as the shell prints them), latency in ms (inputs
 * are ns), memory in MB, disk in GB and percent.
 */

/** QPS as the shell prints it: an integer bare, anything else with two decimals. */
export function formatQps(qps: number): string {
  return Number.isInteger(qps) ? String(qps) : qps.toFixed(2);
}

/** Nanoseconds to milliseconds. */
export function nsToMs(ns: number): number {
  return ns / 1_000_000;
}

/** A latency given in nanoseconds, shown in ms with two decimals. */
export function formatLatencyNs(ns: number): string {
  return nsToMs(ns).toFixed(2);
}

/** A size in MB, rounded to a whole MB. */
export function formatMb(mb: number): string {
  return String(Math.round(mb));
}

/** A size given in MB, shown in GB with one decimal. */
export function formatGbFromMb(mb: number): string {
  return (mb / 1024).toFixed(1);
}

/** A percentage with one decimal. */
export function formatPct(pct: number): string {
  return `${pct.toFixed(1)}%`;
}

/** Share of free disk in percent; undefined when the total is unknown (0). */
export function diskFreePct(availMb: number, totalMb: number): number | undefined {
  return totalMb > 0 ? (availMb / totalMb) * 100 : undefined;
}

/** A duration in ms for people: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  const d = Math.floor(h / 24);
  return h % 24 ? `${d}d ${h % 24}h` : `${d}d`;
}

/** A list for a sentence, cut after `max` items: `a, b, c and 4 more`. */
export function listForSentence(items: readonly string[], max = 5): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** `n thing` or `n things`. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}
