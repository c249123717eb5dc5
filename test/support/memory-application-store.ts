/**
 * The table-application part of the `Store` port kept in memory, used by the in-memory test store. Copies on
 * the way in and out, and `update` checks and sets in one synchronous step (the exactly-once gate).
 */
import type { MessageRef } from '../../src/commands/command.js';
import type { ApplicationPatch, ApplicationQuery, ApplicationStatus, TableApplication } from '../../src/store/store.js';

function copy<T>(value: T): T {
  return structuredClone(value);
}

/** Table applications in memory. */
export class MemoryApplications {
  private readonly rows = new Map<string, TableApplication>();

  /** `createApplication`. */
  create(application: TableApplication): void {
    if (this.rows.has(application.id)) throw new Error(`application ${application.id} exists`);
    this.rows.set(application.id, copy(application));
  }

  /** `getApplication`. */
  get(id: string): TableApplication | undefined {
    const found = this.rows.get(id);
    return found ? copy(found) : undefined;
  }

  /** `listApplications`. */
  list(query: ApplicationQuery): TableApplication[] {
    return [...this.rows.values()]
      .filter((a) => {
        if (query.cluster !== undefined && a.cluster !== query.cluster) return false;
        if (query.statuses !== undefined && !query.statuses.includes(a.status)) return false;
        if (query.tableName !== undefined && a.tableName !== query.tableName) return false;
        if (
          query.applicant !== undefined &&
          `${a.applicant.platform}:${a.applicant.userId}` !== query.applicant &&
          a.applicant.userId !== query.applicant
        )
          return false;
        return true;
      })
      .sort((a, b) => b.submittedAt.getTime() - a.submittedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, Math.max(0, Math.floor(query.limit)))
      .map(copy);
  }

  /** `updateApplication`; `now` stamps `updatedAt` when the patch does not. */
  update(
    id: string,
    from: readonly ApplicationStatus[],
    patch: ApplicationPatch,
    now: Date,
  ): TableApplication | undefined {
    const found = this.rows.get(id);
    if (!found || !from.includes(found.status)) return undefined;
    const updated: TableApplication = { ...found, ...copy(patch), updatedAt: patch.updatedAt ?? now };
    this.rows.set(id, updated);
    return copy(updated);
  }

  /** `addApplicationMessage`. */
  addMessage(id: string, ref: MessageRef): void {
    const found = this.rows.get(id);
    if (!found) throw new Error(`no application ${id}`);
    found.decisionMessages.push(copy(ref));
  }
}
