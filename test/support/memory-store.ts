/**
 * An in-memory implementation of the `Store` port for tests. Every method copies on the way in and out, so
 * callers cannot change stored rows behind the store's back, and `transitionPending` checks and sets in one
 * synchronous step (the exactly-once gate holds under concurrent calls).
 */
import type { MessageRef } from '../../src/commands/command.js';
import type {
  ApplicationPatch,
  ApplicationQuery,
  ApplicationStatus,
  AuditEntry,
  AuditQuery,
  PendingAction,
  PendingStatus,
  RebalanceWindow,
  Store,
  TableApplication,
  WindowStatus,
  WindowStep,
} from '../../src/store/store.js';
import { MemoryApplications } from './memory-application-store.js';
import { MemoryMonitoringStore } from './memory-monitoring-store.js';

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** A `Store` kept in memory; `closed` turns every later call into an error, as a closed database would. */
export class MemoryStore extends MemoryMonitoringStore implements Store {
  readonly kind = 'memory';
  private readonly pending = new Map<string, PendingAction>();
  private readonly audit: AuditEntry[] = [];
  private readonly windows = new Map<string, RebalanceWindow>();
  private readonly steps = new Map<string, WindowStep[]>();
  private readonly state = new Map<string, unknown>();
  private readonly locks = new Set<string>();
  private readonly applications = new MemoryApplications();
  private closed = false;

  private check(): void {
    if (this.closed) throw new Error('store is closed');
  }

  async migrate(): Promise<void> {
    this.check();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  async createPending(action: PendingAction): Promise<void> {
    this.check();
    if (this.pending.has(action.id)) throw new Error(`pending action ${action.id} exists`);
    this.pending.set(action.id, copy(action));
  }

  async getPending(id: string): Promise<PendingAction | undefined> {
    this.check();
    const found = this.pending.get(id);
    return found ? copy(found) : undefined;
  }

  async transitionPending(
    id: string,
    from: readonly PendingStatus[],
    to: PendingStatus,
    patch: Partial<Pick<PendingAction, 'decidedBy' | 'decidedAt' | 'result'>> = {},
  ): Promise<PendingAction | undefined> {
    this.check();
    const found = this.pending.get(id);
    if (!found || !from.includes(found.status)) return undefined;
    const updated: PendingAction = { ...found, ...copy(patch), status: to };
    this.pending.set(id, updated);
    return copy(updated);
  }

  async addPendingMessage(id: string, ref: MessageRef): Promise<void> {
    this.check();
    const found = this.pending.get(id);
    if (!found) throw new Error(`no pending action ${id}`);
    found.messages.push(copy(ref));
  }

  async listPending(filter: { status?: PendingStatus; cluster?: string }): Promise<PendingAction[]> {
    this.check();
    return [...this.pending.values()]
      .filter(
        (p) =>
          (filter.status === undefined || p.status === filter.status) &&
          (filter.cluster === undefined || p.cluster === filter.cluster),
      )
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())
      .map(copy);
  }

  async appendAudit(entry: Omit<AuditEntry, 'id'>): Promise<AuditEntry> {
    this.check();
    const stored: AuditEntry = { ...copy(entry), id: this.audit.length + 1 };
    this.audit.push(stored);
    return copy(stored);
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    this.check();
    const user = query.user;
    return this.audit
      .filter((e) => {
        if (user !== undefined && `${e.actor.platform}:${e.actor.userId}` !== user && e.actor.userId !== user)
          return false;
        if (query.since && e.at.getTime() < query.since.getTime()) return false;
        if (query.ref !== undefined && e.ref !== query.ref) return false;
        return true;
      })
      .sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id)
      .slice(0, query.limit)
      .map(copy);
  }

  async createWindow(window: RebalanceWindow): Promise<void> {
    this.check();
    if (this.windows.has(window.id)) throw new Error(`window ${window.id} exists`);
    this.windows.set(window.id, copy(window));
  }

  async getWindow(id: string): Promise<RebalanceWindow | undefined> {
    this.check();
    const found = this.windows.get(id);
    return found ? copy(found) : undefined;
  }

  async listWindows(filter: { cluster?: string; statuses?: readonly WindowStatus[] }): Promise<RebalanceWindow[]> {
    this.check();
    return [...this.windows.values()]
      .filter(
        (w) =>
          (filter.cluster === undefined || w.cluster === filter.cluster) &&
          (!filter.statuses || filter.statuses.includes(w.status)),
      )
      .sort((a, b) => a.start.getTime() - b.start.getTime())
      .map(copy);
  }

  async updateWindow(
    id: string,
    from: readonly WindowStatus[],
    patch: Partial<Omit<RebalanceWindow, 'id' | 'cluster' | 'requestedBy' | 'channelId'>>,
  ): Promise<RebalanceWindow | undefined> {
    this.check();
    const found = this.windows.get(id);
    if (!found || !from.includes(found.status)) return undefined;
    const updated: RebalanceWindow = { ...found, ...copy(patch) };
    this.windows.set(id, updated);
    return copy(updated);
  }

  async recordWindowStep(step: WindowStep): Promise<boolean> {
    this.check();
    const list = this.steps.get(step.windowId) ?? [];
    if (list.some((s) => s.key === step.key)) return false;
    list.push(copy(step));
    this.steps.set(step.windowId, list);
    return true;
  }

  async listWindowSteps(windowId: string): Promise<WindowStep[]> {
    this.check();
    return (this.steps.get(windowId) ?? []).map(copy);
  }

  async getState<T = unknown>(key: string): Promise<T | undefined> {
    this.check();
    return this.state.has(key) ? (copy(this.state.get(key)) as T) : undefined;
  }

  async setState(key: string, value: unknown): Promise<void> {
    this.check();
    this.state.set(key, copy(value));
  }

  async withLock<T>(name: string, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    this.check();
    if (this.locks.has(name)) return { ran: false };
    this.locks.add(name);
    try {
      return { ran: true, value: await fn() };
    } finally {
      this.locks.delete(name);
    }
  }

  // Table applications (see memory-application-store.ts).

  async createApplication(application: TableApplication): Promise<void> {
    this.check();
    this.applications.create(application);
  }

  async getApplication(id: string): Promise<TableApplication | undefined> {
    this.check();
    return this.applications.get(id);
  }

  async listApplications(query: ApplicationQuery): Promise<TableApplication[]> {
    this.check();
    return this.applications.list(query);
  }

  async updateApplication(
    id: string,
    from: readonly ApplicationStatus[],
    patch: ApplicationPatch,
  ): Promise<TableApplication | undefined> {
    this.check();
    return this.applications.update(id, from, patch, new Date());
  }

  async addApplicationMessage(id: string, ref: MessageRef): Promise<void> {
    this.check();
    this.applications.addMessage(id, ref);
  }
}
