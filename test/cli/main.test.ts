import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main-cli.js';
import { main, type MainIo } from '../../src/main.js';

interface Captured {
  io: MainIo;
  stdin: PassThrough;
  stdout: () => string;
  stderr: () => string;
}

function capture(env: Record<string, string>): Captured {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
  return {
    io: { stdin, stdout, stderr, env: { LOG_LEVEL: 'silent', ...env } },
    stdin,
    stdout: () => out,
    stderr: () => err,
  };
}

describe('npm start (main)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('stops on a bad setting with the variable named and exit 3, starting nothing', async () => {
    const c = capture({ APPROVAL_TTL: 'later' });
    expect(await main(c.io)).toBe(3);
    expect(c.stderr()).toContain('APPROVAL_TTL: expected a duration like 30s, 15m, 2h or 1d, got "later"');
    expect(c.stdout()).toBe('');
  });

  it('without a cluster or chat credentials starts the simulator and the console, and says so first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pegasus-main-'));
    dirs.push(dir);
    const c = capture({ DATA_DIR: dir });
    const running = main(c.io);
    c.stdin.end('help\naudit\nexit\n');
    expect(await running).toBe(0);
    const [first, ...rest] = c.stdout().split('\n');
    expect(first).toMatch(
      /^pegasus-chatops: no PEGASUS_META_SERVERS configured — started a simulated cluster \(3 metas, 5 replicas\) at 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+,127\.0\.0\.1:\d+; console adapter on stdin \(type help\)$/,
    );
    const session = rest.join('\n');
    expect(session).toContain('pegasus> ');
    expect(session).toMatch(/\[OK\] Pegasus commands \(\d+\)/);
    // `help` was audited before `audit` ran, as the console user.
    expect(session).toContain('console:local');
    expect(existsSync(join(dir, 'pegasus-chatops.db'))).toBe(true);
    expect(existsSync(join(dir, 'console-history'))).toBe(true);
  });
});

describe('the pegasus-chatops CLI', () => {
  it('prints its usage and answers an unknown subcommand with the closest one', async () => {
    const ok = capture({});
    expect(await runCli(['help'], ok.io)).toBe(0);
    expect(ok.stdout()).toContain('pegasus-chatops exec [options] "<cmd>"');
    const bad = capture({});
    expect(await runCli(['exce', 'health'], bad.io)).toBe(3);
    expect(bad.stderr()).toContain('unknown subcommand `exce`. Did you mean `exec`?');
  });

  it('explains what discord register needs when it is missing', async () => {
    const c = capture({});
    expect(await runCli(['discord', 'register'], c.io)).not.toBe(0);
    expect(c.stderr()).toContain('set DISCORD_BOT_TOKEN and DISCORD_APPLICATION_ID');
    const other = capture({});
    expect(await runCli(['discord', 'unregister'], other.io)).toBe(3);
    expect(other.stderr()).toContain('Usage: pegasus-chatops discord register');
  });
});
