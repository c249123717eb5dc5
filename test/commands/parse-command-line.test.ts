import { describe, expect, it } from 'vitest';
import {
  checkFlags,
  parseArgs,
  parseCommandLine,
  quoteWord,
  splitCommandLine,
  splitWords,
} from '../../src/commands/parse-command-line.js';

function words(line: string): string[] {
  const r = splitWords(line);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function parse(line: string, valueFlags: string[] = []) {
  const w = splitCommandLine(line);
  if (!w.ok) throw new Error(w.error.message);
  const r = parseCommandLine(w.value, valueFlags);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('splitWords', () => {
  it('splits on whitespace and honours quotes and escapes like a shell', () => {
    expect(words('  ls   -d ')).toEqual(['ls', '-d']);
    expect(words(`rebalance request "night window" 'it''s' a\\ b`)).toEqual([
      'rebalance',
      'request',
      'night window',
      'its',
      'a b',
    ]);
    expect(words(`say "a \\"quoted\\" word" ''`)).toEqual(['say', 'a "quoted" word', '']);
    expect(words('x\t\ty\nz')).toEqual(['x', 'y', 'z']);
  });

  it('treats typographic quotes from chat clients as straight ones', () => {
    expect(words('reason \u201clate night\u201d \u2018x y\u2019')).toEqual(['reason', 'late night', 'x y']);
  });

  it('refuses an unterminated quote and says how to fix it', () => {
    const r = splitWords('reason "late');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('BAD_INPUT');
      expect(r.error.message).toMatch(/double quote is not closed/);
    }
  });

  it('refuses an empty command line with a pointer to help', () => {
    const r = splitCommandLine('   ');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/help/);
  });
});

describe('parseArgs (the Pegasus Shell grammar)', () => {
  it('parses boolean short flags and value flags', () => {
    expect(parse('ls -d').args).toEqual({ positionals: [], flags: { d: true } });
    expect(parse('nodes -d').args.flags).toEqual({ d: true });
    expect(parse('app_stat -a temp', ['a']).args).toEqual({ positionals: [], flags: { a: 'temp' } });
    expect(parse('app_stat -atemp', ['a']).args.flags).toEqual({ a: 'temp' });
    expect(parse('set_meta_level lively').args).toEqual({ positionals: ['lively'], flags: {} });
  });

  it('bundles short flags like getopt and stops at a value flag', () => {
    expect(parse('nodes -dq').args.flags).toEqual({ d: true, q: true });
    expect(parse('app_stat -qa temp', ['a']).args.flags).toEqual({ q: true, a: 'temp' });
  });

  it('parses long flags with a space or an equals sign', () => {
    const p = parse('rebalance request --start 02:00 --duration=2h --dry-run "night"', ['start', 'duration']);
    expect(p.args).toEqual({
      positionals: ['request', 'night'],
      flags: { start: '02:00', duration: '2h', 'dry-run': true },
    });
  });

  it('treats negative numbers and words after -- as positionals', () => {
    expect(parseArgs(['-5', '--', '-d', '--x'])).toEqual({
      ok: true,
      value: { positionals: ['-5', '-d', '--x'], flags: {} },
    });
  });

  it('refuses a value flag without its value', () => {
    const w = splitCommandLine('app_stat -a');
    expect(w.ok).toBe(true);
    if (!w.ok) return;
    const r = parseCommandLine(w.value, ['a']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('-a needs a value, e.g. -a <value>.');
  });

  it('takes --cluster out as the global flag and leaves it out of the normalised line', () => {
    const p = parse('app_stat --cluster prod -a "my table"', ['a']);
    expect(p.cluster).toBe('prod');
    expect(p.args.flags).toEqual({ a: 'my table' });
    expect(p.normalized).toBe(`app_stat -a 'my table'`);
    expect(parse('ls --cluster=staging -d').cluster).toBe('staging');
    expect(parse('ls --cluster=staging -d').normalized).toBe('ls -d');
  });

  it('lower-cases the command name', () => {
    expect(parse('NODES -d').name).toBe('nodes');
  });

  it('re-quotes so that the normalised line parses back to the same arguments', () => {
    const lines = [`rebalance request "it's late" --why='a "b"' -a x`, 'set_meta_level lively', `x '' "$HOME" a\\ b`];
    for (const line of lines) {
      const first = parse(line, ['a']);
      const again = parse(first.normalized, ['a']);
      expect(again.args).toEqual(first.args);
      expect(again.normalized).toBe(first.normalized);
    }
    expect(quoteWord("it's")).toBe(`'it'\\''s'`);
  });
});

describe('checkFlags', () => {
  it('names the unknown flags and the accepted ones', () => {
    const r = checkFlags({ positionals: [], flags: { x: true, detail: true, d: true } }, ['d', 'a'], 'ls [-d]');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe('Unknown flag -x, --detail. Accepted flags: -d, -a. Usage: ls [-d]');
    expect(checkFlags({ positionals: [], flags: { d: true } }, ['d'], 'ls').ok).toBe(true);
  });
});
