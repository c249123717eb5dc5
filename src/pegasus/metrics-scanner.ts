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
// Keys of entities (`type`, `id`), metrics (`name`) and the numeric fields; attribute keys such as
// `"table_id"` do not match because the quote must come right before the key.
const tokenPattern =
  /"(type|id|name)"\s*:\s*"((?:[^"\\]|\\.)*)"|"(value|p50|p90|p95|p99|p999)"\s*:\s*([^,}\]\s]+)|"(unit|desc)"\s*:\s*"(?:[^"\\]|\\.)*"/g;

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
  if (!/\]\s*\}\s*$/.test(text)) return badBody(endpoint, 'entities', 'the body is cut short');

  let entityType: string | undefined;
  let entityId: string | undefined;
  let metric: string | undefined;
  tokenPattern.lastIndex = start.index + start[0].length;
  for (let m = tokenPattern.exec(text); m !== null; m = tokenPattern.exec(text)) {
    const key = m[1];
    if (key === 'type') {
      // With `with_metric_fields=type` metrics carry a type too (Gauge, Counter …); entity types are lower case.
      if (/^[A-Z]/.test(m[2] ?? '')) continue;
      entityType = m[2];
      entityId = undefined;
      metric = undefined;
    } else if (key === 'id') {
      entityId = m[2];
    } else if (key === 'name') {
      metric = m[2];
      if (entityType === undefined || entityId === undefined) {
        return badBody(endpoint, `entities.metrics.${metric ?? ''}`, 'a metric outside an entity with a type and id');
      }
    } else if (m[3] !== undefined) {
      const field = m[3];
      const raw = m[4] ?? '';
      const value = Number(raw);
      if (metric === undefined || entityType === undefined || entityId === undefined) {
        return badBody(endpoint, `entities.${field}`, 'a value outside a named metric');
      }
      if (raw === '' || Number.isNaN(value)) {
        return badBody(endpoint, `entities[${entityId}].metrics[${metric}].${field}`, `expected a number, got ${raw}`);
      }
      visit(entityType, entityId, metric, field, value);
    }
  }
  return ok({ timestampNs: BigInt(digits) });
}
