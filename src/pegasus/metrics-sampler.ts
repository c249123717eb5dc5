/**
 * Samples replica servers' `/metrics` (Pegasus 2.6+) for one `load()` round. Only filtered queries: the
 * entity types, entity ids (the node's primaries) and metric names needed, with `with_metric_fields` limited
 * to `name,value` or `name,value,p99`. Per node: the request counters of its primaries and its server/disk
 * gauges, then `intervalMs` later the counters again with p99s and replica gauges. Rates are
 * Δcounter / Δtimestamp_ns (the server's own clock, parsed without losing digits). Nodes run concurrently
 * under one bound on in-flight requests (the wait between samples holds no slot); a node whose request fails
 * or misses its deadline becomes an `Unreachable` entry and the others still arrive.
 */
import type { LimitFunction } from 'p-limit';
import type { MetaStats, Unreachable } from './cluster-api.js';
import type { HttpAnswer } from './http-get.js';
import { allOps, type NodeSample, type Op, type ReplicaLoad } from './load-report.js';
import { parseMetrics, type MetricValue, type MetricsSnapshot } from './responses.js';
import type { Result } from '../result.js';

/** GETs a path from one server (with its deadline and byte counting). */
export type ServerGet = (address: string, path: string) => Promise<Result<HttpAnswer>>;

/** What the sampler needs. */
export interface MetricsSamplerOptions {
  get: ServerGet;
  /** Bounds in-flight requests over all nodes. */
  limit: LimitFunction;
  intervalMs: number;
  /** Waits between the two samples (injected so tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Above this many primaries the `ids` filter is dropped (URL length) and entities are filtered here. */
  maxIdsPerRequest?: number;
}

/** A replica server and the primaries to sample on it. */
export interface NodePlan {
  address: string;
  primaries: readonly { appId: number; pidx: number }[];
}

const counterNames = allOps.map((op) => `${op}_requests`);
const latencyNames = allOps.map((op) => `${op}_latency_ns`);
const replicaGaugeNames = ['rdb_total_sst_size_mb', 'rdb_total_sst_files', 'rdb_memtable_mem_usage_bytes'];
const replicaCountNames = [
  'total_replicas',
  'primary_replicas',
  'secondary_replicas',
  'opening_replicas',
  'closing_replicas',
  'inactive_replicas',
  'error_replicas',
  'learning_replicas',
  'splitting_replicas',
];
const serverGaugeNames = ['resident_mem_usage_mb', 'virtual_mem_usage_mb', 'network_server_sessions'];
const diskGaugeNames = ['disk_capacity_total_mb', 'disk_capacity_avail_mb'];

const opByCounter = new Map<string, Op>(allOps.map((op) => [`${op}_requests`, op]));
const opByLatency = new Map<string, Op>(allOps.map((op) => [`${op}_latency_ns`, op]));

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The `/metrics` query for the primaries' counters (and, in the second sample, p99s and gauges). */
export function replicaMetricsPath(ids: readonly string[] | undefined, second: boolean): string {
  const names = second ? [...counterNames, ...latencyNames, ...replicaGaugeNames] : counterNames;
  const idFilter = ids === undefined ? '' : `&ids=${ids.join(',')}`;
  const fields = second ? 'name,value,p99' : 'name,value';
  return `/metrics?types=replica${idFilter}&metrics=${names.join(',')}&with_metric_fields=${fields}`;
}

/** The `/metrics` query for a replica server's memory, sessions, replica counts and disks. */
export const serverMetricsPath = `/metrics?types=server,disk&metrics=${[...serverGaugeNames, ...replicaCountNames, ...diskGaugeNames].join(',')}&with_metric_fields=name,value`;

/** The `/metrics` query for a meta server's memory and sessions. */
export const metaMetricsPath = `/metrics?types=server&metrics=${serverGaugeNames.join(',')}&with_metric_fields=name,value`;

type Entity = MetricsSnapshot['entities'][number];

function replicaKey(entity: Entity): string | undefined {
  const table = entity.attributes['table_id'];
  const partition = entity.attributes['partition_id'];
  if (table !== undefined && partition !== undefined) return `${table}.${partition}`;
  const match = /^replica@(\d+\.\d+)$/.exec(entity.id);
  return match?.[1];
}

function valuesOf(entity: Entity): Map<string, MetricValue> {
  const out = new Map<string, MetricValue>();
  for (const m of entity.metrics) out.set(m.name, m);
  return out;
}

/** Why a request failed, as an `Unreachable` reason. */
function reasonOf(path: string, answer: Result<HttpAnswer>): string | undefined {
  if (!answer.ok) return answer.error.message;
  if (answer.value.status !== 200) {
    return `answered HTTP ${answer.value.status} to ${path.split('?')[0] ?? path}: ${answer.value.body.trim().slice(0, 120)}`;
  }
  return undefined;
}

async function fetchSnapshot(
  address: string,
  path: string,
  options: MetricsSamplerOptions,
): Promise<Result<MetricsSnapshot, string>> {
  const answer = await options.limit(() => options.get(address, path));
  const reason = reasonOf(path, answer);
  if (reason !== undefined || !answer.ok) return { ok: false, error: reason ?? 'no answer' };
  const parsed = parseMetrics(answer.value.body, `GET /metrics from ${address}`);
  return parsed.ok ? parsed : { ok: false, error: parsed.error.message };
}

/** Reads server and disk gauges from a snapshot. */
function serverGauges(snapshot: MetricsSnapshot): Omit<NodeSample, 'address' | 'primaries'> {
  const out = { residentMemMb: 0, virtualMemMb: 0, sessions: 0, diskTotalMb: 0, diskAvailMb: 0 };
  const replicas: Record<string, number> = {};
  for (const entity of snapshot.entities) {
    const values = valuesOf(entity);
    const v = (name: string) => values.get(name)?.value ?? 0;
    if (entity.type === 'server') {
      out.residentMemMb = v('resident_mem_usage_mb');
      out.virtualMemMb = v('virtual_mem_usage_mb');
      out.sessions = v('network_server_sessions');
      for (const name of replicaCountNames) {
        const value = values.get(name)?.value;
        if (value !== undefined) replicas[name.replace(/_replicas$/, '')] = value;
      }
    } else if (entity.type === 'disk') {
      out.diskTotalMb += v('disk_capacity_total_mb');
      out.diskAvailMb += v('disk_capacity_avail_mb');
    }
  }
  return { ...out, replicas };
}

/** The first sample reduced to what the rate needs: per wanted replica, its counters in `allOps` order. */
export interface CounterSample {
  timestampNs: bigint;
  /** `<app>.<pidx>` → counter values (NaN where the metric was absent). */
  counters: Map<string, Float64Array>;
}

const opIndex = new Map<Op, number>(allOps.map((op, i) => [op, i]));

/**
 * Keeps only the wanted replicas' counters of a snapshot, so a 1,000-node round holds a few kilobytes per node
 * during the interval instead of every parsed entity.
 */
export function counterSample(snapshot: MetricsSnapshot, wanted: ReadonlySet<string>): CounterSample {
  const counters = new Map<string, Float64Array>();
  for (const entity of snapshot.entities) {
    const key = entity.type === 'replica' ? replicaKey(entity) : undefined;
    if (key === undefined || !wanted.has(key)) continue;
    const values = new Float64Array(allOps.length).fill(Number.NaN);
    for (const m of entity.metrics) {
      const op = opByCounter.get(m.name);
      if (op !== undefined && m.value !== undefined) values[opIndex.get(op) ?? 0] = m.value;
    }
    counters.set(key, values);
  }
  return { timestampNs: snapshot.timestampNs, counters };
}

/** Computes each primary's load from the first sample's counters and the second snapshot. */
export function primaryLoads(
  first: CounterSample,
  second: MetricsSnapshot,
  wanted: ReadonlySet<string>,
  fallbackSeconds: number,
): ReplicaLoad[] {
  const deltaNs = second.timestampNs - first.timestampNs;
  const seconds = deltaNs > 0n ? Number(deltaNs) / 1e9 : fallbackSeconds;
  const loads: ReplicaLoad[] = [];
  for (const entity of second.entities) {
    const key = entity.type === 'replica' ? replicaKey(entity) : undefined;
    if (key === undefined || !wanted.has(key)) continue;
    const [appId = 0, pidx = 0] = key.split('.').map(Number);
    const load: ReplicaLoad = { appId, pidx, qps: {}, p99Ns: {}, sstMb: 0, sstFiles: 0, memtableBytes: 0 };
    const earlier = first.counters.get(key);
    for (const m of entity.metrics) {
      const counterOp = opByCounter.get(m.name);
      if (counterOp !== undefined && m.value !== undefined) {
        const start = earlier?.[opIndex.get(counterOp) ?? 0];
        // A counter that went down means the process restarted between the samples: no rate for it.
        if (start !== undefined && !Number.isNaN(start) && seconds > 0) {
          load.qps[counterOp] = Math.max(0, m.value - start) / seconds;
        }
        continue;
      }
      const latencyOp = opByLatency.get(m.name);
      if (latencyOp !== undefined) {
        if (m.p99 !== undefined) load.p99Ns[latencyOp] = m.p99;
        continue;
      }
      if (m.name === 'rdb_total_sst_size_mb') load.sstMb = m.value ?? 0;
      else if (m.name === 'rdb_total_sst_files') load.sstFiles = m.value ?? 0;
      else if (m.name === 'rdb_memtable_mem_usage_bytes') load.memtableBytes = m.value ?? 0;
    }
    loads.push(load);
  }
  return loads;
}

/** Samples one replica server twice, `intervalMs` apart; a failure is the reason it is unreachable. */
export async function sampleNode(plan: NodePlan, options: MetricsSamplerOptions): Promise<Result<NodeSample, string>> {
  const keys = plan.primaries.map((p) => `${p.appId}.${p.pidx}`);
  const wanted = new Set(keys);
  const maxIds = options.maxIdsPerRequest ?? 256;
  const ids = keys.length <= maxIds ? keys.map((k) => `replica@${k}`) : undefined;
  const hasPrimaries = keys.length > 0;

  const startedAt = performance.now();
  const [firstSnapshot, server] = await Promise.all([
    hasPrimaries ? fetchSnapshot(plan.address, replicaMetricsPath(ids, false), options) : Promise.resolve(undefined),
    fetchSnapshot(plan.address, serverMetricsPath, options),
  ]);
  if (firstSnapshot !== undefined && !firstSnapshot.ok) return firstSnapshot;
  if (!server.ok) return server;
  const gauges = serverGauges(server.value);
  if (firstSnapshot === undefined) return { ok: true, value: { address: plan.address, ...gauges, primaries: [] } };
  const first = counterSample(firstSnapshot.value, wanted);

  const firstAt = performance.now();
  await (options.sleep ?? defaultSleep)(options.intervalMs);
  const second = await fetchSnapshot(plan.address, replicaMetricsPath(ids, true), options);
  if (!second.ok) return second;
  const fallbackSeconds =
    Math.max(performance.now() - firstAt, options.intervalMs, performance.now() - startedAt) / 1000;
  const primaries = primaryLoads(first, second.value, wanted, fallbackSeconds);
  return { ok: true, value: { address: plan.address, ...gauges, primaries } };
}

/** Samples every planned replica server concurrently; failures become `Unreachable` entries. */
export async function sampleReplicaServers(
  plans: readonly NodePlan[],
  options: MetricsSamplerOptions,
): Promise<{ samples: NodeSample[]; unreachable: Unreachable[] }> {
  const results = await Promise.all(plans.map((plan) => sampleNode(plan, options)));
  const samples: NodeSample[] = [];
  const unreachable: Unreachable[] = [];
  results.forEach((result, i) => {
    const address = plans[i]?.address ?? '';
    if (result.ok) samples.push(result.value);
    else unreachable.push({ address, role: 'replica', reason: result.error });
  });
  return { samples, unreachable };
}

/** Reads a meta server's memory and sessions (one sample: they are gauges). */
export async function sampleMetaServer(
  address: string,
  options: Pick<MetricsSamplerOptions, 'get' | 'limit'>,
): Promise<Result<MetaStats, string>> {
  const snapshot = await fetchSnapshot(address, metaMetricsPath, { ...options, intervalMs: 0 });
  if (!snapshot.ok) return snapshot;
  const gauges = serverGauges(snapshot.value);
  return {
    ok: true,
    value: {
      address,
      residentMemMb: gauges.residentMemMb,
      virtualMemMb: gauges.virtualMemMb,
      sessions: gauges.sessions,
    },
  };
}
