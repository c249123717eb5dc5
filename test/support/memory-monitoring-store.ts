/**
 * The monitoring part of the `Store` port (alerts, alert groups, the alert outbox, metric samples) kept in
 * memory. The in-memory test stores extend it, so they stay complete `Store`s as the port grows.
 */
import type {
  AlertDelivery,
  AlertGroup,
  AlertGroupPatch,
  AlertQuery,
  AlertRecord,
  MetricSample,
  MetricSampleQuery,
  Store,
} from '../../src/store/store.js';

type MonitoringMethods = Pick<
  Store,
  | 'putAlerts'
  | 'getAlert'
  | 'listAlerts'
  | 'countAlerts'
  | 'pruneAlerts'
  | 'createAlertGroup'
  | 'getAlertGroup'
  | 'listAlertGroups'
  | 'updateAlertGroup'
  | 'enqueueAlertDeliveries'
  | 'listAlertDeliveries'
  | 'completeAlertDeliveries'
  | 'retryAlertDeliveries'
  | 'putMetricSamples'
  | 'listMetricSamples'
  | 'pruneMetricSamples'
>;

function copy<T>(value: T): T {
  return structuredClone(value);
}

function matches(a: AlertRecord, q: Omit<AlertQuery, 'limit'>): boolean {
  return (
    (q.groupKey === undefined || a.groupKey === q.groupKey) &&
    (q.cluster === undefined || a.cluster === q.cluster) &&
    (q.source === undefined || a.source === q.source) &&
    (q.status === undefined || a.status === q.status) &&
    (q.resolvedSince === undefined ||
      a.status === 'firing' ||
      (a.resolvedAt !== undefined && a.resolvedAt.getTime() >= q.resolvedSince.getTime()))
  );
}

function sampleKey(s: MetricSample): string {
  return [s.cluster, s.resolution, s.at.getTime(), s.scope, s.subject].join('\u0000');
}

/** Alerts, groups, outbox and samples in maps; every value is copied on the way in and out. */
export class MemoryMonitoringStore implements MonitoringMethods {
  private readonly alerts = new Map<string, AlertRecord>();
  private readonly groups = new Map<string, AlertGroup>();
  private readonly outbox = new Map<number, AlertDelivery>();
  private readonly samples = new Map<string, MetricSample>();
  private nextDeliveryId = 1;

  async putAlerts(alerts: readonly AlertRecord[]): Promise<void> {
    for (const a of alerts) this.alerts.set(a.fingerprint, copy(a));
  }

  async getAlert(fingerprint: string): Promise<AlertRecord | undefined> {
    const found = this.alerts.get(fingerprint);
    return found && copy(found);
  }

  async listAlerts(query: AlertQuery): Promise<AlertRecord[]> {
    const list = [...this.alerts.values()]
      .filter((a) => matches(a, query))
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.fingerprint < b.fingerprint ? -1 : 1));
    return copy(query.limit === undefined ? list : list.slice(0, Math.max(0, Math.floor(query.limit))));
  }

  async countAlerts(query: Omit<AlertQuery, 'limit'>): Promise<number> {
    return [...this.alerts.values()].filter((a) => matches(a, query)).length;
  }

  async pruneAlerts(before: Date): Promise<number> {
    let n = 0;
    for (const [fp, a] of this.alerts) {
      if (a.status === 'resolved' && a.resolvedAt && a.resolvedAt.getTime() < before.getTime()) {
        this.alerts.delete(fp);
        n++;
      }
    }
    return n;
  }

  async createAlertGroup(group: AlertGroup): Promise<AlertGroup> {
    if (!this.groups.has(group.key)) this.groups.set(group.key, copy(group));
    return copy(this.groups.get(group.key)!);
  }

  async getAlertGroup(key: string): Promise<AlertGroup | undefined> {
    const found = this.groups.get(key);
    return found && copy(found);
  }

  async listAlertGroups(filter: { cluster?: string; externalKey?: string }): Promise<AlertGroup[]> {
    return copy(
      [...this.groups.values()]
        .filter(
          (g) =>
            (filter.cluster === undefined || g.cluster === filter.cluster) &&
            (filter.externalKey === undefined || g.externalKey === filter.externalKey),
        )
        .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.key < b.key ? -1 : 1)),
    );
  }

  async updateAlertGroup(key: string, patch: AlertGroupPatch): Promise<AlertGroup | undefined> {
    const found = this.groups.get(key);
    if (!found) return undefined;
    const next = new Map<string, unknown>(Object.entries(found));
    for (const [field, value] of Object.entries(copy(patch)) as [string, unknown][]) {
      if (value === undefined) continue;
      if (value === null) next.delete(field);
      else next.set(field, value);
    }
    const updated = Object.fromEntries(next) as unknown as AlertGroup;
    this.groups.set(key, updated);
    return copy(updated);
  }

  async enqueueAlertDeliveries(
    entries: readonly Omit<AlertDelivery, 'id' | 'attempts' | 'lastError'>[],
  ): Promise<void> {
    for (const e of entries) {
      const id = this.nextDeliveryId++;
      this.outbox.set(id, { ...copy(e), id, attempts: 0 });
    }
  }

  async listAlertDeliveries(filter: { dueBy?: Date; limit: number }): Promise<AlertDelivery[]> {
    return copy(
      [...this.outbox.values()]
        .filter((d) => filter.dueBy === undefined || d.nextAttemptAt.getTime() <= filter.dueBy.getTime())
        .sort((a, b) => a.id - b.id)
        .slice(0, Math.max(0, Math.floor(filter.limit))),
    );
  }

  async completeAlertDeliveries(ids: readonly number[]): Promise<void> {
    for (const id of ids) this.outbox.delete(id);
  }

  async retryAlertDeliveries(ids: readonly number[], nextAttemptAt: Date, error: string): Promise<void> {
    for (const id of ids) {
      const d = this.outbox.get(id);
      if (d)
        this.outbox.set(id, {
          ...d,
          attempts: d.attempts + 1,
          nextAttemptAt: new Date(nextAttemptAt),
          lastError: error,
        });
    }
  }

  async putMetricSamples(samples: readonly MetricSample[]): Promise<void> {
    for (const s of samples) this.samples.set(sampleKey(s), copy(s));
  }

  async listMetricSamples(q: MetricSampleQuery): Promise<MetricSample[]> {
    const times = q.at ? new Set(q.at.map((d) => d.getTime())) : undefined;
    return copy(
      [...this.samples.values()]
        .filter(
          (s) =>
            s.cluster === q.cluster &&
            s.resolution === q.resolution &&
            (q.scope === undefined || s.scope === q.scope) &&
            (q.subject === undefined || s.subject === q.subject) &&
            (q.since === undefined || s.at.getTime() >= q.since.getTime()) &&
            (q.until === undefined || s.at.getTime() < q.until.getTime()) &&
            (times === undefined || times.has(s.at.getTime())),
        )
        .sort(
          (a, b) =>
            a.at.getTime() - b.at.getTime() ||
            a.scope.localeCompare(b.scope) ||
            (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : 0),
        ),
    );
  }

  async pruneMetricSamples(resolution: MetricSample['resolution'], before: Date): Promise<number> {
    let n = 0;
    for (const [key, s] of this.samples) {
      if (s.resolution === resolution && s.at.getTime() < before.getTime()) {
        this.samples.delete(key);
        n++;
      }
    }
    return n;
  }
}
