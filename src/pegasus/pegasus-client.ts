/**
 * The cluster client: `PegasusApi` over Pegasus's HTTP API (read paths, `/metrics`) and THFT RPC (meta level,
 * cluster name, table creation, and the remote commands 2.5 needs). Reads go to the leader meta (307s
 * followed, dead metas skipped); fan-outs to replica servers run concurrently under one bound, each request
 * with a deadline, and a server that does not answer becomes an `Unreachable` entry, never a failed call.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import { createPriorityLimit, type Limit, type PriorityLimit } from './priority-limit.js';
import { systemClock, type Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { fail, ok, type Result } from '../result.js';
import {
  metaLevels,
  type ClusterInfo,
  type CreateTableOptions,
  type FanOut,
  type LoadOptions,
  type LoadReport,
  type MetaLevel,
  type MetaServerStatus,
  type MetaStats,
  type NodeInfo,
  type PartitionInfo,
  type PegasusApi,
  type ServerInfo,
  type ServerVersion,
  type TableDetail,
  type TableInfo,
  type Unreachable,
} from './cluster-api.js';
import { httpGet, httpRead, type FetchLike, type HttpAnswer, type HttpTransport } from './http-get.js';
import { createHttpTransport } from './http-transport.js';
import { buildLoadReport, primariesByNode, type NodeSample, type Topology } from './load-report.js';
import { MetaHttpClient, type MetaAnswer } from './meta-http-client.js';
import { MetaRpc } from './meta-rpc.js';
import {
  sampleMetaServer,
  sampleReplicaServers,
  statusReason,
  type MetricsSamplerOptions,
  type NodePlan,
} from './metrics-sampler.js';
import type { MetricsBody } from './metrics-scanner.js';
import { sampleNodeLevelServers } from './node-metrics-sampler.js';
import { sampleMetaPerfCounters, samplePerfCounterNodes, samplePerfCounterServers } from './perf-counter-sampler.js';
import {
  parseClusterInfo,
  parseNodes,
  parseRecentStartTime,
  parseServerInfoText,
  parseTableDetail,
  parseTables,
  parseVersionBody,
} from './responses.js';
import { toServerVersion } from './server-version.js';

/**
 * The part of the THFT meta RPC client (`MetaRpc` in `meta-rpc.ts`) this client uses. Application errors
 * (`ERR_…` other than `ERR_OK`) come back as `RPC_ERROR` failures.
 */
export interface MetaRpcLike {
  /** `RPC_CM_CONTROL_META` on the leader; `invalid` only reads the stored level. */
  controlMeta(level: MetaLevel | 'invalid'): Promise<Result<{ oldLevel: MetaLevel | 'invalid' }>>;
  /** `RPC_CM_CLUSTER_INFO` as key/value pairs (the only source of `cluster_name`). */
  clusterInfo(): Promise<Result<Readonly<Record<string, string>>>>;
  /** `RPC_CLI_CLI_CALL` (a remote command) on any server; the command's text output. */
  cliCall(address: string, cmd: string, args: readonly string[]): Promise<Result<string>>;
  /** `RPC_CM_CREATE_APP` (a `pegasus`, stateful table; creating an existing one is an `RPC_ERROR`). */
  createApp(options: CreateTableOptions): Promise<Result<{ appId: number }>>;
  /**
   * `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX` for a whole table. Optional: without it the partition map of
   * `load()` comes from HTTP `/meta/app?detail` (about twice the bytes).
   */
  queryConfig?(appName: string): Promise<Result<{ appId: number; partitions: readonly RpcPartitionConfig[] }>>;
  /** Bytes received so far over RPC (for `bytesFetched`). */
  readonly bytesRead?: number;
  close?(): Promise<void> | void;
}

/** The fields of a `partition_configuration` the partition map needs (`hp_*` are host names on 2.6+). */
export interface RpcPartitionConfig {
  pid: { partitionIndex: number };
  ballot: number;
  maxReplicaCount: number;
  /** `ip:port`, empty when the partition has no primary. */
  primary: string;
  secondaries: readonly string[];
  hpPrimary?: string;
  hpSecondaries?: readonly string[];
}

/** Converts RPC partition configurations to the cluster API's view, preferring host names as the meta prints them. */
export function toPartitionInfo(configs: readonly RpcPartitionConfig[]): PartitionInfo[] {
  return configs
    .map((c): PartitionInfo => {
      const primary = c.hpPrimary !== undefined && c.hpPrimary !== '' ? c.hpPrimary : c.primary;
      const secondaries = [...(c.hpSecondaries ?? c.secondaries)];
      const info: PartitionInfo = {
        pidx: c.pid.partitionIndex,
        ballot: c.ballot,
        currentReplicaCount: (primary === '' ? 0 : 1) + secondaries.length,
        maxReplicaCount: c.maxReplicaCount,
        secondaries,
      };
      if (primary !== '') info.primary = primary;
      return info;
    })
    .sort((a, b) => a.pidx - b.pidx);
}

/** Options of `createPegasusClient`. */
export interface PegasusClientOptions {
  /** `host:port` of every meta server. */
  metaServers: readonly string[];
  /** Deadline of every HTTP request and RPC (default 5000 ms). */
  timeoutMs?: number;
  /** Requests in flight at once across a fan-out (default 64). */
  concurrency?: number;
  /** Milliseconds between the two `/metrics` samples of `load()` (default 1000). */
  sampleIntervalMs?: number;
  /**
   * Sends HTTP GETs with `fetch` (tests fake it); without it and without `transport`, the keep-alive transport
   * of `http-transport.ts` (made and closed by the client).
   */
  fetch?: FetchLike;
  /** Sends HTTP GETs (wins over `fetch`); one given here is not closed by `close()`. */
  transport?: HttpTransport;
  /**
   * The THFT RPC client; by default a `MetaRpc` over the same meta servers. `false` runs on HTTP only: the
   * control paths then answer `RPC_UNAVAILABLE`, `cluster_name` is left out and 2.5 servers cannot be sampled.
   */
  rpc?: MetaRpcLike | false;
  clock?: Clock;
  logger?: Logger;
  /** Partition-map requests (RPC `query_cfg` or `/meta/app?…&detail`) in flight to the leader in `load()` (default 16). */
  metaConcurrency?: number;
  /** Waits between samples (tests inject a fast one). */
  sleep?: (ms: number) => Promise<void>;
}

const tableNamePattern = /^[0-9A-Za-z.:_]{1,128}$/;

/** Checks a table name against Pegasus's rule (`0-9a-zA-Z.:_`); the failure says what is accepted. */
export function checkTableName(name: string): Result<string> {
  if (tableNamePattern.test(name)) return ok(name);
  return fail(
    'BAD_REQUEST',
    `"${name}" is not a valid table name: use 1 to 128 of the characters 0-9 a-z A-Z . : _ (e.g. temp, user_profile).`,
  );
}

/** Creates the cluster client for one cluster. */
export function createPegasusClient(options: PegasusClientOptions): PegasusApi {
  return new PegasusClient(options);
}

class PegasusClient implements PegasusApi {
  readonly metaServers: readonly string[];
  private readonly timeoutMs: number;
  private readonly http: { fetch: FetchLike } | { transport: HttpTransport };
  /** Only a transport made here is closed by `close()`. */
  private readonly ownTransport: HttpTransport | undefined;
  private readonly rpc: MetaRpcLike | undefined;
  /** Only an RPC client made here is closed by `close()`; an injected one belongs to the caller. */
  private readonly ownsRpc: boolean;
  /** Requests in flight to replica servers and metas: load samples first, start times in the background. */
  private readonly bound: PriorityLimit;
  private readonly limit: Limit;
  private readonly metaLimit: LimitFunction;
  private readonly intervalMs: number;
  private readonly meta: MetaHttpClient;
  private readonly logger: Logger | undefined;
  private readonly clock: Clock;
  private readonly sleep: ((ms: number) => Promise<void>) | undefined;
  /** `/version` per server; a failed detection is forgotten so the next call asks again. */
  private readonly versions = new Map<string, Promise<Result<ServerVersion>>>();

  constructor(options: PegasusClientOptions) {
    this.metaServers = options.metaServers.map((s) => s.trim()).filter((s) => s.length > 0);
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.ownTransport =
      options.transport === undefined && options.fetch === undefined ? createHttpTransport() : undefined;
    const transport = options.transport ?? this.ownTransport;
    this.http = transport !== undefined ? { transport } : { fetch: options.fetch ?? globalThis.fetch };
    this.ownsRpc = options.rpc === undefined;
    this.rpc =
      options.rpc === false
        ? undefined
        : (options.rpc ?? new MetaRpc({ metaServers: this.metaServers, timeoutMs: this.timeoutMs }));
    this.bound = createPriorityLimit(options.concurrency ?? 64);
    this.limit = this.bound.urgent;
    this.metaLimit = pLimit(options.metaConcurrency ?? 16);
    this.intervalMs = options.sampleIntervalMs ?? 1000;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep;
    this.meta = new MetaHttpClient({ metaServers: this.metaServers, timeoutMs: this.timeoutMs, ...this.http });
  }

  // ---- plumbing ----

  private get(address: string, path: string, binary = false): Promise<Result<HttpAnswer>> {
    return httpGet(address, path, { ...this.http, timeoutMs: this.timeoutMs, binary });
  }

  /** GETs a `/meta/*` path from the leader and parses a 200 body; other statuses are `BAD_RESPONSE`. */
  private async metaJson<T>(
    path: string,
    parse: (body: string, endpoint: string) => Result<T>,
  ): Promise<Result<{ value: T; answer: MetaAnswer }>> {
    const answer = await this.meta.get(path);
    if (!answer.ok) return answer;
    if (answer.value.status !== 200) return unexpectedStatus(path, answer.value);
    const parsed = parse(answer.value.body, `GET ${path} from ${answer.value.server}`);
    return parsed.ok ? ok({ value: parsed.value, answer: answer.value }) : parsed;
  }

  /**
   * A sampler's `read` over the transport: the `/metrics` body parsed in place, never kept (a round reads a
   * thousand bodies); undefined with `fetch` or a transport without `read`.
   */
  private reader(onBytes: (n: number) => void): Pick<MetricsSamplerOptions, 'read'> | undefined {
    if (!('transport' in this.http)) return undefined;
    const transport = this.http.transport;
    const read = transport.read?.bind(transport);
    if (read === undefined) return undefined;
    const timeoutMs = this.timeoutMs;
    return {
      read: async <T>(address: string, path: string, parse: (body: MetricsBody) => Result<T, string>) => {
        const answer = await httpRead({ ...transport, read }, address, path, timeoutMs, ({ status, body }) => {
          onBytes(body.length);
          return status === 200
            ? parse(body)
            : { ok: false as const, error: statusReason(path, status, body.toString('utf8')) };
        });
        return answer.ok ? answer.value : { ok: false as const, error: answer.error.message };
      },
    };
  }

  private version(address: string): Promise<Result<ServerVersion>> {
    let pending = this.versions.get(address);
    if (pending === undefined) {
      pending = this.limit(async () => {
        const answer = await this.get(address, '/version');
        if (!answer.ok) return answer;
        if (answer.value.status !== 200) return unexpectedStatus('/version', { ...answer.value, server: address });
        const parsed = parseVersionBody(answer.value.body);
        return parsed.ok ? ok(toServerVersion(parsed.value.version, parsed.value.gitCommit)) : parsed;
      });
      this.versions.set(address, pending);
      void pending.then((result) => {
        if (!result.ok) this.versions.delete(address);
      });
    }
    return pending;
  }

  private rpcMissing(what: string): { ok: false; error: { code: string; message: string } } {
    return fail(
      'RPC_UNAVAILABLE',
      `${what} needs the THFT RPC client, which this client was created without (rpc: false).`,
    );
  }

  // ---- PegasusApi ----

  async probeMetas(): Promise<MetaServerStatus[]> {
    return Promise.all(
      this.metaServers.map(async (address): Promise<MetaServerStatus> => {
        const [cluster, version] = await Promise.all([this.get(address, '/meta/cluster'), this.version(address)]);
        if (!cluster.ok) return { address, reachable: false, isLeader: false, error: cluster.error.message };
        const status: MetaServerStatus = { address, reachable: true, isLeader: cluster.value.status === 200 };
        if (version.ok) status.version = version.value;
        else status.error = version.error.message;
        if (cluster.value.status !== 200 && cluster.value.status !== 307) {
          status.error = `answered HTTP ${cluster.value.status} to /meta/cluster`;
        }
        return status;
      }),
    );
  }

  async clusterInfo(): Promise<Result<ClusterInfo>> {
    const [http, rpc] = await Promise.all([
      this.metaJson('/meta/cluster', (body) => parseClusterInfo(body)),
      this.rpc?.clusterInfo(),
    ]);
    if (!http.ok) return http;
    const info = http.value.value;
    if (rpc?.ok === true) {
      const name = rpc.value['cluster_name'];
      if (name !== undefined && name !== '') info.clusterName = name;
    } else if (rpc !== undefined) {
      this.logger?.warn({ error: rpc.error }, 'cluster_name unavailable: RPC_CM_CLUSTER_INFO failed');
    }
    return ok(info);
  }

  async listTables(): Promise<Result<TableInfo[]>> {
    const tables = await this.metaJson('/meta/apps?detail', parseTables);
    return tables.ok ? ok(tables.value.value) : tables;
  }

  async listNodes(): Promise<Result<NodeInfo[]>> {
    const nodes = await this.metaJson('/meta/nodes?detail', parseNodes);
    return nodes.ok ? ok(nodes.value.value) : nodes;
  }

  async tableDetail(name: string): Promise<Result<TableDetail>> {
    const checked = checkTableName(name);
    if (!checked.ok) return checked;
    const path = `/meta/app?name=${encodeURIComponent(name)}&detail`;
    const answer = await this.meta.get(path);
    if (!answer.ok) return answer;
    if (answer.value.status === 404) return this.tableNotFound(name);
    if (answer.value.status !== 200) return unexpectedStatus(path, answer.value);
    return parseTableDetail(answer.value.body, `GET ${path} from ${answer.value.server}`);
  }

  private async tableNotFound(name: string): Promise<{ ok: false; error: { code: string; message: string } }> {
    const tables = await this.metaJson('/meta/apps', (body, endpoint) => parseTables(body, endpoint));
    const names = tables.ok ? tables.value.value.map((t) => t.name) : [];
    const known = tables.ok ? (names.length > 0 ? ` Tables: ${names.join(', ')}.` : ' The cluster has no tables.') : '';
    return fail('TABLE_NOT_FOUND', `Table "${name}" does not exist.${known} Check the name with \`ls\`.`);
  }

  async serverInfo(): Promise<Result<FanOut<ServerInfo>>> {
    const nodes = await this.metaJson('/meta/nodes', (body, endpoint) => parseNodes(body, endpoint));
    if (!nodes.ok) return nodes;
    const targets: { address: string; role: 'meta' | 'replica' }[] = [
      ...this.metaServers.map((address) => ({ address, role: 'meta' as const })),
      ...nodes.value.value
        .filter((n) => n.status === 'ALIVE')
        .map((n) => ({ address: n.address, role: 'replica' as const })),
    ];
    const answers = await Promise.all(targets.map(({ address, role }) => this.oneServerInfo(address, role)));
    const out: FanOut<ServerInfo> = { results: [], unreachable: [] };
    answers.forEach((answer, i) => {
      const target = targets[i];
      if (target === undefined) return;
      if (answer.ok) out.results.push(answer.value);
      else out.unreachable.push({ address: target.address, role: target.role, reason: answer.error.message });
    });
    return ok(out);
  }

  private async oneServerInfo(address: string, role: 'meta' | 'replica'): Promise<Result<ServerInfo>> {
    const version = await this.version(address);
    if (!version.ok) return version;
    if (!version.value.hasMetrics && this.rpc !== undefined) {
      // 2.5 carries the build type only in the remote command's text.
      const rpc = this.rpc;
      const text = await this.bound.background(() => rpc.cliCall(address, 'server-info', []));
      if (!text.ok) return text;
      const parsed = parseServerInfoText(text.value);
      if (!parsed.ok) return parsed;
      const info: ServerInfo = { address, role, version: parsed.value.version, startTime: parsed.value.startTime };
      if (parsed.value.gitSha !== undefined) info.gitSha = parsed.value.gitSha;
      if (parsed.value.buildType !== undefined) info.buildType = parsed.value.buildType;
      return ok(info);
    }
    const start = await this.bound.background(() => this.get(address, '/recentStartTime'));
    if (!start.ok) return start;
    if (start.value.status !== 200) return unexpectedStatus('/recentStartTime', { ...start.value, server: address });
    const startTime = parseRecentStartTime(start.value.body);
    if (!startTime.ok) return startTime;
    const info: ServerInfo = { address, role, version: version.value.version, startTime: startTime.value };
    if (version.value.gitCommit !== undefined) info.gitSha = version.value.gitCommit;
    return ok(info);
  }

  async load(options: LoadOptions = {}): Promise<Result<LoadReport>> {
    const intervalMs = options.intervalMs ?? this.intervalMs;
    if (!Number.isFinite(intervalMs) || intervalMs < 0) {
      return fail('BAD_REQUEST', `The sampling interval must be a number of milliseconds ≥ 0, got ${intervalMs}.`);
    }
    const scope = options.scope ?? 'tables';
    for (const name of [...(options.table === undefined ? [] : [options.table]), ...(options.tables ?? [])]) {
      const checked = checkTableName(name);
      if (!checked.ok) return checked;
    }
    // The node-level scope samples primaries only of the tables asked for (and of `table`).
    const chosen =
      scope === 'nodes'
        ? new Set([...(options.tables ?? []), ...(options.table === undefined ? [] : [options.table])])
        : undefined;
    let bytes = 0;
    const rpcBytesBefore = this.rpc?.bytesRead;
    // Without a byte counter on the RPC client, count the remote commands' text instead.
    const onRpcText = rpcBytesBefore === undefined ? (n: number) => (bytes += n) : undefined;
    const countBytes = (n: number) => (bytes += n);
    const countedGet = async (address: string, path: string, binary = false): Promise<Result<HttpAnswer>> => {
      const answer = await this.get(address, path, binary);
      if (answer.ok) bytes += answer.value.bytes;
      return answer;
    };

    // The node list and the partition map at once; version detection (cached after the first round) and the
    // meta servers' gauges overlap the partition map.
    const layout = this.topology(options.table, (n) => (bytes += n), chosen);
    const nodesAnswer = await this.metaJson('/meta/nodes', (body, endpoint) => parseNodes(body, endpoint));
    if (!nodesAnswer.ok) return nodesAnswer;
    bytes += nodesAnswer.value.answer.bytes;
    const alive = nodesAnswer.value.value.filter((n) => n.status === 'ALIVE').map((n) => n.address);

    // The meta servers' gauges are read alongside the replica servers' samples, which need not wait for them.
    const metasRead = this.sampleMetas(countedGet, onRpcText, this.reader(countBytes));
    const [partitionMap, versions] = await Promise.all([
      layout,
      Promise.all(alive.map(async (address) => ({ address, version: await this.version(address) }))),
    ]);
    if (!partitionMap.ok) {
      await metasRead;
      return partitionMap;
    }
    const topology: Topology = { ...partitionMap.value, nodes: alive };

    const unreachable: Unreachable[] = [];
    const byNode = primariesByNode(topology);
    const modern: NodePlan[] = [];
    const legacy: NodePlan[] = [];
    for (const { address, version } of versions) {
      if (!version.ok) {
        unreachable.push({ address, role: 'replica', reason: version.error.message });
        continue;
      }
      const plan = { address, primaries: byNode.get(address) ?? [] };
      if (version.value.hasMetrics) modern.push(plan);
      else if (this.rpc !== undefined) legacy.push(plan);
      else {
        unreachable.push({ address, role: 'replica', reason: needsRpc(version.value.version) });
      }
    }

    const rpc = this.rpc;
    const sleep = this.sleep;
    const none = { samples: [] as NodeSample[], unreachable: [] as Unreachable[] };
    const samplerOptions = {
      get: countedGet,
      ...(this.reader(countBytes) ?? {}),
      limit: this.limit,
      background: this.bound.background,
      intervalMs,
      ...(sleep === undefined ? {} : { sleep }),
    };
    const perfOptions = (client: MetaRpcLike) => ({
      remoteCommand: (address: string, cmd: string, args: readonly string[]) => client.cliCall(address, cmd, args),
      limit: this.limit,
      ...(onRpcText === undefined ? {} : { onBytes: onRpcText }),
    });
    const [sampled, legacySampled] = await Promise.all([
      modern.length === 0
        ? none
        : scope === 'nodes'
          ? sampleNodeLevelServers(modern, samplerOptions)
          : sampleReplicaServers(modern, samplerOptions),
      legacy.length === 0 || rpc === undefined
        ? none
        : scope === 'nodes'
          ? samplePerfCounterNodes(legacy, perfOptions(rpc))
          : samplePerfCounterServers(legacy, perfOptions(rpc)),
    ]);
    const metas = await metasRead;
    unreachable.unshift(...metas.unreachable);
    unreachable.push(...sampled.unreachable, ...legacySampled.unreachable);
    for (const u of unreachable) this.versions.delete(u.address);
    const rpcBytesAfter = this.rpc?.bytesRead;
    if (rpcBytesBefore !== undefined && rpcBytesAfter !== undefined) bytes += rpcBytesAfter - rpcBytesBefore;

    const inputs = {
      intervalMs: modern.length > 0 ? intervalMs : 0,
      samples: [...sampled.samples, ...legacySampled.samples],
      metas: metas.stats,
      unreachable,
      bytesFetched: bytes,
      ...(scope === 'nodes' ? { scope } : {}),
    };
    return ok(buildLoadReport(topology, options.table === undefined ? inputs : { ...inputs, table: options.table }));
  }

  /**
   * Tables and every partition's primary and secondaries, one request per table to the leader, concurrently
   * under `metaConcurrency`. Through `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX` when the RPC client has it (binary:
   * about 160 bytes per partition, 10 MB for 64k partitions), else `/meta/app?name=…&detail` (about 360 bytes
   * per partition as JSON); a table whose RPC fails is read over HTTP.
   */
  private async topology(
    table: string | undefined,
    onBytes: (n: number) => void,
    only?: ReadonlySet<string>,
  ): Promise<Result<Topology>> {
    const apps = await this.metaJson('/meta/apps', (body, endpoint) => parseTables(body, endpoint));
    if (!apps.ok) return apps;
    onBytes(apps.value.answer.bytes);
    // With `only`, the partition maps of those tables alone (names that are not tables are skipped).
    const tables = only === undefined ? apps.value.value : apps.value.value.filter((t) => only.has(t.name));
    if (table !== undefined && !apps.value.value.some((t) => t.name === table)) {
      const names = apps.value.value.map((t) => t.name);
      return fail(
        'TABLE_NOT_FOUND',
        `Table "${table}" does not exist.${names.length > 0 ? ` Tables: ${names.join(', ')}.` : ' The cluster has no tables.'} Check the name with \`ls\`.`,
      );
    }
    const partitions = new Map<number, PartitionInfo[]>();
    const failures: string[] = [];
    await Promise.all(
      tables.map((t) =>
        this.metaLimit(async () => {
          const viaRpc = await this.partitionsViaRpc(t.name);
          if (viaRpc === 'dropped') return;
          if (viaRpc !== undefined) {
            partitions.set(t.appId, viaRpc);
            return;
          }
          const path = `/meta/app?name=${encodeURIComponent(t.name)}&detail`;
          const answer = await this.meta.get(path);
          if (!answer.ok) {
            failures.push(answer.error.message);
            return;
          }
          onBytes(answer.value.bytes);
          // A table dropped since the list was read: nothing to sample.
          if (answer.value.status === 404) return;
          if (answer.value.status !== 200) {
            failures.push(unexpectedStatus(path, answer.value).error.message);
            return;
          }
          const detail = parseTableDetail(answer.value.body, `GET ${path} from ${answer.value.server}`);
          if (!detail.ok) failures.push(detail.error.message);
          else partitions.set(t.appId, detail.value.partitions);
        }),
      ),
    );
    if (failures.length > 0) {
      return fail(
        failures.some((f) => f.startsWith('No meta server')) ? 'CLUSTER_UNREACHABLE' : 'BAD_RESPONSE',
        failures[0] ?? '',
      );
    }
    // The ALIVE nodes are filled in by the caller, from the node list read alongside.
    return ok({ nodes: [], tables: tables.filter((t) => partitions.has(t.appId)), partitions });
  }

  /** A table's partitions over RPC; undefined when the RPC is missing or failed (read HTTP instead). */
  private async partitionsViaRpc(name: string): Promise<PartitionInfo[] | 'dropped' | undefined> {
    if (this.rpc?.queryConfig === undefined) return undefined;
    const answer = await this.rpc.queryConfig(name);
    if (answer.ok) return toPartitionInfo(answer.value.partitions);
    if (answer.error.message.includes('ERR_OBJECT_NOT_FOUND')) return 'dropped';
    this.logger?.debug({ table: name, error: answer.error }, 'query_cfg failed; reading the partitions over HTTP');
    return undefined;
  }

  private async sampleMetas(
    get: (address: string, path: string, binary?: boolean) => Promise<Result<HttpAnswer>>,
    onBytes: ((n: number) => void) | undefined,
    reader: Pick<MetricsSamplerOptions, 'read'> | undefined,
  ): Promise<{ stats: MetaStats[]; unreachable: Unreachable[] }> {
    const rpc = this.rpc;
    const results = await Promise.all(
      this.metaServers.map(async (address): Promise<Result<MetaStats, string>> => {
        const version = await this.version(address);
        if (!version.ok) return { ok: false, error: version.error.message };
        if (version.value.hasMetrics) return sampleMetaServer(address, { get, limit: this.limit, ...reader });
        if (rpc === undefined) return { ok: false, error: needsRpc(version.value.version) };
        return sampleMetaPerfCounters(address, {
          remoteCommand: (a, cmd, args) => rpc.cliCall(a, cmd, args),
          limit: this.limit,
          ...(onBytes === undefined ? {} : { onBytes }),
        });
      }),
    );
    const out: { stats: MetaStats[]; unreachable: Unreachable[] } = { stats: [], unreachable: [] };
    results.forEach((result, i) => {
      const address = this.metaServers[i] ?? '';
      if (result.ok) out.stats.push(result.value);
      else out.unreachable.push({ address, role: 'meta', reason: result.error });
    });
    return out;
  }

  async getMetaLevel(): Promise<Result<MetaLevel>> {
    if (this.rpc === undefined) return this.rpcMissing('Reading the stored meta level');
    const answer = await this.rpc.controlMeta('invalid');
    if (!answer.ok) return answer;
    const level = answer.value.oldLevel;
    if (level === 'invalid') return fail('BAD_RESPONSE', 'The leader meta server reported the meta level fl_invalid.');
    return ok(level);
  }

  async setMetaLevel(level: MetaLevel): Promise<Result<{ oldLevel: MetaLevel }>> {
    if (!metaLevels.includes(level)) {
      return fail('BAD_REQUEST', `"${level}" is not a meta level; use one of ${metaLevels.join(', ')}.`);
    }
    if (this.rpc === undefined) return this.rpcMissing('Changing the meta level');
    const answer = await this.rpc.controlMeta(level);
    if (!answer.ok) return answer;
    const oldLevel = answer.value.oldLevel;
    if (oldLevel === 'invalid')
      return fail('BAD_RESPONSE', 'The leader meta server reported the old level fl_invalid.');
    this.logger?.info({ level, oldLevel, at: this.clock.now().toISOString() }, 'meta level changed');
    return ok({ oldLevel });
  }

  async createTable(options: CreateTableOptions): Promise<Result<{ appId: number }>> {
    const checked = checkTableName(options.name);
    if (!checked.ok) return checked;
    if (!Number.isInteger(options.partitionCount) || options.partitionCount < 1 || options.partitionCount > 65536) {
      return fail(
        'BAD_REQUEST',
        `The partition count must be a whole number from 1 to 65536, got ${options.partitionCount}.`,
      );
    }
    if (!Number.isInteger(options.replicaCount) || options.replicaCount < 1 || options.replicaCount > 5) {
      return fail('BAD_REQUEST', `The replica count must be a whole number from 1 to 5, got ${options.replicaCount}.`);
    }
    if (this.rpc === undefined) return this.rpcMissing('Creating a table');
    return this.rpc.createApp({ ...options, envs: { ...(options.envs ?? {}) } });
  }

  async close(): Promise<void> {
    this.versions.clear();
    this.ownTransport?.close?.();
    if (this.ownsRpc) await this.rpc?.close?.();
  }
}

/** Why a ≤ 2.5 server could not be sampled without the RPC client. */
function needsRpc(version: string): string {
  return `runs Pegasus ${version}, whose load is only readable through RPC perf counters, and no RPC client is configured`;
}

/** A failure for an HTTP status the caller did not expect, with the server's own words. */
function unexpectedStatus(
  path: string,
  answer: Pick<MetaAnswer, 'status' | 'body' | 'server'>,
): { ok: false; error: { code: string; message: string } } {
  const body = answer.body.trim().slice(0, 200);
  const endpoint = path.split('?')[0] ?? path;
  if (answer.status === 400) {
    return fail(
      'BAD_REQUEST',
      `${answer.server} rejected GET ${path} (HTTP 400${body === '' ? '' : `: ${body}`}). The request was not understood; nothing was changed.`,
    );
  }
  return fail(
    'BAD_RESPONSE',
    `${answer.server} answered HTTP ${answer.status} to GET ${endpoint}${body === '' ? '' : `: ${body}`}. Try again; if it persists, check that server's logs.`,
  );
}
