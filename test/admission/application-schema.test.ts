/**
 * Validation of an application: every field's error at once, what was wrong and what is accepted; numbers as
 * people type them; Pegasus's table-name rule; daily totals against their peaks; the form definition.
 */
import { describe, expect, it } from 'vitest';
import {
  applicationFields,
  applicationFormSpec,
  applicationJson,
  parseApplication,
  type FieldErrors,
} from '../../src/admission/application-schema.js';
import { smallCache } from './applications.js';

function errorsOf(raw: Record<string, unknown>, clusters?: readonly string[]): FieldErrors {
  const parsed = parseApplication(raw, clusters ? { clusters } : {});
  if (parsed.ok) throw new Error('expected errors');
  return parsed.errors;
}

describe('parseApplication', () => {
  it('accepts a complete application and keeps optional fields absent when empty', () => {
    const parsed = parseApplication({ ...smallCache, sort_key: '  ', hash_key_count: '' });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({ tableName: 'user_session', readPeakQps: 20_000, iopsPattern: 'even' });
    expect(parsed.value).not.toHaveProperty('sortKey');
    expect(parsed.value).not.toHaveProperty('hashKeyCount');
    expect(applicationJson(parsed.value)).not.toHaveProperty('sort_key');
  });

  it('reads numbers as typed in a form: separators, decimals, exponents', () => {
    const parsed = parseApplication({
      ...smallCache,
      read_peak_qps: '20,000',
      reads_per_day: '800 000 000',
      writes_per_day: '5e7',
      write_peak_tps: '2_000',
      avg_kv_kb: '.5',
      iops_pattern: 'Peaks and valleys',
    });
    expect(parsed.ok && parsed.value).toMatchObject({
      readPeakQps: 20_000,
      readsPerDay: 800_000_000,
      writesPerDay: 50_000_000,
      writePeakTps: 2_000,
      avgKvKb: 0.5,
      iopsPattern: 'peaks',
    });
  });

  it('reports every missing field at once, naming the field and an example', () => {
    const errors = errorsOf({});
    const required = applicationFields.filter((f) => f.required).map((f) => f.name);
    expect(Object.keys(errors).sort()).toEqual([...required].sort());
    expect(errors['read_peak_qps']).toBe('Read peak (QPS) is required: give a number (e.g. 5000).');
    expect(errors['table_name']).toBe('Table name is required (e.g. user_profile).');
    expect(errors['hash_key']).toMatch(/^Hash key design is required/);
    expect(errors['iops_pattern']).toMatch(/one of even \(Even all day\), peaks \(Peaks and valleys\), batch/);
  });

  it('refuses negative and non-numeric numbers, zero sizes and latencies, fractional counts', () => {
    const errors = errorsOf({
      ...smallCache,
      read_peak_qps: -5,
      write_peak_tps: 'lots',
      total_data_gb: 0,
      read_p99_ms: '0',
      growth_3y: -1,
      hash_key_count: 12.5,
    });
    expect(errors).toEqual({
      read_peak_qps: 'Read peak (QPS) cannot be negative (got -5); give 0 or more.',
      write_peak_tps: 'Write peak (TPS): "lots" is not a number; give digits only (e.g. 1000).',
      total_data_gb: 'Estimated total data (GB) must be more than 0, got 0.',
      read_p99_ms: 'Required read P99 (ms) must be more than 0, got 0.',
      growth_3y: 'Data after 3 years (× today) must be more than 0, got -1.',
      hash_key_count: 'Distinct hash keys (estimate) is a count: give a whole number, got 12.5.',
    });
  });

  it('refuses a daily total below one minute at the peak, and a peak below the daily average', () => {
    const errors = errorsOf({ ...smallCache, reads_per_day: 1_000_000, write_peak_tps: 10, writes_per_day: 8_640_000 });
    expect(errors['reads_per_day']).toBe(
      '1,000,000 reads per day is less than one minute at the peak (20,000 QPS × 60 = 1,200,000). Give the total reads in a whole day, or check the peak.',
    );
    expect(errors['write_peak_tps']).toBe(
      'A peak of 10 TPS is below the daily average (8,640,000 ÷ 86,400 s = 100 TPS). The peak is the busiest second, so it is at least the average.',
    );
    expect(Object.keys(errors)).toHaveLength(2);
  });

  it('applies Pegasus’s table-name rule: letters, digits, _ . :', () => {
    for (const good of ['abc', 'abc1', 'abc_', 'abc.', 'abc:', 'A.b:c_9']) {
      expect(parseApplication({ ...smallCache, table_name: good }).ok).toBe(true);
    }
    for (const bad of ['abc!', 'abc-', 'abc@', 'user profile', 'tàble']) {
      expect(errorsOf({ ...smallCache, table_name: bad })['table_name']).toMatch(
        /^Table name may only use letters, digits, _ \. and :/,
      );
    }
    expect(errorsOf({ ...smallCache, table_name: 42 })['table_name']).toMatch(/must be text/);
  });

  it('names unknown keys (a typo would lose a field) and unknown clusters', () => {
    const errors = errorsOf({ ...smallCache, read_peak: 5, cluster: 'nope' }, ['prod', 'test']);
    expect(errors['read_peak']).toMatch(
      /^Unknown field "read_peak"\. Accepted fields: cluster, table_name, read_peak_qps/,
    );
    expect(errors['cluster']).toBe('Unknown cluster "nope". Known clusters: prod, test.');
    const ok = parseApplication({ ...smallCache, cluster: 'test' }, { clusters: ['prod', 'test'] });
    expect(ok.ok && ok.value.cluster).toBe('test');
  });

  it('refuses an IOPS characteristic that is not one of the three', () => {
    expect(errorsOf({ ...smallCache, iops_pattern: 'random' })['iops_pattern']).toMatch(
      /^IOPS characteristic "random" is not one of even/,
    );
  });
});

describe('applicationFormSpec', () => {
  it('lists the guide’s fields, adding a cluster choice only when there are several clusters', () => {
    const single = applicationFormSpec(['prod']);
    expect(single.id).toBe('apply_table');
    expect(single.fields.map((f) => f.name)).toEqual([
      'table_name',
      'read_peak_qps',
      'reads_per_day',
      'write_peak_tps',
      'writes_per_day',
      'hash_key',
      'sort_key',
      'example_key',
      'hash_key_count',
      'rw_pattern',
      'avg_kv_kb',
      'total_data_gb',
      'growth_6m',
      'growth_1y',
      'growth_3y',
      'read_p99_ms',
      'write_p99_ms',
      'iops_pattern',
    ]);
    const several = applicationFormSpec(['prod', 'test']);
    expect(several.fields[0]).toMatchObject({
      name: 'cluster',
      kind: 'select',
      options: [{ value: 'prod' }, { value: 'test' }],
    });
    // Discord cuts labels at 45 characters: keep every label within it.
    for (const f of several.fields) expect(f.label.length).toBeLessThanOrEqual(45);
  });
});
