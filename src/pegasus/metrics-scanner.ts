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

const entitiesKeyBytes = Buffer.from('"entities"', 'latin1');

/**
 * Where the `"entities"` key starts and where its array opens (`"entities" : [`, spaces allowed), looking at
 * the first 4 KB only, as the envelope comes first; undefined when the key or the array is missing.
 */
function entitiesArrayStart(buf: Buffer): { keyAt: number; openAt: number } | undefined {
  const keyAt = buf.indexOf(entitiesKeyBytes);
  if (keyAt < 0 || keyAt > 4096) return undefined;
  let k = keyAt + entitiesKeyBytes.length;
  while (k < buf.length && isSpace(buf[k] ?? 0)) k++;
  if (buf[k] !== 58 /* : */) return undefined;
  k++;
  while (k < buf.length && isSpace(buf[k] ?? 0)) k++;
  return buf[k] === 91 /* [ */ ? { keyAt, openAt: k } : undefined;
}
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

/**
 * A body as the default transport delivers it: its bytes as a latin1 string (one char per byte). Strings die
 * young in the garbage collector; a Buffer per answer piles up as external memory between collections.
 */
export interface Latin1Body {
  latin1: string;
}

/** A `/metrics` body: text, bytes, or bytes carried by a latin1 string. */
export type MetricsBody = string | Uint8Array | Latin1Body;

/** A scratch buffer for latin1 bodies (scans are synchronous, so one is enough); large bodies get their own. */
let scratch = Buffer.allocUnsafe(64 * 1024);
const maxScratchBytes = 1024 * 1024;

function bytesOf(body: MetricsBody): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const length = body.latin1.length;
  if (length > maxScratchBytes) return Buffer.from(body.latin1, 'latin1');
  if (length > scratch.length)
    scratch = Buffer.allocUnsafe(Math.min(maxScratchBytes, Math.max(length, scratch.length * 2)));
  scratch.write(body.latin1, 0, length, 'latin1');
  return scratch.subarray(0, length);
}

const quote = 34;
const backslash = 92;

/** Scans a `/metrics` body (text, or the raw bytes as received); returns the exact `timestamp_ns`. */
export function scanMetrics(
  body: MetricsBody,
  endpoint: string,
  visit: MetricVisitor,
): Result<{ timestampNs: bigint }> {
  // Bytes, not a string: a round reads hundreds of megabytes, and bytes stay outside the JS heap.
  const buf = bytesOf(body);
  // Only the envelope (about 150 bytes) becomes a string: a round reads thousands of bodies.
  const arrayAt = entitiesArrayStart(buf);
  if (arrayAt === undefined) {
    const head = buf.toString('utf8', 0, Math.min(buf.length, 4096));
    const layout = head.trimStart().startsWith('[') ? ' (the 2.5.0 array layout)' : '';
    return badBody(endpoint, 'entities', `expected an array of entities${layout}`);
  }
  const envelopeText = buf.toString('utf8', 0, arrayAt.keyAt);
  let envelope: unknown;
  try {
    envelope = JSON.parse(`${envelopeText}"entities": []}`);
  } catch {
    const head = buf.toString('utf8', 0, Math.min(buf.length, 80));
    return fail(
      'BAD_RESPONSE',
      `${endpoint} did not answer JSON (got ${JSON.stringify(head)}); is this a Pegasus server of a supported version?`,
    );
  }
  const checked = metricsEnvelopeSchema.safeParse(envelope);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    return badBody(endpoint, issue?.path.map(String).join('.') ?? 'timestamp_ns', issue?.message ?? 'unexpected');
  }
  const digits = timestampPattern.exec(envelopeText)?.[1];
  if (digits === undefined) return badBody(endpoint, 'timestamp_ns', 'expected an integer');
  if (!/\]\s*\}\s*$/.test(buf.toString('latin1', Math.max(0, buf.length - 64)))) {
    return badBody(endpoint, 'entities', 'the body is cut short');
  }

  const strings = new StringCache(buf);
  const arrayOpen = arrayAt.openAt;
  let entityType: string | undefined;
  let entityId: string | undefined;
  let metric: string | undefined;
  let problem: { field: string; what: string } | undefined;
  const n = buf.length;
  // Jump from quote to quote (indexOf is native); only a string followed by `:` is a key, and only the keys
  // below are read. Other values (attributes, units, descriptions) are skipped as plain strings.
  let i = buf.indexOf(quote, arrayOpen + 1);
  while (i >= 0 && i < n) {
    const end = stringEnd(buf, i);
    if (end < 0) return badBody(endpoint, 'entities', 'the body is cut short');
    let k = end + 1;
    while (k < n && isSpace(buf[k] ?? 0)) k++;
    if (buf[k] !== 58 /* : */) {
      i = buf.indexOf(quote, end + 1);
      continue;
    }
    k++;
    while (k < n && isSpace(buf[k] ?? 0)) k++;
    const key = keyOf(buf, i + 1, end);
    if (key === Key.Type || key === Key.Id || key === Key.Name) {
      if (buf[k] !== quote) {
        problem = { field: keyNames[key] ?? '', what: 'expected a string' };
        break;
      }
      const valueEnd = stringEnd(buf, k);
      if (valueEnd < 0) return badBody(endpoint, 'entities', 'the body is cut short');
      const value = strings.get(k + 1, valueEnd);
      if (key === Key.Type) {
        // With `with_metric_fields=type` metrics carry a type too (Gauge, Counter …); entity types are lower case.
        const first = buf[k + 1] ?? 0;
        if (!(first >= 65 && first <= 90)) {
          entityType = value;
          entityId = undefined;
          metric = undefined;
        }
      } else if (key === Key.Id) {
        entityId = value;
      } else {
        metric = value;
        if (entityType === undefined || entityId === undefined) {
          problem = { field: `entities.metrics.${value}`, what: 'a metric outside an entity with a type and id' };
          break;
        }
      }
      i = buf.indexOf(quote, valueEnd + 1);
      continue;
    }
    if (key !== Key.Other) {
      let e = k;
      while (e < n && isNumberChar(buf[e] ?? 0)) e++;
      const value = parseNumber(buf, k, e);
      const field = keyNames[key] ?? '';
      if (metric === undefined || entityType === undefined || entityId === undefined) {
        problem = { field: `entities.${field}`, what: 'a value outside a named metric' };
        break;
      }
      if (Number.isNaN(value)) {
        const got = buf.toString('utf8', k, Math.min(n, k + 20)).split(/[,}\n]/)[0] ?? '';
        problem = { field: `entities[${entityId}].metrics[${metric}].${field}`, what: `expected a number, got ${got}` };
        break;
      }
      visit(entityType, entityId, metric, field, value);
      i = buf.indexOf(quote, e);
      continue;
    }
    i = buf.indexOf(quote, end + 1);
  }
  if (problem !== undefined) return badBody(endpoint, problem.field, problem.what);
  return ok({ timestampNs: BigInt(digits) });
}

/** The keys the scanner reads. */
const Key = { Other: 0, Type: 1, Id: 2, Name: 3, Value: 4, P50: 5, P90: 6, P95: 7, P99: 8, P999: 9 } as const;
type KeyCode = (typeof Key)[keyof typeof Key];
const keyNames: readonly string[] = ['', 'type', 'id', 'name', 'value', 'p50', 'p90', 'p95', 'p99', 'p999'];

/** Whether the bytes at `from` spell `word` (ASCII). */
function spells(buf: Buffer, from: number, word: string): boolean {
  for (let j = 0; j < word.length; j++) if (buf[from + j] !== word.charCodeAt(j)) return false;
  return true;
}

const keysByLength = new Map<number, [string, KeyCode][]>();
for (const [code, name] of keyNames.entries()) {
  if (code === Key.Other) continue;
  const list = keysByLength.get(name.length) ?? [];
  list.push([name, code as KeyCode]);
  keysByLength.set(name.length, list);
}

/** Which key the bytes in [from, to) spell, without making a string. */
function keyOf(buf: Buffer, from: number, to: number): KeyCode {
  const candidates = keysByLength.get(to - from);
  if (candidates === undefined) return Key.Other;
  for (const [name, code] of candidates) if (spells(buf, from, name)) return code;
  return Key.Other;
}

/**
 * Interns the strings of the bodies read (metric names, entity types and ids repeat in every body of every
 * node) so each is made once per process, not once per body. Bounded: cleared when it grows past 65,536.
 */
const sharedStrings = new Map<number, string>();

class StringCache {
  private readonly buf: Buffer;
  private readonly byHash = sharedStrings;

  constructor(buf: Buffer) {
    this.buf = buf;
    if (sharedStrings.size > 65_536) sharedStrings.clear();
  }

  get(from: number, to: number): string {
    let hash = to - from;
    for (let j = from; j < to; j++) hash = (Math.imul(hash, 31) + (this.buf[j] ?? 0)) | 0;
    const cached = this.byHash.get(hash);
    if (cached?.length === to - from && this.matches(cached, from)) return cached;
    const made = this.buf.toString('utf8', from, to);
    this.byHash.set(hash, made);
    return made;
  }

  private matches(s: string, from: number): boolean {
    for (let j = 0; j < s.length; j++) if (s.charCodeAt(j) !== this.buf[from + j]) return false;
    return true;
  }
}

/** A JSON number in [from, to): integers by hand (the common case), anything else through `Number`. */
function parseNumber(buf: Buffer, from: number, to: number): number {
  if (from >= to) return Number.NaN;
  let value = 0;
  let j = from;
  const negative = buf[j] === 45;
  if (negative) j++;
  if (j >= to || to - j > 15) return Number(buf.toString('latin1', from, to));
  for (; j < to; j++) {
    const c = buf[j] ?? 0;
    if (c < 48 || c > 57) return Number(buf.toString('latin1', from, to));
    value = value * 10 + (c - 48);
  }
  return negative ? -value : value;
}

/** Index of the quote that closes the string opening at `open`, or -1 when the body ends first. */
function stringEnd(buf: Buffer, open: number): number {
  let j = buf.indexOf(quote, open + 1);
  // A quote preceded by an odd number of backslashes is escaped.
  while (j > 0) {
    let backslashes = 0;
    while (buf[j - 1 - backslashes] === backslash) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = buf.indexOf(quote, j + 1);
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
