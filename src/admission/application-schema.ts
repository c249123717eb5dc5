/**
 * The table application: the fields the Pegasus administration guide asks for ("Audit when user apply Pegasus
 * service"), the form that collects them, and their validation with one clear error per field. The same
 * snake_case names are the form's field names and the keys of `application.json` (`apply_table --file`).
 */
import { z } from 'zod';
import type { FormField, FormSpec } from '../replies/reply.js';

/** The id of the application form (`Dispatcher.submit` receives it back). */
export const applicationFormId = 'apply_table';

/** How the load is spread over the day (the guide's "IOPS characteristic"). */
export type IopsPattern = 'even' | 'peaks' | 'batch';

/** A validated application. */
export interface TableApplicationInput {
  tableName: string;
  readPeakQps: number;
  readsPerDay: number;
  writePeakTps: number;
  writesPerDay: number;
  /** How the hash key is built (what it is, how many distinct values). */
  hashKey: string;
  sortKey?: string;
  /** An example key: `hash key | sort key`. */
  exampleKey: string;
  /** Distinct hash keys, when the applicant knows it. */
  hashKeyCount?: number;
  /** How the data is read and written (which keys, how concentrated). */
  rwPattern: string;
  avgKvKb: number;
  totalDataGb: number;
  /** Total data after 6 months, 1 year and 3 years, as a multiple of today's. */
  growth6m: number;
  growth1y: number;
  growth3y: number;
  readP99Ms: number;
  writeP99Ms: number;
  iopsPattern: IopsPattern;
  /** The cluster chosen in the form or file, when one was. */
  cluster?: string;
}

/** Per-field error messages, keyed by field name. */
export type FieldErrors = Record<string, string>;

/** The outcome of validating an application. */
export type ApplicationParse = { ok: true; value: TableApplicationInput } | { ok: false; errors: FieldErrors };

/** The IOPS characteristics, as the guide names them. */
export const iopsPatterns: readonly { value: IopsPattern; label: string }[] = [
  { value: 'even', label: 'Even all day' },
  { value: 'peaks', label: 'Peaks and valleys' },
  { value: 'batch', label: 'Timed batch writes' },
];

/**
 * Pegasus's table-name rule: `replication_ddl_client::validate_app_name` in
 * src/client/replication_ddl_client.cpp (apache/incubator-pegasus) accepts a non-empty name of `0-9a-zA-Z.:_`.
 */
export const tableNamePattern = /^[0-9A-Za-z.:_]+$/;

/** The names of the number fields. */
type NumberField =
  | 'read_peak_qps'
  | 'reads_per_day'
  | 'write_peak_tps'
  | 'writes_per_day'
  | 'hash_key_count'
  | 'avg_kv_kb'
  | 'total_data_gb'
  | 'growth_6m'
  | 'growth_1y'
  | 'growth_3y'
  | 'read_p99_ms'
  | 'write_p99_ms';

/** The form's fields in the order the guide lists them; `name` is also the JSON key. */
export const applicationFields: readonly FormField[] = [
  {
    name: 'table_name',
    label: 'Table name',
    kind: 'text',
    required: true,
    placeholder: 'e.g. user_profile',
    hint: 'Letters, digits, _ . : (Pegasus table-name rule)',
  },
  { name: 'read_peak_qps', label: 'Read peak (QPS)', kind: 'number', required: true, placeholder: 'e.g. 5000' },
  { name: 'reads_per_day', label: 'Reads per day', kind: 'number', required: true, placeholder: 'e.g. 200000000' },
  { name: 'write_peak_tps', label: 'Write peak (TPS)', kind: 'number', required: true, placeholder: 'e.g. 1000' },
  { name: 'writes_per_day', label: 'Writes per day', kind: 'number', required: true, placeholder: 'e.g. 30000000' },
  {
    name: 'hash_key',
    label: 'Hash key design',
    kind: 'multiline',
    required: true,
    placeholder: 'e.g. user id, about 50 million distinct users',
    hint: 'What the hash key is made of: it decides the partition of every record',
  },
  {
    name: 'sort_key',
    label: 'Sort key design',
    kind: 'text',
    required: false,
    placeholder: 'e.g. attribute name, or a timestamp',
  },
  {
    name: 'example_key',
    label: 'Example key (hash key | sort key)',
    kind: 'text',
    required: true,
    placeholder: 'e.g. u_83921 | profile',
  },
  {
    name: 'hash_key_count',
    label: 'Distinct hash keys (estimate)',
    kind: 'number',
    required: false,
    placeholder: 'e.g. 50000000',
  },
  {
    name: 'rw_pattern',
    label: 'Read/write pattern',
    kind: 'multiline',
    required: true,
    placeholder: 'e.g. get by user id, spread over all users; writes on profile change',
    hint: 'Which keys are read and written, and how concentrated the traffic is',
  },
  { name: 'avg_kv_kb', label: 'Average key-value size (KB)', kind: 'number', required: true, placeholder: 'e.g. 2' },
  {
    name: 'total_data_gb',
    label: 'Estimated total data (GB)',
    kind: 'number',
    required: true,
    placeholder: 'e.g. 100',
  },
  {
    name: 'growth_6m',
    label: 'Data after 6 months (× today)',
    kind: 'number',
    required: true,
    placeholder: 'e.g. 1.2',
  },
  { name: 'growth_1y', label: 'Data after 1 year (× today)', kind: 'number', required: true, placeholder: 'e.g. 1.5' },
  { name: 'growth_3y', label: 'Data after 3 years (× today)', kind: 'number', required: true, placeholder: 'e.g. 3' },
  { name: 'read_p99_ms', label: 'Required read P99 (ms)', kind: 'number', required: true, placeholder: 'e.g. 10' },
  { name: 'write_p99_ms', label: 'Required write P99 (ms)', kind: 'number', required: true, placeholder: 'e.g. 20' },
  {
    name: 'iops_pattern',
    label: 'IOPS characteristic',
    kind: 'select',
    required: true,
    options: iopsPatterns.map((p) => ({ value: p.value, label: p.label })),
  },
];

/** The application form; with several clusters it starts with a choice of cluster. */
export function applicationFormSpec(clusters: readonly string[] = []): FormSpec {
  const clusterField: FormField[] =
    clusters.length > 1
      ? [
          {
            name: 'cluster',
            label: 'Cluster',
            kind: 'select',
            required: true,
            options: clusters.map((c) => ({ value: c, label: c })),
          },
        ]
      : [];
  return {
    id: applicationFormId,
    title: 'Apply for a table',
    submitLabel: 'Submit for review',
    fields: [...clusterField, ...applicationFields],
  };
}

/** Every key an application may have. */
export const applicationKeys: readonly string[] = ['cluster', ...applicationFields.map((f) => f.name)];

function labelOf(name: string): string {
  return applicationFields.find((f) => f.name === name)?.label ?? name;
}

function exampleOf(name: string): string {
  const placeholder = applicationFields.find((f) => f.name === name)?.placeholder;
  return placeholder ? ` (${placeholder})` : '';
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** A number as typed: `5000`, `5,000`, `5 000`, `5_000`, `1.5`, `2e6`. */
function readNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const cleaned = value.trim().replace(/(?<=\d)[,_ ](?=\d{3}\b)/g, '');
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(cleaned)) return undefined;
  const n = Number(cleaned);
  return Number.isFinite(n) ? n : undefined;
}

interface NumberRule {
  min: number;
  /** `min` itself is not allowed (a size or latency of 0 means nothing). */
  exclusive?: boolean;
  integer?: boolean;
  optional?: boolean;
}

/** A zod schema for a number field with messages that name the field, what was wrong and what is accepted. */
function numberSchema(name: string, rule: NumberRule): z.ZodType<number | undefined> {
  const label = labelOf(name);
  return z.unknown().transform((value, ctx): number | undefined => {
    if (isBlank(value)) {
      if (rule.optional === true) return undefined;
      ctx.addIssue({ code: 'custom', message: `${label} is required: give a number${exampleOf(name)}.` });
      return z.NEVER;
    }
    const n = readNumber(value);
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${label}: "${String(value)}" is not a number; give digits only${exampleOf(name)}.`,
      });
      return z.NEVER;
    }
    const bound = rule.exclusive === true ? n <= rule.min : n < rule.min;
    if (bound) {
      ctx.addIssue({
        code: 'custom',
        message:
          rule.exclusive === true
            ? `${label} must be more than ${rule.min}, got ${n}.`
            : `${label} cannot be negative (got ${n}); give ${rule.min} or more.`,
      });
      return z.NEVER;
    }
    if (rule.integer === true && !Number.isInteger(n)) {
      ctx.addIssue({ code: 'custom', message: `${label} is a count: give a whole number, got ${n}.` });
      return z.NEVER;
    }
    return n;
  });
}

function textSchema(name: string, optional = false, max = 2000): z.ZodType<string | undefined> {
  const label = labelOf(name);
  return z.unknown().transform((value, ctx): string | undefined => {
    if (isBlank(value)) {
      if (optional) return undefined;
      ctx.addIssue({ code: 'custom', message: `${label} is required${exampleOf(name)}.` });
      return z.NEVER;
    }
    if (typeof value !== 'string') {
      ctx.addIssue({ code: 'custom', message: `${label} must be text, got ${JSON.stringify(value)}.` });
      return z.NEVER;
    }
    const text = value.trim();
    if (text.length > max) {
      ctx.addIssue({ code: 'custom', message: `${label} is ${text.length} characters; keep it under ${max}.` });
      return z.NEVER;
    }
    return text;
  });
}

const tableNameSchema = z
  .unknown()
  .refine((v) => !isBlank(v), { message: 'Table name is required (e.g. user_profile).', abort: true })
  .pipe(z.string({ message: 'Table name must be text, e.g. user_profile.' }).trim())
  .refine((name) => tableNamePattern.test(name), {
    message:
      'Table name may only use letters, digits, _ . and : (Pegasus rejects other characters), e.g. user_profile.',
  });

const iopsSchema = z.unknown().transform((value, ctx): IopsPattern => {
  const accepted = iopsPatterns.map((p) => `${p.value} (${p.label})`).join(', ');
  if (isBlank(value) || typeof value !== 'string') {
    ctx.addIssue({ code: 'custom', message: `IOPS characteristic is required: one of ${accepted}.` });
    return z.NEVER;
  }
  const wanted = value.trim().toLowerCase();
  const found = iopsPatterns.find((p) => p.value === wanted || p.label.toLowerCase() === wanted);
  if (found) return found.value;
  ctx.addIssue({ code: 'custom', message: `IOPS characteristic "${value}" is not one of ${accepted}.` });
  return z.NEVER;
});

const schemas: Record<string, z.ZodType> = {
  table_name: tableNameSchema,
  read_peak_qps: numberSchema('read_peak_qps', { min: 0 }),
  reads_per_day: numberSchema('reads_per_day', { min: 0 }),
  write_peak_tps: numberSchema('write_peak_tps', { min: 0 }),
  writes_per_day: numberSchema('writes_per_day', { min: 0 }),
  hash_key: textSchema('hash_key'),
  sort_key: textSchema('sort_key', true),
  example_key: textSchema('example_key', false, 400),
  hash_key_count: numberSchema('hash_key_count', { min: 1, integer: true, optional: true }),
  rw_pattern: textSchema('rw_pattern'),
  avg_kv_kb: numberSchema('avg_kv_kb', { min: 0, exclusive: true }),
  total_data_gb: numberSchema('total_data_gb', { min: 0, exclusive: true }),
  growth_6m: numberSchema('growth_6m', { min: 0, exclusive: true }),
  growth_1y: numberSchema('growth_1y', { min: 0, exclusive: true }),
  growth_3y: numberSchema('growth_3y', { min: 0, exclusive: true }),
  read_p99_ms: numberSchema('read_p99_ms', { min: 0, exclusive: true }),
  write_p99_ms: numberSchema('write_p99_ms', { min: 0, exclusive: true }),
  iops_pattern: iopsSchema,
};

function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Checks a daily total against its peak: at least one minute at the peak, and a peak at least the average. */
function checkDaily(
  errors: FieldErrors,
  peak: number | undefined,
  perDay: number | undefined,
  names: { peak: string; perDay: string; unit: string; what: string },
): void {
  if (peak === undefined || perDay === undefined) return;
  if (perDay < peak * 60) {
    errors[names.perDay] =
      `${formatCount(perDay)} ${names.what} per day is less than one minute at the peak (${formatCount(peak)} ${names.unit} × 60 = ${formatCount(peak * 60)}). ` +
      `Give the total ${names.what} in a whole day, or check the peak.`;
  } else if (peak < perDay / 86_400) {
    errors[names.peak] =
      `A peak of ${formatCount(peak)} ${names.unit} is below the daily average (${formatCount(perDay)} ÷ 86,400 s = ${formatCount(perDay / 86_400)} ${names.unit}). ` +
      'The peak is the busiest second, so it is at least the average.';
  }
}

/**
 * Validates an application (form values as strings, or a parsed `application.json`). Every field is checked
 * and every problem reported, keyed by field name; unknown keys are errors too (a typo loses a field).
 */
export function parseApplication(
  input: Record<string, unknown>,
  options: { clusters?: readonly string[] } = {},
): ApplicationParse {
  const errors: FieldErrors = {};
  const values: Record<string, unknown> = {};
  for (const key of Object.keys(input)) {
    if (!applicationKeys.includes(key)) {
      errors[key] = `Unknown field "${key}". Accepted fields: ${applicationKeys.join(', ')}.`;
    }
  }
  for (const [name, schema] of Object.entries(schemas)) {
    const parsed = schema.safeParse(input[name]);
    if (parsed.success) values[name] = parsed.data;
    else errors[name] = parsed.error.issues[0]?.message ?? `${labelOf(name)} is not valid.`;
  }
  const cluster = input['cluster'];
  if (!isBlank(cluster)) {
    const known = options.clusters ?? [];
    if (typeof cluster !== 'string' || (known.length > 0 && !known.includes(cluster.trim()))) {
      errors['cluster'] = `Unknown cluster ${JSON.stringify(cluster)}. Known clusters: ${known.join(', ') || 'none'}.`;
    }
  }
  const num = (name: NumberField) => values[name] as number | undefined;
  checkDaily(errors, num('read_peak_qps'), num('reads_per_day'), {
    peak: 'read_peak_qps',
    perDay: 'reads_per_day',
    unit: 'QPS',
    what: 'reads',
  });
  checkDaily(errors, num('write_peak_tps'), num('writes_per_day'), {
    peak: 'write_peak_tps',
    perDay: 'writes_per_day',
    unit: 'TPS',
    what: 'writes',
  });
  if (Object.keys(errors).length > 0) return { ok: false, errors };

  const need = (name: NumberField): number => num(name) ?? 0;
  const sortKey = values['sort_key'] as string | undefined;
  const hashKeyCount = num('hash_key_count');
  return {
    ok: true,
    value: {
      tableName: values['table_name'] as string,
      readPeakQps: need('read_peak_qps'),
      readsPerDay: need('reads_per_day'),
      writePeakTps: need('write_peak_tps'),
      writesPerDay: need('writes_per_day'),
      hashKey: values['hash_key'] as string,
      ...(sortKey !== undefined ? { sortKey } : {}),
      exampleKey: values['example_key'] as string,
      ...(hashKeyCount !== undefined ? { hashKeyCount } : {}),
      rwPattern: values['rw_pattern'] as string,
      avgKvKb: need('avg_kv_kb'),
      totalDataGb: need('total_data_gb'),
      growth6m: need('growth_6m'),
      growth1y: need('growth_1y'),
      growth3y: need('growth_3y'),
      readP99Ms: need('read_p99_ms'),
      writeP99Ms: need('write_p99_ms'),
      iopsPattern: values['iops_pattern'] as IopsPattern,
      ...(typeof cluster === 'string' && cluster.trim() !== '' ? { cluster: cluster.trim() } : {}),
    },
  };
}

/** The application as `application.json` spells it (stored with the application, shown by `applications show`). */
export function applicationJson(a: TableApplicationInput): Record<string, string | number> {
  return {
    ...(a.cluster !== undefined ? { cluster: a.cluster } : {}),
    table_name: a.tableName,
    read_peak_qps: a.readPeakQps,
    reads_per_day: a.readsPerDay,
    write_peak_tps: a.writePeakTps,
    writes_per_day: a.writesPerDay,
    hash_key: a.hashKey,
    ...(a.sortKey !== undefined ? { sort_key: a.sortKey } : {}),
    example_key: a.exampleKey,
    ...(a.hashKeyCount !== undefined ? { hash_key_count: a.hashKeyCount } : {}),
    rw_pattern: a.rwPattern,
    avg_kv_kb: a.avgKvKb,
    total_data_gb: a.totalDataGb,
    growth_6m: a.growth6m,
    growth_1y: a.growth1y,
    growth_3y: a.growth3y,
    read_p99_ms: a.readP99Ms,
    write_p99_ms: a.writeP99Ms,
    iops_pattern: a.iopsPattern,
  };
}

/** The error for a name that is already a table (or the subject of an open application). */
export function tableExistsError(name: string, cluster: string, application?: string): string {
  return application !== undefined
    ? `Table "${name}" is already requested on cluster ${cluster} by application ${application}; choose another name, or wait for that decision.`
    : `Table "${name}" already exists on cluster ${cluster}; choose another name.`;
}
