/**
 * The review rules on realistic applications against a production-like snapshot: the numbers (storage,
 * partitions, load), the risks each application raises, and the verdict.
 */
import { describe, expect, it } from 'vitest';
import { parseApplication, type TableApplicationInput } from '../../src/admission/application-schema.js';
import { nextPowerOfTwo, reviewApplication, verdictOf, type Review } from '../../src/admission/review.js';
import { defaultAdmissionSettings, type AdmissionSettings } from '../../src/config/config.js';
import type { Finding } from '../../src/replies/reply.js';
import { hotspotFeed, impossibleLatency, productionSnapshot, smallCache, timeSeries } from './applications.js';

function input(raw: Record<string, unknown>): TableApplicationInput {
  const parsed = parseApplication(raw);
  if (!parsed.ok) throw new Error(`fixture is invalid: ${JSON.stringify(parsed.errors)}`);
  return parsed.value;
}

function review(
  raw: Record<string, unknown>,
  settings: Partial<AdmissionSettings> = {},
  snapshot = productionSnapshot(),
): Review {
  return reviewApplication(input(raw), snapshot, { ...defaultAdmissionSettings(), ...settings });
}

const risks = (r: Review): Finding[] => r.findings.filter((f) => f.severity === 'warn' || f.severity === 'crit');
const find = (r: Review, prefix: string): Finding | undefined => r.findings.find((f) => f.summary.startsWith(prefix));

describe('review of a small cache table', () => {
  const r = review(smallCache);

  it('approves it with 16 partitions set by the read peak', () => {
    expect(r.verdict).toBe('approve');
    expect(risks(r)).toEqual([]);
    // size 30 GB / 10 = 3, reads 20,000 / 2,000 = 10, writes 2,000 / 500 = 4, 10 nodes, minimum 8 → 16.
    expect(r.partitions.needs).toEqual({ size: 3, read: 10, write: 4, nodes: 10, minimum: 8 });
    expect(r.partitions.binding).toBe('read');
    expect(r.partitionCount).toBe(16);
    expect(r.replicaCount).toBe(3);
    expect(r.partitions.rule).toContain('smallest power of two');
    expect(r.partitions.sources.join(' ')).toMatch(/Partition Split.*power of two/);
    expect(r.partitions.sources.join(' ')).toMatch(/under 10 GB/);
  });

  it('sizes the disk as data × 3 replicas × growth + 50% compaction headroom', () => {
    expect(r.storage.dataGb).toEqual({ now: 20, '6m': 24, '1y': 30, '3y': 40 });
    expect(r.storage.diskGb).toEqual({ now: 90, '6m': 108, '1y': 135, '3y': 180 });
    expect(r.diskGb).toBe(135);
    // 20,000 GB free, 20% of 40,000 GB kept for the disk warning threshold.
    expect(r.storage).toMatchObject({ freeGb: 20_000, reserveGb: 8_000, usableGb: 12_000 });
    expect(r.storage.runsOutMonths).toBeUndefined();
    expect(find(r, 'Storage')?.severity).toBe('ok');
  });

  it('spreads the peak over partitions and nodes and adds it to the busiest node', () => {
    expect(r.load).toMatchObject({
      perPartitionReadQps: 1250,
      perPartitionWriteQps: 125,
      addedReadQpsPerNode: 2000,
      addedWriteQpsPerNode: 600,
      read: { address: '10.0.0.4:34801', nowQps: 30_000, afterQps: 32_000, capacityQps: 70_000, ratio: 0.46 },
      write: { address: '10.0.0.8:34801', nowQps: 12_000, afterQps: 12_600, capacityQps: 30_000, ratio: 0.42 },
    });
    expect(find(r, 'Load')?.severity).toBe('ok');
    expect(r.reasons[0]).toMatch(/^No risk found: 16 partitions × 3 replicas, 135 GB/);
  });
});

describe('review of a large time-series table with monotonic keys', () => {
  const r = review(timeSeries);

  it('needs changes because the hash key follows time', () => {
    expect(r.verdict).toBe('changes');
    const skew = find(r, 'Data skew');
    expect(skew?.severity).toBe('crit');
    expect(skew?.evidence).toMatchObject({ 'example hash key': '2026031410', because: 'the design says "timestamp"' });
    expect(skew?.advice).toMatch(/time in the sort key/);
    expect(r.reasons[0]).toMatch(/^Data skew/);
  });

  it('finds the cluster runs out of disk after 2 months of its growth', () => {
    expect(r.storage.diskGb).toEqual({ now: 9_000, '6m': 18_000, '1y': 36_000, '3y': 108_000 });
    // 9,000 GB now, 18,000 at 6 months: 12,000 usable is reached a third of the way, at month 2.
    expect(r.storage.runsOutMonths).toBe(2);
    expect(find(r, 'Storage')).toMatchObject({ severity: 'warn' });
    expect(find(r, 'Storage')?.summary).toMatch(/after about 2 months/);
    expect(r.diskGb).toBe(36_000);
  });

  it('sizes 1,024 partitions for 8 TB at one year and flags the write load on the busiest node', () => {
    expect(r.partitions.needs).toEqual({ size: 800, read: 3, write: 100, nodes: 10, minimum: 8 });
    expect(r.partitions.binding).toBe('size');
    expect(r.partitionCount).toBe(1024);
    expect(r.partitions.capped).toBe(false);
    // 50,000 writes × 3 replicas / 10 nodes = 15,000 more on a node already at 12,000: 90% of 30,000.
    expect(r.load.write).toMatchObject({ afterQps: 27_000, ratio: 0.9 });
    expect(find(r, 'Load')).toMatchObject({ severity: 'warn' });
  });
});

describe('review of a hotspot pattern', () => {
  const r = review(hotspotFeed);

  it('approves with conditions because 90% of the reads go to 1% of the users', () => {
    expect(r.verdict).toBe('conditions');
    const hot = find(r, 'Hotspot');
    expect(hot?.severity).toBe('warn');
    expect(hot?.evidence?.['because']).toBe('"90% of reads go to 1% of users"');
    expect(hot?.evidence?.['read QPS on one partition if one key took 10% of the peak']).toBe(4000);
    expect(hot?.advice).toMatch(/hotkey detection/i);
    expect(risks(r)).toHaveLength(1);
    expect(r.reasons).toEqual([hot?.summary]);
  });

  it('sizes 32 partitions for 320 GB at one year', () => {
    expect(r.partitions.needs).toEqual({ size: 32, read: 20, write: 8, nodes: 10, minimum: 8 });
    expect(r.partitionCount).toBe(32);
    expect(r.diskGb).toBe(1440);
    expect(r.load.read).toMatchObject({ afterQps: 34_000, ratio: 0.49 });
  });
});

describe('review of an impossible latency requirement', () => {
  const r = review(impossibleLatency);

  it('needs changes: a 1 ms read P99 is tighter than the 4 ms the cluster does now', () => {
    expect(r.verdict).toBe('changes');
    const read = find(r, 'Latency: the required read P99');
    expect(read).toMatchObject({ severity: 'crit' });
    expect(read?.evidence).toEqual({ 'required read P99 (ms)': 1, 'cluster read P99 now, slowest node (ms)': 4 });
    // 12 ms write is above the 8 ms now, but under twice it.
    expect(find(r, 'Latency: the required write P99')).toMatchObject({ severity: 'warn' });
    expect(r.partitionCount).toBe(16);
    expect(r.partitions.binding).toBe('nodes');
  });

  it('passes once the requirement is relaxed', () => {
    expect(review({ ...impossibleLatency, read_p99_ms: 10, write_p99_ms: 20 }).verdict).toBe('approve');
  });
});

describe('review rules', () => {
  it('rounds partition counts up to a power of two', () => {
    expect([0, 1, 2, 3, 5, 8, 9, 800, 1024, 1025].map(nextPowerOfTwo)).toEqual([
      1, 1, 2, 4, 8, 8, 16, 1024, 1024, 2048,
    ]);
  });

  it('cuts the count at the configured maximum and says so', () => {
    const r = review(timeSeries, { maxPartitions: 600 });
    expect(r.partitionCount).toBe(512);
    expect(r.partitions.capped).toBe(true);
    expect(find(r, 'Partitions')).toMatchObject({ severity: 'warn' });
    expect(r.partitions.rule).toMatch(/= 1024, cut to the configured maximum 512$/);
  });

  it('refuses when the table does not fit the free disk from day one', () => {
    const r = review(smallCache, {}, productionSnapshot({ diskTotalGb: 1_000, diskFreeGb: 250 }));
    // 250 free − 200 kept for the 20% threshold = 50 usable < 90 needed now.
    expect(r.storage.usableGb).toBe(50);
    expect(r.storage.runsOutMonths).toBe(0);
    expect(find(r, 'Storage')).toMatchObject({ severity: 'crit' });
    expect(r.verdict).toBe('changes');
  });

  it('sizes for the configured horizon', () => {
    const r = review(smallCache, { sizingHorizon: '3y', partitionMaxGb: 1 });
    expect(r.partitions.needs.size).toBe(40);
    expect(r.partitionCount).toBe(64);
    expect(r.diskGb).toBe(180);
  });

  it('flags too few distinct hash keys, and one hash key holding more than a partition', () => {
    const few = review({ ...smallCache, hash_key_count: 100 });
    expect(find(few, 'Data skew')).toMatchObject({ severity: 'crit' });
    expect(find(few, 'Data skew')?.summary).toMatch(/100 distinct hash keys over 16 partitions/);
    const some = review({ ...smallCache, hash_key_count: 1000 });
    expect(find(some, 'Data skew')).toMatchObject({ severity: 'warn' });
    const fat = review({ ...smallCache, hash_key_count: 2, total_data_gb: 100 });
    expect(find(fat, 'Data skew')?.summary).toMatch(/one hash key would hold about 75 GB/);
    const guessed = review({ ...smallCache, hash_key_count: '', hash_key: 'country code' });
    expect(find(guessed, 'Data skew')).toMatchObject({ severity: 'warn' });
  });

  it('warns about auto-increment hash keys less than about time-based ones', () => {
    const r = review({ ...smallCache, hash_key: 'order id (auto-increment)', example_key: '10023 | items' });
    expect(find(r, 'Data skew')).toMatchObject({ severity: 'warn' });
    const byExample = review({ ...smallCache, hash_key: 'bucket', example_key: '1700000000123 | x' });
    expect(find(byExample, 'Data skew')).toMatchObject({ severity: 'crit' });
  });

  it('warns above 1 MB values and names the server limit', () => {
    const r = review({ ...smallCache, avg_kv_kb: 2048 });
    const large = find(r, 'Large values');
    expect(large).toMatchObject({ severity: 'warn' });
    expect(large?.advice).toMatch(/max_allowed_write_size/);
    expect(review({ ...smallCache, avg_kv_kb: 1024 }).findings.some((f) => f.summary.startsWith('Large'))).toBe(false);
  });

  it('creates a timed-batch table with write throttling and suggests the bulk_load scenario', () => {
    const r = review({ ...smallCache, iops_pattern: 'batch' });
    expect(r.envs).toEqual({ 'replica.write_throttling': '2400*delay*100' });
    const batch = find(r, 'Timed batch writes');
    expect(batch).toMatchObject({ severity: 'warn' });
    expect(batch?.advice).toMatch(/bulk_load/);
    expect(r.verdict).toBe('conditions');
    expect(review(smallCache).envs).toEqual({});
  });

  it('needs changes when fewer replica servers are alive than replicas, and overloaded nodes', () => {
    const r = review(smallCache, {}, productionSnapshot({ aliveNodes: 2 }));
    expect(find(r, 'Replicas')).toMatchObject({ severity: 'crit' });
    const hot = review({ ...smallCache, read_peak_qps: 500_000, reads_per_day: 10_000_000_000 });
    // 500,000 / 10 nodes = 50,000 more on a node at 30,000: 80,000 of 70,000.
    expect(hot.load.read).toMatchObject({ afterQps: 80_000, ratio: 1.14 });
    expect(find(hot, 'Load')).toMatchObject({ severity: 'crit' });
  });

  it('says when there is no latency to compare with, and which nodes did not answer', () => {
    const { readP99Ms: _r, writeP99Ms: _w, ...rest } = productionSnapshot({ unreachable: ['10.0.0.9:34801'] });
    const r = review(smallCache, {}, rest);
    expect(find(r, 'Latency: the cluster has no read P99')).toMatchObject({ severity: 'info' });
    expect(r.findings.at(-1)?.summary).toMatch(/^1 replica servers did not answer/);
    expect(r.verdict).toBe('approve');
  });

  it('derives the verdict from the worst finding', () => {
    const f = (severity: Finding['severity']): Finding => ({
      check: 'apply_table',
      severity,
      subject: 't',
      summary: '',
    });
    expect(verdictOf([f('ok'), f('info')])).toBe('approve');
    expect(verdictOf([f('ok'), f('warn')])).toBe('conditions');
    expect(verdictOf([f('warn'), f('crit')])).toBe('changes');
  });

  it('tags every finding with the apply_table check and the table', () => {
    for (const raw of [smallCache, timeSeries, hotspotFeed, impossibleLatency]) {
      const r = review(raw);
      expect(new Set(r.findings.map((f) => f.check))).toEqual(new Set(['apply_table']));
      expect(new Set(r.findings.map((f) => f.subject))).toEqual(new Set([raw['table_name']]));
    }
  });
});
