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

/** Spaces calls per key by `minIntervalMs`, measured from when each call was let through. */
export class ChannelPacer {
  private readonly last = new Map<string, number>();
  private readonly queues = new Map<string, Promise<void>>();
  readonly minIntervalMs: number;
  private readonly timers: PacerTimers;

  constructor(minIntervalMs = 1000, timers: PacerTimers = realPacerTimers) {
    this.minIntervalMs = minIntervalMs;
    this.timers = timers;
  }

  /**
   * Calls `send` when `key`'s turn has come (callers for one key go one by one, in order) and resolves to
   * its result. The time is taken right after `send` started, in the same step, so a busy process cannot
   * squeeze two sends closer together than the interval.
   */
  run<T>(key: string, send: () => Promise<T>): Promise<T> {
    let started: Promise<T> | undefined;
    const turn = async (): Promise<void> => {
      const last = this.last.get(key);
      if (last !== undefined) {
        const due = last + this.minIntervalMs;
        // Timers may fire a little early against the wall clock: wait until the slot has really come.
        for (let t = this.timers.now(); t < due; t = this.timers.now()) await this.timers.sleep(due - t);
      }
      started = send();
      // Stamped after `send` has begun (building the message may take a while): the next one starts a full
      // interval after this one really went out.
      this.last.set(key, this.timers.now());
    };
    const next = (this.queues.get(key) ?? Promise.resolve()).then(turn);
    this.queues.set(
      key,
      next.catch(() => undefined),
    );
    return next.then(() => {
      if (!started) throw new Error('pacer: send was not started');
      return started;
    });
  }

  /** Resolves when the caller may send on `key` (for callers that cannot hand over the send itself). */
  async acquire(key: string): Promise<void> {
    await this.run(key, () => Promise.resolve());
  }
}
