/**
 * Row shapes of the monitoring tables and their conversion, shared by both stores (same conventions as
 * `store-rows.ts`: JSON as text, SQL NULL for absent, times as epoch ms in SQLite and `Date` in PostgreSQL).
 */
import type { Actor, MessageRef, Platform } from '../commands/command.js';
import type {
  AlertDelivery,
  AlertGroup,
  AlertGroupPatch,
  AlertRecord,
  AlertSource,
  AlertStatus,
  MetricSample,
} from './store.js';
import { patchEntries, type PatchColumn } from './store-rows.js';

type JsonText = string | null;
type TimeValue = number | Date;

/** An `alerts` row. */
export interface AlertRow {
  fingerprint: string;
  group_key: string;
  cluster: string;
  rule: string;
  subject: string;
  source: string;
  status: string;
  severity: string;
  summary: string;
  detail: JsonText;
  started_at: TimeValue;
  last_seen_at: TimeValue;
  missing_since: TimeValue | null;
  missing_count: number;
  resolved_at: TimeValue | null;
  flaps: number;
  updated_at: TimeValue;
}

/** An `alert_groups` row. */
export interface AlertGroupRow {
  key: string;
  cluster: string;
  rule: string;
  source: string;
  title: string;
  external_key: string | null;
  roots: string;
  acked_by: JsonText;
  acked_at: TimeValue | null;
  silenced_until: TimeValue | null;
  silenced_by: JsonText;
  reminded_at: TimeValue | null;
  last_delivery: string | null;
  created_at: TimeValue;
  updated_at: TimeValue;
}

/** An `alert_outbox` row. */
export interface AlertDeliveryRow {
  id: number;
  group_key: string;
  platform: string;
  channel_id: string;
  payload: JsonText;
  created_at: TimeValue;
  attempts: number;
  next_attempt_at: TimeValue;
  last_error: string | null;
}

/** A `metric_samples` row. */
export interface MetricSampleRow {
  cluster: string;
  scope: string;
  subject: string;
  resolution: string;
  at: TimeValue;
  read_qps: number;
  write_qps: number;
  read_p99_ms: number;
  write_p99_ms: number;
  count: number;
}

function toDate(value: TimeValue): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value);
}

/** Converts an `alerts` row. */
export function alertFromRow(row: AlertRow): AlertRecord {
  const alert: AlertRecord = {
    fingerprint: row.fingerprint,
    groupKey: row.group_key,
    cluster: row.cluster,
    rule: row.rule,
    subject: row.subject,
    source: row.source as AlertSource,
    status: row.status as AlertStatus,
    severity: row.severity as AlertRecord['severity'],
    summary: row.summary,
    detail: row.detail === null ? undefined : JSON.parse(row.detail),
    startedAt: toDate(row.started_at),
    lastSeenAt: toDate(row.last_seen_at),
    missingCount: row.missing_count,
    flaps: row.flaps,
    updatedAt: toDate(row.updated_at),
  };
  if (row.missing_since !== null) alert.missingSince = toDate(row.missing_since);
  if (row.resolved_at !== null) alert.resolvedAt = toDate(row.resolved_at);
  return alert;
}

/** Converts an `alert_groups` row. */
export function alertGroupFromRow(row: AlertGroupRow): AlertGroup {
  const group: AlertGroup = {
    key: row.key,
    cluster: row.cluster,
    rule: row.rule,
    source: row.source as AlertSource,
    title: row.title,
    roots: JSON.parse(row.roots) as MessageRef[],
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
  if (row.external_key !== null) group.externalKey = row.external_key;
  if (row.acked_by !== null) group.ackedBy = JSON.parse(row.acked_by) as Actor;
  if (row.acked_at !== null) group.ackedAt = toDate(row.acked_at);
  if (row.silenced_until !== null) group.silencedUntil = toDate(row.silenced_until);
  if (row.silenced_by !== null) group.silencedBy = JSON.parse(row.silenced_by) as Actor;
  if (row.reminded_at !== null) group.remindedAt = toDate(row.reminded_at);
  if (row.last_delivery !== null) group.lastDelivery = row.last_delivery;
  return group;
}

/** Converts an `alert_outbox` row. */
export function alertDeliveryFromRow(row: AlertDeliveryRow): AlertDelivery {
  const delivery: AlertDelivery = {
    id: row.id,
    groupKey: row.group_key,
    platform: row.platform as Platform,
    channelId: row.channel_id,
    payload: row.payload === null ? undefined : JSON.parse(row.payload),
    createdAt: toDate(row.created_at),
    attempts: row.attempts,
    nextAttemptAt: toDate(row.next_attempt_at),
  };
  if (row.last_error !== null) delivery.lastError = row.last_error;
  return delivery;
}

/** Converts a `metric_samples` row. */
export function metricSampleFromRow(row: MetricSampleRow): MetricSample {
  return {
    cluster: row.cluster,
    scope: row.scope as MetricSample['scope'],
    subject: row.subject,
    resolution: row.resolution as MetricSample['resolution'],
    at: toDate(row.at),
    readQps: row.read_qps,
    writeQps: row.write_qps,
    readP99Ms: row.read_p99_ms,
    writeP99Ms: row.write_p99_ms,
    count: row.count,
  };
}

/** The group fields `updateAlertGroup` may set, and their columns. */
export const alertGroupPatchColumns: readonly PatchColumn<keyof AlertGroupPatch>[] = [
  { field: 'title', column: 'title', type: 'text' },
  { field: 'roots', column: 'roots', type: 'json' },
  { field: 'ackedBy', column: 'acked_by', type: 'json' },
  { field: 'ackedAt', column: 'acked_at', type: 'time' },
  { field: 'silencedUntil', column: 'silenced_until', type: 'time' },
  { field: 'silencedBy', column: 'silenced_by', type: 'json' },
  { field: 'remindedAt', column: 'reminded_at', type: 'time' },
  { field: 'lastDelivery', column: 'last_delivery', type: 'text' },
  { field: 'updatedAt', column: 'updated_at', type: 'time' },
];

/** The patch entries that are set (a `null` value clears the column). */
export function groupPatchEntries(patch: AlertGroupPatch): { col: PatchColumn; value: unknown }[] {
  return patchEntries(alertGroupPatchColumns, patch);
}
