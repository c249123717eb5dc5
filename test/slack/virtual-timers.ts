/**
 * A virtual clock for the sink: `sleep(ms)` waits in virtual time. When sleepers are pending, the clock
 * jumps to the earliest wake-up after a short real pause (so in-flight loopback calls finish first), so a
 * test covering minutes of pacing and `Retry-After` runs in milliseconds.
 */
import type { SinkTimers } from '../../adapters/slack/slack-sink.js';

/** Virtual time for `SlackSink`; `requested` lists every sleep asked for, in order. */
export class VirtualTimers implements SinkTimers {
  readonly requested: number[] = [];
  private t = 0;
  private sleepers: { at: number; resolve: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  now(): number {
    return this.t;
  }

  sleep(ms: number): Promise<void> {
    this.requested.push(ms);
    return new Promise((resolve) => {
      this.sleepers.push({ at: this.t + ms, resolve });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fire();
    }, 3);
  }

  private fire(): void {
    if (this.sleepers.length === 0) return;
    const next = Math.min(...this.sleepers.map((s) => s.at));
    this.t = Math.max(this.t, next);
    const due = this.sleepers.filter((s) => s.at <= this.t);
    this.sleepers = this.sleepers.filter((s) => s.at > this.t);
    for (const s of due) s.resolve();
    if (this.sleepers.length > 0) this.schedule();
  }
}
