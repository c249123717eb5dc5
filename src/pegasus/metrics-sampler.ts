/**
 * Samples replica servers' `/metrics` (Pegasus 2.6+) for one `load()` round. Only filtered queries: the
 * entity types, entity ids (the node's primaries) and metric names needed, with `with_metric_fields` limited
 * to `name,value` or `name,value,p99`. Per node: the request counters of its primaries and its server/disk
 * gauges, then `intervalMs` later the counters again with p99s and replica gauges. Rates are
 * Δcounter / Δtimestamp_ns (the server's own clock, parsed without losing digits). Nodes run concurrently
 * under one bound on in-flight requests (the wait between samples holds no slot); a node whose request fails
 * or misses its deadline becomes an `Unreachable` entry and the others still arrive.
 */
import type { MetaStats, Unreachable } from './cluster-api.js';
import type { HttpAnswer } from './http-get.js';
import { allOps, type NodeSample, type Op, type ReplicaLoad } from './load-report.js';
import { scanMetrics, type MetricsBody, type MetricVisitor } from './metrics-scanner.js';
import type { Limit } from './priority-limit.js';
import type { Result } from '../result.js';

/** GETs a path from one server (with its deadline and byte counting); `binary` keeps a 200 body as bytes. */
export type ServerGet = (address: string, path: string, binary?: boolean) => Promise<Result<HttpAnswer>>;

/** What the sampler needs. */
export interface MetricsSamplerOptions {
  get: ServerGet;
  /** Bounds in-flight requests over all nodes. */
  limit: Limit;
  intervalMs: number;
  /** Waits between the two samples (injected so tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Above this many primaries the `ids` filter is dropped (URL length) and entities are filtered here. */
  maxIdsPerRequest?: number;
  /**
   * GETs a `/metrics` body and parses it at once (the body read in place, never kept): a failure is the
   * reason the node is unreachable. Without it, bodies come through `get`.
   */
  read?: <T>(
    address: string,
    path: string,
    parse: (body: MetricsBody) => Result<T, string>,
  ) => Promise<Result<T, string>>;
}

/** A replica server and the primaries to sample on it. */
export interface NodePlan {
  address: string;
  primaries: readonly { appId: number; pidx: number }[];
}

const counterNames = allOps.map((op) => `${op}_requests`);
const latencyNames = allOps.map((op) => `${op}_latency_ns`);
const replicaGaugeNames = ['rdb_total_sst_size_mb', 'rdb_total_sst_files', 'rdb_memtable_mem_usage_bytes'];
/** A replica's request counters (rates need two samples). */
export const replicaCounterNames: readonly string[] = counterNames;
/** A replica's latency percentiles and storage gauges (read once, from the second sample). */
export const replicaSecondNames: readonly string[] = [...latencyNames, ...replicaGaugeNames];
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
/** The server and disk gauges of a replica server (memory, sessions, replica counts, disk space). */
export const nodeGaugeNames: readonly string[] = [...serverGaugeNames, ...replicaCountNames, ...diskGaugeNames];

const replicaCountKeys = new Map(replicaCountNames.map((name) => [name, name.replace(/_replicas$/, '')]));
const opByCounter = new Map<string, Op>(allOps.map((op) => [`${op}_requests`, op]));
const opByLatency = new Map<string, Op>(allOps.map((op) => [`${op}_latency_ns`, op]));

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The `/metrics` query for the primaries' counters (and, in the second sample, p99s and gauges). Without
 * `ids`, every replica of the node is read, or those of the tables in `tableIds` (`attributes=table_id,…`).
 */
export function replicaMetricsPath(
  ids: readonly string[] | undefined,
  second: boolean,
  tableIds?: readonly number[],
): string {
  const names = second ? [...counterNames, ...latencyNames, ...replicaGaugeNames] : counterNames;
  const idFilter =
    ids !== undefined
      ? `&ids=${ids.join(',')}`
      : tableIds !== undefined && tableIds.length > 0
        ? `&attributes=${tableIds.map((id) => `table_id,${id}`).join(',')}`
        : '';
  const fields = second ? 'name,value,p99' : 'name,value';
  return `/metrics?types=replica${idFilter}&metrics=${names.join(',')}&with_metric_fields=${fields}`;
}

/** The `/metrics` query for a replica server's memory, sessions, replica counts and disks. */
export const serverMetricsPath = `/metrics?types=server,disk&metrics=${[...serverGaugeNames, ...replicaCountNames, ...diskGaugeNames].join(',')}&with_metric_fields=name,value`;

/** The `/metrics` query for a meta server's memory and sessions. */
export const metaMetricsPath = `/metrics?types=server&metrics=${serverGaugeNames.join(',')}&with_metric_fields=name,value`;

/** Why a request failed, as an `Unreachable` reason. */
function reasonOf(path: string, answer: Result<HttpAnswer>): string | undefined {
  if (!answer.ok) return answer.error.message;
  if (answer.value.status !== 200) return statusReason(path, answer.value.status, answer.value.body);
  return undefined;
}

/** The body of a 200 answer to `path`, or the reason the node is unreachable. */
export function fetchedBody(path: string, answer: Result<HttpAnswer>): Result<MetricsBody, string> {
  const reason = reasonOf(path, answer);
  if (reason !== undefined || !answer.ok) return { ok: false, error: reason ?? 'no answer' };
  const { raw, latin1, body } = answer.value;
  return { ok: true, value: raw ?? (latin1 !== undefined ? { latin1 } : body) };
}

/**
 * GETs one `/metrics` body through `limit` and parses it: in place with `read` when the transport has it,
 * else through `get`. A failure is the reason the node is unreachable.
 */
export async function readParsed<T>(
  address: string,
  path: string,
  options: Pick<MetricsSamplerOptions, 'get' | 'read'>,
  limit: Limit,
  parse: (body: MetricsBody) => Result<T, string>,
): Promise<Result<T, string>> {
  const read = options.read;
  if (read !== undefined) return limit(() => read(address, path, parse));
  const body = fetchedBody(path, await limit(() => options.get(address, path, true)));
  return body.ok ? parse(body.value) : body;
}

/** The reason a `/metrics` answer with another status than 200 gives for its node. */
export function statusReason(path: string, status: number, body: string): string {
  return `answered HTTP ${status} to ${path.split('?')[0] ?? path}: ${body.trim().slice(0, 120)}`;
}

/** Server and disk gauges of one node. */
export type Gauges = Omit<NodeSample, 'address' | 'primaries' | 'rpc'>;

/** Empty gauges, filled by `gaugeVisitor`. */
export function emptyGauges(): Gauges {
  return { residentMemMb: 0, virtualMemMb: 0, sessions: 0, diskTotalMb: 0, diskAvailMb: 0, replicas: {} };
}

/** Reads server and disk gauges (memory, sessions, replica counts, disk space summed over disks). */
export function serverGauges(text: MetricsBody, endpoint: string): Result<Gauges, string> {
  const out = emptyGauges();
  const scanned = scanMetrics(text, endpoint, gaugeVisitor(out));
  return scanned.ok ? { ok: true, value: out } : { ok: false, error: scanned.error.message };
}

/** A visitor that adds the server and disk gauges it sees to `out` (disk space summed over disks). */
export function gaugeVisitor(
  out: Gauges,
): (type: string, id: string, name: string, field: string, value: number) => void {
  return (type, _id, name, field, value) => {
    if (field !== 'value') return;
    if (type === 'server') {
      if (name === 'resident_mem_usage_mb') out.residentMemMb = value;
      else if (name === 'virtual_mem_usage_mb') out.virtualMemMb = value;
      else if (name === 'network_server_sessions') out.sessions = value;
      else {
        const short = replicaCountKeys.get(name);
        if (short !== undefined) out.replicas[short] = value;
      }
    } else if (type === 'disk') {
      if (name === 'disk_capacity_total_mb') out.diskTotalMb += value;
      else if (name === 'disk_capacity_avail_mb') out.diskAvailMb += value;
    }
  };
}

/** The first sample reduced to what the rate needs: per wanted replica, its counters in `allOps` order. */
export interface CounterSample {
  timestampNs: bigint;
  /** `replicaKey(app, pidx)` → counter values (NaN where the metric was absent). */
  counters: Map<number, Float64Array>;
}

const opIndex = new Map<Op, number>(allOps.map((op, i) => [op, i]));

/**
 * A replica as one number (app id × 2^16 + pidx). Numbers, not strings cut from the body: a substring would
 * keep its whole body alive for as long as the key lives.
 */
export function replicaKey(appId: number, pidx: number): number {
  return appId * 65536 + pidx;
}

/** `replica@<app>.<pidx>` → its key, or undefined for another id; remembers the last id (metrics come grouped). */
function replicaKeys(): (id: string) => number | undefined {
  let lastId = '';
  let lastKey: number | undefined;
  return (id) => {
    if (id === lastId) return lastKey;
    lastId = id;
    lastKey = undefined;
    const match = /^replica@(\d+)\.(\d+)$/.exec(id);
    if (match !== null) lastKey = replicaKey(Number(match[1]), Number(match[2]));
    return lastKey;
  };
}

/** Collects the wanted replicas' counters of a first sample from a body's metrics (other entities are ignored). */
export function counterCollector(wanted: ReadonlySet<number>): {
  visit: MetricVisitor;
  sample(timestampNs: bigint): CounterSample;
} {
  const counters = new Map<number, Float64Array>();
  const keyOf = replicaKeys();
  return {
    visit: (type, id, name, field, value) => {
      if (type !== 'replica' || field !== 'value') return;
      const op = opByCounter.get(name);
      const key = keyOf(id);
      if (op === undefined || key === undefined || !wanted.has(key)) return;
      let values = counters.get(key);
      if (values === undefined) counters.set(key, (values = new Float64Array(allOps.length).fill(Number.NaN)));
      values[opIndex.get(op) ?? 0] = value;
    },
    sample: (timestampNs) => ({ timestampNs, counters }),
  };
}

/**
 * Reads the wanted replicas' counters of the first sample, so a 1,000-node round holds a few kilobytes per
 * node during the interval.
 */
export function counterSample(
  text: MetricsBody,
  endpoint: string,
  wanted: ReadonlySet<number>,
): Result<CounterSample, string> {
  const collector = counterCollector(wanted);
  const scanned = scanMetrics(text, endpoint, collector.visit);
  return scanned.ok
    ? { ok: true, value: collector.sample(scanned.value.timestampNs) }
    : { ok: false, error: scanned.error.message };
}

/**
 * Collects the wanted replicas' counters, p99s and gauges of a second sample from a body's metrics (other
 * entities are ignored), and turns them into loads against the first sample.
 */
export function loadCollector(wanted: ReadonlySet<number>): {
  visit: MetricVisitor;
  loads(first: CounterSample, timestampNs: bigint, fallbackSeconds: number): ReplicaLoad[];
} {
  const loads = new Map<number, ReplicaLoad>();
  const pending: { load: ReplicaLoad; op: Op; value: number }[] = [];
  const keyOf = replicaKeys();
  return {
    visit: (type, id, name, field, value) => {
      if (type !== 'replica') return;
      const key = keyOf(id);
      if (key === undefined || !wanted.has(key)) return;
      let load = loads.get(key);
      if (load === undefined) {
        load = {
          appId: Math.floor(key / 65536),
          pidx: key % 65536,
          qps: {},
          p99Ns: {},
          sstMb: 0,
          sstFiles: 0,
          memtableBytes: 0,
        };
        loads.set(key, load);
      }
      if (field === 'p99') {
        const op = opByLatency.get(name);
        if (op !== undefined) load.p99Ns[op] = value;
        return;
      }
      const op = opByCounter.get(name);
      if (op !== undefined) pending.push({ load, op, value });
      else if (name === 'rdb_total_sst_size_mb') load.sstMb = value;
      else if (name === 'rdb_total_sst_files') load.sstFiles = value;
      else if (name === 'rdb_memtable_mem_usage_bytes') load.memtableBytes = value;
    },
    loads: (first, timestampNs, fallbackSeconds) => {
      const deltaNs = timestampNs - first.timestampNs;
      const seconds = deltaNs > 0n ? Number(deltaNs) / 1e9 : fallbackSeconds;
      for (const { load, op, value } of pending) {
        const start = first.counters.get(replicaKey(load.appId, load.pidx))?.[opIndex.get(op) ?? 0];
        // A counter that went down means the process restarted between the samples: no rate for it.
        if (start !== undefined && !Number.isNaN(start) && seconds > 0) {
          load.qps[op] = Math.max(0, value - start) / seconds;
        }
      }
      return [...loads.values()];
    },
  };
}

/** Computes each primary's load from the first sample's counters and the second body. */
export function primaryLoads(
  first: CounterSample,
  text: MetricsBody,
  endpoint: string,
  wanted: ReadonlySet<number>,
  fallbackSeconds: number,
): Result<ReplicaLoad[], string> {
  const collector = loadCollector(wanted);
  const scanned = scanMetrics(text, endpoint, collector.visit);
  if (!scanned.ok) return { ok: false, error: scanned.error.message };
  return { ok: true, value: collector.loads(first, scanned.value.timestampNs, fallbackSeconds) };
}

/** Samples one replica server twice, `intervalMs` apart; a failure is the reason it is unreachable. */
export async function sampleNode(plan: NodePlan, options: MetricsSamplerOptions): Promise<Result<NodeSample, string>> {
  const wanted = new Set(plan.primaries.map((p) => replicaKey(p.appId, p.pidx)));
  const maxIds = options.maxIdsPerRequest ?? 256;
  const ids = wanted.size <= maxIds ? plan.primaries.map((p) => `replica@${p.appId}.${p.pidx}`) : undefined;

  const endpoint = `GET /metrics from ${plan.address}`;
  const startedAt = performance.now();
  const round = await firstRound(plan.address, endpoint, ids, wanted, options);
  if (!round.ok) return round;
  const { gauges, first } = round.value;
  if (first === undefined) return { ok: true, value: { address: plan.address, ...gauges, primaries: [] } };

  const firstAt = performance.now();
  await (options.sleep ?? defaultSleep)(options.intervalMs);
  const primaries = await readParsed(plan.address, replicaMetricsPath(ids, true), options, options.limit, (body) =>
    primaryLoads(
      first,
      body,
      endpoint,
      wanted,
      Math.max(performance.now() - firstAt, options.intervalMs, performance.now() - startedAt) / 1000,
    ),
  );
  if (!primaries.ok) return primaries;
  return { ok: true, value: { address: plan.address, ...gauges, primaries: primaries.value } };
}

/**
 * The first sample and the gauges, reduced before returning so that no body stays referenced while the node
 * waits for its second sample (1,000 nodes × 100 KB otherwise).
 */
async function firstRound(
  address: string,
  endpoint: string,
  ids: readonly string[] | undefined,
  wanted: ReadonlySet<number>,
  options: MetricsSamplerOptions,
): Promise<Result<{ gauges: Gauges; first?: CounterSample }, string>> {
  const [first, gauges] = await Promise.all([
    wanted.size > 0
      ? readParsed(address, replicaMetricsPath(ids, false), options, options.limit, (body) =>
          counterSample(body, endpoint, wanted),
        )
      : Promise.resolve(undefined),
    readParsed(address, serverMetricsPath, options, options.limit, (body) => serverGauges(body, endpoint)),
  ]);
  if (first !== undefined && !first.ok) return first;
  if (!gauges.ok) return gauges;
  return {
    ok: true,
    value: first === undefined ? { gauges: gauges.value } : { gauges: gauges.value, first: first.value },
  };
}

/** Samples every planned replica server concurrently; failures become `Unreachable` entries. */
export async function sampleReplicaServers(
  plans: readonly NodePlan[],
  options: MetricsSamplerOptions,
): Promise<{ samples: NodeSample[]; unreachable: Unreachable[] }> {
  return sampleEachNode(plans, (plan) => sampleNode(plan, options));
}

/** Runs `sample` on every planned replica server concurrently; a failure becomes that node's `Unreachable` entry. */
export async function sampleEachNode(
  plans: readonly NodePlan[],
  sample: (plan: NodePlan) => Promise<Result<NodeSample, string>>,
): Promise<{ samples: NodeSample[]; unreachable: Unreachable[] }> {
  const results = await Promise.all(plans.map(sample));
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
  options: Pick<MetricsSamplerOptions, 'get' | 'limit' | 'read'>,
): Promise<Result<MetaStats, string>> {
  const gauges = await readParsed(address, metaMetricsPath, options, options.limit, (body) =>
    serverGauges(body, `GET /metrics from ${address}`),
  );
  if (!gauges.ok) return gauges;
  const { residentMemMb, virtualMemMb, sessions } = gauges.value;
  return { ok: true, value: { address, residentMemMb, virtualMemMb, sessions } };
}
