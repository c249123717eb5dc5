import { describe, expect, it } from 'vitest';
import { createPriorityLimit } from '../../src/pegasus/priority-limit.js';

/** A task that waits until released, recording when it started. */
function gate(log: string[], name: string) {
  let open: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (open = resolve));
  return {
    task: async () => {
      log.push(name);
      await released;
      return name;
    },
    open: () => {
      open();
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('priority limit', () => {
  it('never runs more than the bound, and starts queued urgent tasks before queued background ones', async () => {
    const limit = createPriorityLimit(2);
    const log: string[] = [];
    const gates = ['b1', 'b2', 'b3', 'u1', 'u2'].map((n) => gate(log, n));
    const [b1, b2, b3, u1, u2] = gates;
    if (!b1 || !b2 || !b3 || !u1 || !u2) throw new Error('gates');
    const results = [
      limit.background(b1.task),
      limit.background(b2.task),
      limit.background(b3.task),
      limit.urgent(u1.task),
      limit.urgent(u2.task),
    ];
    await tick();
    expect(log).toEqual(['b1', 'b2']);
    expect(limit.activeCount).toBe(2);
    expect(limit.pendingCount).toBe(3);
    b1.open();
    await tick();
    // The urgent tasks queued after b3 still go first.
    expect(log).toEqual(['b1', 'b2', 'u1']);
    b2.open();
    await tick();
    expect(log).toEqual(['b1', 'b2', 'u1', 'u2']);
    u1.open();
    u2.open();
    b3.open();
    expect(await Promise.all(results)).toEqual(['b1', 'b2', 'b3', 'u1', 'u2']);
    expect(limit.activeCount).toBe(0);
    expect(limit.pendingCount).toBe(0);
  });

  it('frees the slot of a task that throws, synchronously or not, and passes the error on', async () => {
    const limit = createPriorityLimit(1);
    await expect(
      limit.urgent(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(limit.background(() => Promise.reject(new Error('async')))).rejects.toThrow('async');
    expect(await limit.urgent(() => 42)).toBe(42);
    expect(limit.activeCount).toBe(0);
  });

  it('runs thousands of tasks in order under the bound', async () => {
    const limit = createPriorityLimit(8);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 3000 }, (_, i) =>
        limit.urgent(async () => {
          running++;
          peak = Math.max(peak, running);
          order.push(i);
          await Promise.resolve();
          running--;
        }),
      ),
    );
    expect(peak).toBe(8);
    expect(order).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });
});
