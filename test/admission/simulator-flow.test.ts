/**
 * The whole flow against the simulated cluster over real sockets: a Slack form submission reviewed with the
 * cluster's real numbers, approval by another admin and its confirmation, `RPC_CM_CREATE_APP` through the
 * real client, the new table healthy in `app -d`, the applicant told in the review's thread. Then
 * `exec --json apply_table --file …`: the JSON shape and the exit code of each verdict and of an invalid file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultAdmissionDeps } from '../../src/admission/admission-context.js';
import { runExec } from '../../src/cli/exec.js';
import { systemClock } from '../../src/clock.js';
import { silentLogger } from '../../src/logger.js';
import { createPegasusClient } from '../../src/pegasus/pegasus-client.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { hotspotFeed, smallCache, timeSeries } from './applications.js';
import { admissionHarness, buttonRef, formValues, pendingIdOf, people } from './harness.js';

let sim: SimCluster;
let dir: string;

beforeAll(async () => {
  sim = await startSimCluster({ seed: 7 });
  dir = mkdtempSync(join(tmpdir(), 'pegasus-admission-'));
});

afterAll(async () => {
  await sim.stop();
  rmSync(dir, { recursive: true, force: true });
});

// The simulated replica servers answer reads at a P99 of about 30 ms: ask for a latency above twice that.
const relaxed = { read_p99_ms: 100, write_p99_ms: 100 };

describe('from the Slack form to a healthy table on the simulator', () => {
  it('reviews, asks the admins, creates the table after approval and confirmation, and tells the applicant', async () => {
    const api = createPegasusClient({
      metaServers: sim.metaServers,
      timeoutMs: 5000,
      concurrency: 8,
      logger: silentLogger(),
    });
    const store = new SqliteStore({ filename: ':memory:' });
    await store.migrate();
    let n = 0;
    const h = admissionHarness({
      api,
      store,
      clock: systemClock,
      deps: { ...defaultAdmissionDeps, newId: () => `sim${++n}` },
    });
    try {
      const ack = await h.dispatcher.submit({
        actor: people.applicant,
        channelId: 'C-apps',
        formId: 'apply_table',
        values: formValues({ ...smallCache, ...relaxed }),
      });
      expect(ack.title).toBe('Table application sim1 submitted: user_session — approve');
      const review = h.sink.postsTo('C-apps')[0];
      const data = review?.reply.data?.['review'] as Record<string, unknown>;
      // Five alive replica servers; reads 20,000 / 2,000 = 10 partitions → 16.
      expect(data).toMatchObject({ verdict: 'approve', partition_count: 16, replica_count: 3, disk_gb: 135 });
      // The simulator's 5 × 3,600 GB disks, most of them free.
      expect((data['storage'] as { free_gb: number }).free_gb).toBeGreaterThan(10_000);

      const request = h.sink.postsTo('C-admins')[0];
      if (!request) throw new Error('no decision request');
      const prompt = await h.dispatcher.act({
        actor: people.admin,
        channelId: 'C-admins',
        action: { kind: 'run', ref: buttonRef(request.reply, 'Approve') },
        message: request.ref,
      });
      expect(prompt.title).toMatch(/^Confirm: approve table application sim1/);
      const done = await h.dispatcher.act({
        actor: people.admin,
        channelId: 'C-admins',
        action: { kind: 'confirm', ref: pendingIdOf(prompt) },
      });
      expect(done.status).toBe('ok');
      expect(done.title).toBe('Application sim1: user_session created on prod and healthy');

      const detail = await api.tableDetail('user_session');
      expect(detail.ok && detail.value).toMatchObject({
        partitionCount: 16,
        maxReplicaCount: 3,
        health: { fullyHealthy: 16, unhealthy: 0 },
      });
      expect(sim.model.table('user_session')?.partitionCount).toBe(16);
      const application = await store.getApplication('sim1');
      expect(application).toMatchObject({ status: 'created', decidedBy: people.admin });
      expect(application?.appId).toBe(detail.ok ? detail.value.appId : -1);

      const told = h.sink.events.find((e) => e.target?.threadOf !== undefined);
      expect(told?.target?.threadOf).toEqual(review?.ref);
      expect(told?.reply.title).toBe('Your table application sim1 (user_session): approved and created');
      const audit = (await store.listAudit({ limit: 20, ref: 'sim1' })).map((e) => e.event).reverse();
      expect(audit).toEqual(['application_submitted', 'application_approved', 'application_created']);
    } finally {
      await api.close();
      await store.close();
    }
  });
});

describe('exec --json apply_table --file', () => {
  async function exec(file: string, content: unknown): Promise<{ code: number; json: Record<string, unknown> }> {
    const path = join(dir, file);
    writeFileSync(path, JSON.stringify(content));
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const code = await runExec(['--json', 'apply_table', '--file', path], {
      stdout,
      stderr: new PassThrough(),
      env: {
        PEGASUS_META_SERVERS: sim.metaServers.join(','),
        DATA_DIR: join(dir, 'data'),
        LOG_LEVEL: 'silent',
        PEGASUS_CONFIG: 'pegasus.json',
      },
      readFile: () => JSON.stringify({ admission: { loadSampleMs: 100 } }),
    });
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    return { code, json: JSON.parse(lines[0] ?? '') as Record<string, unknown> };
  }

  it('exits 0 for approve with the review in the JSON object', async () => {
    const { code, json } = await exec('approve.json', { ...smallCache, ...relaxed, table_name: 'exec_cache' });
    expect(code).toBe(0);
    expect(json).toMatchObject({ command: expect.stringMatching(/^apply_table --file /) as unknown, status: 'ok' });
    expect(json['review']).toMatchObject({
      verdict: 'approve',
      partition_count: 16,
      replica_count: 3,
      disk_gb: 135,
      reasons: [expect.stringMatching(/^No risk found/) as unknown],
    });
    const findings = json['findings'] as { check: string; severity: string }[];
    expect(findings.length).toBeGreaterThan(0);
    expect(new Set(findings.map((f) => f.check))).toEqual(new Set(['apply_table']));
    expect(typeof json['text']).toBe('string');
  });

  it('exits 1 for conditions (a hotspot) and 2 for needs changes (monotonic time keys)', async () => {
    const hot = await exec('hotspot.json', { ...hotspotFeed, ...relaxed });
    expect(hot.code).toBe(1);
    expect(hot.json['status']).toBe('warn');
    expect(hot.json['review']).toMatchObject({ verdict: 'conditions', partition_count: 32 });
    const findings = hot.json['findings'] as { severity: string; summary: string }[];
    expect(findings.filter((f) => f.severity === 'warn').map((f) => f.summary)).toEqual([
      expect.stringMatching(/^Hotspot/) as unknown,
    ]);

    const ts = await exec('timeseries.json', { ...timeSeries, ...relaxed });
    expect(ts.code).toBe(2);
    expect(ts.json['status']).toBe('crit');
    expect(ts.json['review']).toMatchObject({ verdict: 'changes', partition_count: 1024 });
    // Five simulated nodes also cannot take 50,000 writes × 3 replicas: both are reasons.
    const reasons = (ts.json['review'] as { reasons: string[] }).reasons;
    expect(reasons.filter((r) => /^(Data skew|Load)/.test(r))).toHaveLength(2);
  });

  it('exits 3 for an invalid application, with every field’s error', async () => {
    const { code, json } = await exec('invalid.json', {
      ...smallCache,
      table_name: 'no-dash',
      avg_kv_kb: -1,
      growth_1y: 'x',
    });
    expect(code).toBe(3);
    expect(json['status']).toBe('unknown');
    expect(json['error']).toEqual({ code: 'INVALID_APPLICATION' });
    expect(Object.keys(json['errors'] as object).sort()).toEqual(['avg_kv_kb', 'growth_1y', 'table_name']);
    expect(json).not.toHaveProperty('review');
  });
});
