/**
 * Samples replica servers' node-level load (Pegasus 2.6 `/metrics`) for `load({ scope: 'nodes' })`, the way
 * `nodes -q` reads latency: per node, the `server` and `disk` gauges and the data RPCs' `profiler` entities
 * (`task@RPC_RRDB_RRDB_GET` …), a few KB per request however many replicas the node hosts. QPS is
 * Δ`profiler_executed_tasks` / Δtimestamp_ns between two samples `intervalMs` apart (the RPCs the node served,
 * i.e. as primary); P99 is each RPC's `profiler_server_rpc_latency_ns` p99 over the whole node, never
 * averaged. Primaries of the tables asked for are sampled in the same two rounds with the per-replica queries
 * of `metrics-sampler.ts`. Nodes run concurrently under one bound on requests in flight (the wait holds no
 * slot); a node that fails or misses its deadline becomes an `Unreachable` entry and the others still arrive.
 */
import type { Unreachable } from './cluster-api.js';
import { allOps, type NodeRpcLoad, type NodeSample, type Op } from './load-report.js';
import {
  counterSample,
  emptyGauges,
  fetchBody,
  gaugeVisitor,
  nodeGaugeNames,
  primaryLoads,
  replicaKey,
  replicaMetricsPath,
  type CounterSample,
  type MetricsSamplerOptions,
  type NodePlan,
} from './metrics-sampler.js';
import { scanMetrics } from './metrics-scanner.js';
import type { Result } from '../result.js';

/** The RPC task of each data operation, as the `profiler` entity names it (`task@<task>`). */
export const taskOfOp: Readonly<Record<Op, string>> = Object.fromEntries(
  allOps.map((op) => [op, `RPC_RRDB_RRDB_${op.toUpperCase()}`]),
) as Record<Op, string>;

const opByTaskId = new Map<string, Op>(allOps.map((op) => [`task@${taskOfOp[op]}`, op]));
const opIndex = new Map<Op, number>(allOps.map((op, i) => [op, i]));

/** First sample: the gauges, and the RPC counters the rate starts from. */
export const nodeFirstPath = `/metrics?types=server,disk,profiler&metrics=${[...nodeGaugeNames, 'profiler_executed_tasks'].join(',')}&with_metric_fields=name,value`;

/** Second sample: the RPC counters again and each RPC's p99 latency. */
export const nodeSecondPath =
  '/metrics?types=profiler&metrics=profiler_executed_tasks,profiler_server_rpc_latency_ns&with_metric_fields=name,value,p99';

/** The data RPCs' executed counters (NaN where absent) and p99s of one body, with its timestamp. */
export interface RpcSample {
  timestampNs: bigint;
  executed: Float64Array;
  p99Ns: Float64Array;
}

function emptyRpcSample(timestampNs: bigint): RpcSample {
  return {
    timestampNs,
    executed: new Float64Array(allOps.length).fill(Number.NaN),
    p99Ns: new Float64Array(allOps.length).fill(Number.NaN),
  };
}

/** A visitor that records the data RPCs' profiler figures into `out` (other tasks are ignored). */
function rpcVisitor(out: RpcSample): (type: string, id: string, name: string, field: string, value: number) => void {
  return (type, id, name, field, value) => {
    if (type !== 'profiler') return;
    const op = opByTaskId.get(id);
    if (op === undefined) return;
    const i = opIndex.get(op) ?? 0;
    if (name === 'profiler_executed_tasks' && field === 'value') out.executed[i] = value;
    else if (name === 'profiler_server_rpc_latency_ns' && field === 'p99') out.p99Ns[i] = value;
  };
}

/** Reads the first body: gauges and RPC counters. */
export function nodeFirstSample(
  text: string | Uint8Array,
  endpoint: string,
): Result<{ gauges: ReturnType<typeof emptyGauges>; rpc: RpcSample }, string> {
  const gauges = emptyGauges();
  const rpc = emptyRpcSample(0n);
  const onGauge = gaugeVisitor(gauges);
  const onRpc = rpcVisitor(rpc);
  const scanned = scanMetrics(text, endpoint, (type, id, name, field, value) => {
    if (type === 'profiler') onRpc(type, id, name, field, value);
    else onGauge(type, id, name, field, value);
  });
  if (!scanned.ok) return { ok: false, error: scanned.error.message };
  rpc.timestampNs = scanned.value.timestampNs;
  return { ok: true, value: { gauges, rpc } };
}

/** Reads a body of RPC figures. */
export function rpcSample(text: string | Uint8Array, endpoint: string): Result<RpcSample, string> {
  const rpc = emptyRpcSample(0n);
  const scanned = scanMetrics(text, endpoint, rpcVisitor(rpc));
  if (!scanned.ok) return { ok: false, error: scanned.error.message };
  rpc.timestampNs = scanned.value.timestampNs;
  return { ok: true, value: rpc };
}

/**
 * The node's QPS per RPC between two samples (Δexecuted / Δtimestamp) and the second sample's p99s. A counter
 * that went down means the process restarted in between: no rate for it.
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
    const p99 = second.p99Ns[i] ?? Number.NaN;
    if (!Number.isNaN(p99)) out.p99Ns[op] = p99;
  });
  return out;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The per-replica query of a node's chosen primaries: by id when few, else by table. */
function replicaQuery(plan: NodePlan, maxIds: number): { ids?: string[]; tableIds?: number[] } {
  if (plan.primaries.length <= maxIds) return { ids: plan.primaries.map((p) => `replica@${p.appId}.${p.pidx}`) };
  return { tableIds: [...new Set(plan.primaries.map((p) => p.appId))] };
}

/** Samples one replica server's node-level load (and its chosen primaries) twice, `intervalMs` apart. */
export async function sampleNodeLevel(
  plan: NodePlan,
  options: MetricsSamplerOptions,
): Promise<Result<NodeSample, string>> {
  const wanted = new Set(plan.primaries.map((p) => replicaKey(p.appId, p.pidx)));
  const { ids, tableIds } = replicaQuery(plan, options.maxIdsPerRequest ?? 256);
  const endpoint = `GET /metrics from ${plan.address}`;
  const startedAt = performance.now();
  const [nodeBody, replicaBody] = await Promise.all([
    fetchBody(plan.address, nodeFirstPath, options),
    wanted.size > 0 ? fetchBody(plan.address, replicaMetricsPath(ids, false, tableIds), options) : undefined,
  ]);
  if (!nodeBody.ok) return nodeBody;
  if (replicaBody !== undefined && !replicaBody.ok) return replicaBody;
  // Reduce both bodies before waiting, so nothing large stays referenced across the interval.
  const first = nodeFirstSample(nodeBody.value, endpoint);
  if (!first.ok) return first;
  let counters: CounterSample | undefined;
  if (replicaBody !== undefined) {
    const sampled = counterSample(replicaBody.value, endpoint, wanted);
    if (!sampled.ok) return sampled;
    counters = sampled.value;
  }

  const firstAt = performance.now();
  await (options.sleep ?? defaultSleep)(options.intervalMs);
  const [secondNode, secondReplica] = await Promise.all([
    fetchBody(plan.address, nodeSecondPath, options),
    counters !== undefined ? fetchBody(plan.address, replicaMetricsPath(ids, true, tableIds), options) : undefined,
  ]);
  if (!secondNode.ok) return secondNode;
  if (secondReplica !== undefined && !secondReplica.ok) return secondReplica;
  const fallbackSeconds =
    Math.max(performance.now() - firstAt, options.intervalMs, performance.now() - startedAt) / 1000;
  const second = rpcSample(secondNode.value, endpoint);
  if (!second.ok) return second;
  const sample: NodeSample = {
    address: plan.address,
    ...first.value.gauges,
    primaries: [],
    rpc: rpcLoad(first.value.rpc, second.value, fallbackSeconds),
  };
  if (counters !== undefined && secondReplica !== undefined) {
    const loads = primaryLoads(counters, secondReplica.value, endpoint, wanted, fallbackSeconds);
    if (!loads.ok) return loads;
    sample.primaries = loads.value;
  }
  return { ok: true, value: sample };
}

/** Samples every planned replica server's node-level load concurrently; failures become `Unreachable` entries. */
export async function sampleNodeLevelServers(
  plans: readonly NodePlan[],
  options: MetricsSamplerOptions,
): Promise<{ samples: NodeSample[]; unreachable: Unreachable[] }> {
  const results = await Promise.all(plans.map((plan) => sampleNodeLevel(plan, options)));
  const samples: NodeSample[] = [];
  const unreachable: Unreachable[] = [];
  results.forEach((result, i) => {
    const address = plans[i]?.address ?? '';
    if (result.ok) samples.push(result.value);
    else unreachable.push({ address, role: 'replica', reason: result.error });
  });
  return { samples, unreachable };
}
