/**
 * Samples replica servers' node-level load (Pegasus 2.6 `/metrics`) for `load({ scope: 'nodes' })`, the way
 * `nodes -q` reads latency: the data RPCs' `profiler` entities (`task@RPC_RRDB_RRDB_GET` …) and the `server`
 * and `disk` gauges, a few KB per node however many replicas it hosts. QPS is Δ`profiler_executed_tasks` /
 * Δtimestamp_ns between two samples `intervalMs` apart (the RPCs the node served, i.e. as primary); P99 is
 * each RPC's `profiler_server_rpc_latency_ns` p99 over the whole node, never averaged.
 *
 * One request per node per sample: the p99s need one sample only and ride in the first, the gauges in the
 * second. The primaries of the tables asked for ride in the same query (`ids` of the tasks and replicas, or
 * `attributes` `task_name`/`table_id` when there are many); since every filter applies to every entity type,
 * such a node's gauges (whose `disk@…` ids are not known beforehand) go in a third request, queued as
 * background work while the node waits for its second sample. Nodes run concurrently under one bound on
 * requests in flight (the wait holds no slot); a node that fails or misses its deadline becomes an
 * `Unreachable` entry and the others still arrive.
 */
import type { Unreachable } from './cluster-api.js';
import { allOps, type NodeRpcLoad, type NodeSample, type Op } from './load-report.js';
import {
  counterCollector,
  emptyGauges,
  readParsed,
  gaugeVisitor,
  loadCollector,
  nodeGaugeNames,
  replicaCounterNames,
  replicaKey,
  replicaSecondNames,
  sampleEachNode,
  type CounterSample,
  type Gauges,
  type MetricsSamplerOptions,
  type NodePlan,
} from './metrics-sampler.js';
import { scanMetrics, type MetricsBody, type MetricVisitor } from './metrics-scanner.js';
import type { Limit } from './priority-limit.js';
import type { Result } from '../result.js';

/** The RPC task of each data operation, as the `profiler` entity names it (`task@<task>`). */
export const taskOfOp: Readonly<Record<Op, string>> = Object.fromEntries(
  allOps.map((op) => [op, `RPC_RRDB_RRDB_${op.toUpperCase()}`]),
) as Record<Op, string>;

const opByTaskId = new Map<string, Op>(allOps.map((op) => [`task@${taskOfOp[op]}`, op]));
const opIndex = new Map<Op, number>(allOps.map((op, i) => [op, i]));

/** The server and disk gauges (one sample). */
export const nodeGaugePath = `/metrics?types=server,disk&metrics=${nodeGaugeNames.join(',')}&with_metric_fields=name,value`;

/** A node's RPC figures as read from one body: executed counters (NaN where absent) and p99s, with its timestamp. */
export interface RpcSample {
  timestampNs: bigint;
  executed: Float64Array;
  p99Ns: Float64Array;
}

function emptyRpcSample(): RpcSample {
  return {
    timestampNs: 0n,
    executed: new Float64Array(allOps.length).fill(Number.NaN),
    p99Ns: new Float64Array(allOps.length).fill(Number.NaN),
  };
}

/** A visitor that records the data RPCs' profiler figures into `out` (other tasks and entities are ignored). */
function rpcVisitor(out: RpcSample): MetricVisitor {
  return (type, id, name, field, value) => {
    if (type !== 'profiler') return;
    const op = opByTaskId.get(id);
    if (op === undefined) return;
    const i = opIndex.get(op) ?? 0;
    if (name === 'profiler_executed_tasks' && field === 'value') out.executed[i] = value;
    else if (name === 'profiler_server_rpc_latency_ns' && field === 'p99') out.p99Ns[i] = value;
  };
}

/** Reads the data RPCs' figures of one body. */
export function rpcSample(text: MetricsBody, endpoint: string): Result<RpcSample, string> {
  const rpc = emptyRpcSample();
  const scanned = scanMetrics(text, endpoint, rpcVisitor(rpc));
  if (!scanned.ok) return { ok: false, error: scanned.error.message };
  rpc.timestampNs = scanned.value.timestampNs;
  return { ok: true, value: rpc };
}

/** Reads the server and disk gauges of one body. */
export function nodeGauges(text: MetricsBody, endpoint: string): Result<Gauges, string> {
  const gauges = emptyGauges();
  const scanned = scanMetrics(text, endpoint, gaugeVisitor(gauges));
  return scanned.ok ? { ok: true, value: gauges } : { ok: false, error: scanned.error.message };
}

/**
 * The node's QPS per RPC between two samples (Δexecuted / Δtimestamp) and its p99s (from the sample that has
 * them, the second when both do). A counter that went down means the process restarted in between: no rate.
 */
export function rpcLoad(first: RpcSample, second: RpcSample, fallbackSeconds: number): NodeRpcLoad {
  const deltaNs = second.timestampNs - first.timestampNs;
  const seconds = deltaNs > 0n ? Number(deltaNs) / 1e9 : fallbackSeconds;
  const out: NodeRpcLoad = { qps: {}, p99Ns: {} };
  allOps.forEach((op, i) => {
    const start = first.executed[i] ?? Number.NaN;
    const end = second.executed[i] ?? Number.NaN;
    if (!Number.isNaN(start) && !Number.isNaN(end) && end >= start && seconds > 0)
      out.qps[op] = (end - start) / seconds;
    const later = second.p99Ns[i] ?? Number.NaN;
    const p99 = Number.isNaN(later) ? (first.p99Ns[i] ?? Number.NaN) : later;
    if (!Number.isNaN(p99)) out.p99Ns[op] = p99;
  });
  return out;
}

const taskIds = allOps.map((op) => `task@${taskOfOp[op]}`);

/**
 * The `/metrics` query of one sample of a node: the data RPCs' counters, in the first sample with their p99s
 * and in the second with the gauges (the work is split so that neither round costs the servers more than the
 * other), and the planned primaries' counters (p99s and storage gauges in the second). Up to `maxIds`
 * primaries are named by id; more are read by table (`attributes=table_id,…`, with `task_name` pairs for the
 * tasks) and the others dropped while reading.
 */
export function nodeSamplePath(primaries: NodePlan['primaries'], second: boolean, maxIds = 256): string {
  const rpcNames = second ? ['profiler_executed_tasks'] : ['profiler_executed_tasks', 'profiler_server_rpc_latency_ns'];
  if (primaries.length === 0) {
    // No id filter in the second sample, so the gauges come along (and profiled tasks other than the data
    // RPCs, which are ignored).
    return second
      ? `/metrics?types=server,disk,profiler&metrics=${[...nodeGaugeNames, ...rpcNames].join(',')}&with_metric_fields=name,value`
      : `/metrics?types=profiler&ids=${taskIds.join(',')}&metrics=${rpcNames.join(',')}&with_metric_fields=name,value,p99`;
  }
  const names = [...rpcNames, ...replicaCounterNames, ...(second ? replicaSecondNames : [])].join(',');
  const filter =
    primaries.length <= maxIds
      ? `ids=${[...taskIds, ...primaries.map((p) => `replica@${p.appId}.${p.pidx}`)].join(',')}`
      : `attributes=${[
          ...allOps.map((op) => `task_name,${taskOfOp[op]}`),
          ...[...new Set(primaries.map((p) => p.appId))].map((id) => `table_id,${id}`),
        ].join(',')}`;
  return `/metrics?types=profiler,replica&${filter}&metrics=${names}&with_metric_fields=name,value,p99`;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the node-level sampler needs besides the replica sampler's options. */
export interface NodeLevelOptions extends MetricsSamplerOptions {
  /** Runs the gauge requests (default: `limit`); they may wait for other nodes' samples. */
  background?: Limit;
}

/**
 * The first sample, reduced to its counters. A function of its own: a body held in the caller's frame would
 * stay alive through the interval (the frame of a suspended async function keeps its locals), a thousand
 * bodies in all.
 */
async function firstSample(
  plan: NodePlan,
  wanted: ReadonlySet<number>,
  endpoint: string,
  maxIds: number,
  options: NodeLevelOptions,
): Promise<Result<{ rpc: RpcSample; counters: CounterSample }, string>> {
  return readParsed(plan.address, nodeSamplePath(plan.primaries, false, maxIds), options, options.limit, (body) => {
    const rpc = emptyRpcSample();
    const onRpc = rpcVisitor(rpc);
    const counters = counterCollector(wanted);
    const scanned = scanMetrics(body, endpoint, (type, id, name, field, value) => {
      if (type === 'profiler') onRpc(type, id, name, field, value);
      else counters.visit(type, id, name, field, value);
    });
    if (!scanned.ok) return { ok: false, error: scanned.error.message };
    rpc.timestampNs = scanned.value.timestampNs;
    return { ok: true, value: { rpc, counters: counters.sample(scanned.value.timestampNs) } };
  });
}

/** Samples one replica server's node-level load (and its planned primaries) twice, `intervalMs` apart. */
export async function sampleNodeLevel(plan: NodePlan, options: NodeLevelOptions): Promise<Result<NodeSample, string>> {
  const wanted = new Set(plan.primaries.map((p) => replicaKey(p.appId, p.pidx)));
  const maxIds = options.maxIdsPerRequest ?? 256;
  const endpoint = `GET /metrics from ${plan.address}`;
  const startedAt = performance.now();
  const firstRound = await firstSample(plan, wanted, endpoint, maxIds, options);
  if (!firstRound.ok) return firstRound;
  const { rpc: firstRpc, counters: first } = firstRound.value;

  const firstAt = performance.now();
  // With primaries to read by id, the gauges come in the background meanwhile; the interval starts at the
  // first sample, whatever they cost.
  const gaugeRequest =
    plan.primaries.length === 0
      ? undefined
      : readParsed(plan.address, nodeGaugePath, options, options.background ?? options.limit, (body) =>
          nodeGauges(body, endpoint),
        );
  await (options.sleep ?? defaultSleep)(options.intervalMs);
  const secondRead = readParsed(
    plan.address,
    nodeSamplePath(plan.primaries, true, maxIds),
    options,
    options.limit,
    (body) => {
      const fallbackSeconds =
        Math.max(performance.now() - firstAt, options.intervalMs, performance.now() - startedAt) / 1000;
      const secondRpc = emptyRpcSample();
      const onSecondRpc = rpcVisitor(secondRpc);
      const loads = loadCollector(wanted);
      const gauges = emptyGauges();
      const onGauge = gaugeVisitor(gauges);
      const scanned = scanMetrics(body, endpoint, (type, id, name, field, value) => {
        if (type === 'profiler') onSecondRpc(type, id, name, field, value);
        else if (type === 'replica') loads.visit(type, id, name, field, value);
        else onGauge(type, id, name, field, value);
      });
      if (!scanned.ok) return { ok: false, error: scanned.error.message };
      secondRpc.timestampNs = scanned.value.timestampNs;
      return {
        ok: true,
        value: {
          gauges,
          primaries: loads.loads(first, scanned.value.timestampNs, fallbackSeconds),
          rpc: rpcLoad(firstRpc, secondRpc, fallbackSeconds),
        },
      };
    },
  );
  const [second, gauges] = await Promise.all([secondRead, gaugeRequest]);
  if (!second.ok) return second;
  if (gauges !== undefined && !gauges.ok) return gauges;
  return {
    ok: true,
    value: {
      address: plan.address,
      ...(gauges === undefined ? second.value.gauges : gauges.value),
      primaries: second.value.primaries,
      rpc: second.value.rpc,
    },
  };
}

/** Samples every planned replica server's node-level load concurrently; failures become `Unreachable` entries. */
export async function sampleNodeLevelServers(
  plans: readonly NodePlan[],
  options: NodeLevelOptions,
): Promise<{ samples: NodeSample[]; unreachable: Unreachable[] }> {
  return sampleEachNode(plans, (plan) => sampleNodeLevel(plan, options));
}
