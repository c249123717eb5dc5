/**
 * Turns `ClusterConfig.connectionsCommand` into the program and arguments to run for one server, without a
 * shell: the template is split into words once (quotes as in a POSIX shell), and `{host}` / `{port}` are put
 * into those words afterwards, so a host name can never add words or shell syntax. Host and port are checked
 * before they are put in.
 */
import { fail, ok, type Result } from '../../result.js';

/** The program and its arguments, for `execFile`. */
export interface CommandLine {
  file: string;
  args: string[];
}

/** `connectionsCommand: "local"`: the real `ss` on this host, established connections to the server's port. */
export const localConnectionsTemplate = "ss -Htn state established '( sport = :{port} )'";

/** Splits a command template into words: single quotes, double quotes (with `\"` and `\\`), backslash escapes. */
export function splitTemplate(template: string): Result<string[]> {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < template.length; i++) {
    const c = template.charAt(i);
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && (template[i + 1] === '"' || template[i + 1] === '\\')) word += template.charAt(++i);
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\') {
      if (i + 1 >= template.length) return fail('BAD_TEMPLATE', 'the connections command ends with a lone backslash');
      word += template.charAt(++i);
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) return fail('BAD_TEMPLATE', `the connections command has an unclosed ${quote} quote`);
  if (inWord) words.push(word);
  if (words.length === 0) return fail('BAD_TEMPLATE', 'the connections command is empty');
  return ok(words);
}

// A DNS name or IPv4 address (never starting with `-`, so it cannot become an option), or an IPv6 literal.
const hostName = /^[A-Za-z0-9](?:[A-Za-z0-9.\-_]{0,251}[A-Za-z0-9])?$/;
const ipv6Literal = /^[0-9A-Fa-f:.]{2,45}$/;

/** Whether a host is safe to put into a command: a DNS name, an IPv4 address or an IPv6 literal. */
export function isSafeHost(host: string): boolean {
  return hostName.test(host) || (host.includes(':') && ipv6Literal.test(host));
}

/** Splits `host:port` (IPv6 in brackets) and checks both parts; a failure says what is accepted. */
export function parseServerAddress(address: string): Result<{ host: string; port: number }> {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(address) ?? /^([^:]+):(\d{1,5})$/.exec(address);
  const host = m?.[1];
  const port = Number(m?.[2]);
  if (host === undefined || !isSafeHost(host)) {
    return fail(
      'BAD_ADDRESS',
      `"${address}" is not host:port with a plain host name or IP address (letters, digits, . - _)`,
    );
  }
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return fail('BAD_ADDRESS', `"${address}" has no port between 1 and 65535`);
  }
  return ok({ host, port });
}

/** Whether the template runs on the server's host (it names `{host}`) rather than on this one. */
export function isPerHostTemplate(template: string): boolean {
  return template.trim() !== 'local' && template.includes('{host}');
}

/** The command that lists the server's established connections, from the cluster's template (`local` = `ss` here). */
export function connectionsCommandLine(template: string, host: string, port: number): Result<CommandLine> {
  if (!isSafeHost(host)) return fail('BAD_ADDRESS', `"${host}" is not a plain host name or IP address`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    return fail('BAD_ADDRESS', `${port} is not a port between 1 and 65535`);
  }
  const words = splitTemplate(template.trim() === 'local' ? localConnectionsTemplate : template);
  if (!words.ok) return words;
  const [file, ...args] = words.value.map((w) => w.replaceAll('{host}', host).replaceAll('{port}', String(port)));
  if (file === undefined || file === '') return fail('BAD_TEMPLATE', 'the connections command names no program');
  return ok({ file, args });
}
