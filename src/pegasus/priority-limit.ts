/**
 * One bound on requests in flight with two queues: a queued urgent task starts before any queued background
 * one. A health sends its first load samples (each node's rate interval starts when its first sample is back)
 * and a thousand `/recentStartTime` reads at the same moment; the samples go first and the start times fill
 * the second they wait, instead of delaying every node's interval.
 */

/** Runs a task under the bound. */
export type Limit = <T>(task: () => PromiseLike<T> | T) => Promise<T>;

/** A first-in first-out queue of waiting starts. */
class StartQueue {
  private items: ((() => void) | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(start: () => void): void {
    this.items.push(start);
  }

  shift(): (() => void) | undefined {
    if (this.head >= this.items.length) return undefined;
    const start = this.items[this.head];
    // A started task's closure holds its promise, whose result (a body) must not outlive the task.
    this.items[this.head] = undefined;
    this.head++;
    // Drop the consumed part now and then, so a long-lived client does not keep every task it ever ran.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return start;
  }
}

/** The two faces of one bound. */
export interface PriorityLimit {
  /** Tasks whose timing matters (load samples, meta reads). */
  urgent: Limit;
  /** Tasks that may wait for the urgent ones (start times of every server). */
  background: Limit;
  /** Tasks running now. */
  readonly activeCount: number;
  /** Tasks waiting, both queues. */
  readonly pendingCount: number;
}

/** Creates a bound of `concurrency` tasks in flight (at least 1). */
export function createPriorityLimit(concurrency: number): PriorityLimit {
  const bound = Math.max(1, Math.floor(concurrency));
  let active = 0;
  const urgentQueue = new StartQueue();
  const backgroundQueue = new StartQueue();
  const next = (): void => {
    while (active < bound) {
      const start = urgentQueue.shift() ?? backgroundQueue.shift();
      if (start === undefined) return;
      active++;
      start();
    }
  };
  const limitOn =
    (queue: StartQueue): Limit =>
    <T>(task: () => PromiseLike<T> | T) =>
      new Promise<T>((resolve, reject) => {
        queue.push(() => {
          // A task that throws synchronously settles like one that rejects; either way its slot is free
          // before the caller continues.
          const done = (): void => {
            active--;
            next();
          };
          new Promise<T>((run) => {
            run(task());
          }).then(
            (value) => {
              done();
              resolve(value);
            },
            (error: unknown) => {
              done();
              reject(error instanceof Error ? error : new Error(String(error)));
            },
          );
        });
        next();
      });
  return {
    urgent: limitOn(urgentQueue),
    background: limitOn(backgroundQueue),
    get activeCount() {
      return active;
    },
    get pendingCount() {
      return urgentQueue.size + backgroundQueue.size;
    },
  };
}
