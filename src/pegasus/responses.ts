/**
 * zod schemas for every Pegasus HTTP body the client reads, and the parsers that turn them into the typed
 * view of `cluster-api.ts`. Pegasus's table-printer handlers send every value as a JSON string, so numbers,
 * booleans and the embedded `balance_operation_count` document are converted here, at the edge. A body that
 * does not match fails with `BAD_RESPONSE` naming the endpoint and the field.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../result.js';
import { scanMetrics } from './metrics-scanner.js';
import {
  metaLevels,
  type BalanceOperations,
  type ClusterInfo,
  type MetaLevel,
  type NodeInfo,
  type PartitionInfo,
  type TableDetail,
  type TableHealth,
  type TableInfo,
} from './cluster-api.js';

// ---- table-printer scalars (every value is a string) ----

const intString = z
  .string()
  .regex(/^-?\d+$/, 'expected an integer as a string')
  .transform((s) => Number(s));

/** Doubles print with 2 decimals; a stddev over nothing may print `nan`. */
const doubleString = z
  .string()
  .regex(/^(-?\d+(\.\d+)?([eE][-+]?\d+)?|-?nan|-?inf)$/i, 'expected a number as a string')
  .transform((s) => (/nan|inf/i.test(s) ? Number.NaN : Number(s)));

const boolString = z.enum(['true', 'false'], 'expected "true" or "false"').transform((s) => s === 'true');

const metaLevelString = z
  .string()
  .transform((s) => s.replace(/^fl_/, ''))
  .pipe(z.enum(metaLevels as [MetaLevel, ...MetaLevel[]], `expected one of ${metaLevels.join(', ')}`));

/** `balance_operation_count`: a JSON document in a string on 2.6, `move_pri=0,copy_pri=0,…` on 2.5. */
const balanceOperationsString = z.string().transform((s, ctx): BalanceOperations => {
  const parsed = parseBalanceOperations(s);
  if (parsed === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a JSON object with move_pri, copy_pri, copy_sec, total or "move_pri=N,copy_pri=N,copy_sec=N,total=N", got ${JSON.stringify(s.slice(0, 80))}`,
    });
    return z.NEVER;
  }
  return parsed;
});

/** Parses both generations of `balance_operation_count`; undefined when it is neither. */
export function parseBalanceOperations(text: string): BalanceOperations | undefined {
  let fields: Record<string, unknown>;
  if (text.trimStart().startsWith('{')) {
    try {
      fields = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return undefined;
    }
  } else {
    fields = {};
    for (const pair of text.split(',')) {
      const [key, value] = pair.split('=');
      if (key === undefined || value === undefined) return undefined;
      fields[key.trim()] = Number(value.trim());
    }
  }
  const pick = (key: string): number | undefined => {
    const value = fields[key];
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const movePri = pick('move_pri');
  const copyPri = pick('copy_pri');
  const copySec = pick('copy_sec');
  const total = pick('total');
  if (movePri === undefined || copyPri === undefined || copySec === undefined || total === undefined) {
    return undefined;
  }
  return { movePri, copyPri, copySec, total };
}

// ---- bodies ----

/** `GET /meta/cluster`. */
export const metaClusterSchema = z.object({
  meta_servers: z.string(),
  primary_meta_server: z.string().min(1),
  zookeeper_hosts: z.string(),
  zookeeper_root: z.string(),
  meta_function_level: metaLevelString,
  balance_operation_count: balanceOperationsString,
  primary_replica_count_stddev: doubleString,
  total_replica_count_stddev: doubleString,
});

const generalInfoRow = z.object({
  app_id: intString,
  status: z.string(),
  app_name: z.string().min(1),
  app_type: z.string(),
  partition_count: intString,
  replica_count: intString,
  is_stateful: boolString,
  create_time: z.string(),
  envs_count: intString,
});

const healthyInfoRow = z.object({
  app_id: intString,
  app_name: z.string(),
  fully_healthy: intString,
  unhealthy: intString,
  write_unhealthy: intString,
  read_unhealthy: intString,
});

/** `GET /meta/apps[?detail]`; an empty section may be left out. */
export const metaAppsSchema = z.object({
  general_info: z.record(z.string(), generalInfoRow).default({}),
  healthy_info: z.record(z.string(), healthyInfoRow).optional(),
});

const nodeStatus = z.enum(['ALIVE', 'UNALIVE'], 'expected ALIVE or UNALIVE');

/** `GET /meta/nodes[?detail]`; without `detail` the counts are absent. */
export const metaNodesSchema = z.object({
  details: z
    .record(
      z.string(),
      z.object({
        address: z.string().min(1),
        status: nodeStatus,
        replica_count: intString.optional(),
        primary_count: intString.optional(),
        secondary_count: intString.optional(),
      }),
    )
    .default({}),
});

const replicaCountString = z
  .string()
  .regex(/^\d+\/\d+$/, 'expected "current/max", e.g. "3/3"')
  .transform((s) => {
    const [current, max] = s.split('/').map(Number);
    return { current: current ?? 0, max: max ?? 0 };
  });

const addressListString = z
  .string()
  .regex(/^\[.*\]$/, 'expected "[host:port,…]"')
  .transform((s) =>
    s
      .slice(1, -1)
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x.length > 0),
  );

/** `GET /meta/app?name=…[&detail]`. */
export const metaAppSchema = z.object({
  general: z.object({
    app_name: z.string(),
    app_id: intString,
    partition_count: intString,
    max_replica_count: intString,
  }),
  replicas: z
    .record(
      z.string(),
      z.object({
        pidx: intString,
        ballot: intString,
        replica_count: replicaCountString,
        primary: z.string(),
        secondaries: addressListString,
      }),
    )
    .default({}),
  nodes: z
    .record(z.string(), z.object({ node: z.string(), primary: intString, secondary: intString, total: intString }))
    .default({}),
  healthy: z
    .object({
      fully_healthy_partition_count: intString,
      unhealthy_partition_count: intString,
      write_unhealthy_partition_count: intString,
      read_unhealthy_partition_count: intString,
    })
    .optional(),
});

/** `GET /version`. */
export const versionSchema = z.object({ Version: z.string().min(1), GitCommit: z.string().optional() });

/** `GET /recentStartTime`. */
export const recentStartTimeSchema = z.object({ RecentStartTime: z.string().min(1) });

/** One metric of a `/metrics` entity with `with_metric_fields=name,value,p99` (fields absent when not asked). */
export interface MetricValue {
  name: string;
  value?: number;
  p99?: number;
}

/** One entity of `/metrics`. */
export interface MetricEntitySnapshot {
  type: string;
  id: string;
  metrics: MetricValue[];
}

/** A parsed `/metrics` body; `timestampNs` keeps every digit (it is above 2^53). */
export interface MetricsSnapshot {
  timestampNs: bigint;
  entities: MetricEntitySnapshot[];
}

/** `perf-counters` remote command output (≤ 2.5). */
export const perfCountersSchema = z.object({
  result: z.string(),
  timestamp: z.number(),
  counters: z.array(z.object({ name: z.string(), type: z.string().optional(), value: z.number() })),
});

// ---- parsing ----

/** Parses a body as JSON and checks it; failures are `BAD_RESPONSE` naming `endpoint` and the field. */
export function parseBody<S extends z.ZodType>(endpoint: string, schema: S, text: string): Result<z.output<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail(
      'BAD_RESPONSE',
      `${endpoint} did not answer JSON (got ${JSON.stringify(text.slice(0, 80))}); is this a Pegasus server of a supported version?`,
    );
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return ok(parsed.data);
  return fail('BAD_RESPONSE', describeIssue(endpoint, parsed.error, json));
}

function describeIssue(endpoint: string, error: z.ZodError, json: unknown): string {
  const issue = error.issues[0];
  if (issue === undefined) return `${endpoint} answered an unexpected body`;
  const path = issue.path.map(String).join('.');
  let got: unknown = json;
  for (const key of issue.path) {
    got = got !== null && typeof got === 'object' ? (got as Record<PropertyKey, unknown>)[key] : undefined;
  }
  const shown = got === undefined ? 'nothing' : JSON.stringify(got).slice(0, 80);
  const field = path === '' ? 'the body' : `field "${path}"`;
  return `${endpoint} answered an unexpected body: ${field}: ${issue.message} (got ${shown}). The Pegasus version may not be supported.`;
}

/** `/meta/cluster` → `ClusterInfo` (without `clusterName`, which only the RPC carries). */
export function parseClusterInfo(text: string): Result<ClusterInfo> {
  const parsed = parseBody('GET /meta/cluster', metaClusterSchema, text);
  if (!parsed.ok) return parsed;
  const b = parsed.value;
  return ok({
    metaServers: b.meta_servers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
    primaryMetaServer: b.primary_meta_server,
    zookeeperHosts: b.zookeeper_hosts,
    zookeeperRoot: b.zookeeper_root,
    metaFunctionLevel: b.meta_function_level,
    balanceOperations: b.balance_operation_count,
    primaryReplicaCountStddev: b.primary_replica_count_stddev,
    totalReplicaCountStddev: b.total_replica_count_stddev,
  });
}

/** `/meta/apps[?detail]` → tables in app id order, with health when the body has it. */
export function parseTables(text: string, endpoint = 'GET /meta/apps?detail'): Result<TableInfo[]> {
  const parsed = parseBody(endpoint, metaAppsSchema, text);
  if (!parsed.ok) return parsed;
  const health = new Map<number, TableHealth>();
  for (const row of Object.values(parsed.value.healthy_info ?? {})) {
    health.set(row.app_id, {
      fullyHealthy: row.fully_healthy,
      unhealthy: row.unhealthy,
      writeUnhealthy: row.write_unhealthy,
      readUnhealthy: row.read_unhealthy,
    });
  }
  const tables = Object.values(parsed.value.general_info).map((row): TableInfo => {
    const table: TableInfo = {
      appId: row.app_id,
      name: row.app_name,
      status: row.status,
      appType: row.app_type,
      partitionCount: row.partition_count,
      replicaCount: row.replica_count,
      isStateful: row.is_stateful,
      createTime: row.create_time,
      envsCount: row.envs_count,
    };
    const h = health.get(row.app_id);
    if (h !== undefined) table.health = h;
    return table;
  });
  return ok(tables.sort((a, b) => a.appId - b.appId));
}

/** `/meta/nodes[?detail]` → nodes sorted by address; counts are 0 when the body has none (no `detail`). */
export function parseNodes(text: string, endpoint = 'GET /meta/nodes?detail'): Result<NodeInfo[]> {
  const parsed = parseBody(endpoint, metaNodesSchema, text);
  if (!parsed.ok) return parsed;
  const nodes = Object.values(parsed.value.details).map((row): NodeInfo => ({
    address: row.address,
    status: row.status,
    replicaCount: row.replica_count ?? 0,
    primaryCount: row.primary_count ?? 0,
    secondaryCount: row.secondary_count ?? 0,
  }));
  return ok(nodes.sort((a, b) => a.address.localeCompare(b.address)));
}

/** `/meta/app?name=…&detail` → `TableDetail` (partitions in pidx order; the `total` row left out of nodes). */
export function parseTableDetail(text: string, endpoint = 'GET /meta/app?detail'): Result<TableDetail> {
  const parsed = parseBody(endpoint, metaAppSchema, text);
  if (!parsed.ok) return parsed;
  const b = parsed.value;
  const partitions = Object.values(b.replicas)
    .map((row): PartitionInfo => {
      const partition: PartitionInfo = {
        pidx: row.pidx,
        ballot: row.ballot,
        currentReplicaCount: row.replica_count.current,
        maxReplicaCount: row.replica_count.max,
        secondaries: row.secondaries,
      };
      if (row.primary !== '-' && row.primary !== '') partition.primary = row.primary;
      return partition;
    })
    .sort((a, b) => a.pidx - b.pidx);
  const nodes = Object.entries(b.nodes)
    .filter(([key]) => key !== 'total')
    .map(([, row]) => ({ node: row.node, primary: row.primary, secondary: row.secondary, total: row.total }));
  const health: TableHealth = b.healthy
    ? {
        fullyHealthy: b.healthy.fully_healthy_partition_count,
        unhealthy: b.healthy.unhealthy_partition_count,
        writeUnhealthy: b.healthy.write_unhealthy_partition_count,
        readUnhealthy: b.healthy.read_unhealthy_partition_count,
      }
    : { fullyHealthy: 0, unhealthy: b.general.partition_count, writeUnhealthy: 0, readUnhealthy: 0 };
  return ok({
    name: b.general.app_name,
    appId: b.general.app_id,
    partitionCount: b.general.partition_count,
    maxReplicaCount: b.general.max_replica_count,
    partitions,
    nodes,
    health,
  });
}

/** `/version` → version and commit. */
export function parseVersionBody(text: string): Result<{ version: string; gitCommit?: string }> {
  const parsed = parseBody('GET /version', versionSchema, text);
  if (!parsed.ok) return parsed;
  const out: { version: string; gitCommit?: string } = { version: parsed.value.Version };
  if (parsed.value.GitCommit !== undefined && parsed.value.GitCommit !== '') out.gitCommit = parsed.value.GitCommit;
  return ok(out);
}

/** `/recentStartTime` → the start time as the server prints it. */
export function parseRecentStartTime(text: string): Result<string> {
  const parsed = parseBody('GET /recentStartTime', recentStartTimeSchema, text);
  return parsed.ok ? ok(parsed.value.RecentStartTime) : parsed;
}

/**
 * `/metrics` → entities (value and p99 of each metric) and the exact `timestamp_ns`. For small bodies (server
 * and disk gauges); the sampler scans the large replica bodies with `scanMetrics` directly.
 */
export function parseMetrics(text: string, endpoint = 'GET /metrics'): Result<MetricsSnapshot> {
  const entities: MetricEntitySnapshot[] = [];
  let current: MetricEntitySnapshot | undefined;
  let metric: MetricValue | undefined;
  const scanned = scanMetrics(text, endpoint, (type, id, name, field, value) => {
    if (current?.id !== id || current.type !== type) {
      current = { type, id, metrics: [] };
      entities.push(current);
      metric = undefined;
    }
    if (metric?.name !== name) {
      metric = { name };
      current.metrics.push(metric);
    }
    if (field === 'value') metric.value = value;
    else if (field === 'p99') metric.p99 = value;
  });
  return scanned.ok ? ok({ timestampNs: scanned.value.timestampNs, entities }) : scanned;
}

/** A `server-info` answer: JSON on 2.6+, `Pegasus Server 2.5.0 (<sha>) Release, Started at …` on 2.5. */
export function parseServerInfoText(
  text: string,
): Result<{ version: string; gitSha?: string; buildType?: string; startTime: string }> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = parseBody(
      'remote command server-info',
      z.object({
        version: z.string(),
        git_SHA: z.string().optional(),
        build_type: z.string().optional(),
        start_time: z.string(),
      }),
      trimmed,
    );
    if (!parsed.ok) return parsed;
    const out: { version: string; gitSha?: string; buildType?: string; startTime: string } = {
      version: parsed.value.version,
      startTime: parsed.value.start_time,
    };
    if (parsed.value.git_SHA !== undefined) out.gitSha = parsed.value.git_SHA;
    if (parsed.value.build_type !== undefined) out.buildType = parsed.value.build_type;
    return ok(out);
  }
  const match = /^Pegasus Server (\S+) \(([^)]*)\) (\S+), Started at (.+)$/.exec(trimmed);
  if (match === null) {
    return fail(
      'BAD_RESPONSE',
      `remote command server-info answered ${JSON.stringify(trimmed.slice(0, 80))}; expected JSON or "Pegasus Server <version> (<sha>) <build>, Started at <time>".`,
    );
  }
  const [, version = '', gitSha = '', buildType = '', startTime = ''] = match;
  return ok({ version, gitSha, buildType, startTime: startTime.trim() });
}
