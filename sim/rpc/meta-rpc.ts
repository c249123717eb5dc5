/**
 * The admin RPCs a meta server answers (`src/meta/meta_service.cpp`), over the decoded request structs of the
 * THFT codec. THFT requests cannot be forwarded, so a backup answers `ERR_FORWARD_TO_OTHERS` (for
 * `query_cfg` with the leader in `partitions[0].primary`). 2.6 servers also fill the optional `hp_*` host_port
 * fields; 2.5 servers only the i64 addresses.
 */
import type { MetaLevel } from '../../src/pegasus/cluster-api.js';
import type {
  AppInfo,
  ClusterInfoResponse,
  CreateAppRequest,
  CreateAppResponse,
  ListAppsRequest,
  ListAppsResponse,
  ListNodesRequest,
  ListNodesResponse,
  MetaLevelOrInvalid,
  PartitionConfiguration,
  QueryConfigRequest,
  QueryConfigResponse,
} from '../../src/pegasus/thft/index.js';
import type { HandlerContext } from '../http/common-handlers.js';
import { clusterInfoPairs, compareAddress } from '../http/meta-handlers.js';
import { metaLevelValues, type SimPartition, type SimTable } from '../model/cluster-model.js';

/** Whether the process is the leader meta (THFT admin calls are only served there). */
export function isLeader(ctx: HandlerContext): boolean {
  return ctx.model.leader() === ctx.process;
}

const forward = 'ERR_FORWARD_TO_OTHERS';

/** `RPC_CM_CONTROL_META`: `invalid` reads the stored level, anything else stores it. Backups answer level 0. */
export function controlMeta(ctx: HandlerContext, level: MetaLevelOrInvalid): { err: string; oldLevel: number } {
  const leader = ctx.model.leader();
  if (!isLeader(ctx) || !leader) return { err: forward, oldLevel: 0 };
  const old = leader.storedLevel;
  if (level !== 'invalid') ctx.model.setMetaLevel(level satisfies MetaLevel);
  return { err: 'ERR_OK', oldLevel: metaLevelValues[old] };
}

/** `RPC_CM_CLUSTER_INFO`. */
export function clusterInfo(ctx: HandlerContext): ClusterInfoResponse {
  if (!isLeader(ctx)) return { err: forward, keys: [], values: [] };
  const pairs = clusterInfoPairs(ctx);
  return { err: 'ERR_OK', keys: pairs.map(([k]) => k), values: pairs.map(([, v]) => v) };
}

/** `RPC_CM_LIST_NODES`. */
export function listNodes(ctx: HandlerContext, request: ListNodesRequest): ListNodesResponse {
  if (!isLeader(ctx)) return { err: forward, infos: [] };
  const withHostPort = ctx.process.version !== '2.5.0';
  // The meta keeps nodes in a std::map keyed by host:port.
  const infos = [...ctx.model.nodes]
    .sort((a, b) => compareAddress(a.address, b.address))
    .map((n) => ({ status: n.alive ? ('NS_ALIVE' as const) : ('NS_UNALIVE' as const), node: n.address }))
    .filter((n) => request.status === 'NS_INVALID' || n.status === request.status)
    .map((n) => (withHostPort ? { ...n, hpNode: n.node } : n));
  return { err: 'ERR_OK', infos };
}

function appInfo(ctx: HandlerContext, table: SimTable): AppInfo {
  const info: AppInfo = {
    status: 'AS_AVAILABLE',
    appType: table.appType,
    appName: table.name,
    appId: table.appId,
    partitionCount: table.partitionCount,
    envs: Object.fromEntries([...table.envs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    isStateful: table.isStateful,
    maxReplicaCount: table.maxReplicaCount,
    expireSecond: 0,
    createSecond: table.createSecond,
    dropSecond: 0,
    initPartitionCount: table.partitionCount,
  };
  if (ctx.process.version !== '2.5.0') info.atomicIdempotent = false;
  return info;
}

function nameMatches(name: string, request: ListAppsRequest): boolean | undefined {
  const pattern = request.appNamePattern;
  if (pattern === undefined) return true;
  switch (request.matchType ?? 'PMT_MATCH_ALL') {
    case 'PMT_INVALID':
    case 'PMT_MATCH_ALL':
      return true;
    case 'PMT_MATCH_EXACT':
      return name === pattern;
    case 'PMT_MATCH_ANYWHERE':
      return name.includes(pattern);
    case 'PMT_MATCH_PREFIX':
      return name.startsWith(pattern);
    case 'PMT_MATCH_POSTFIX':
      return name.endsWith(pattern);
    case 'PMT_MATCH_REGEX':
      try {
        return new RegExp(`^(?:${pattern})$`).test(name);
      } catch {
        return undefined;
      }
  }
}

/** `RPC_CM_LIST_APPS` (every simulated table is `AS_AVAILABLE`). */
export function listApps(ctx: HandlerContext, request: ListAppsRequest): ListAppsResponse {
  if (!isLeader(ctx)) return { err: forward, infos: [] };
  const infos: AppInfo[] = [];
  for (const table of ctx.model.tables) {
    if (request.status !== 'AS_INVALID' && request.status !== 'AS_AVAILABLE') continue;
    const match = nameMatches(table.name, request);
    if (match === undefined) {
      return {
        err: 'ERR_INVALID_PARAMETERS',
        infos: [],
        hintMessage: `invalid regex pattern: ${request.appNamePattern ?? ''}`,
      };
    }
    if (match) infos.push(appInfo(ctx, table));
  }
  return { err: 'ERR_OK', infos };
}

function partitionConfig(ctx: HandlerContext, p: SimPartition): PartitionConfiguration {
  const address = (n: number): string => ctx.model.nodes[n]?.address ?? '';
  const primary = p.primary >= 0 ? address(p.primary) : '';
  const secondaries = p.secondaries.map(address);
  const lastDrops = p.lastDrops.map((d) => address(d.node));
  const config: PartitionConfiguration = {
    pid: { appId: p.table.appId, partitionIndex: p.pidx },
    ballot: p.ballot,
    maxReplicaCount: p.table.maxReplicaCount,
    primary,
    secondaries,
    lastDrops,
    lastCommittedDecree: Math.floor(
      p.table.spec.writeQps * p.share * ctx.model.loadUnits(p.table, 0, ctx.model.simNowMs),
    ),
    partitionFlags: 0,
  };
  if (ctx.process.version !== '2.5.0') {
    config.hpPrimary = primary;
    config.hpSecondaries = secondaries;
    config.hpLastDrops = lastDrops;
  }
  return config;
}

/** `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX`. */
export function queryConfig(ctx: HandlerContext, request: QueryConfigRequest): QueryConfigResponse {
  const empty = { appId: 0, partitionCount: 0, isStateful: false, partitions: [] };
  if (!isLeader(ctx)) {
    // The one hint THFT clients get about the leader: a partition whose primary is the leader.
    const leader = ctx.model.leader();
    const partitions: PartitionConfiguration[] = leader
      ? [
          {
            pid: { appId: 0, partitionIndex: 0 },
            ballot: 0,
            maxReplicaCount: 0,
            primary: leader.address,
            secondaries: [],
            lastDrops: [],
            lastCommittedDecree: 0,
            partitionFlags: 0,
            ...(ctx.process.version !== '2.5.0' ? { hpPrimary: leader.address } : {}),
          },
        ]
      : [];
    return { err: forward, ...empty, partitions };
  }
  const table = ctx.model.table(request.appName);
  if (!table) return { err: 'ERR_OBJECT_NOT_FOUND', ...empty };
  const indices =
    request.partitionIndices.length === 0 ? table.partitions.map((p) => p.pidx) : request.partitionIndices;
  const partitions: PartitionConfiguration[] = [];
  for (const i of indices) {
    const p = table.partitions[i];
    if (!p) return { err: 'ERR_INVALID_PARAMETERS', ...empty };
    partitions.push(partitionConfig(ctx, p));
  }
  return {
    err: 'ERR_OK',
    appId: table.appId,
    partitionCount: table.partitionCount,
    isStateful: table.isStateful,
    partitions,
  };
}

/** `RPC_CM_CREATE_APP`: validates like `server_state::create_app`, then creates and places the table. */
export function createApp(ctx: HandlerContext, request: CreateAppRequest): CreateAppResponse {
  if (!isLeader(ctx)) return { err: forward, appId: 0 };
  const { model } = ctx;
  const { options } = request;
  if (metaLevelValues[model.effectiveLevel()] <= metaLevelValues.freezed) return { err: 'ERR_STATE_FREEZED', appId: 0 };
  if (options.partitionCount <= 0) return { err: 'ERR_INVALID_PARAMETERS', appId: 0 };
  const leader = model.leader();
  const min = leader ? Number(model.flag(leader, 'min_allowed_replica_count')) : 1;
  const max = leader ? Number(model.flag(leader, 'max_allowed_replica_count')) : 5;
  const alive = model.aliveNodes().length;
  if (options.replicaCount < min || options.replicaCount > max || options.replicaCount > alive) {
    return { err: 'ERR_INVALID_PARAMETERS', appId: 0 };
  }
  const existing = model.table(request.appName);
  if (existing) {
    if (!options.successIfExist) return { err: 'ERR_APP_EXIST', appId: 0 };
    const envs = Object.entries(options.envs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const same =
      options.partitionCount === existing.partitionCount &&
      options.appType === existing.appType &&
      options.isStateful === existing.isStateful &&
      options.replicaCount === existing.maxReplicaCount &&
      JSON.stringify(envs) === JSON.stringify([...existing.envs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return same ? { err: 'ERR_OK', appId: existing.appId } : { err: 'ERR_INVALID_PARAMETERS', appId: 0 };
  }
  if (request.appName === '') return { err: 'ERR_INVALID_PARAMETERS', appId: 0 };
  const table = model.createTable({
    name: request.appName,
    partitionCount: options.partitionCount,
    replicaCount: options.replicaCount,
    envs: options.envs,
  });
  return { err: 'ERR_OK', appId: table.appId };
}
