import { describe, expect, it } from 'vitest';
import {
  connectionsCommandLine,
  isPerHostTemplate,
  parseServerAddress,
  splitTemplate,
} from '../../../src/monitoring/connections/connections-command-line.js';

describe('splitTemplate', () => {
  it('splits words and keeps quoted text as one word', () => {
    expect(splitTemplate(`ssh -o BatchMode=yes {host} "ss -Htn state established '( sport = :{port} )'"`)).toEqual({
      ok: true,
      value: ['ssh', '-o', 'BatchMode=yes', '{host}', "ss -Htn state established '( sport = :{port} )'"],
    });
    expect(splitTemplate(`a 'b c'd "e \\"f\\" \\\\" g\\ h`)).toEqual({
      ok: true,
      value: ['a', 'b cd', 'e "f" \\', 'g h'],
    });
    expect(splitTemplate(`x '' y`)).toEqual({ ok: true, value: ['x', '', 'y'] });
  });

  it('refuses unclosed quotes, a trailing backslash and an empty template', () => {
    expect(splitTemplate(`ss '( sport`)).toMatchObject({ ok: false, error: { code: 'BAD_TEMPLATE' } });
    expect(splitTemplate('ss \\')).toMatchObject({ ok: false, error: { code: 'BAD_TEMPLATE' } });
    expect(splitTemplate('   ')).toMatchObject({ ok: false, error: { message: 'the connections command is empty' } });
  });
});

describe('connectionsCommandLine', () => {
  it('runs the real ss for `local`', () => {
    expect(connectionsCommandLine('local', '127.0.0.1', 34601)).toEqual({
      ok: true,
      value: { file: 'ss', args: ['-Htn', 'state', 'established', '( sport = :34601 )'] },
    });
    expect(isPerHostTemplate('local')).toBe(false);
  });

  it('puts host and port into the words of a per-host template without adding words', () => {
    const template = `ssh -o BatchMode=yes {host} "ss -Htn state established '( sport = :{port} )'"`;
    expect(isPerHostTemplate(template)).toBe(true);
    expect(connectionsCommandLine(template, 'meta-2.example', 34602)).toEqual({
      ok: true,
      value: {
        file: 'ssh',
        args: ['-o', 'BatchMode=yes', 'meta-2.example', "ss -Htn state established '( sport = :34602 )'"],
      },
    });
  });

  it('refuses hosts that could inject words, options or shell syntax, and bad ports', () => {
    for (const host of ['a;reboot', '$(id)', 'a b', '-oProxyCommand=x', 'a`id`', "a'b", 'a\nb', '']) {
      const line = connectionsCommandLine('ssh {host} ss', host, 34601);
      expect(line, host).toMatchObject({ ok: false, error: { code: 'BAD_ADDRESS' } });
    }
    expect(connectionsCommandLine('ssh {host} ss', '2001:db8::1', 34601).ok).toBe(true);
    expect(connectionsCommandLine('local', 'h', 0)).toMatchObject({ ok: false, error: { code: 'BAD_ADDRESS' } });
    expect(connectionsCommandLine('local', 'h', 70000).ok).toBe(false);
  });
});

describe('parseServerAddress', () => {
  it('splits host:port and [v6]:port and says what is accepted otherwise', () => {
    expect(parseServerAddress('10.0.0.1:34601')).toEqual({ ok: true, value: { host: '10.0.0.1', port: 34601 } });
    expect(parseServerAddress('[::1]:34601')).toEqual({ ok: true, value: { host: '::1', port: 34601 } });
    const bad = parseServerAddress('x;y:34601');
    expect(bad).toMatchObject({ ok: false, error: { code: 'BAD_ADDRESS' } });
    expect(bad.ok ? '' : bad.error.message).toContain('plain host name or IP address');
    expect(parseServerAddress('host:0')).toMatchObject({ ok: false, error: { code: 'BAD_ADDRESS' } });
    expect(parseServerAddress('host')).toMatchObject({ ok: false });
  });
});
