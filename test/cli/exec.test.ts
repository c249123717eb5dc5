import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandSpec } from '../../src/commands/command-spec.js';
import { buildCatalog, createRuntime } from '../../src/cli/create-runtime.js';
import { runExec, type ExecIo } from '../../src/cli/exec.js';
import type { SimHandle } from '../../src/cli/late-modules.js';
import { messageReply } from '../../src/replies/reply.js';
import { ok } from '../../src/result.js';
import { MemoryStore } from '../support/memory-store.js';
import { fakeSpecs, handlesOf, type Runs } from '../commands/gate-fixtures.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const critSpec: CommandSpec<null> = {
  name: 'crit',
  summary: 'Always critical',
  usage: 'crit',
  group: 'cluster',
  risk: () => 'read',
  parse: () => ok(null),
  run: async (ctx) => ({
    ...messageReply('crit', 'crit', 'Bad', [], ctx.clock.now()),
    findings: [{ check: 'c', severity: 'crit', subject: ctx.cluster.name, summary: 'down' }],
  }),
};

const slowSpec: CommandSpec<null> = {
  name: 'slow',
  summary: 'Never answers in time',
  usage: 'slow',
  group: 'cluster',
  risk: () => 'read',
  parse: () => ok(null),
  run: (ctx) =>
    new Promise((resolve) => {
      setTimeout(() => {
        resolve(messageReply('slow', 'ok', 'late', [], ctx.clock.now()));
      }, 2000).unref();
    }),
};

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  runs: Runs;
  stores: MemoryStore[];
}

async function exec(
  argv: string[],
  options: { env?: Record<string, string>; tty?: boolean; sim?: () => Promise<SimHandle | undefined> } = {},
): Promise<Outcome> {
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty ?? false });
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const runs: Runs = { calls: [] };
  const stores: MemoryStore[] = [];
  const io: ExecIo = {
    stdout,
    stderr,
    env: { LOG_LEVEL: 'silent', ...options.env },
    catalog: buildCatalog([...fakeSpecs(runs), critSpec, slowSpec]),
    createRuntime: (o) => {
      const store = new MemoryStore();
      stores.push(store);
      return createRuntime({ ...o, store, clusters: handlesOf(o.config) });
    },
    readFile: () =>
      JSON.stringify({
        clusters: [
          { name: 'prod', metaServers: ['127.0.0.1:34601'] },
          { name: 'staging', metaServers: ['127.0.0.1:35601'] },
        ],
      }),
    startSimulator: options.sim ?? (() => Promise.resolve(undefined)),
  };
  const code = await runExec(argv, io);
  return { code, stdout: out, stderr: err, runs, stores };
}

const meta = ['--meta-servers', '127.0.0.1:34601'];

describe('exec', () => {
  it('exits with the monitoring-plugin code of the reply: 0 ok, 1 warn, 2 crit, 3 unknown', async () => {
    expect((await exec([...meta, '--yes', 'set_flag on'])).code).toBe(0);
    expect((await exec([...meta, 'status'])).code).toBe(1);
    expect((await exec([...meta, 'crit'])).code).toBe(2);
    expect((await exec([...meta, 'status --cluster nowhere'])).code).toBe(3);
  });

  it('prints the rendered text on stdout and nothing on stderr', async () => {
    const r = await exec([...meta, 'status -d']);
    expect(r.stdout).toContain('[WARN] Fake status');
    expect(r.stdout).toContain('cluster default');
    expect(r.stdout).not.toContain('\u001b[');
    expect(r.stderr).toBe('');
  });

  it('prints exactly one JSON object on stdout with --json', async () => {
    const r = await exec(['--json', ...meta, 'status -d']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    const json = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(json).toMatchObject({
      command: 'status -d',
      status: 'warn',
      findings: [{ check: 'fake', severity: 'warn', subject: 'default', summary: 'something to look at' }],
      cluster: 'default',
    });
    expect(typeof json['text']).toBe('string');
    expect(json['text']).toContain('[WARN] Fake status');
    expect(json['text']).not.toContain('\u001b[');
  });

  it('accepts the command as several words as well as one quoted argument', async () => {
    const r = await exec([...meta, 'status', '-d']);
    expect(r.runs.calls[0]?.params).toEqual({ detailed: true });
  });

  it('colours text only on a terminal without NO_COLOR, and never in JSON', async () => {
    expect((await exec([...meta, 'status'], { tty: true })).stdout).toContain('\u001b[33m[WARN]');
    expect((await exec([...meta, 'status'], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
    expect((await exec(['--json', ...meta, 'status'], { tty: true })).stdout).not.toContain('\u001b[');
  });

  it('refuses a malformed --meta-servers with what is accepted (exit 3), as one JSON object with --json', async () => {
    const text = await exec(['--meta-servers', 'foo', 'status']);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(
      '--meta-servers: "foo" is not host:port. Accepted: a comma-separated list of host:port',
    );
    const json = await exec(['--json', '--meta-servers', '127.0.0.1:1,bar:x', 'status']);
    expect(json.code).toBe(3);
    const parsed = JSON.parse(json.stdout) as { status: string; text: string };
    expect(parsed.status).toBe('unknown');
    expect(parsed.text).toContain('"bar:x" is not host:port');
    expect(json.runs.calls).toHaveLength(0);
  });

  it('answers an unknown command with the closest match (exit 3) without opening anything', async () => {
    const r = await exec(['--json', ...meta, 'stauts -d']);
    expect(r.code).toBe(3);
    expect((JSON.parse(r.stdout) as { text: string }).text).toContain(
      'Unknown command `stauts`. Did you mean `status`?',
    );
    expect(r.stores).toHaveLength(0);
  });

  it('refuses a change without --yes (exit 3, nothing sent) and runs it with --yes', async () => {
    const refused = await exec([...meta, 'set_flag on']);
    expect(refused.code).toBe(3);
    expect(refused.stdout).toContain('Add --yes to confirm it in advance');
    expect(refused.runs.calls).toHaveLength(0);
    const done = await exec([...meta, '--yes', 'set_level lively']);
    expect(done.code).toBe(0);
    expect(done.runs.calls).toHaveLength(1);
    const audit = await done.stores[0]!.listAudit({ limit: 5 });
    expect(audit[0]).toMatchObject({ event: 'command', actor: { platform: 'exec', userId: 'local' } });
  });

  it('gives up after --timeout with exit 3', async () => {
    const r = await exec([...meta, '--timeout', '50ms', 'slow']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('[UNKNOWN] Timed out after 50ms');
    const bad = await exec([...meta, '--timeout', 'soon', 'slow']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('--timeout needs a duration like 5s, 30s or 2m, not "soon"');
  });

  it('chooses a cluster of the config file with --cluster', async () => {
    const r = await exec(['--json', '--cluster', 'staging', 'status'], { env: { PEGASUS_CONFIG: 'c.json' } });
    expect((JSON.parse(r.stdout) as { cluster: string }).cluster).toBe('staging');
    expect(r.runs.calls[0]?.cluster).toBe('staging');
  });

  it('stops on a bad setting with the variable named (exit 3)', async () => {
    const r = await exec([...meta, 'status'], { env: { PEGASUS_TIMEOUT: 'forever' } });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('PEGASUS_TIMEOUT: expected a duration like 30s');
  });

  it('starts the simulator when no cluster is configured, says so on stderr, and stops it', async () => {
    let stopped = 0;
    const r = await exec(['--json', 'status'], {
      sim: () =>
        Promise.resolve({
          metaServers: ['127.0.0.1:4'],
          stop: () => {
            stopped++;
            return Promise.resolve();
          },
        }),
    });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as { cluster: string }).cluster).toBe('sim');
    expect(r.stderr).toContain('started a simulated cluster at 127.0.0.1:4');
    expect(stopped).toBe(1);
    const none = await exec(['status']);
    expect(none.code).toBe(3);
    expect(none.stdout).toContain('Set PEGASUS_META_SERVERS=host:port,host:port or pass --meta-servers host:port.');
  });

  it('prints its usage for --help and refuses an unknown option', async () => {
    const help = await exec(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: pegasus-chatops exec');
    const bad = await exec(['--jsno', 'status']);
    expect(bad.code).toBe(3);
    expect(bad.stdout).toContain('Unknown option --jsno.');
    const empty = await exec([...meta]);
    expect(empty.code).toBe(3);
  });
});

interface Spawned {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBin(args: string[], env: Record<string, string>): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/pegasus-chatops.js'), ...args], {
      cwd: repoRoot,
      env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

describe('the real bin', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('runs exec from TypeScript sources: a malformed address is exit 3 with one JSON object on stdout', async () => {
    const r = await runBin(['exec', '--json', '--meta-servers', 'foo', 'health'], {});
    expect(r.code).toBe(3);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ status: 'unknown', command: 'exec' });
  });

  it('runs a command against the embedded simulator with the store in DATA_DIR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pegasus-bin-'));
    dirs.push(dir);
    const r = await runBin(['exec', '--json', 'audit'], { DATA_DIR: dir });
    expect(r.stderr).toContain('started a simulated cluster');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { command: string; status: string; cluster: string };
    expect(json).toMatchObject({ command: 'audit', status: 'ok', cluster: 'sim' });
  });
});
