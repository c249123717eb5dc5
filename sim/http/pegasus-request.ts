/**
 * How Pegasus turns a request target into a path and query arguments (`http_request::parse` in
 * `src/http/http_server.cpp`): the path and the whole query are %-decoded first, the path is split on `/`
 * with empty parts dropped, the query is split on `&`, an argument without `=` is a flag with an empty value,
 * and a repeated argument makes the request invalid.
 */
import type { Result } from '../../src/result.js';

/** A request as a Pegasus handler sees it. */
export interface PegasusRequest {
  method: 'GET' | 'POST';
  /** Path without leading slash, e.g. `meta/cluster`; '' for the root. */
  path: string;
  /** Query arguments in the order they were sent. */
  args: Map<string, string>;
  body: Buffer;
}

/** `utils::split_args`: split, trim leading spaces/tabs and trailing whitespace, drop empty tokens. */
export function splitArgs(input: string, separator: string): string[] {
  const out: string[] = [];
  for (const raw of input.split(separator)) {
    const token = raw.replace(/^[ \t]+/, '').replace(/[ \t\r\n]+$/, '');
    if (token !== '') out.push(token);
  }
  return out;
}

function fromHex(c: string): number | undefined {
  if (/^[0-9]$/.test(c)) return c.charCodeAt(0) - 48;
  if (/^[a-f]$/.test(c)) return c.charCodeAt(0) - 87;
  if (/^[A-F]$/.test(c)) return c.charCodeAt(0) - 55;
  return undefined;
}

/** `uri::decode`, byte for byte (a `%` needs two hex digits after it, `+` stays a plus). */
export function uriDecode(encoded: string): Result<string, string> {
  const bytes: number[] = [];
  const raw = Buffer.from(encoded, 'latin1');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i] ?? 0;
    if (byte !== 0x25) {
      bytes.push(byte);
      continue;
    }
    if (i + 2 >= raw.length) {
      return { ok: false, error: 'ERR_INVALID_PARAMETERS: Encountered partial escape sequence at end of string' };
    }
    const high = fromHex(String.fromCharCode(raw[i + 1] ?? 0));
    const low = fromHex(String.fromCharCode(raw[i + 2] ?? 0));
    if (high === undefined || low === undefined) {
      // Pegasus prints the string_view's data pointer, i.e. everything from the two characters on.
      const rest = raw.subarray(i + 1).toString('latin1');
      return {
        ok: false,
        error: `ERR_INVALID_PARAMETERS: The characters ${rest} do not form a hex value. Please escape it or pass a valid hex value`,
      };
    }
    bytes.push((high << 4) | low);
    i += 2;
  }
  return { ok: true, value: Buffer.from(bytes).toString('latin1') };
}

/** Parses a request target; a failure is the text after `failed to parse request: `. */
export function parsePegasusRequest(
  method: 'GET' | 'POST',
  target: string,
  body: Buffer,
): Result<PegasusRequest, string> {
  let rest = target;
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(rest);
  if (absolute) rest = rest.slice(absolute[0].length);
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const question = rest.indexOf('?');
  const rawPath = question >= 0 ? rest.slice(0, question) : rest;
  const rawQuery = question >= 0 ? rest.slice(question + 1) : '';
  const path = uriDecode(rawPath);
  if (!path.ok) return path;
  const query = uriDecode(rawQuery);
  if (!query.ok) return query;
  const args = new Map<string, string>();
  // The decoded strings are C strings inside Pegasus: a NUL ends them.
  const cut = (s: string): string => (s.includes('\0') ? s.slice(0, s.indexOf('\0')) : s);
  for (const arg of splitArgs(cut(query.value), '&')) {
    const sep = arg.indexOf('=');
    if (sep < 0) {
      if (!args.has(arg)) args.set(arg, '');
      continue;
    }
    const name = arg.slice(0, sep);
    if (args.has(name)) return { ok: false, error: `ERR_INVALID_PARAMETERS: duplicate parameter: ${name}` };
    args.set(name, arg.slice(sep + 1));
  }
  return {
    ok: true,
    value: { method, path: splitArgs(cut(path.value), '/').join('/'), args, body },
  };
}

/** `buf2bool`: `true` or `false`, any case. */
export function parseBool(value: string): boolean | undefined {
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  return undefined;
}
