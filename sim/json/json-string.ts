/**
 * JSON string literals as rapidjson's writers produce them (Pegasus's table printer and `/metrics`): `"` and
 * `\` escaped, the short escapes for \b \f \n \r \t, other control characters as `\u00XX` in upper case,
 * everything else (including `/` and non-ASCII) written as is.
 */
export function jsonString(value: string): string {
  if (!needsEscape.test(value)) return '"' + value + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c) continue;
    out += value.slice(start, i) + escapeChar(c);
    start = i + 1;
  }
  return out + value.slice(start) + '"';
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what must be escaped
const needsEscape = /["\\\u0000-\u001f]/;

function escapeChar(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x08:
      return '\\b';
    case 0x0c:
      return '\\f';
    case 0x0a:
      return '\\n';
    case 0x0d:
      return '\\r';
    case 0x09:
      return '\\t';
    default:
      return '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
  }
}

/**
 * A JSON document as nlohmann's `dump(indent)` prints it (keys sorted, `": "` separators, `indent` spaces per
 * level); Pegasus uses it for remote command output and `balance_operation_count`.
 */
export function nlohmannDump(value: NlohmannValue, indent?: number): string {
  return dumpValue(value, indent, 0);
}

/** A value nlohmann can dump (numbers are integers here; Pegasus never dumps doubles in the paths we serve). */
export type NlohmannValue = string | number | boolean | null | NlohmannValue[] | { [key: string]: NlohmannValue };

function dumpValue(value: NlohmannValue, indent: number | undefined, level: number): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return nlohmannString(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const pad = indent === undefined ? '' : '\n' + ' '.repeat(indent * (level + 1));
  const end = indent === undefined ? '' : '\n' + ' '.repeat(indent * level);
  const sep = indent === undefined ? ':' : ': ';
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return '[' + value.map((v) => pad + dumpValue(v, indent, level + 1)).join(',') + end + ']';
  }
  const keys = Object.keys(value).sort();
  if (keys.length === 0) return '{}';
  const parts = keys.map((k) => pad + nlohmannString(k) + sep + dumpValue(value[k] ?? null, indent, level + 1));
  return '{' + parts.join(',') + end + '}';
}

// nlohmann escapes control characters as \u00xx in lower case, unlike rapidjson.
function nlohmannString(value: string): string {
  return jsonString(value).replace(/\\u00([0-9A-F]{2})/g, (_m, hex: string) => '\\u00' + hex.toLowerCase());
}
