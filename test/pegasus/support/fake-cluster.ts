/**
 * A small Pegasus cluster made of `node:http` fixtures that answer with bodies shaped exactly like the
 * reference: table-printer JSON (string values, trailing newline), 307 from backup metas, `/metrics` with its
 * filters, pretty-printed, `timestamp_ns` above 2^53. Every replica server's clock moves one second per
 * `/metrics` request, so counters move by exactly `rate` per request and rates are exact.
 */
import type { MetaLevel } from '../../../src/pegasus/cluster-api.js';
import type { MetaRpcLike } from '../../../src/pegasus/pegasus-client.js';
import { fail, ok } from '../../../src/result.js';
import { startHttp, type FixtureAnswer, type HttpFixture } from './http-fixture.js';

export const ops = [
  'get',
  'multi_get',
  'batch_get',
  'scan',
  'put',
  'multi_put',
  'remove',
  'multi_remove',
  'incr',
  'check_and_set',
  'check_and_mutate',
] as const;
export type FakeOp = (typeof ops)[number];
export const fakeReadOps: readonly FakeOp[] = ['get', 'multi_get', 'batch_get', 'scan'];

/** One table: partitions with the node indexes of their primary and secondaries. */
export interface FakeTable {
  appId: number;
  name: string;
  partitions: { primary?: number; secondaries: number[] }[];
}

/** Options of the fake cluster. */
export interface FakeClusterOptions {
  metas?: number;
  leader?: number;
  nodes?: number;
  version?: string;
  tables?: FakeTable[];
}

/** Requests per second of one operation on one partition (reads only on the primary). */
export function rateOf(appId: number, pidx: number, op: FakeOp): number {
  return (ops.indexOf(op) + 1) * (appId * 10 + pidx + 1);
}

/** p99 in ns of one operation on one replica; secondaries report a huge value that must never be used. */
export function p99Of(appId: number, pidx: number, op: FakeOp, primary: boolean): number {
  return primary ? 1000 * (ops.indexOf(op) + 1) + appId * 100 + pidx : 9_000_000_000;
}

export function sstMbOf(appId: number, pidx: number): number {
  return appId * 10 + pidx;
}

const mib = 1024 * 1024;

/** Places `count` partitions over `nodes` nodes, three replicas each, primaries round robin. */
export function placedTable(appId: number, name: string, count: number, nodes: number): FakeTable {
  const partitions = Array.from({ length: count }, (_, pidx) => {
    const primary = (pidx + appId) % nodes;
    const secondaries = [1, 2].filter((k) => k < nodes).map((k) => (primary + k) % nodes);
    return { primary, secondaries };
  });
  return { appId, name, partitions };
}

const startNs = 1_773_405_197_000_000_000n;

/** A running fake cluster. */
export class FakeCluster {
  readonly metas: HttpFixture[];
  readonly nodes: HttpFixture[];
  readonly tables: FakeTable[];
  readonly version: string;
  leader: number;
  readonly unalive = new Set<number>();
  readonly hanging = new Set<string>();
  metaLevel: MetaLevel = 'steady';
  private readonly clocks = new Map<string, bigint>();

  private constructor(metas: HttpFixture[], nodes: HttpFixture[], options: FakeClusterOptions) {
    this.metas = metas;
    this.nodes = nodes;
    this.leader = options.leader ?? 0;
    this.version = options.version ?? '2.6.0';
    this.tables = options.tables ?? [placedTable(2, 'temp', 8, nodes.length), placedTable(3, 'stat', 4, nodes.length)];
    metas.forEach((m, i) => (m.handler = (path, query) => this.metaAnswer(i, path, query)));
    nodes.forEach((n, i) => (n.handler = (path, query) => this.replicaAnswer(i, path, query)));
  }

  /** Starts the metas and replica servers. */
  static async start(options: FakeClusterOptions = {}): Promise<FakeCluster> {
    const metas = await Promise.all(Array.from({ length: options.metas ?? 3 }, () => startHttp()));
    const nodes = await Promise.all(Array.from({ length: options.nodes ?? 3 }, () => startHttp()));
    return new FakeCluster(metas, nodes, options);
  }

  get metaServers(): string[] {
    return this.metas.map((m) => m.address);
  }

  address(node: number): string {
    return this.nodes[node]?.address ?? '';
  }

  async close(): Promise<void> {
    await Promise.all([...this.metas, ...this.nodes].map((f) => f.close()));
  }

  /** Every (table, partition) and where its replicas are. */
  *partitions(): Generator<{ appId: number; pidx: number; primary?: number; secondaries: number[] }> {
    for (const t of this.tables) {
      for (const [pidx, p] of t.partitions.entries()) yield { appId: t.appId, pidx, ...p };
    }
  }

  // ---- meta servers ----

  private metaAnswer(index: number, path: string, query: URLSearchParams): FixtureAnswer {
    const me = this.metas[index]?.address ?? '';
    if (this.hanging.has(me)) return { hang: true };
    if (path === '/version') return this.versionAnswer();
    if (path === '/recentStartTime') return compact({ RecentStartTime: `2026-03-13 20:33:1${index}` });
    if (path === '/metrics') return this.metaMetrics(index, query);
    if (!path.startsWith('/meta/')) return { status: 404, body: '' };
    const allowed: Record<string, string[]> = {
      '/meta/apps': ['detail'],
      '/meta/nodes': ['detail'],
      '/meta/app': ['name', 'detail'],
    };
    const permitted = allowed[path];
    if (permitted !== undefined && [...query.keys()].some((k) => !permitted.includes(k))) {
      return { status: 400, body: '' };
    }
    if (index !== this.leader) {
      const leader = this.metas[this.leader]?.address ?? '';
      const search = query.toString();
      return { status: 307, location: `http://${leader}${path}${search === '' ? '' : `?${search}`}` };
    }
    const detail = query.has('detail');
    if (path === '/meta/cluster') return this.clusterBody();
    if (path === '/meta/apps') return this.appsBody(detail);
    if (path === '/meta/nodes') return this.nodesBody(detail);
    if (path === '/meta/app') {
      const name = query.get('name') ?? '';
      if (name === '') return { status: 400, body: "app name shouldn't be empty" };
      const table = this.tables.find((t) => t.name === name);
      if (table === undefined) return { status: 404, body: `table not found: "${name}"` };
      return this.appBody(table, detail);
    }
    return { status: 404, body: '' };
  }

  private versionAnswer(): FixtureAnswer {
    return compact({ Version: this.version, GitCommit: 'db756dcdf0123456789abcdef' });
  }

  clusterBody(): FixtureAnswer {
    const balance = this.version.startsWith('2.5')
      ? 'move_pri=1,copy_pri=2,copy_sec=3,total=6'
      : '{\n  "copy_pri": 2,\n  "copy_sec": 3,\n  "move_pri": 1,\n  "total": 6\n}';
    return compact({
      meta_servers: this.metaServers.join(','),
      primary_meta_server: this.metas[this.leader]?.address ?? '',
      zookeeper_hosts: '127.0.0.1:22181',
      zookeeper_root: '/pegasus/onebox/127.0.0.1',
      meta_function_level: this.metaLevel,
      balance_operation_count: balance,
      primary_replica_count_stddev: '0.47',
      total_replica_count_stddev: '0.00',
    });
  }

  private health(table: FakeTable) {
    let fully = 0;
    let write = 0;
    let read = 0;
    for (const p of table.partitions) {
      const count = (p.primary === undefined ? 0 : 1) + p.secondaries.length;
      if (p.primary === undefined) {
        write++;
        read++;
      } else if (count >= 3) fully++;
      else if (count < 2) write++;
    }
    return { fully, unhealthy: table.partitions.length - fully, write, read };
  }

  private appsBody(detail: boolean): FixtureAnswer {
    const general: Record<string, Record<string, string>> = {};
    const healthy: Record<string, Record<string, string>> = {};
    for (const t of this.tables) {
      general[String(t.appId)] = {
        app_id: String(t.appId),
        status: 'AVAILABLE',
        app_name: t.name,
        app_type: 'pegasus',
        partition_count: String(t.partitions.length),
        replica_count: '3',
        is_stateful: 'true',
        create_time: '2026-03-13 20:40:01.000',
        drop_time: '-',
        drop_expire: '-',
        envs_count: '1',
      };
      const h = this.health(t);
      healthy[String(t.appId)] = {
        app_id: String(t.appId),
        app_name: t.name,
        partition_count: String(t.partitions.length),
        fully_healthy: String(h.fully),
        unhealthy: String(h.unhealthy),
        write_unhealthy: String(h.write),
        read_unhealthy: String(h.read),
      };
    }
    const body: Record<string, unknown> = { general_info: general };
    if (detail && this.tables.length > 0) body['healthy_info'] = healthy;
    body['summary'] = {
      total_app_count: String(this.tables.length),
      fully_healthy_app_count: String(this.tables.filter((t) => this.health(t).unhealthy === 0).length),
      unhealthy_app_count: String(this.tables.filter((t) => this.health(t).unhealthy > 0).length),
      write_unhealthy_app_count: '0',
      read_unhealthy_app_count: '0',
    };
    return compact(body);
  }

  private nodesBody(detail: boolean): FixtureAnswer {
    const details: Record<string, Record<string, string>> = {};
    const sorted = this.nodes
      .map((n, i) => ({ address: n.address, i }))
      .sort((a, b) => a.address.localeCompare(b.address));
    for (const { address, i } of sorted) {
      const row: Record<string, string> = { address, status: this.unalive.has(i) ? 'UNALIVE' : 'ALIVE' };
      if (detail) {
        let primary = 0;
        let secondary = 0;
        for (const p of this.partitions()) {
          if (p.primary === i) primary++;
          if (p.secondaries.includes(i)) secondary++;
        }
        row['replica_count'] = String(primary + secondary);
        row['primary_count'] = String(primary);
        row['secondary_count'] = String(secondary);
      }
      details[address] = row;
    }
    return compact({
      details,
      summary: {
        total_node_count: String(this.nodes.length),
        alive_node_count: String(this.nodes.length - this.unalive.size),
        unalive_node_count: String(this.unalive.size),
      },
    });
  }

  private appBody(table: FakeTable, detail: boolean): FixtureAnswer {
    const body: Record<string, unknown> = {
      general: {
        app_name: table.name,
        app_id: String(table.appId),
        partition_count: String(table.partitions.length),
        max_replica_count: '3',
      },
    };
    if (detail) {
      const replicas: Record<string, Record<string, string>> = {};
      const perNode = new Map<string, { p: number; s: number }>();
      table.partitions.forEach((p, pidx) => {
        const count = (p.primary === undefined ? 0 : 1) + p.secondaries.length;
        replicas[String(pidx)] = {
          pidx: String(pidx),
          ballot: String(3 + pidx),
          replica_count: `${count}/3`,
          primary: p.primary === undefined ? '-' : this.address(p.primary),
          secondaries: `[${p.secondaries.map((s) => this.address(s)).join(',')}]`,
        };
        if (p.primary !== undefined) {
          const a = this.address(p.primary);
          perNode.set(a, { p: (perNode.get(a)?.p ?? 0) + 1, s: perNode.get(a)?.s ?? 0 });
        }
        for (const s of p.secondaries) {
          const a = this.address(s);
          perNode.set(a, { p: perNode.get(a)?.p ?? 0, s: (perNode.get(a)?.s ?? 0) + 1 });
        }
      });
      const nodes: Record<string, Record<string, string>> = {};
      let tp = 0;
      let ts = 0;
      for (const [a, c] of [...perNode].sort(([x], [y]) => x.localeCompare(y))) {
        nodes[a] = { node: a, primary: String(c.p), secondary: String(c.s), total: String(c.p + c.s) };
        tp += c.p;
        ts += c.s;
      }
      nodes['total'] = { node: 'total', primary: String(tp), secondary: String(ts), total: String(tp + ts) };
      const h = this.health(table);
      body['replicas'] = replicas;
      body['nodes'] = nodes;
      body['healthy'] = {
        fully_healthy_partition_count: String(h.fully),
        unhealthy_partition_count: String(h.unhealthy),
        write_unhealthy_partition_count: String(h.write),
        read_unhealthy_partition_count: String(h.read),
      };
    }
    return compact(body);
  }

  private metaMetrics(index: number, query: URLSearchParams): FixtureAnswer {
    if (this.version.startsWith('2.5')) return { body: '[]\n' };
    const entities = [
      {
        type: 'server',
        id: 'server',
        attributes: {},
        metrics: [
          { name: 'resident_mem_usage_mb', value: 300 + index },
          { name: 'virtual_mem_usage_mb', value: 900 + index },
          { name: 'network_server_sessions', value: 5 + index },
        ],
      },
    ];
    return metricsBody('meta', startNs, entities, query);
  }

  // ---- replica servers ----

  private replicaAnswer(index: number, path: string, query: URLSearchParams): FixtureAnswer {
    const me = this.address(index);
    if (this.hanging.has(me)) return { hang: true };
    if (path === '/version') return this.versionAnswer();
    if (path === '/recentStartTime') return compact({ RecentStartTime: `2026-03-13 20:34:0${index}` });
    if (path !== '/metrics') return { status: 404, body: '' };
    if (this.version.startsWith('2.5')) return { body: '[]\n' };
    const now = this.clocks.get(me) ?? startNs + BigInt(index) * 7n;
    this.clocks.set(me, now + 1_000_000_000n);
    const seconds = Number((now - startNs - BigInt(index) * 7n) / 1_000_000_000n);
    return metricsBody('replica', now, this.replicaEntities(index, seconds), query);
  }

  /** The entities replica server `index` has after `seconds` of its clock. */
  replicaEntities(index: number, seconds: number): MetricEntity[] {
    const hosted = [...this.partitions()].filter((p) => p.primary === index || p.secondaries.includes(index));
    const entities: MetricEntity[] = [
      {
        type: 'server',
        id: 'server',
        attributes: {},
        metrics: [
          { name: 'resident_mem_usage_mb', value: 1000 + index },
          { name: 'virtual_mem_usage_mb', value: 2000 + index },
          { name: 'network_server_sessions', value: 10 + index },
          { name: 'total_replicas', value: hosted.length },
          { name: 'primary_replicas', value: hosted.filter((p) => p.primary === index).length },
          { name: 'secondary_replicas', value: hosted.filter((p) => p.primary !== index).length },
          { name: 'read_failed_requests', value: 0 },
        ],
      },
      {
        type: 'disk',
        id: 'disk@ssd1',
        attributes: { tag: 'ssd1', data_dir: '/data/ssd1' },
        metrics: [
          { name: 'disk_capacity_total_mb', value: 1000 },
          { name: 'disk_capacity_avail_mb', value: 400 + index },
        ],
      },
      {
        type: 'disk',
        id: 'disk@ssd2',
        attributes: { tag: 'ssd2', data_dir: '/data/ssd2' },
        metrics: [
          { name: 'disk_capacity_total_mb', value: 2000 },
          { name: 'disk_capacity_avail_mb', value: 600 },
        ],
      },
      {
        type: 'profiler',
        id: 'task@RPC_RRDB_RRDB_GET',
        attributes: { task_name: 'RPC_RRDB_RRDB_GET' },
        metrics: [{ name: 'profiler_server_rpc_latency_ns', p50: 1, p90: 2, p95: 3, p99: 4, p999: 5 }],
      },
    ];
    for (const p of hosted) {
      const primary = p.primary === index;
      const metrics: MetricEntity['metrics'] = [];
      for (const op of ops) {
        const served = primary || !fakeReadOps.includes(op);
        metrics.push({ name: `${op}_requests`, value: served ? rateOf(p.appId, p.pidx, op) * seconds : 0 });
        const p99 = p99Of(p.appId, p.pidx, op, primary);
        metrics.push({ name: `${op}_latency_ns`, p50: 10, p90: 20, p95: 30, p99, p999: p99 * 2 });
      }
      metrics.push({ name: 'rdb_total_sst_size_mb', value: sstMbOf(p.appId, p.pidx) });
      metrics.push({ name: 'rdb_total_sst_files', value: p.pidx + 1 });
      metrics.push({ name: 'rdb_memtable_mem_usage_bytes', value: (p.pidx + 1) * mib });
      metrics.push({ name: 'rdb_estimated_keys', value: 12345 });
      entities.push({
        type: 'replica',
        id: `replica@${p.appId}.${p.pidx}`,
        attributes: { table_id: String(p.appId), partition_id: String(p.pidx) },
        metrics,
      });
    }
    return entities;
  }

  /** 2.5 perf counters of replica server `index`, as the `perf-counters` remote command would list them. */
  perfCounters(index: number): { name: string; type: string; value: number }[] {
    const counters: { name: string; type: string; value: number }[] = [
      { name: 'replica*server*memused.res(MB)', type: 'NUMBER', value: 1000 + index },
      { name: 'replica*server*memused.virt(MB)', type: 'NUMBER', value: 2000 + index },
      { name: 'server*network*client_session_count', type: 'NUMBER', value: 10 + index },
      { name: 'replica*eon.replica_stub*disk.capacity.total(MB)', type: 'NUMBER', value: 3000 },
      { name: 'replica*eon.replica_stub*disk.available.total(MB)', type: 'NUMBER', value: 1000 + index },
      { name: 'replica*eon.replica_stub*disk.available.total.ratio', type: 'NUMBER', value: 33 },
      { name: 'replica*eon.replica_stub*replica(Count)', type: 'NUMBER', value: 0 },
      { name: 'replica*eon.replica_stub*opening.replica(Count)', type: 'NUMBER', value: 0 },
      { name: 'zion*profiler*RPC_RRDB_RRDB_GET.qps', type: 'RATE', value: 99 },
    ];
    let hostedCount = 0;
    for (const p of this.partitions()) {
      const primary = p.primary === index;
      if (!primary && !p.secondaries.includes(index)) continue;
      hostedCount++;
      const at = `@${p.appId}.${p.pidx}`;
      for (const op of ops) {
        const served = primary || !fakeReadOps.includes(op);
        const name = op;
        counters.push({
          name: `replica*app.pegasus*${name}_qps${at}`,
          type: 'RATE',
          value: served ? rateOf(p.appId, p.pidx, op) : 0,
        });
        const p99 = p99Of(p.appId, p.pidx, op, primary);
        counters.push({ name: `replica*app.pegasus*${name}_latency${at}`, type: 'PERCENTILE', value: p99 });
        counters.push({ name: `replica*app.pegasus*${name}_latency${at}.p999`, type: 'PERCENTILE', value: p99 * 2 });
      }
      counters.push({
        name: `replica*app.pegasus*disk.storage.sst(MB)${at}`,
        type: 'NUMBER',
        value: sstMbOf(p.appId, p.pidx),
      });
      counters.push({ name: `replica*app.pegasus*disk.storage.sst.count${at}`, type: 'NUMBER', value: p.pidx + 1 });
      counters.push({
        name: `replica*app.pegasus*rdb.memtable.memory_usage${at}`,
        type: 'NUMBER',
        value: (p.pidx + 1) * mib,
      });
      counters.push({ name: `replica*app.pegasus*recent.read.cu${at}`, type: 'VOLATILE_NUMBER', value: 7 });
    }
    const total = counters.find((c) => c.name.endsWith('*replica(Count)'));
    if (total !== undefined) total.value = hostedCount;
    return counters;
  }

  /** A fake THFT client over this cluster's model (records its calls). */
  rpc(options: { queryConfig?: boolean } = {}): MetaRpcLike & { calls: string[] } {
    const calls: string[] = [];
    const queryConfig: Pick<MetaRpcLike, 'queryConfig'> = options.queryConfig
      ? {
          queryConfig: async (appName) => {
            calls.push(`queryConfig ${appName}`);
            const table = this.tables.find((t) => t.name === appName);
            if (table === undefined)
              return fail(
                'RPC_ERROR',
                `meta server answered RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX with ERR_OBJECT_NOT_FOUND`,
              );
            if (appName === 'stat') return fail('TIMEOUT', 'timed out after 5s');
            return ok({
              appId: table.appId,
              partitions: table.partitions.map((p, pidx) => ({
                pid: { partitionIndex: pidx },
                ballot: 3,
                maxReplicaCount: 3,
                primary: p.primary === undefined ? '' : this.address(p.primary),
                secondaries: p.secondaries.map((x) => this.address(x)),
                hpPrimary: p.primary === undefined ? '' : this.address(p.primary),
                hpSecondaries: p.secondaries.map((x) => this.address(x)),
              })),
            });
          },
        }
      : {};
    return {
      ...queryConfig,
      calls,
      controlMeta: async (level) => {
        calls.push(`controlMeta ${level}`);
        const old = this.metaLevel;
        if (level !== 'invalid') this.metaLevel = level;
        return ok({ oldLevel: old });
      },
      clusterInfo: async () => {
        calls.push('clusterInfo');
        return ok({ cluster_name: 'onebox', meta_function_level: this.metaLevel });
      },
      cliCall: async (address, cmd, args) => {
        calls.push(`cliCall ${address} ${cmd} ${args.join(' ')}`);
        if (this.hanging.has(address)) return fail('TIMEOUT', 'timed out after 5s');
        if (cmd === 'server-info') {
          return ok(
            `Pegasus Server ${this.version} (0ca31b70e1f7d8bbd1af1b0c2d5e6f7a8b9c0d1e) Release, Started at 2023-12-01 10:00:00`,
          );
        }
        if (cmd !== 'perf-counters') return ok(`unknown command '${cmd}'`);
        const patterns = args.map((a) => new RegExp(`^(?:${a})$`));
        const node = this.nodes.findIndex((n) => n.address === address);
        const all =
          node >= 0
            ? this.perfCounters(node)
            : [
                { name: 'meta*server*memused.res(MB)', type: 'NUMBER', value: 300 },
                { name: 'meta*server*memused.virt(MB)', type: 'NUMBER', value: 900 },
                { name: 'server*network*client_session_count', type: 'NUMBER', value: 5 },
              ];
        const counters = all.filter((c) => patterns.some((p) => p.test(c.name)));
        return ok(
          JSON.stringify({ result: 'OK', timestamp: 1701396000, timestamp_str: '2023-12-01 10:00:00', counters }),
        );
      },
      createApp: async (request) => {
        calls.push(`createApp ${request.name} ${request.partitionCount} ${request.replicaCount}`);
        return ok({ appId: 10 });
      },
    };
  }
}

/** One `/metrics` entity with all fields a metric may have. */
export interface MetricEntity {
  type: string;
  id: string;
  attributes: Record<string, string>;
  metrics: { name: string; value?: number; p50?: number; p90?: number; p95?: number; p99?: number; p999?: number }[];
}

/** A table-printer body: compact JSON and the trailing newline. */
export function compact(body: unknown): FixtureAnswer {
  return { body: `${JSON.stringify(body)}\n` };
}

const allFields = ['name', 'value', 'p50', 'p90', 'p95', 'p99', 'p999'];

/** A `/metrics` body as Pegasus 2.6 builds it: filters applied, pretty-printed, exact `timestamp_ns`. */
export function metricsBody(
  role: string,
  timestampNs: bigint,
  entities: MetricEntity[],
  query: URLSearchParams,
): FixtureAnswer {
  const known = ['with_metric_fields', 'types', 'ids', 'attributes', 'metrics', 'detail'];
  for (const key of query.keys()) {
    if (!known.includes(key)) {
      return { status: 400, body: `{\n    "error_message": "unknown field ${key}=${query.get(key) ?? ''}"\n}` };
    }
  }
  const list = (key: string) => (query.get(key) ?? '').split(',').filter((s) => s.length > 0);
  const types = list('types');
  const ids = list('ids');
  const names = list('metrics');
  const fields = query.has('with_metric_fields') ? list('with_metric_fields') : allFields;
  const out = [];
  for (const e of entities) {
    if (types.length > 0 && !types.includes(e.type)) continue;
    if (ids.length > 0 && !ids.includes(e.id)) continue;
    const metrics = e.metrics
      .filter((m) => names.length === 0 || names.includes(m.name))
      .map((m) => Object.fromEntries(Object.entries(m).filter(([k]) => fields.includes(k))));
    if (metrics.length === 0) continue;
    out.push({ type: e.type, id: e.id, attributes: e.attributes, metrics });
  }
  const text = JSON.stringify(
    { cluster: 'onebox', role, host: 'host1', port: 34801, timestamp_ns: 'TIMESTAMP', entities: out },
    null,
    4,
  ).replace('"TIMESTAMP"', timestampNs.toString());
  return { body: text };
}
