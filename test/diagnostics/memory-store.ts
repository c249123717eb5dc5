/**
 * A small in-memory `Store` for diagnostics and view tests: state and rebalance windows behave for real,
 * the rest is kept in arrays. `failState` makes state reads and writes throw, as a broken database would.
 */
import type {
  AuditEntry,
  AuditQuery,
  PendingAction,
  PendingStatus,
  RebalanceWindow,
  Store,
  WindowStatus,
  WindowStep,
} from '../../src/store/store.js';
import type { MessageRef } from '../../src/commands/command.js';
import type { Actor } from '../../src/commands/command.js';

/** An in-memory store. */
export class MemoryStore implements Store {
  readonly kind = 'memory';
  readonly state = new Map<string, unknown>();
  readonly windows: RebalanceWindow[] = [];
  readonly pending: PendingAction[] = [];
  readonly audit: AuditEntry[] = [];
  readonly steps: WindowStep[] = [];
  failState = false;

  async migrate(): Promise<void> {}
  async close(): Promise<void> {}

  async createPending(action: PendingAction): Promise<void> {
    this.pending.push(structuredClone(action));
  }
  async getPending(id: string): Promise<PendingAction | undefined> {
    return this.pending.find((p) => p.id === id);
  }
  async transitionPending(
    id: string,
    from: readonly PendingStatus[],
    to: PendingStatus,
    patch: Partial<Pick<PendingAction, 'decidedBy' | 'decidedAt' | 'result'>> = {},
  ): Promise<PendingAction | undefined> {
    const p = this.pending.find((x) => x.id === id);
    if (!p || !from.includes(p.status)) return undefined;
    Object.assign(p, patch, { status: to });
    return p;
  }
  async addPendingMessage(id: string, ref: MessageRef): Promise<void> {
    this.pending.find((x) => x.id === id)?.messages.push(ref);
  }
  async listPending(filter: { status?: PendingStatus; cluster?: string }): Promise<PendingAction[]> {
    return this.pending.filter(
      (p) => (!filter.status || p.status === filter.status) && (!filter.cluster || p.cluster === filter.cluster),
    );
  }

  async appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    const full = { ...entry, id: this.audit.length + 1 };
    this.audit.push(full);
    return full;
  }
  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return [...this.audit].reverse().slice(0, query.limit);
  }

  async createWindow(window: RebalanceWindow): Promise<void> {
    this.windows.push(window);
  }
  async getWindow(id: string): Promise<RebalanceWindow | undefined> {
    return this.windows.find((w) => w.id === id);
  }
  async listWindows(filter: { cluster?: string; statuses?: readonly WindowStatus[] }): Promise<RebalanceWindow[]> {
    return this.windows.filter(
      (w) =>
        (!filter.cluster || w.cluster === filter.cluster) && (!filter.statuses || filter.statuses.includes(w.status)),
    );
  }
  async updateWindow(
    id: string,
    from: readonly WindowStatus[],
    patch: Partial<Omit<RebalanceWindow, 'id' | 'cluster' | 'requestedBy' | 'channelId'>>,
  ): Promise<RebalanceWindow | undefined> {
    const w = this.windows.find((x) => x.id === id);
    if (!w || !from.includes(w.status)) return undefined;
    Object.assign(w, patch);
    return w;
  }
  async recordWindowStep(step: WindowStep): Promise<boolean> {
    if (this.steps.some((s) => s.windowId === step.windowId && s.key === step.key)) return false;
    this.steps.push(step);
    return true;
  }
  async listWindowSteps(windowId: string): Promise<WindowStep[]> {
    return this.steps.filter((s) => s.windowId === windowId);
  }

  async getState<T = unknown>(key: string): Promise<T | undefined> {
    if (this.failState) throw new Error('database is locked');
    return structuredClone(this.state.get(key)) as T | undefined;
  }
  async setState(key: string, value: unknown): Promise<void> {
    if (this.failState) throw new Error('database is locked');
    this.state.set(key, structuredClone(value));
  }

  async withLock<T>(_name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return { ran: true, value: await fn() };
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
