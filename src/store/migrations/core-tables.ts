/**
 * Migration 1: the tables of the first release. Times are epoch milliseconds in SQLite and `timestamptz` in
 * PostgreSQL; JSON values are TEXT in SQLite and `jsonb` in PostgreSQL (SQL NULL means "absent").
 */
import type { Migration } from '../migrations.js';

/** Pending actions, the append-only audit log, rebalance windows and their steps, bot state. */
export const coreTables: Migration = {
  version: 1,
  name: 'core tables',
  sqlite: `
    CREATE TABLE pending_actions (
      id            TEXT PRIMARY KEY,
      kind          TEXT NOT NULL,
      command       TEXT NOT NULL,
      cluster       TEXT NOT NULL,
      params        TEXT,
      risk          TEXT NOT NULL,
      requested_by  TEXT NOT NULL,
      channel_id    TEXT NOT NULL,
      required_role TEXT NOT NULL,
      created_at    INTEGER NOT NULL,
      expires_at    INTEGER NOT NULL,
      status        TEXT NOT NULL,
      decided_by    TEXT,
      decided_at    INTEGER,
      result        TEXT,
      messages      TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX pending_actions_status ON pending_actions (status, cluster);

    CREATE TABLE audit_log (
      id             INTEGER PRIMARY KEY AUTOINCREMENT,
      at             INTEGER NOT NULL,
      actor          TEXT NOT NULL,
      actor_platform TEXT NOT NULL,
      actor_user_id  TEXT NOT NULL,
      channel_id     TEXT NOT NULL,
      cluster        TEXT,
      event          TEXT NOT NULL,
      command        TEXT NOT NULL,
      args           TEXT,
      outcome        TEXT NOT NULL,
      approvers      TEXT,
      ref            TEXT
    );
    CREATE INDEX audit_log_at ON audit_log (at, id);
    CREATE INDEX audit_log_user ON audit_log (actor_user_id, at);
    CREATE INDEX audit_log_ref ON audit_log (ref, at);
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

    CREATE TABLE rebalance_windows (
      id           TEXT PRIMARY KEY,
      cluster      TEXT NOT NULL,
      start_at     INTEGER NOT NULL,
      end_at       INTEGER NOT NULL,
      reason       TEXT,
      requested_by TEXT NOT NULL,
      channel_id   TEXT NOT NULL,
      status       TEXT NOT NULL,
      approved_by  TEXT,
      end_reason   TEXT,
      before_state TEXT,
      after_state  TEXT,
      thread       TEXT,
      quiet_checks INTEGER NOT NULL DEFAULT 0,
      started_at   INTEGER,
      ended_at     INTEGER,
      updated_at   INTEGER NOT NULL
    );
    CREATE INDEX rebalance_windows_cluster ON rebalance_windows (cluster, status);

    CREATE TABLE window_steps (
      seq       INTEGER PRIMARY KEY AUTOINCREMENT,
      window_id TEXT NOT NULL,
      step_key  TEXT NOT NULL,
      at        INTEGER NOT NULL,
      detail    TEXT,
      UNIQUE (window_id, step_key)
    );

    CREATE TABLE bot_state (
      name       TEXT PRIMARY KEY,
      value      TEXT NOT NULL,
      updated_at INTEGER NOT NULL
    );
  `,
  postgres: `
    CREATE TABLE pending_actions (
      id            text PRIMARY KEY,
      kind          text NOT NULL,
      command       text NOT NULL,
      cluster       text NOT NULL,
      params        jsonb,
      risk          text NOT NULL,
      requested_by  jsonb NOT NULL,
      channel_id    text NOT NULL,
      required_role text NOT NULL,
      created_at    timestamptz NOT NULL,
      expires_at    timestamptz NOT NULL,
      status        text NOT NULL,
      decided_by    jsonb,
      decided_at    timestamptz,
      result        text,
      messages      jsonb NOT NULL DEFAULT '[]'::jsonb
    );
    CREATE INDEX pending_actions_status ON pending_actions (status, cluster);

    CREATE TABLE audit_log (
      id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      at             timestamptz NOT NULL,
      actor          jsonb NOT NULL,
      actor_platform text NOT NULL,
      actor_user_id  text NOT NULL,
      channel_id     text NOT NULL,
      cluster        text,
      event          text NOT NULL,
      command        text NOT NULL,
      args           jsonb,
      outcome        text NOT NULL,
      approvers      jsonb,
      ref            text
    );
    CREATE INDEX audit_log_at ON audit_log (at, id);
    CREATE INDEX audit_log_user ON audit_log (actor_user_id, at);
    CREATE INDEX audit_log_ref ON audit_log (ref, at);
    -- The audit log must hold even against a bug or a hand-typed statement: refuse changes in the database.
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$;
    CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

    CREATE TABLE rebalance_windows (
      id           text PRIMARY KEY,
      cluster      text NOT NULL,
      start_at     timestamptz NOT NULL,
      end_at       timestamptz NOT NULL,
      reason       text,
      requested_by jsonb NOT NULL,
      channel_id   text NOT NULL,
      status       text NOT NULL,
      approved_by  jsonb,
      end_reason   text,
      before_state jsonb,
      after_state  jsonb,
      thread       jsonb,
      quiet_checks integer NOT NULL DEFAULT 0,
      started_at   timestamptz,
      ended_at     timestamptz,
      updated_at   timestamptz NOT NULL
    );
    CREATE INDEX rebalance_windows_cluster ON rebalance_windows (cluster, status);

    CREATE TABLE window_steps (
      seq       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      window_id text NOT NULL,
      step_key  text NOT NULL,
      at        timestamptz NOT NULL,
      detail    jsonb,
      UNIQUE (window_id, step_key)
    );

    CREATE TABLE bot_state (
      name       text PRIMARY KEY,
      value      jsonb NOT NULL,
      updated_at timestamptz NOT NULL
    );
  `,
};
