import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../../adapters/console/console-adapter.js';
import { MemoryStore } from '../support/memory-store.js';
import { harness, type Harness } from '../commands/gate-fixtures.js';

interface Session {
  output: string;
  h: Harness;
}

/** Runs a console session over PassThrough streams with the given lines typed, until the input ends. */
async function session(
  lines: string[],
  options: { interactive?: boolean; historyFile?: string; h?: Harness } = {},
): Promise<Session> {
  const h = options.h ?? harness(new MemoryStore());
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const adapter = new ConsoleAdapter({
    dispatcher: h.dispatcher,
    input,
    output,
    interactive: options.interactive ?? true,
    ...(options.historyFile ? { historyFile: options.historyFile } : {}),
  });
  const done = adapter.run();
  input.end(lines.map((l) => `${l}\n`).join(''));
  await done;
  return { output: text, h };
}

describe('console adapter', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('shows the prompt, answers help with the commands and the console keys, then exits', async () => {
    const { output, h } = await session(['help', 'exit', 'status']);
    expect(output.startsWith('pegasus> ')).toBe(true);
    expect(output).toContain('[OK] Pegasus commands (6)');
    expect(output).toContain('status [-d]');
    expect(output).toContain('`exit` or `quit` (or Ctrl-D) leaves');
    // Nothing after `exit` runs.
    expect(h.runs.calls).toHaveLength(0);
  });

  it('runs a command as the local user and renders the reply as text', async () => {
    const { output, h } = await session(['status -d']);
    expect(output).toContain('[WARN] Fake status');
    expect(output).toContain('  WARN  prod: something to look at  (fake)');
    expect(h.runs.calls[0]?.actor).toEqual({ platform: 'console', userId: 'local' });
  });

  it('asks Proceed? [y/N] for a change and runs it on y', async () => {
    const { output, h } = await session(['set_flag on', 'y', 'quit']);
    expect(output).toContain('[OK] Confirm: set the fake flag of prod to on?');
    expect(output).toContain('Proceed? [y/N] ');
    // The question replaces the typed-decision hints.
    expect(output).not.toContain('→ confirm with');
    expect(output).toContain('[OK] Flag set to on');
    expect(h.runs.calls).toHaveLength(1);
    const audit = await h.store.listAudit({ limit: 10 });
    expect(audit.map((e) => e.event).reverse()).toEqual(['confirm_requested', 'confirmed', 'result']);
  });

  it('cancels on n (or anything but y) and runs nothing', async () => {
    const { output, h } = await session(['set_level lively', 'n', 'set_flag x', 'maybe']);
    expect(output.match(/Proceed\? \[y\/N\]/g)).toHaveLength(2);
    expect(output).toContain('[OK] Cancelled: set_level lively');
    expect(output).toContain('[OK] Cancelled: set_flag x');
    expect(h.runs.calls).toHaveLength(0);
  });

  it('cancels when the input ends at the question', async () => {
    const { h } = await session(['set_flag on']);
    expect(h.runs.calls).toHaveLength(0);
    const [pending] = await h.store.listPending({});
    expect(pending?.status).toBe('cancelled');
  });

  it('refuses a change without a terminal and says what to do instead', async () => {
    const { output, h } = await session(['set_flag on', 'y'], { interactive: false });
    expect(output).toContain('[UNKNOWN] Confirmation needed');
    expect(output).toContain('run it with exec --yes instead');
    expect(output).not.toContain('Proceed?');
    expect(h.runs.calls).toHaveLength(0);
  });

  it('lists and keeps the history in a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pegasus-console-'));
    dirs.push(dir);
    const historyFile = join(dir, 'history');
    writeFileSync(historyFile, 'old command\n');
    const { output } = await session(['status', 'help status', 'history'], { historyFile });
    expect(output).toContain('   1  status\n   2  help status\n   3  history');
    expect(readFileSync(historyFile, 'utf8')).toBe('old command\nstatus\nhelp status\n');
  });

  it('prints messages the core posts through it and their updates', async () => {
    const h = harness(new MemoryStore());
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const adapter = new ConsoleAdapter({ dispatcher: h.dispatcher, input, output, interactive: true });
    const done = adapter.run();
    const at = '2026-03-01T10:00:00.000Z';
    const ref = await adapter.post(
      { channelId: 'alerts' },
      { command: 'alert', status: 'crit', title: 'Node down', findings: [], context: { at } },
    );
    await adapter.update(ref, { command: 'alert', status: 'ok', title: 'Node back', findings: [], context: { at } });
    adapter.close();
    await done;
    expect(ref).toEqual({ platform: 'console', channelId: 'alerts', messageId: '1' });
    expect(text).toContain('[message #1 to alerts]\n[CRIT] Node down');
    expect(text).toContain('[message #1 updated]\n[OK] Node back');
  });

  it('asks the fields of a form and submits them', async () => {
    const h = harness(new MemoryStore());
    const submitted: Record<string, string>[] = [];
    h.dispatcher.registerForm('apply', async (form, tools) => {
      submitted.push(form.values);
      const at = tools.clock.now().toISOString();
      if (form.values['name'] === 'bad name') {
        return {
          command: 'apply',
          status: 'unknown',
          title: 'Fix the form',
          findings: [],
          formErrors: { name: 'use letters and _' },
          context: { at },
        };
      }
      return {
        command: 'apply',
        status: 'ok',
        title: `Applied ${form.values['name'] ?? ''}`,
        findings: [],
        context: { at },
      };
    });
    h.dispatcher.registerAction('form', async (_click, tools) => ({
      command: 'apply',
      status: 'ok',
      title: 'Apply for a table',
      findings: [],
      form: {
        id: 'apply',
        title: 'Apply for a table',
        submitLabel: 'Apply',
        fields: [
          { name: 'name', label: 'Table name', kind: 'text', required: true },
          { name: 'note', label: 'Note', kind: 'text', required: false },
        ],
      },
      context: { at: tools.clock.now().toISOString() },
    }));
    // A spec-free way to get a form reply: the `run` path is not needed, so drive the form action directly.
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const dispatcher = {
      run: () =>
        h.dispatcher.act({
          actor: { platform: 'console', userId: 'local' },
          channelId: 'console',
          action: { kind: 'form', ref: 'apply' },
        }),
      act: h.dispatcher.act.bind(h.dispatcher),
      submit: h.dispatcher.submit.bind(h.dispatcher),
    };
    const adapter = new ConsoleAdapter({ dispatcher, input, output, interactive: true });
    const done = adapter.run();
    input.end(['apply_table', 'bad name', 'first', 'good_name', ''].map((l) => `${l}\n`).join(''));
    await done;
    expect(submitted).toEqual([
      { name: 'bad name', note: 'first' },
      { name: 'good_name', note: 'first' },
    ]);
    expect(text).toContain('Table name: ');
    expect(text).toContain('name: use letters and _');
    expect(text).toContain('Note (optional) [first]: ');
    expect(text).toContain('[OK] Applied good_name');
  });
});
