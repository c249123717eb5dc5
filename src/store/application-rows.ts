/**
 * Row shape of `table_applications` and its conversion, shared by both stores (same conventions as
 * `store-rows.ts`: JSON as text, SQL NULL for absent, times as epoch ms in SQLite and `Date` in PostgreSQL).
 */
import type { Actor, MessageRef } from '../commands/command.js';
import type { ApplicationPatch, ApplicationStatus, ApplicationVerdict, TableApplication } from './store.js';
import { patchEntries, type PatchColumn } from './store-rows.js';

type JsonText = string | null;
type TimeValue = number | Date;

/** A `table_applications` row. */
export interface ApplicationRow {
  id: string;
  cluster: string;
  table_name: string;
  applicant: string;
  channel_id: string;
  status: string;
  verdict: string;
  form: JsonText;
  review: JsonText;
  source: JsonText;
  decision_messages: string;
  decided_by: JsonText;
  decided_at: TimeValue | null;
  note: string | null;
  app_id: number | null;
  submitted_at: TimeValue;
  updated_at: TimeValue;
}

function toDate(value: TimeValue): Date {
  return value instanceof Date ? new Date(value.getTime()) : new Date(value);
}

/** Converts a `table_applications` row. */
export function applicationFromRow(row: ApplicationRow): TableApplication {
  const application: TableApplication = {
    id: row.id,
    cluster: row.cluster,
    tableName: row.table_name,
    applicant: JSON.parse(row.applicant) as Actor,
    channelId: row.channel_id,
    status: row.status as ApplicationStatus,
    verdict: row.verdict as ApplicationVerdict,
    form: row.form === null ? undefined : JSON.parse(row.form),
    review: row.review === null ? undefined : JSON.parse(row.review),
    decisionMessages: JSON.parse(row.decision_messages) as MessageRef[],
    submittedAt: toDate(row.submitted_at),
    updatedAt: toDate(row.updated_at),
  };
  if (row.source !== null) application.source = JSON.parse(row.source) as MessageRef;
  if (row.decided_by !== null) application.decidedBy = JSON.parse(row.decided_by) as Actor;
  if (row.decided_at !== null) application.decidedAt = toDate(row.decided_at);
  if (row.note !== null) application.note = row.note;
  if (row.app_id !== null) application.appId = row.app_id;
  return application;
}

/** The fields `updateApplication` may set, and their columns. */
export const applicationPatchColumns: readonly PatchColumn<keyof ApplicationPatch>[] = [
  { field: 'status', column: 'status', type: 'text' },
  { field: 'source', column: 'source', type: 'json' },
  { field: 'decidedBy', column: 'decided_by', type: 'json' },
  { field: 'decidedAt', column: 'decided_at', type: 'time' },
  { field: 'note', column: 'note', type: 'text' },
  { field: 'appId', column: 'app_id', type: 'int' },
  { field: 'updatedAt', column: 'updated_at', type: 'time' },
];

/** The patch's fields that are set, with their columns (undefined leaves a field alone). */
export function applicationPatchEntries(patch: ApplicationPatch): { col: PatchColumn; value: unknown }[] {
  return patchEntries(applicationPatchColumns, patch);
}
