/**
 * The part of the `Store` port diagnostics and views use (state, rebalance windows), in memory. `asStore()`
 * gives it the port's type; any other method throws, so a test fails loudly if the checks start using more
 * of the store, and the tests do not depend on the parts of the port other engineers are still adding.
 */
import type { Actor } from '../../src/commands/command.js';
import type { RebalanceWindow, Store, WindowStatus } from '../../src/store/store.js';

/** State and windows in memory; `failState` makes state reads and writes throw, as a broken database would. */
export class MemoryStore {
  readonly kind = 'memory';
  readonly state = new Map<string, unknown>();
  readonly windows: RebalanceWindow[] = [];
  failState = false;

  async listWindows(filter: { cluster?: string; statuses?: readonly WindowStatus[] }): Promise<RebalanceWindow[]> {
    return this.windows.filter(
      (w) =>
        (filter.cluster === undefined || w.cluster === filter.cluster) &&
        (filter.statuses === undefined || filter.statuses.includes(w.status)),
    );
  }

  async getState<T = unknown>(key: string): Promise<T | undefined> {
    if (this.failState) throw new Error('database is locked');
    return structuredClone(this.state.get(key)) as T | undefined;
  }

  async setState(key: string, value: unknown): Promise<void> {
    if (this.failState) throw new Error('database is locked');
    this.state.set(key, structuredClone(value));
  }

  /** This object typed as the whole port; methods it lacks throw when called. */
  asStore(): Store {
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (prop in target) {
          const value: unknown = Reflect.get(target, prop, receiver);
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        if (prop === 'then') return undefined;
        return () => {
          throw new Error(`MemoryStore: ${String(prop)} is not used by diagnostics`);
        };
      },
    }) as unknown as Store;
  }
}

const someone: Actor = { platform: 'slack', userId: 'U1' };

/** A rebalance window in the given status for a cluster. */
export function windowFor(
  cluster: string,
  status: WindowStatus,
  now = new Date('2026-01-01T00:00:00Z'),
): RebalanceWindow {
  return {
    id: `w-${cluster}-${status}`,
    cluster,
    start: now,
    end: new Date(now.getTime() + 3_600_000),
    requestedBy: someone,
    channelId: 'C1',
    status,
    quietChecks: 0,
    updatedAt: now,
  };
}
