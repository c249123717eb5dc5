/**
 * At most one message per channel per interval (Slack allows about one post per second per channel), so an
 * alert storm is spread out instead of rate-limited. Slots are reserved in call order, so concurrent callers
 * for one channel queue behind each other while other channels go ahead.
 */

/** Time as the pacer sees it; tests inject virtual time. */
export interface PacerTimers {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** Real time; a pending sleep does not keep the process alive. */
export const realPacerTimers: PacerTimers = {
  now: () => Date.now(),
  sleep: (ms) =>
    new Promise((resolve) => {
      setTimeout(resolve, ms).unref();
    }),
};

/** Spaces calls per key by `minIntervalMs`. */
export class ChannelPacer {
  private readonly next = new Map<string, number>();
  readonly minIntervalMs: number;
  private readonly timers: PacerTimers;

  constructor(minIntervalMs = 1000, timers: PacerTimers = realPacerTimers) {
    this.minIntervalMs = minIntervalMs;
    this.timers = timers;
  }

  /** Resolves when the caller may send on `key`; the slot is taken at once. */
  async acquire(key: string): Promise<void> {
    const now = this.timers.now();
    const start = Math.max(now, this.next.get(key) ?? 0);
    this.next.set(key, start + this.minIntervalMs);
    if (start > now) await this.timers.sleep(start - now);
  }
}
