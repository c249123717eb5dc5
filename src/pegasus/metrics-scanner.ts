/**
 * Reads a 2.6 `/metrics` body without building its object tree. A 1,000-node round parses hundreds of
 * megabytes of pretty-printed JSON; `JSON.parse` plus a walk allocates millions of short-lived objects and the
 * garbage collector becomes the bottleneck. The envelope (everything before `"entities"`) is still parsed as
 * JSON and checked with zod; the entities are scanned in order and every metric field is handed to a visitor.
 * A field that is not a number, or a metric outside an entity, fails with `BAD_RESPONSE` naming the entity,
 * metric and field.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../result.js';

/** The part of the body before `entities`. */
export const metricsEnvelopeSchema = z.object({
  cluster: z.string().optional(),
  role: z.string().optional(),
  host: z.string().optional(),
  port: z.number().optional(),
  timestamp_ns: z.number(),
});

/** Called for every numeric field of every metric, in body order. */
export type MetricVisitor = (
  entityType: string,
  entityId: string,
  metric: string,
  field: string,
  value: number,
) => void;

const entitiesKey = /"entities"\s*:\s*\[/;
const timestampPattern = /"timestamp_ns"\s*:\s*(\d+)/;

function badBody(
  endpoint: string,
  field: string,
  problem: string,
): { ok: false; error: { code: string; message: string } } {
  return fail(
    'BAD_RESPONSE',
    `${endpoint} answered an unexpected body: field "${field}": ${problem}. The Pegasus version may not be supported.`,
  );
}

/** Scans a `/metrics` body; returns the exact `timestamp_ns` (its digits, not a rounded double). */
export function scanMetrics(text: string, endpoint: string, visit: MetricVisitor): Result<{ timestampNs: bigint }> {
  const start = entitiesKey.exec(text);
  if (start === null) {
    const layout = text.trimStart().startsWith('[') ? ' (the 2.5.0 array layout)' : '';
    return badBody(endpoint, 'entities', `expected an array of entities${layout}`);
  }
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${text.slice(0, start.index)}"entities": []}`);
  } catch {
    return fail(
      'BAD_RESPONSE',
      `${endpoint} did not answer JSON (got ${JSON.stringify(text.slice(0, 80))}); is this a Pegasus server of a supported version?`,
    );
  }
  const checked = metricsEnvelopeSchema.safeParse(envelope);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return badBody(endpoint, issue?.path.map(String).join('.') ?? 'timestamp_ns', issue?.message ?? 'unexpected');
  }
  const digits = timestampPattern.exec(text.slice(0, start.index))?.[1];
  if (digits === undefined) return badBody(endpoint, 'timestamp_ns', 'expected an integer');
  if (!/\]\s*\}\s*$/.test(text.slice(-64))) return badBody(endpoint, 'entities', 'the body is cut short');

  let entityType: string | undefined;
  let entityId: string | undefined;
  let metric: string | undefined;
  let problem: { field: string; what: string } | undefined;
  const n = text.length;
  // Jump from quote to quote (indexOf is native); only a string followed by `:` is a key, and only the keys
  // below are read. Other values (attributes, units, descriptions) are skipped as plain strings.
  let i = text.indexOf('"', start.index + start[0].length);
  while (i >= 0 && i < n) {
    const end = stringEnd(text, i);
    if (end < 0) return badBody(endpoint, 'entities', 'the body is cut short');
    let k = end + 1;
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    if (text.charCodeAt(k) !== 58 /* : */) {
      i = text.indexOf('"', end + 1);
      continue;
    }
    k++;
    while (k < n && isSpace(text.charCodeAt(k))) k++;
    const keyLength = end - i - 1;
    const key = keyLength <= 5 ? text.slice(i + 1, end) : '';
    if (key === 'type' || key === 'id' || key === 'name') {
      if (text.charCodeAt(k) !== 34 /* " */) {
        problem = { field: key, what: 'expected a string' };
        break;
      }
      const valueEnd = stringEnd(text, k);
      if (valueEnd < 0) return badBody(endpoint, 'entities', 'the body is cut short');
      const value = text.slice(k + 1, valueEnd);
      if (key === 'type') {
        // With `with_metric_fields=type` metrics carry a type too (Gauge, Counter …); entity types are lower case.
        const first = value.charCodeAt(0);
        if (!(first >= 65 && first <= 90)) {
          entityType = value;
          entityId = undefined;
          metric = undefined;
        }
      } else if (key === 'id') {
        entityId = value;
      } else {
        metric = value;
        if (entityType === undefined || entityId === undefined) {
          problem = { field: `entities.metrics.${value}`, what: 'a metric outside an entity with a type and id' };
          break;
        }
      }
      i = text.indexOf('"', valueEnd + 1);
      continue;
    }
    if (key === 'value' || key === 'p50' || key === 'p90' || key === 'p95' || key === 'p99' || key === 'p999') {
      let e = k;
      while (e < n && isNumberChar(text.charCodeAt(e))) e++;
      const raw = text.slice(k, e);
      const value = raw === '' ? Number.NaN : Number(raw);
      if (metric === undefined || entityType === undefined || entityId === undefined) {
        problem = { field: `entities.${key}`, what: 'a value outside a named metric' };
        break;
      }
      if (Number.isNaN(value)) {
        const got = text.slice(k, Math.min(n, k + 20)).split(/[,}\n]/)[0] ?? '';
        problem = { field: `entities[${entityId}].metrics[${metric}].${key}`, what: `expected a number, got ${got}` };
        break;
      }
      visit(entityType, entityId, metric, key, value);
      i = text.indexOf('"', e);
      continue;
    }
    i = text.indexOf('"', end + 1);
  }
  if (problem !== undefined) return badBody(endpoint, problem.field, problem.what);
  return ok({ timestampNs: BigInt(digits) });
}

/** Index of the quote that closes the string opening at `open`, or -1 when the text ends first. */
function stringEnd(text: string, open: number): number {
  let j = text.indexOf('"', open + 1);
  // A quote preceded by an odd number of backslashes is escaped.
  while (j > 0) {
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
  return -1;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Digits, sign, decimal point and exponent. */
function isNumberChar(c: number): boolean {
  return (c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46 || c === 101 || c === 69;
}
