/**
 * Samples Pegasus ≤ 2.5 replica servers through the `perf-counters` remote command (RPC), whose filters are
 * POSIX basic regexes matched against whole names. Per-replica names look like
 * `replica*app.pegasus*get_qps@<app_id>.<pidx>`; QPS counters are already rates (computed by the server) and
 * a latency counter's value is its p99 in ns, so one request per node is enough. The output is the same
 * `NodeSample` as the 2.6 sampler's; only primaries are kept.
 */
import type { MetaStats, Unreachable } from './cluster-api.js';
import { allOps, type NodeRpcLoad, type NodeSample, type Op, type ReplicaLoad } from './load-report.js';
import { sampleEachNode, type NodePlan } from './metrics-sampler.js';
import { parseBody, perfCountersSchema } from './responses.js';
import type { Limit } from './priority-limit.js';
import type { Result } from '../result.js';

/** Runs a remote command on a server and returns its text output. */
export type RemoteCommand = (address: string, cmd: string, args: readonly string[]) => Promise<Result<string>>;

/** What the sampler needs. */
export interface PerfCounterSamplerOptions {
  remoteCommand: RemoteCommand;
  limit: Limit;
  /** Told the size of every answer. */
  onBytes?: (bytes: number) => void;
}

// `.` stands for the literal parentheses in `(MB)`/`(Count)`: in a basic regex `(` is literal, in an
// extended or JavaScript regex it groups, and `.` matches either way.
/** Filters for replica servers: per-replica QPS, p99, sst and memtable; memory, sessions, disks, replica counts. */
export const replicaCounterFilters: readonly string[] = [
  '.*\\*app\\.pegasus\\*[a-z_]*_qps@[0-9]*\\.[0-9]*',
  '.*\\*app\\.pegasus\\*[a-z_]*_latency@[0-9]*\\.[0-9]*',
  '.*\\*app\\.pegasus\\*disk\\.storage\\.sst.*@[0-9]*\\.[0-9]*',
  '.*\\*app\\.pegasus\\*rdb\\.memtable\\.memory_usage@[0-9]*\\.[0-9]*',
  '.*\\*server\\*memused\\.[a-z]*.MB.',
  '.*\\*network\\*client_session_count',
  '.*\\*eon\\.replica_stub\\*disk\\.[a-z.]*.MB.',
  '.*\\*eon\\.replica_stub\\*disk\\.available\\.total\\.ratio',
  '.*\\*eon\\.replica_stub\\*[a-z.]*replica.Count.',
];

/** Filters for a replica server's own values: memory, sessions, disks, replica counts. */
const serverCounterFilters: readonly string[] = replicaCounterFilters.slice(4);

/** Filters for the data RPCs' node-level counters (`zion*profiler*RPC_RRDB_RRDB_GET.qps`, `.latency.server`). */
export const profilerCounterFilters: readonly string[] = [
  '.*\\*profiler\\*RPC_RRDB_RRDB_[A-Z_]*\\.qps',
  '.*\\*profiler\\*RPC_RRDB_RRDB_[A-Z_]*\\.latency\\.server',
];

/** The per-replica filters restricted to one table's replicas. */
export function tableCounterFilters(appId: number): string[] {
  return replicaCounterFilters.slice(0, 4).map((f) => f.replace('@[0-9]*\\.', `@${appId}\\.`));
}

/** Filters for meta servers: memory and sessions. */
export const metaCounterFilters: readonly string[] = [
  '.*\\*server\\*memused\\.[a-z]*.MB.',
  '.*\\*network\\*client_session_count',
];

const perReplicaPattern = /\*app\.pegasus\*(.+)@(\d+)\.(\d+)$/;
const opByQps = new Map<string, Op>(allOps.map((op) => [`${op}_qps`, op]));
const opByLatency = new Map<string, Op>(allOps.map((op) => [`${op}_latency`, op]));
const replicaCountKeys: Record<string, string> = {
  'replica(Count)': 'total',
  'opening.replica(Count)': 'opening',
  'closing.replica(Count)': 'closing',
};

interface Counter {
  name: string;
  value: number;
}

async function readCounters(
  address: string,
  filters: readonly string[],
  options: PerfCounterSamplerOptions,
): Promise<Result<Counter[], string>> {
  const answer = await options.limit(() => options.remoteCommand(address, 'perf-counters', filters));
  if (!answer.ok) return { ok: false, error: answer.error.message };
  options.onBytes?.(Buffer.byteLength(answer.value));
  const parsed = parseBody(`remote command perf-counters on ${address}`, perfCountersSchema, answer.value);
  if (!parsed.ok) return { ok: false, error: parsed.error.message };
  if (parsed.value.result !== 'OK') return { ok: false, error: `perf-counters answered ${parsed.value.result}` };
  return { ok: true, value: parsed.value.counters };
}

/** Server-level values (memory, sessions, disks, replica counts) from counter names. */
function serverValues(counters: readonly Counter[]): Omit<NodeSample, 'address' | 'primaries'> {
  const out = { residentMemMb: 0, virtualMemMb: 0, sessions: 0, diskTotalMb: 0, diskAvailMb: 0 };
  const replicas: Record<string, number> = {};
  let availRatio: number | undefined;
  let availMb: number | undefined;
  for (const { name, value } of counters) {
    const short = name.slice(name.lastIndexOf('*') + 1);
    if (short === 'disk.available.total.ratio') availRatio = value;
    if (short === 'memused.res(MB)') out.residentMemMb = value;
    else if (short === 'memused.virt(MB)') out.virtualMemMb = value;
    else if (short === 'client_session_count') out.sessions = value;
    else if (short === 'disk.capacity.total(MB)') out.diskTotalMb = value;
    else if (short === 'disk.available.total(MB)') availMb = value;
    else {
      const key = replicaCountKeys[short];
      if (key !== undefined) replicas[key] = value;
    }
  }
  // Some builds only export the ratio (percent); derive the MB from it then.
  out.diskAvailMb = availMb ?? (availRatio === undefined ? 0 : (out.diskTotalMb * availRatio) / 100);
  return { ...out, replicas };
}

/** Builds the primaries' loads from per-replica counters; `wanted` holds `<app>.<pidx>` of the primaries. */
export function primaryLoadsFromCounters(counters: readonly Counter[], wanted: ReadonlySet<string>): ReplicaLoad[] {
  const loads = new Map<string, ReplicaLoad>();
  for (const { name, value } of counters) {
    const match = perReplicaPattern.exec(name);
    if (match === null) continue;
    const [, counter = '', app = '', pidx = ''] = match;
    const key = `${app}.${pidx}`;
    if (!wanted.has(key)) continue;
    let load = loads.get(key);
    if (load === undefined) {
      load = { appId: Number(app), pidx: Number(pidx), qps: {}, p99Ns: {}, sstMb: 0, sstFiles: 0, memtableBytes: 0 };
      loads.set(key, load);
    }
    const qpsOp = opByQps.get(counter);
    const latencyOp = opByLatency.get(counter);
    if (qpsOp !== undefined) load.qps[qpsOp] = value;
    else if (latencyOp !== undefined) load.p99Ns[latencyOp] = value;
    else if (counter === 'disk.storage.sst(MB)') load.sstMb = value;
    else if (counter === 'disk.storage.sst.count') load.sstFiles = value;
    else if (counter === 'rdb.memtable.memory_usage') load.memtableBytes = value;
  }
  return [...loads.values()];
}

const opByTask = new Map<string, Op>(allOps.map((op) => [`RPC_RRDB_RRDB_${op.toUpperCase()}`, op]));
const profilerPattern = /\*profiler\*(RPC_RRDB_RRDB_[A-Z_]+)\.(qps|latency\.server)$/;

/** A 2.5 node's own RPC figures: `.qps` counters are already rates, `.latency.server` values are p99s. */
export function rpcLoadFromCounters(counters: readonly Counter[]): NodeRpcLoad {
  const out: NodeRpcLoad = { qps: {}, p99Ns: {} };
  for (const { name, value } of counters) {
    const match = profilerPattern.exec(name);
    const op = match === null ? undefined : opByTask.get(match[1] ?? '');
    if (op === undefined) continue;
    if (match?.[2] === 'qps') out.qps[op] = value;
    else out.p99Ns[op] = value;
  }
  return out;
}

/**
 * Samples 2.5 replica servers' node-level load (scope `'nodes'`): one `perf-counters` call per node for its
 * own values, the data RPCs' profiler counters and the per-replica counters of the planned primaries' tables.
 */
export async function samplePerfCounterNodes(
  plans: readonly NodePlan[],
  options: PerfCounterSamplerOptions,
): Promise<{ samples: NodeSample[]; unreachable: Unreachable[] }> {
  return sampleEachNode(plans, async (plan): Promise<Result<NodeSample, string>> => {
    const appIds = [...new Set(plan.primaries.map((p) => p.appId))];
    const filters = [...serverCounterFilters, ...profilerCounterFilters, ...appIds.flatMap(tableCounterFilters)];
    const counters = await readCounters(plan.address, filters, options);
    if (!counters.ok) return counters;
    const wanted = new Set(plan.primaries.map((p) => `${p.appId}.${p.pidx}`));
    return {
      ok: true,
      value: {
        address: plan.address,
        ...serverValues(counters.value),
        primaries: primaryLoadsFromCounters(counters.value, wanted),
        rpc: rpcLoadFromCounters(counters.value),
      },
    };
  });
}

/** Samples every planned 2.5 replica server concurrently; failures become `Unreachable` entries. */
export async function samplePerfCounterServers(
  plans: readonly NodePlan[],
  options: PerfCounterSamplerOptions,
): Promise<{ samples: NodeSample[]; unreachable: Unreachable[] }> {
  return sampleEachNode(plans, async (plan): Promise<Result<NodeSample, string>> => {
    const counters = await readCounters(plan.address, replicaCounterFilters, options);
    if (!counters.ok) return counters;
    const wanted = new Set(plan.primaries.map((p) => `${p.appId}.${p.pidx}`));
    return {
      ok: true,
      value: {
        address: plan.address,
        ...serverValues(counters.value),
        primaries: primaryLoadsFromCounters(counters.value, wanted),
      },
    };
  });
}

/** Reads a 2.5 meta server's memory and sessions. */
export async function sampleMetaPerfCounters(
  address: string,
  options: PerfCounterSamplerOptions,
): Promise<Result<MetaStats, string>> {
  const counters = await readCounters(address, metaCounterFilters, options);
  if (!counters.ok) return counters;
  const values = serverValues(counters.value);
  return {
    ok: true,
    value: {
      address,
      residentMemMb: values.residentMemMb,
      virtualMemMb: values.virtualMemMb,
      sessions: values.sessions,
    },
  };
}
