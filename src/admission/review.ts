/**
 * The review of a table application as pure functions over the application, a snapshot of the cluster (free
 * disk, per-node load, current P99) and the admission settings: storage over the growth horizons, the partition
 * count, the load on the busiest node, the key-design and traffic risks, and a verdict with its reasons.
 * Every risk is a finding with check `apply_table`; the numbers behind it are its evidence.
 */
import type { AdmissionSettings } from '../config/config.js';
import type { Finding, Severity } from '../replies/reply.js';
import type { ApplicationVerdict } from '../store/store.js';
import type { TableApplicationInput } from './application-schema.js';

/** The check id of every finding of a review. */
export const reviewCheck = 'apply_table';

/** A point of the growth estimate. */
export type Horizon = AdmissionSettings['sizingHorizon'];

/** The horizons in order, with their distance from now in months. */
export const horizons: readonly { horizon: Horizon; months: number; label: string }[] = [
  { horizon: 'now', months: 0, label: 'now' },
  { horizon: '6m', months: 6, label: '6 months' },
  { horizon: '1y', months: 12, label: '1 year' },
  { horizon: '3y', months: 36, label: '3 years' },
];

/** Load of one replica server now. */
export interface NodeLoad {
  address: string;
  readQps: number;
  writeQps: number;
}

/** What the review needs to know about the cluster. */
export interface ClusterSnapshot {
  cluster: string;
  /** Replica servers that are ALIVE. */
  aliveNodes: number;
  /** Disk of the replica servers that answered, GB. */
  diskTotalGb: number;
  diskFreeGb: number;
  /** Per-node load (the nodes that answered). */
  nodes: NodeLoad[];
  /** The slowest node's P99 now (ms); undefined when no node measured any. */
  readP99Ms?: number;
  writeP99Ms?: number;
  /** The cluster's free-disk warning threshold (percent): the new table must not push the cluster below it. */
  diskFreePctWarn: number;
  /** Replica servers that did not answer (their disk and load are missing from the sums). */
  unreachable: string[];
}

/** Disk needed at each horizon and when the cluster runs out. */
export interface StorageReview {
  horizon: Horizon;
  dataGb: Record<Horizon, number>;
  /** Data × replicas × (1 + compaction headroom). */
  diskGb: Record<Horizon, number>;
  freeGb: number;
  /** Free disk kept back so the cluster stays above its free-disk warning threshold. */
  reserveGb: number;
  usableGb: number;
  /** Months from now after which the table no longer fits (0: it does not fit now); absent within 3 years. */
  runsOutMonths?: number;
}

/** Why the partition count is what it is. */
export interface PartitionReview {
  count: number;
  /** Partitions each reason needs before rounding to a power of two. */
  needs: { size: number; read: number; write: number; nodes: number; minimum: number };
  /** The reason that set the count. */
  binding: keyof PartitionReview['needs'];
  /** The power of two was above `maxPartitions` and was cut to it. */
  capped: boolean;
  rule: string;
  sources: string[];
}

/** The busiest node before and after the new table, for reads or writes. */
export interface NodeLoadAfter {
  address: string;
  nowQps: number;
  afterQps: number;
  capacityQps: number;
  /** afterQps / capacityQps. */
  ratio: number;
}

/** The new table's peak spread over partitions and nodes. */
export interface LoadReview {
  perPartitionReadQps: number;
  perPartitionWriteQps: number;
  /** Read peak / alive nodes (primaries are spread evenly). */
  addedReadQpsPerNode: number;
  /** Write peak × replicas / alive nodes (every replica applies every write). */
  addedWriteQpsPerNode: number;
  read?: NodeLoadAfter;
  write?: NodeLoadAfter;
}

/** The review of one application. */
export interface Review {
  verdict: ApplicationVerdict;
  tableName: string;
  cluster: string;
  partitionCount: number;
  replicaCount: number;
  /** Disk the table needs at the sizing horizon, GB. */
  diskGb: number;
  storage: StorageReview;
  partitions: PartitionReview;
  load: LoadReview;
  /** Table envs to set at creation (conditions such as write throttling). */
  envs: Record<string, string>;
  findings: Finding[];
  reasons: string[];
}

/** The smallest power of two at least `n` (1 for anything up to 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The largest power of two at most `n` (at least 1). */
function floorPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return p;
}

/** Rounds to two decimals, so numbers in replies and JSON stay readable and exact to compare. */
export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function fmt(n: number): string {
  return round2(n).toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Total data at a horizon, as a multiple of today's. */
export function growthAt(a: TableApplicationInput, horizon: Horizon): number {
  switch (horizon) {
    case 'now':
      return 1;
    case '6m':
      return a.growth6m;
    case '1y':
      return a.growth1y;
    case '3y':
      return a.growth3y;
  }
}

function monthsOf(horizon: Horizon): number {
  return horizons.find((h) => h.horizon === horizon)?.months ?? 0;
}

function labelOfHorizon(horizon: Horizon): string {
  return horizons.find((h) => h.horizon === horizon)?.label ?? horizon;
}

/** Storage: data × replicas × growth plus compaction headroom against the free disk, and when it runs out. */
export function reviewStorage(
  a: TableApplicationInput,
  cluster: ClusterSnapshot,
  settings: AdmissionSettings,
): StorageReview {
  const factor = settings.replicaCount * (1 + settings.compactionHeadroom);
  const dataGb = {} as Record<Horizon, number>;
  const diskGb = {} as Record<Horizon, number>;
  for (const { horizon } of horizons) {
    dataGb[horizon] = round2(a.totalDataGb * growthAt(a, horizon));
    diskGb[horizon] = round2(a.totalDataGb * growthAt(a, horizon) * factor);
  }
  const reserveGb = round2((cluster.diskTotalGb * cluster.diskFreePctWarn) / 100);
  const usableGb = round2(Math.max(0, cluster.diskFreeGb - reserveGb));
  // The need grows linearly between the applicant's estimates; find where it first passes the usable disk.
  let runsOutMonths: number | undefined;
  const points = horizons.map((h) => ({ months: h.months, need: a.totalDataGb * growthAt(a, h.horizon) * factor }));
  for (let i = 0; i < points.length && runsOutMonths === undefined; i++) {
    const p = points[i];
    if (!p) break;
    if (p.need > usableGb) {
      const prev = points[i - 1];
      runsOutMonths =
        prev === undefined
          ? 0
          : prev.months + ((usableGb - prev.need) / (p.need - prev.need)) * (p.months - prev.months);
    }
  }
  return {
    horizon: settings.sizingHorizon,
    dataGb,
    diskGb,
    freeGb: round2(cluster.diskFreeGb),
    reserveGb,
    usableGb,
    ...(runsOutMonths !== undefined ? { runsOutMonths: Math.round(runsOutMonths * 10) / 10 } : {}),
  };
}

/** The partition count: a power of two from per-partition size and QPS targets, at least one primary per node. */
export function reviewPartitions(
  a: TableApplicationInput,
  cluster: ClusterSnapshot,
  settings: AdmissionSettings,
): PartitionReview {
  const sizedGb = a.totalDataGb * growthAt(a, settings.sizingHorizon);
  const needs = {
    size: Math.ceil(sizedGb / settings.partitionMaxGb),
    read: Math.ceil(a.readPeakQps / settings.partitionReadQps),
    write: Math.ceil(a.writePeakTps / settings.partitionWriteQps),
    nodes: cluster.aliveNodes,
    minimum: settings.minPartitions,
  };
  let binding: PartitionReview['binding'] = 'minimum';
  for (const key of ['size', 'read', 'write', 'nodes'] as const) if (needs[key] > needs[binding]) binding = key;
  const wanted = nextPowerOfTwo(needs[binding]);
  const cap = floorPowerOfTwo(settings.maxPartitions);
  const count = Math.min(wanted, cap);
  const horizon = labelOfHorizon(settings.sizingHorizon);
  const rule =
    `partition count = the smallest power of two ≥ max(data at ${horizon} ÷ ${fmt(settings.partitionMaxGb)} GB = ${needs.size}, ` +
    `read peak ÷ ${fmt(settings.partitionReadQps)} QPS = ${needs.read}, write peak ÷ ${fmt(settings.partitionWriteQps)} TPS = ${needs.write}, ` +
    `alive replica servers = ${needs.nodes}, minimum ${needs.minimum}) = ${wanted}` +
    (count < wanted ? `, cut to the configured maximum ${count}` : '');
  return {
    count,
    needs,
    binding,
    capped: count < wanted,
    rule,
    sources: [
      'Pegasus docs, Administration → Partition Split: the partition count is always a power of two and a split doubles it, so the table can grow by splitting later.',
      'Pegasus docs, Overview → Benchmark ("Different partition count of table"): keep a single partition under 10 GB in production.',
      'Reasoning: the per-partition QPS targets are a fraction of what the 2.4.0 benchmark reached per partition (about 5,600 reads and 890 writes), leaving room for failures and compaction; at least one partition per alive replica server so every node serves primaries of the table.',
    ],
  };
}

function busiest(nodes: readonly NodeLoad[], pick: (n: NodeLoad) => number): NodeLoad | undefined {
  let best: NodeLoad | undefined;
  for (const n of nodes) if (!best || pick(n) > pick(best)) best = n;
  return best;
}

/** The peak spread over partitions and nodes, added to the busiest node's load now. */
export function reviewLoad(
  a: TableApplicationInput,
  cluster: ClusterSnapshot,
  settings: AdmissionSettings,
  partitionCount: number,
): LoadReview {
  const alive = Math.max(1, cluster.aliveNodes);
  const addedRead = a.readPeakQps / alive;
  const addedWrite = (a.writePeakTps * settings.replicaCount) / alive;
  const after = (node: NodeLoad | undefined, now: number, added: number, capacity: number) =>
    node
      ? {
          address: node.address,
          nowQps: round2(now),
          afterQps: round2(now + added),
          capacityQps: capacity,
          ratio: round2((now + added) / capacity),
        }
      : undefined;
  const readNode = busiest(cluster.nodes, (n) => n.readQps);
  const writeNode = busiest(cluster.nodes, (n) => n.writeQps);
  const read = after(readNode, readNode?.readQps ?? 0, addedRead, settings.nodeReadQps);
  const write = after(writeNode, writeNode?.writeQps ?? 0, addedWrite, settings.nodeWriteQps);
  return {
    perPartitionReadQps: round2(a.readPeakQps / partitionCount),
    perPartitionWriteQps: round2(a.writePeakTps / partitionCount),
    addedReadQpsPerNode: round2(addedRead),
    addedWriteQpsPerNode: round2(addedWrite),
    ...(read ? { read } : {}),
    ...(write ? { write } : {}),
  };
}

/** Words that say a hash key follows time. */
const timeKeyWords =
  /\b(time[- ]?stamps?|date[- ]?times?|dates?|epoch|yyyy\w*|hours?|hourly|minutes?|days?|daily|months?|monthly|weeks?|weekly|time[- ]?(bucket|based|slot|window)s?)\b/i;
/** Words that say a hash key only grows. */
const sequenceKeyWords =
  /\b(auto[- ]?increment\w*|sequences?|sequential|sequence numbers?|incrementing|increasing|monoton\w*|serial numbers?)\b/i;
/** Example hash keys that are dates or epoch times. */
const timeLikeExample = /^(\d{4}[-/]?\d{2}[-/]?\d{2}([T _-]?\d{2}(:?\d{2}(:?\d{2})?)?)?|1\d{9}(\d{3})?)$/;
/** Words that say a hash key has few distinct values. */
const lowCardinalityWords =
  /\b(enums?|types?|categor(y|ies)|status(es)?|states?|countr(y|ies)|regions?|cit(y|ies)|genders?|booleans?|flags?|levels?|few|handful)\b/i;
/** Phrases that say the traffic is concentrated on a few keys. */
const hotspotWords =
  /\b(hot[- ]?(keys?|spots?|items?|users?|rows?)|hotspots?|celebrit\w*|viral|top[- ]?\d+|flash[- ]?sales?|same key|single key|one key|few keys|global counters?|leaderboards?|trending)\b/i;
/** "90% of reads go to 1% of keys". */
const concentrationPhrase =
  /(\d{1,3}(?:\.\d+)?)\s?%\s+of\s+(?:the\s+|all\s+)?(?:reads|writes|requests|traffic|queries|accesses)\b[^%]*?(\d{1,3}(?:\.\d+)?)\s?%\s+of\s+(?:the\s+|all\s+)?(?:keys|hash ?keys|users|items|records|rows|accounts|ids)\b/i;

/** The hash key part of the example key (`hash | sort` or `hash / sort`). */
export function exampleHashKey(example: string): string {
  const bar = example.indexOf('|');
  if (bar >= 0) return example.slice(0, bar).trim();
  const slash = example.indexOf(' / ');
  return (slash >= 0 ? example.slice(0, slash) : example).trim();
}

function finding(
  table: string,
  severity: Severity,
  summary: string,
  evidence: Record<string, string | number>,
  advice?: string,
): Finding {
  return { check: reviewCheck, severity, subject: table, summary, evidence, ...(advice ? { advice } : {}) };
}

function storageFinding(a: TableApplicationInput, s: StorageReview, settings: AdmissionSettings): Finding {
  const at = labelOfHorizon(s.horizon);
  const evidence = {
    'data now (GB)': s.dataGb.now,
    [`data at ${at} (GB)`]: s.dataGb[s.horizon],
    [`disk at ${at} (GB, × ${settings.replicaCount} replicas + ${fmt(settings.compactionHeadroom * 100)}% compaction headroom)`]:
      s.diskGb[s.horizon],
    'disk at 3 years (GB)': s.diskGb['3y'],
    'cluster free disk (GB)': s.freeGb,
    'kept free for the disk warning threshold (GB)': s.reserveGb,
    'usable free disk (GB)': s.usableGb,
    'runs out': s.runsOutMonths === undefined ? 'not within 3 years' : `after ${fmt(s.runsOutMonths)} months`,
  };
  const note = 'This counts only this table’s growth, not that of the tables already there.';
  if (s.runsOutMonths === 0) {
    return finding(
      a.tableName,
      'crit',
      `Storage: the table needs ${fmt(s.diskGb.now)} GB of disk from day one, more than the ${fmt(s.usableGb)} GB the cluster can spare`,
      evidence,
      `Add replica servers or disk before creating this table, or reduce the data (TTL, smaller values). ${note}`,
    );
  }
  if (s.runsOutMonths !== undefined && s.runsOutMonths < monthsOf(s.horizon)) {
    return finding(
      a.tableName,
      'warn',
      `Storage: the cluster runs out of usable disk after about ${fmt(s.runsOutMonths)} months, before the ${at} sizing horizon (${fmt(s.diskGb[s.horizon])} GB needed, ${fmt(s.usableGb)} GB usable)`,
      evidence,
      `Plan more disk or replica servers before month ${Math.floor(s.runsOutMonths)}. ${note}`,
    );
  }
  if (s.runsOutMonths !== undefined) {
    return finding(
      a.tableName,
      'info',
      `Storage: fits for ${at} (${fmt(s.diskGb[s.horizon])} GB of ${fmt(s.usableGb)} GB usable); the cluster runs out after about ${fmt(s.runsOutMonths)} months`,
      evidence,
      `Plan capacity for the growth after ${at}. ${note}`,
    );
  }
  return finding(
    a.tableName,
    'ok',
    `Storage: fits for 3 years (${fmt(s.diskGb['3y'])} GB needed, ${fmt(s.usableGb)} GB usable now)`,
    evidence,
  );
}

function partitionFinding(a: TableApplicationInput, p: PartitionReview): Finding {
  const evidence = {
    'partitions for size': p.needs.size,
    'partitions for read peak': p.needs.read,
    'partitions for write peak': p.needs.write,
    'alive replica servers': p.needs.nodes,
    minimum: p.needs.minimum,
    'set by': p.binding,
    'partition count': p.count,
  };
  if (p.capped) {
    return finding(
      a.tableName,
      'warn',
      `Partitions: the targets ask for more than the configured maximum, so ${p.count} partitions were recommended`,
      evidence,
      `Check the estimates with the applicant: at ${p.count} partitions each partition is above its size or QPS target. Rule: ${p.rule}.`,
    );
  }
  return finding(a.tableName, 'info', `Partitions: ${p.count} (${p.rule})`, evidence);
}

function loadFinding(a: TableApplicationInput, l: LoadReview, settings: AdmissionSettings): Finding {
  const evidence: Record<string, string | number> = {
    'read QPS per partition at peak': l.perPartitionReadQps,
    'write TPS per partition at peak': l.perPartitionWriteQps,
    'read QPS added per node': l.addedReadQpsPerNode,
    'write QPS added per node (all replicas)': l.addedWriteQpsPerNode,
  };
  if (l.read) {
    evidence['busiest read node'] = l.read.address;
    evidence['its read QPS now → with the table'] = `${fmt(l.read.nowQps)} → ${fmt(l.read.afterQps)}`;
    evidence['read capacity per node'] = l.read.capacityQps;
  }
  if (l.write) {
    evidence['busiest write node'] = l.write.address;
    evidence['its write QPS now → with the table'] = `${fmt(l.write.nowQps)} → ${fmt(l.write.afterQps)}`;
    evidence['write capacity per node'] = l.write.capacityQps;
  }
  const worst = [l.read, l.write]
    .filter((x): x is NodeLoadAfter => x !== undefined)
    .sort((x, y) => y.ratio - x.ratio)[0];
  if (!worst) {
    return finding(
      a.tableName,
      'info',
      'Load: no replica server reported its load, so the load was not checked',
      evidence,
    );
  }
  const kind = worst === l.read ? 'read' : 'write';
  const pct = `${fmt(worst.ratio * 100)}%`;
  if (worst.ratio > 1) {
    return finding(
      a.tableName,
      'crit',
      `Load: at the peak the busiest node (${worst.address}) would need ${fmt(worst.afterQps)} ${kind} QPS, ${pct} of its ${fmt(worst.capacityQps)} capacity`,
      evidence,
      'Add replica servers (and rebalance) before creating the table, or lower the peak (client-side batching, caching).',
    );
  }
  if (worst.ratio > settings.nodeLoadWarnRatio) {
    return finding(
      a.tableName,
      'warn',
      `Load: at the peak the busiest node (${worst.address}) would run at ${pct} of its ${kind} capacity, above the ${fmt(settings.nodeLoadWarnRatio * 100)}% target`,
      evidence,
      'Plan more replica servers, or balance the cluster (`rebalance`) before the table’s traffic arrives.',
    );
  }
  return finding(
    a.tableName,
    'ok',
    `Load: the busiest node would run at ${pct} of its ${kind} capacity at the peak`,
    evidence,
  );
}

function latencyFindings(a: TableApplicationInput, cluster: ClusterSnapshot, settings: AdmissionSettings): Finding[] {
  const out: Finding[] = [];
  for (const [kind, required, current] of [
    ['read', a.readP99Ms, cluster.readP99Ms],
    ['write', a.writeP99Ms, cluster.writeP99Ms],
  ] as const) {
    const evidence: Record<string, string | number> = { [`required ${kind} P99 (ms)`]: required };
    if (current === undefined) {
      out.push(
        finding(
          a.tableName,
          'info',
          `Latency: the cluster has no ${kind} P99 to compare with (no traffic measured); required ${fmt(required)} ms`,
          evidence,
        ),
      );
      continue;
    }
    evidence[`cluster ${kind} P99 now, slowest node (ms)`] = round2(current);
    if (required < current) {
      out.push(
        finding(
          a.tableName,
          'crit',
          `Latency: the required ${kind} P99 of ${fmt(required)} ms is tighter than the cluster's ${fmt(current)} ms now`,
          evidence,
          'A new table’s partitions land on every node, so its P99 is at least the slowest node’s. Relax the requirement, or host the table on a cluster with faster disks or less load.',
        ),
      );
    } else if (required < current * settings.latencyMarginRatio) {
      out.push(
        finding(
          a.tableName,
          'warn',
          `Latency: the required ${kind} P99 of ${fmt(required)} ms leaves little margin over the cluster's ${fmt(current)} ms now`,
          evidence,
          `Agree with the applicant that spikes (compaction, balancing, failover) can exceed it; the review wants at least ${fmt(settings.latencyMarginRatio)}× the current P99.`,
        ),
      );
    } else {
      out.push(
        finding(
          a.tableName,
          'ok',
          `Latency: the required ${kind} P99 of ${fmt(required)} ms is above the cluster's ${fmt(current)} ms now`,
          evidence,
        ),
      );
    }
  }
  return out;
}

function keyFindings(a: TableApplicationInput, partitions: number, settings: AdmissionSettings): Finding[] {
  const out: Finding[] = [];
  const example = exampleHashKey(a.exampleKey);
  const placement =
    'Pegasus picks a record’s partition from the crc64 hash of its hash key (src/base/pegasus_key_schema.h), so everything under one hash key lives in one partition.';
  const timeWord = timeKeyWords.exec(a.hashKey)?.[0];
  const timeExample = timeLikeExample.test(example);
  const sequenceWord = sequenceKeyWords.exec(a.hashKey)?.[0];
  if (timeWord !== undefined || timeExample) {
    out.push(
      finding(
        a.tableName,
        'crit',
        'Data skew: the hash key follows time, so each moment’s writes pile onto one hash key and one partition',
        {
          'hash key design': a.hashKey,
          'example hash key': example,
          because:
            timeWord !== undefined ? `the design says "${timeWord}"` : 'the example hash key is a date or epoch time',
        },
        `${placement} Put the entity (device, user, metric id) in the hash key and the time in the sort key, or add a bucket prefix (e.g. hash of the id modulo 64) so a time range spreads over partitions.`,
      ),
    );
  } else if (sequenceWord !== undefined) {
    out.push(
      finding(
        a.tableName,
        'warn',
        'Data skew: the hash key increases monotonically; hashing spreads distinct values, but neighbours are never together and sequence-sized keys tend to be written in bursts',
        { 'hash key design': a.hashKey, 'example hash key': example, because: `the design says "${sequenceWord}"` },
        `${placement} Confirm that reads never scan a range of the sequence (that would touch every partition); otherwise key by the entity the reads ask for.`,
      ),
    );
  }

  if (a.hashKeyCount !== undefined) {
    const grownGb = a.totalDataGb * growthAt(a, settings.sizingHorizon);
    const perKeyGb = grownGb / a.hashKeyCount;
    const evidence = {
      'distinct hash keys': a.hashKeyCount,
      partitions,
      'hash keys per partition': round2(a.hashKeyCount / partitions),
      'data per hash key (GB)': round2(perKeyGb),
    };
    if (perKeyGb > settings.partitionMaxGb) {
      out.push(
        finding(
          a.tableName,
          'crit',
          `Data skew: one hash key would hold about ${fmt(perKeyGb)} GB, more than a partition’s ${fmt(settings.partitionMaxGb)} GB target`,
          evidence,
          `${placement} Move part of the key into the hash key so each hash key holds far less data.`,
        ),
      );
    } else if (a.hashKeyCount < partitions * 10) {
      out.push(
        finding(
          a.tableName,
          'crit',
          `Data skew: ${a.hashKeyCount.toLocaleString('en-US')} distinct hash keys over ${partitions} partitions is too few to spread evenly`,
          evidence,
          `${placement} With fewer than about 10 hash keys per partition some partitions get several times the average; use a finer hash key.`,
        ),
      );
    } else if (a.hashKeyCount < partitions * 100) {
      out.push(
        finding(
          a.tableName,
          'warn',
          `Data skew: ${a.hashKeyCount.toLocaleString('en-US')} distinct hash keys over ${partitions} partitions may spread unevenly`,
          evidence,
          `${placement} Below about 100 hash keys per partition expect partitions to differ by ±10% or more; a finer hash key evens it out.`,
        ),
      );
    }
  } else {
    const lowWord = lowCardinalityWords.exec(a.hashKey)?.[0];
    if (lowWord !== undefined) {
      out.push(
        finding(
          a.tableName,
          'warn',
          `Data skew: the hash key looks low-cardinality (the design says "${lowWord}")`,
          { 'hash key design': a.hashKey, 'example hash key': example },
          `${placement} Ask the applicant for the number of distinct hash keys (hash_key_count); a hash key with few values puts most data on few partitions.`,
        ),
      );
    }
  }

  const hotWord = hotspotWords.exec(a.rwPattern)?.[0];
  const concentration = concentrationPhrase.exec(a.rwPattern);
  const trafficPct = concentration ? Number(concentration[1]) : 0;
  const keysPct = concentration ? Number(concentration[2]) : 100;
  const concentrated = concentration !== null && trafficPct >= 50 && keysPct <= 10;
  if (hotWord !== undefined || concentrated) {
    out.push(
      finding(
        a.tableName,
        'warn',
        'Hotspot: the read/write pattern concentrates on a few keys, whose partitions (and their nodes) take most of the load',
        {
          'read/write pattern': a.rwPattern,
          because: concentrated ? `"${concentration[0]}"` : `the pattern says "${hotWord ?? ''}"`,
          'read QPS on one partition if one key took 10% of the peak': round2(a.readPeakQps * 0.1),
        },
        'Cache the hot keys on the client, split a hot hash key into several (a suffix 0..N picked at random, read all N), and watch it with Pegasus hotkey detection (Administration → Hotspot Detection).',
      ),
    );
  }
  return out;
}

function valueFindings(a: TableApplicationInput): Finding[] {
  if (a.avgKvKb <= 1024) return [];
  return [
    finding(
      a.tableName,
      'warn',
      `Large values: the average key-value is ${fmt(a.avgKvKb)} KB, above 1 MB`,
      { 'average key-value (KB)': a.avgKvKb, 'max_allowed_write_size (default)': '1 MB' },
      'A replica server rejects writes larger than [replication] max_allowed_write_size (1 MB by default, src/replica/replica_2pc.cpp), and large values slow compaction. Split the value, store the blob elsewhere and keep a pointer, or compress it on the client (zstd, as the Java client docs recommend for values over 2 KB).',
    ),
  ];
}

function batchFindings(a: TableApplicationInput, envs: Record<string, string>): Finding[] {
  if (a.iopsPattern !== 'batch') return [];
  const throttle = envs['replica.write_throttling'];
  return [
    finding(
      a.tableName,
      'warn',
      'Timed batch writes: a batch at full speed fills memtables and level-0 files fast and can slow every table on the cluster',
      {
        'write peak (TPS)': a.writePeakTps,
        ...(throttle !== undefined ? { 'replica.write_throttling at creation': throttle } : {}),
      },
      'The table is created with write throttling (replica.write_throttling delays writes above 1.2× the declared peak; Administration → Throttling). For large imports use the bulk_load usage scenario (rocksdb.usage_scenario=bulk_load during the load, then a manual compaction and back to normal; Administration → Usage Scenario), or Pegasus bulk load.',
    ),
  ];
}

function replicaFindings(a: TableApplicationInput, cluster: ClusterSnapshot, settings: AdmissionSettings): Finding[] {
  if (cluster.aliveNodes >= settings.replicaCount) return [];
  return [
    finding(
      a.tableName,
      'crit',
      `Replicas: only ${cluster.aliveNodes} replica servers are alive, fewer than the ${settings.replicaCount} replicas of a table`,
      { 'alive replica servers': cluster.aliveNodes, replicas: settings.replicaCount },
      'Bring replica servers back (`nodes -d`) before creating tables: the meta server refuses a replica count above the alive nodes.',
    ),
  ];
}

/** The envs a table is created with: write throttling for timed batch writes. */
export function recommendedEnvs(a: TableApplicationInput): Record<string, string> {
  if (a.iopsPattern !== 'batch' || a.writePeakTps <= 0) return {};
  return { 'replica.write_throttling': `${Math.ceil(a.writePeakTps * 1.2)}*delay*100` };
}

/** The verdict the findings imply: any critical → needs changes, any warning → approve with conditions. */
export function verdictOf(findings: readonly Finding[]): ApplicationVerdict {
  if (findings.some((f) => f.severity === 'crit')) return 'changes';
  if (findings.some((f) => f.severity === 'warn')) return 'conditions';
  return 'approve';
}

const severityOrder: Record<Severity, number> = { crit: 0, warn: 1, info: 2, ok: 3 };

/** Reviews an application against a cluster snapshot and the admission settings. */
export function reviewApplication(
  a: TableApplicationInput,
  cluster: ClusterSnapshot,
  settings: AdmissionSettings,
): Review {
  const storage = reviewStorage(a, cluster, settings);
  const partitions = reviewPartitions(a, cluster, settings);
  const load = reviewLoad(a, cluster, settings, partitions.count);
  const envs = recommendedEnvs(a);
  const findings = [
    ...replicaFindings(a, cluster, settings),
    storageFinding(a, storage, settings),
    partitionFinding(a, partitions),
    loadFinding(a, load, settings),
    ...latencyFindings(a, cluster, settings),
    ...keyFindings(a, partitions.count, settings),
    ...valueFindings(a),
    ...batchFindings(a, envs),
  ].sort((x, y) => severityOrder[x.severity] - severityOrder[y.severity]);
  if (cluster.unreachable.length > 0) {
    findings.push(
      finding(
        a.tableName,
        'info',
        `${cluster.unreachable.length} replica servers did not answer; their disk and load are not in these numbers`,
        { unreachable: cluster.unreachable.join(', ') },
      ),
    );
  }
  const verdict = verdictOf(findings);
  const risks = findings.filter((f) => f.severity === 'crit' || f.severity === 'warn').map((f) => f.summary);
  const reasons =
    verdict === 'approve'
      ? [
          `No risk found: ${partitions.count} partitions × ${settings.replicaCount} replicas, ${fmt(storage.diskGb[storage.horizon])} GB of disk at ${labelOfHorizon(storage.horizon)}; load, latency and key design are within the targets.`,
        ]
      : risks;
  return {
    verdict,
    tableName: a.tableName,
    cluster: cluster.cluster,
    partitionCount: partitions.count,
    replicaCount: settings.replicaCount,
    diskGb: storage.diskGb[storage.horizon],
    storage,
    partitions,
    load,
    envs,
    findings,
    reasons,
  };
}
