/** What a simulated table looks like and how busy it is. */

/** Read operations, in the order Pegasus's metrics name them (`<op>_requests`, `<op>_latency_ns`). */
export const readOps = ['get', 'multi_get', 'batch_get', 'scan'] as const;
/** Write operations. */
export const writeOps = [
  'put',
  'multi_put',
  'remove',
  'multi_remove',
  'incr',
  'check_and_set',
  'check_and_mutate',
] as const;

/** One read operation. */
export type ReadOp = (typeof readOps)[number];
/** One write operation. */
export type WriteOp = (typeof writeOps)[number];
/** Any data operation. */
export type DataOp = ReadOp | WriteOp;

/** Share of each operation in a table's reads and writes. */
export const opMix: Readonly<Record<DataOp, number>> = {
  get: 0.7,
  multi_get: 0.2,
  batch_get: 0.05,
  scan: 0.05,
  put: 0.7,
  multi_put: 0.15,
  remove: 0.08,
  multi_remove: 0.02,
  incr: 0.03,
  check_and_set: 0.01,
  check_and_mutate: 0.01,
};

/** A table to create at start-up. */
export interface TableSpec {
  name: string;
  partitionCount: number;
  /** `max_replica_count` (default 3). */
  replicaCount?: number;
  envs?: Record<string, string>;
  /** Reads per second over the whole table (served by primaries). */
  readQps?: number;
  /** Writes per second over the whole table. */
  writeQps?: number;
  /** Average value size in bytes (for byte counters and capacity units). */
  valueBytes?: number;
  /** Data size of one copy of the table, in MB. */
  dataMb?: number;
  /** Typical p99 latency of a GET on one replica, in milliseconds. */
  readP99Ms?: number;
  /** Typical p99 latency of a PUT on one replica, in milliseconds. */
  writeP99Ms?: number;
}

/** The tables a fresh simulated cluster starts with: onebox's `stat` and `temp`, plus a few busy ones. */
export const defaultTables: readonly TableSpec[] = [
  { name: 'stat', partitionCount: 4, readQps: 5, writeQps: 40, valueBytes: 256, dataMb: 512 },
  { name: 'temp', partitionCount: 8, readQps: 800, writeQps: 200, valueBytes: 1024, dataMb: 4_096 },
  {
    name: 'user_profile',
    partitionCount: 16,
    readQps: 6_000,
    writeQps: 800,
    valueBytes: 2_048,
    dataMb: 61_440,
    envs: { 'replica.slow_query_threshold': '100' },
  },
  {
    name: 'feed_timeline',
    partitionCount: 32,
    readQps: 12_000,
    writeQps: 3_000,
    valueBytes: 4_096,
    dataMb: 184_320,
    readP99Ms: 4,
    writeP99Ms: 6,
  },
  { name: 'order_index', partitionCount: 8, readQps: 1_500, writeQps: 600, valueBytes: 512, dataMb: 20_480 },
  {
    name: 'session_cache',
    partitionCount: 16,
    readQps: 9_000,
    writeQps: 4_000,
    valueBytes: 256,
    dataMb: 8_192,
    readP99Ms: 1.2,
    writeP99Ms: 2,
    envs: { default_ttl: '86400', 'rocksdb.usage_scenario': 'normal' },
  },
];

/** `count` tables: the defaults first, then generated `table_<n>` ones. */
export function tablesForCount(count: number): TableSpec[] {
  const out = defaultTables.slice(0, count);
  for (let i = out.length; i < count; i++) {
    out.push({
      name: `table_${i + 1}`,
      partitionCount: [8, 16, 32][i % 3] ?? 8,
      readQps: 500 + ((i * 977) % 4_000),
      writeQps: 100 + ((i * 353) % 1_500),
      valueBytes: 1_024,
      dataMb: 10_240,
    });
  }
  return out;
}

/** The `large` scenario's 200 tables with 65,536 partitions in total. */
export function largeTables(): TableSpec[] {
  const out: TableSpec[] = [];
  for (let i = 0; i < 200; i++) {
    out.push({
      name: i === 0 ? 'temp' : i === 1 ? 'stat' : `large_table_${String(i).padStart(3, '0')}`,
      partitionCount: i < 56 ? 512 : 256,
      readQps: 2_000 + ((i * 1_297) % 20_000),
      writeQps: 500 + ((i * 613) % 6_000),
      valueBytes: 1_024,
      dataMb: 200_000,
    });
  }
  return out;
}
