/**
 * Migration 2: the monitoring tables — alerts keyed by fingerprint, alert groups (one chat thread each),
 * the delivery outbox (a failed post is retried, never dropped) and load samples for baselines.
 */
import type { Migration } from '../migrations.js';

/** Alerts, alert groups, the alert outbox and metric samples. */
export const monitoringTables: Migration = {
  version: 2,
  name: 'monitoring: alerts, alert groups, alert outbox, metric samples',
  sqlite: `
    CREATE TABLE alerts (
      fingerprint   TEXT PRIMARY KEY,
      group_key     TEXT NOT NULL,
      cluster       TEXT NOT NULL,
      rule          TEXT NOT NULL,
      subject       TEXT NOT NULL,
      source        TEXT NOT NULL,
      status        TEXT NOT NULL,
      severity      TEXT NOT NULL,
      summary       TEXT NOT NULL,
      detail        TEXT,
      started_at    INTEGER NOT NULL,
      last_seen_at  INTEGER NOT NULL,
      missing_since INTEGER,
      missing_count INTEGER NOT NULL DEFAULT 0,
      resolved_at   INTEGER,
      flaps         INTEGER NOT NULL DEFAULT 0,
      updated_at    INTEGER NOT NULL
    );
    CREATE INDEX alerts_group ON alerts (group_key, status);
    CREATE INDEX alerts_cluster ON alerts (cluster, source, status);
    CREATE INDEX alerts_status ON alerts (status, resolved_at);

    CREATE TABLE alert_groups (
      key            TEXT PRIMARY KEY,
      cluster        TEXT NOT NULL,
      rule           TEXT NOT NULL,
      source         TEXT NOT NULL,
      title          TEXT NOT NULL,
      external_key   TEXT,
      roots          TEXT NOT NULL DEFAULT '[]',
      acked_by       TEXT,
      acked_at       INTEGER,
      silenced_until INTEGER,
      silenced_by    TEXT,
      reminded_at    INTEGER,
      last_delivery  TEXT,
      created_at     INTEGER NOT NULL,
      updated_at     INTEGER NOT NULL
    );
    CREATE INDEX alert_groups_cluster ON alert_groups (cluster);
    CREATE INDEX alert_groups_external ON alert_groups (external_key);

    CREATE TABLE alert_outbox (
      id              INTEGER PRIMARY KEY AUTOINCREMENT,
      group_key       TEXT NOT NULL,
      platform        TEXT NOT NULL,
      channel_id      TEXT NOT NULL,
      payload         TEXT,
      created_at      INTEGER NOT NULL,
      attempts        INTEGER NOT NULL DEFAULT 0,
      next_attempt_at INTEGER NOT NULL,
      last_error      TEXT
    );
    CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at, id);

    CREATE TABLE metric_samples (
      cluster      TEXT NOT NULL,
      scope        TEXT NOT NULL,
      subject      TEXT NOT NULL,
      resolution   TEXT NOT NULL,
      at           INTEGER NOT NULL,
      read_qps     REAL NOT NULL,
      write_qps    REAL NOT NULL,
      read_p99_ms  REAL NOT NULL,
      write_p99_ms REAL NOT NULL,
      count        INTEGER NOT NULL,
      PRIMARY KEY (cluster, resolution, at, scope, subject)
    );
    CREATE INDEX metric_samples_subject ON metric_samples (cluster, resolution, scope, subject, at);
  `,
  postgres: `
    CREATE TABLE alerts (
      fingerprint   text PRIMARY KEY,
      group_key     text NOT NULL,
      cluster       text NOT NULL,
      rule          text NOT NULL,
      subject       text NOT NULL,
      source        text NOT NULL,
      status        text NOT NULL,
      severity      text NOT NULL,
      summary       text NOT NULL,
      detail        jsonb,
      started_at    timestamptz NOT NULL,
      last_seen_at  timestamptz NOT NULL,
      missing_since timestamptz,
      missing_count integer NOT NULL DEFAULT 0,
      resolved_at   timestamptz,
      flaps         integer NOT NULL DEFAULT 0,
      updated_at    timestamptz NOT NULL
    );
    CREATE INDEX alerts_group ON alerts (group_key, status);
    CREATE INDEX alerts_cluster ON alerts (cluster, source, status);
    CREATE INDEX alerts_status ON alerts (status, resolved_at);

    CREATE TABLE alert_groups (
      key            text PRIMARY KEY,
      cluster        text NOT NULL,
      rule           text NOT NULL,
      source         text NOT NULL,
      title          text NOT NULL,
      external_key   text,
      roots          jsonb NOT NULL DEFAULT '[]'::jsonb,
      acked_by       jsonb,
      acked_at       timestamptz,
      silenced_until timestamptz,
      silenced_by    jsonb,
      reminded_at    timestamptz,
      last_delivery  text,
      created_at     timestamptz NOT NULL,
      updated_at     timestamptz NOT NULL
    );
    CREATE INDEX alert_groups_cluster ON alert_groups (cluster);
    CREATE INDEX alert_groups_external ON alert_groups (external_key);

    CREATE TABLE alert_outbox (
      id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      group_key       text NOT NULL,
      platform        text NOT NULL,
      channel_id      text NOT NULL,
      payload         jsonb,
      created_at      timestamptz NOT NULL,
      attempts        integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      last_error      text
    );
    CREATE INDEX alert_outbox_due ON alert_outbox (next_attempt_at, id);

    CREATE TABLE metric_samples (
      cluster      text NOT NULL,
      scope        text NOT NULL,
      subject      text NOT NULL,
      resolution   text NOT NULL,
      at           timestamptz NOT NULL,
      read_qps     double precision NOT NULL,
      write_qps    double precision NOT NULL,
      read_p99_ms  double precision NOT NULL,
      write_p99_ms double precision NOT NULL,
      count        integer NOT NULL,
      PRIMARY KEY (cluster, resolution, at, scope, subject)
    );
    CREATE INDEX metric_samples_subject ON metric_samples (cluster, resolution, scope, subject, at);
  `,
};
