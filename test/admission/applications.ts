/**
 * Realistic table applications (as `application.json` spells them) and a production-like cluster snapshot,
 * shared by the admission tests.
 */
import type { ClusterSnapshot } from '../../src/admission/review.js';

/** A small cache table: spread-out keys, modest data, latency well above the cluster's. */
export const smallCache: Record<string, string | number> = {
  table_name: 'user_session',
  read_peak_qps: 20_000,
  reads_per_day: 800_000_000,
  write_peak_tps: 2_000,
  writes_per_day: 50_000_000,
  hash_key: 'session id (random UUID)',
  sort_key: 'field name',
  example_key: 'sess_9f1c2e7a | data',
  hash_key_count: 5_000_000,
  rw_pattern: 'get by session id on every request; set on login, expire after 30 minutes',
  avg_kv_kb: 1,
  total_data_gb: 20,
  growth_6m: 1.2,
  growth_1y: 1.5,
  growth_3y: 2,
  read_p99_ms: 20,
  write_p99_ms: 30,
  iops_pattern: 'even',
};

/** A large time-series table keyed by the hour: monotonic hash keys, fast growth, heavy writes. */
export const timeSeries: Record<string, string | number> = {
  table_name: 'metrics_ts',
  read_peak_qps: 5_000,
  reads_per_day: 100_000_000,
  write_peak_tps: 50_000,
  writes_per_day: 3_000_000_000,
  hash_key: 'timestamp truncated to the hour (yyyyMMddHH)',
  sort_key: 'metric name + host',
  example_key: '2026031410 | cpu.busy/host-17',
  rw_pattern: 'dashboards read the last 24 hours; collectors write every 10 s',
  avg_kv_kb: 0.5,
  total_data_gb: 2_000,
  growth_6m: 2,
  growth_1y: 4,
  growth_3y: 12,
  read_p99_ms: 50,
  write_p99_ms: 50,
  iops_pattern: 'even',
};

/** A feed read mostly for a few celebrity accounts: a hotspot. */
export const hotspotFeed: Record<string, string | number> = {
  table_name: 'user_feed',
  read_peak_qps: 40_000,
  reads_per_day: 1_500_000_000,
  write_peak_tps: 4_000,
  writes_per_day: 100_000_000,
  hash_key: 'user id',
  sort_key: 'post time',
  example_key: 'u_10023 | 1700000000',
  hash_key_count: 20_000_000,
  rw_pattern: '90% of reads go to 1% of users (celebrity accounts); writes spread over all users',
  avg_kv_kb: 2,
  total_data_gb: 200,
  growth_6m: 1.3,
  growth_1y: 1.6,
  growth_3y: 3,
  read_p99_ms: 20,
  write_p99_ms: 30,
  iops_pattern: 'peaks',
};

/** An ad index that asks for a read P99 below what the cluster does today. */
export const impossibleLatency: Record<string, string | number> = {
  table_name: 'ad_index',
  read_peak_qps: 10_000,
  reads_per_day: 500_000_000,
  write_peak_tps: 500,
  writes_per_day: 10_000_000,
  hash_key: 'ad id',
  sort_key: 'creative',
  example_key: 'ad_778812 | creative',
  hash_key_count: 2_000_000,
  rw_pattern: 'random gets by ad id from the ad server',
  avg_kv_kb: 4,
  total_data_gb: 50,
  growth_6m: 1.1,
  growth_1y: 1.2,
  growth_3y: 1.5,
  read_p99_ms: 1,
  write_p99_ms: 12,
  iops_pattern: 'even',
};

/**
 * Ten replica servers with 4,000 GB of disk each, 2,000 GB free; 20,000 reads and 8,000 writes per second
 * each, the busiest at 30,000 and 12,000; the slowest P99s 4 ms (read) and 8 ms (write).
 */
export function productionSnapshot(overrides: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  const nodes = Array.from({ length: 10 }, (_, i) => ({
    address: `10.0.0.${i + 1}:34801`,
    readQps: i === 3 ? 30_000 : 20_000,
    writeQps: i === 7 ? 12_000 : 8_000,
  }));
  return {
    cluster: 'prod',
    aliveNodes: 10,
    diskTotalGb: 40_000,
    diskFreeGb: 20_000,
    nodes,
    readP99Ms: 4,
    writeP99Ms: 8,
    diskFreePctWarn: 20,
    unreachable: [],
    ...overrides,
  };
}
