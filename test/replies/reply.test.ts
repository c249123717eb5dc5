import { describe, expect, it } from 'vitest';
import { decodeAction, encodeAction } from '../../src/commands/command.js';
import { exitCodeOf, sortFindings, statusOf, toJsonOutput, type Finding } from '../../src/replies/reply.js';

const f = (severity: Finding['severity'], subject = 's'): Finding => ({ check: 'c', severity, subject, summary: 'x' });

describe('reply model', () => {
  it('derives the status and exit code from the worst finding', () => {
    expect(statusOf([])).toBe('ok');
    expect(statusOf([f('info'), f('warn')])).toBe('warn');
    expect(statusOf([f('warn'), f('crit')])).toBe('crit');
    expect([exitCodeOf('ok'), exitCodeOf('warn'), exitCodeOf('crit'), exitCodeOf('unknown')]).toEqual([0, 1, 2, 3]);
  });

  it('sorts findings worst first and stably', () => {
    expect(sortFindings([f('ok', 'a'), f('crit', 'b'), f('warn', 'c'), f('crit', 'd')]).map((x) => x.subject)).toEqual([
      'b',
      'd',
      'c',
      'a',
    ]);
  });

  it('prints the JSON contract', () => {
    const json = toJsonOutput(
      {
        command: 'health',
        status: 'warn',
        title: 't',
        findings: [f('warn')],
        context: { at: '2026-01-01T00:00:00.000Z' },
      },
      'text',
    );
    expect(json).toMatchObject({ command: 'health', status: 'warn', text: 'text', findings: [{ severity: 'warn' }] });
  });

  it('round-trips button actions and rejects foreign ids', () => {
    expect(decodeAction(encodeAction({ kind: 'approve', ref: 'a:b:c' }))).toEqual({ kind: 'approve', ref: 'a:b:c' });
    expect(decodeAction('pg:explode:1')).toBeUndefined();
    expect(decodeAction('other')).toBeUndefined();
  });
});
