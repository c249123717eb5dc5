/**
 * What the last health check saw, per cluster, kept in the store so the next check can say what changed:
 * the table count and names, the meta level, the leader, and since when balance operations are pending.
 */
import { z } from 'zod';
import { metaLevels, type MetaLevel } from '../pegasus/cluster-api.js';
import type { Store } from '../store/store.js';

/** The per-cluster memory of the previous health check. */
export interface HealthState {
  /** ISO time of the check that wrote it. */
  at: string;
  tableCount?: number;
  tables?: string[];
  /** Effective level (cluster_info). */
  level?: MetaLevel;
  /** Stored level (get_meta_level). */
  storedLevel?: MetaLevel;
  leader?: string;
  /** ISO time balance operations were first seen pending (total > 0), while they still are. */
  balancePendingSince?: string;
}

const level = z.enum(metaLevels as [MetaLevel, ...MetaLevel[]]);

// The stored value may come from an older version of the bot: accept what still parses, drop the rest.
const stateSchema = z.object({
  at: z.string(),
  tableCount: z.number().int().nonnegative().optional().catch(undefined),
  tables: z.array(z.string()).optional().catch(undefined),
  level: level.optional().catch(undefined),
  storedLevel: level.optional().catch(undefined),
  leader: z.string().optional().catch(undefined),
  balancePendingSince: z.string().optional().catch(undefined),
});

/** The store key of a cluster's health state. */
export function healthStateKey(cluster: string): string {
  return `health:${cluster}`;
}

/** Reads a cluster's previous health state; undefined when there is none or it no longer parses. */
export async function readHealthState(store: Store, cluster: string): Promise<HealthState | undefined> {
  const raw = await store.getState(healthStateKey(cluster));
  if (raw === undefined) return undefined;
  const parsed = stateSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  return withoutUndefined(parsed.data);
}

/** Writes a cluster's health state. */
export async function writeHealthState(store: Store, cluster: string, state: HealthState): Promise<void> {
  await store.setState(healthStateKey(cluster), state);
}

/** What one health check observed; a field is undefined when it could not be read. */
export interface HealthObservation {
  tables?: readonly string[];
  level?: MetaLevel;
  storedLevel?: MetaLevel;
  leader?: string;
  /** `balance_operation_count.total`. */
  balanceTotal?: number;
}

/** The state to keep after a check: what was observed, and the previous values of what could not be read. */
export function nextHealthState(previous: HealthState | undefined, seen: HealthObservation, now: Date): HealthState {
  const tables = seen.tables ? [...seen.tables].sort() : previous?.tables;
  const pendingSince =
    seen.balanceTotal === undefined
      ? previous?.balancePendingSince
      : seen.balanceTotal > 0
        ? (previous?.balancePendingSince ?? now.toISOString())
        : undefined;
  return withoutUndefined({
    at: now.toISOString(),
    tableCount: seen.tables ? seen.tables.length : previous?.tableCount,
    tables,
    level: seen.level ?? previous?.level,
    storedLevel: seen.storedLevel ?? previous?.storedLevel,
    leader: seen.leader ?? previous?.leader,
    balancePendingSince: pendingSince,
  });
}

// exactOptionalPropertyTypes: a stored state has its optional keys absent, never set to undefined.
function withoutUndefined(o: { [K in keyof HealthState]: HealthState[K] | undefined }): HealthState {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as HealthState;
}
