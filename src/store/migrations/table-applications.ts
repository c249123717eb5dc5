/**
 * Migration 3: table applications — the intake form as submitted, its review, the admins' decision and the
 * created table (see `src/admission/`).
 */
import type { Migration } from '../migrations.js';

/** The `table_applications` table. */
export const tableApplications: Migration = {
  version: 3,
  name: 'admission: table applications',
  sqlite: `
    CREATE TABLE table_applications (
      id                 TEXT PRIMARY KEY,
      cluster            TEXT NOT NULL,
      table_name         TEXT NOT NULL,
      applicant          TEXT NOT NULL,
      applicant_platform TEXT NOT NULL,
      applicant_user_id  TEXT NOT NULL,
      channel_id         TEXT NOT NULL,
      status             TEXT NOT NULL,
      verdict            TEXT NOT NULL,
      form               TEXT,
      review             TEXT,
      source             TEXT,
      decision_messages  TEXT NOT NULL DEFAULT '[]',
      decided_by         TEXT,
      decided_at         INTEGER,
      note               TEXT,
      app_id             INTEGER,
      submitted_at       INTEGER NOT NULL,
      updated_at         INTEGER NOT NULL
    );
    CREATE INDEX table_applications_cluster ON table_applications (cluster, status);
    CREATE INDEX table_applications_name ON table_applications (table_name);
    CREATE INDEX table_applications_submitted ON table_applications (submitted_at, id);
  `,
  postgres: `
    CREATE TABLE table_applications (
      id                 text PRIMARY KEY,
      cluster            text NOT NULL,
      table_name         text NOT NULL,
      applicant          jsonb NOT NULL,
      applicant_platform text NOT NULL,
      applicant_user_id  text NOT NULL,
      channel_id         text NOT NULL,
      status             text NOT NULL,
      verdict            text NOT NULL,
      form               jsonb,
      review             jsonb,
      source             jsonb,
      decision_messages  jsonb NOT NULL DEFAULT '[]'::jsonb,
      decided_by         jsonb,
      decided_at         timestamptz,
      note               text,
      app_id             integer,
      submitted_at       timestamptz NOT NULL,
      updated_at         timestamptz NOT NULL
    );
    CREATE INDEX table_applications_cluster ON table_applications (cluster, status);
    CREATE INDEX table_applications_name ON table_applications (table_name);
    CREATE INDEX table_applications_submitted ON table_applications (submitted_at, id);
  `,
};
