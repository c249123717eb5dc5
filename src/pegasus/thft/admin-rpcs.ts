/**
 * The admin RPCs the bot uses, with their request and response structs (`idl/meta_admin.thrift`,
 * `idl/dsn.layer2.thrift`, `idl/command.thrift`). Field names are camelCase; addresses are strings
 * (`"ip:port"` for rpc_address, `"host:port"` for host_port, `''` for an invalid address).
 */
import {
  appStatuses,
  metaLevelFromValue,
  metaLevelToValue,
  nodeStatuses,
  patternMatchTypes,
  type AppStatus,
  type MetaLevelOrInvalid,
  type NodeStatus,
  type PatternMatchType,
} from './pegasus-enums.js';
import {
  readCustomList,
  readErrorCode,
  readGpid,
  readHostPortString,
  readRpcAddress,
  writeCustomList,
  writeErrorCode,
  writeGpid,
  writeHostPortString,
  writeRpcAddress,
  type Gpid,
} from './pegasus-types.js';
import { defineRpc, expectFieldType, readStruct, type RpcCodec } from './rpc-codec.js';
import { ThftDecodeError } from './thft-decode-error.js';
import type { ThriftReader } from './thrift-reader.js';
import { TType, ttypeName } from './thrift-types.js';
import type { ThriftWriter } from './thrift-writer.js';

// ---- shared field helpers -------------------------------------------------------------------------------

function writeStringList(writer: ThriftWriter, items: readonly string[]): void {
  writer.listBegin(TType.STRING, items.length);
  for (const item of items) writer.string(item);
}

function readStringList(reader: ThriftReader, where: string): string[] {
  const header = reader.listBegin();
  if (header.size > 0 && header.elementType !== TType.STRING) {
    throw new ThftDecodeError('malformed', `${where}: list of ${ttypeName(header.elementType)}, expected STRING`);
  }
  const items: string[] = [];
  for (let i = 0; i < header.size; i++) items.push(reader.string());
  return items;
}

function writeI32List(writer: ThriftWriter, items: readonly number[]): void {
  writer.listBegin(TType.I32, items.length);
  for (const item of items) writer.i32(item);
}

function readI32List(reader: ThriftReader, where: string): number[] {
  const header = reader.listBegin();
  if (header.size > 0 && header.elementType !== TType.I32) {
    throw new ThftDecodeError('malformed', `${where}: list of ${ttypeName(header.elementType)}, expected I32`);
  }
  const items: number[] = [];
  for (let i = 0; i < header.size; i++) items.push(reader.i32());
  return items;
}

function writeStructList<T>(
  writer: ThriftWriter,
  items: readonly T[],
  write: (w: ThriftWriter, item: T) => void,
): void {
  writer.listBegin(TType.STRUCT, items.length);
  for (const item of items) write(writer, item);
}

function readStructList<T>(reader: ThriftReader, read: (r: ThriftReader) => T, where: string): T[] {
  const header = reader.listBegin();
  if (header.size > 0 && header.elementType !== TType.STRUCT) {
    throw new ThftDecodeError('malformed', `${where}: list of ${ttypeName(header.elementType)}, expected STRUCT`);
  }
  const items: T[] = [];
  for (let i = 0; i < header.size; i++) items.push(read(reader));
  return items;
}

function writeStringMap(writer: ThriftWriter, map: Readonly<Record<string, string>>): void {
  const entries = Object.entries(map);
  writer.mapBegin(TType.STRING, TType.STRING, entries.length);
  for (const [key, value] of entries) writer.string(key).string(value);
}

function readStringMap(reader: ThriftReader, where: string): Record<string, string> {
  const header = reader.mapBegin();
  if (header.size > 0 && (header.keyType !== TType.STRING || header.valueType !== TType.STRING)) {
    throw new ThftDecodeError(
      'malformed',
      `${where}: map<${ttypeName(header.keyType)}, ${ttypeName(header.valueType)}>`,
    );
  }
  const entries: [string, string][] = [];
  for (let i = 0; i < header.size; i++) entries.push([reader.string(), reader.string()]);
  // fromEntries defines own properties, so a key like "__proto__" stays data.
  return Object.fromEntries(entries);
}

function enumName<T extends string>(names: readonly T[], value: number, where: string): T {
  const name = names[value];
  if (name === undefined) throw new ThftDecodeError('malformed', `${where}: unknown enum value ${value}`);
  return name;
}

function enumValue<T extends string>(names: readonly T[], name: T): number {
  return names.indexOf(name);
}

function requireErr(err: string | undefined, where: string): string {
  if (err === undefined) throw new ThftDecodeError('malformed', `${where} has no err field`);
  return err;
}

function errField(writer: ThriftWriter, err: string): void {
  writer.fieldBegin(TType.STRUCT, 1);
  writeErrorCode(writer, err);
}

/** Common shape of admin responses: `err` is the application-level error name (`ERR_OK`, `ERR_FORWARD_TO_OTHERS` …). */
export interface AdminResponse {
  err: string;
}

// ---- RPC_CM_CONTROL_META --------------------------------------------------------------------------------

/** `configuration_meta_control_request`: `invalid` only reads the level. */
export interface ControlMetaRequest {
  level: MetaLevelOrInvalid;
}

/** `configuration_meta_control_response`: the stored level before the call. */
export interface ControlMetaResponse extends AdminResponse {
  oldLevel: MetaLevelOrInvalid;
}

function readMetaLevel(reader: ThriftReader, where: string): MetaLevelOrInvalid {
  const value = reader.i32();
  const level = metaLevelFromValue(value);
  if (level === undefined) throw new ThftDecodeError('malformed', `${where}: unknown meta_function_level ${value}`);
  return level;
}

/** `RPC_CM_CONTROL_META`: get (`invalid`) or set the meta function level on the leader. */
export const controlMetaRpc: RpcCodec<ControlMetaRequest, ControlMetaResponse> = defineRpc({
  name: 'RPC_CM_CONTROL_META',
  responseType: TType.STRUCT,
  writeRequest(writer, request) {
    writer.fieldBegin(TType.I32, 1).i32(metaLevelToValue(request.level));
    writer.fieldStop();
  },
  readRequest(reader) {
    let level: MetaLevelOrInvalid = 'invalid';
    readStruct(reader, (field) => {
      if (field.id !== 1) return false;
      expectFieldType(field, TType.I32, 'level');
      level = readMetaLevel(reader, 'level');
      return true;
    });
    return { level };
  },
  writeResponse(writer, response) {
    errField(writer, response.err);
    writer.fieldBegin(TType.I32, 2).i32(metaLevelToValue(response.oldLevel));
    writer.fieldStop();
  },
  readResponse(reader) {
    let err: string | undefined;
    let rawLevel: number | undefined;
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRUCT, 'err');
        err = readErrorCode(reader);
      } else if (field.id === 2) {
        expectFieldType(field, TType.I32, 'old_level');
        rawLevel = reader.i32();
      } else return false;
      return true;
    });
    const checkedErr = requireErr(err, 'configuration_meta_control_response');
    // A backup (ERR_FORWARD_TO_OTHERS) never fills old_level, so it arrives as the thrift default 0: only an
    // ERR_OK answer must carry a real level.
    if (checkedErr !== 'ERR_OK' || rawLevel === undefined) return { err: checkedErr, oldLevel: 'invalid' };
    const oldLevel = metaLevelFromValue(rawLevel);
    if (oldLevel === undefined) {
      throw new ThftDecodeError('malformed', `old_level: unknown meta_function_level ${rawLevel}`);
    }
    return { err: checkedErr, oldLevel };
  },
});

// ---- RPC_CM_CLUSTER_INFO --------------------------------------------------------------------------------

/** `configuration_cluster_info_request` has no fields. */
export type ClusterInfoRequest = Record<string, never>;

/** `configuration_cluster_info_response`: parallel key and value lists (incl. `cluster_name`). */
export interface ClusterInfoResponse extends AdminResponse {
  keys: string[];
  values: string[];
}

/** `RPC_CM_CLUSTER_INFO`: the cluster's key/value summary. */
export const clusterInfoRpc: RpcCodec<ClusterInfoRequest, ClusterInfoResponse> = defineRpc({
  name: 'RPC_CM_CLUSTER_INFO',
  responseType: TType.STRUCT,
  writeRequest(writer) {
    writer.fieldStop();
  },
  readRequest(reader) {
    readStruct(reader, () => false);
    return {};
  },
  writeResponse(writer, response) {
    errField(writer, response.err);
    writer.fieldBegin(TType.LIST, 2);
    writeStringList(writer, response.keys);
    writer.fieldBegin(TType.LIST, 3);
    writeStringList(writer, response.values);
    writer.fieldStop();
  },
  readResponse(reader) {
    let err: string | undefined;
    let keys: string[] = [];
    let values: string[] = [];
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRUCT, 'err');
        err = readErrorCode(reader);
      } else if (field.id === 2) {
        expectFieldType(field, TType.LIST, 'keys');
        keys = readStringList(reader, 'keys');
      } else if (field.id === 3) {
        expectFieldType(field, TType.LIST, 'values');
        values = readStringList(reader, 'values');
      } else return false;
      return true;
    });
    return { err: requireErr(err, 'configuration_cluster_info_response'), keys, values };
  },
});

// ---- RPC_CM_LIST_NODES ----------------------------------------------------------------------------------

/** `configuration_list_nodes_request`: `NS_INVALID` lists every node. */
export interface ListNodesRequest {
  status: NodeStatus;
}

/** `node_info`: `hpNode` is set by 2.6+ servers. */
export interface NodeInfoEntry {
  status: NodeStatus;
  /** rpc_address as `ip:port`. */
  node: string;
  hpNode?: string;
}

/** `configuration_list_nodes_response`. */
export interface ListNodesResponse extends AdminResponse {
  infos: NodeInfoEntry[];
}

function writeNodeInfo(writer: ThriftWriter, info: NodeInfoEntry): void {
  writer.fieldBegin(TType.I32, 1).i32(enumValue(nodeStatuses, info.status));
  writer.fieldBegin(TType.STRUCT, 2);
  writeRpcAddress(writer, info.node);
  if (info.hpNode !== undefined) {
    writer.fieldBegin(TType.STRUCT, 3);
    writeHostPortString(writer, info.hpNode);
  }
  writer.fieldStop();
}

function readNodeInfo(reader: ThriftReader): NodeInfoEntry {
  const info: NodeInfoEntry = { status: 'NS_INVALID', node: '' };
  readStruct(reader, (field) => {
    if (field.id === 1) {
      expectFieldType(field, TType.I32, 'node_info.status');
      info.status = enumName(nodeStatuses, reader.i32(), 'node_info.status');
    } else if (field.id === 2) {
      expectFieldType(field, TType.STRUCT, 'node_info.node');
      info.node = readRpcAddress(reader);
    } else if (field.id === 3) {
      expectFieldType(field, TType.STRUCT, 'node_info.hp_node');
      info.hpNode = readHostPortString(reader);
    } else return false;
    return true;
  });
  return info;
}

/** `RPC_CM_LIST_NODES`: replica servers and their status. */
export const listNodesRpc: RpcCodec<ListNodesRequest, ListNodesResponse> = defineRpc({
  name: 'RPC_CM_LIST_NODES',
  responseType: TType.STRUCT,
  writeRequest(writer, request) {
    writer.fieldBegin(TType.I32, 1).i32(enumValue(nodeStatuses, request.status));
    writer.fieldStop();
  },
  readRequest(reader) {
    let status: NodeStatus = 'NS_INVALID';
    readStruct(reader, (field) => {
      if (field.id !== 1) return false;
      expectFieldType(field, TType.I32, 'status');
      status = enumName(nodeStatuses, reader.i32(), 'status');
      return true;
    });
    return { status };
  },
  writeResponse(writer, response) {
    errField(writer, response.err);
    writer.fieldBegin(TType.LIST, 2);
    writeStructList(writer, response.infos, writeNodeInfo);
    writer.fieldStop();
  },
  readResponse(reader) {
    let err: string | undefined;
    let infos: NodeInfoEntry[] = [];
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRUCT, 'err');
        err = readErrorCode(reader);
      } else if (field.id === 2) {
        expectFieldType(field, TType.LIST, 'infos');
        infos = readStructList(reader, readNodeInfo, 'infos');
      } else return false;
      return true;
    });
    return { err: requireErr(err, 'configuration_list_nodes_response'), infos };
  },
});

// ---- RPC_CM_LIST_APPS -----------------------------------------------------------------------------------

/** `configuration_list_apps_request`: `AS_INVALID` lists tables in every status. */
export interface ListAppsRequest {
  status: AppStatus;
  appNamePattern?: string;
  matchType?: PatternMatchType;
}

/** `app_info`: one table. Times are seconds since the epoch (0 when unset). */
export interface AppInfo {
  status: AppStatus;
  appType: string;
  appName: string;
  appId: number;
  partitionCount: number;
  envs: Record<string, string>;
  isStateful: boolean;
  maxReplicaCount: number;
  expireSecond: number;
  createSecond: number;
  dropSecond: number;
  duplicating?: boolean;
  /** -1 when not set. */
  initPartitionCount: number;
  isBulkLoading?: boolean;
  atomicIdempotent?: boolean;
}

/** `configuration_list_apps_response`. */
export interface ListAppsResponse extends AdminResponse {
  infos: AppInfo[];
  hintMessage?: string;
}

/** Writes an `app_info` struct (exported for the replica-side RPCs a simulator may add). */
export function writeAppInfo(writer: ThriftWriter, info: AppInfo): void {
  writer.fieldBegin(TType.I32, 1).i32(enumValue(appStatuses, info.status));
  writer.fieldBegin(TType.STRING, 2).string(info.appType);
  writer.fieldBegin(TType.STRING, 3).string(info.appName);
  writer.fieldBegin(TType.I32, 4).i32(info.appId);
  writer.fieldBegin(TType.I32, 5).i32(info.partitionCount);
  writer.fieldBegin(TType.MAP, 6);
  writeStringMap(writer, info.envs);
  writer.fieldBegin(TType.BOOL, 7).bool(info.isStateful);
  writer.fieldBegin(TType.I32, 8).i32(info.maxReplicaCount);
  writer.fieldBegin(TType.I64, 9).i64(info.expireSecond);
  writer.fieldBegin(TType.I64, 10).i64(info.createSecond);
  writer.fieldBegin(TType.I64, 11).i64(info.dropSecond);
  if (info.duplicating !== undefined) writer.fieldBegin(TType.BOOL, 12).bool(info.duplicating);
  writer.fieldBegin(TType.I32, 13).i32(info.initPartitionCount);
  if (info.isBulkLoading !== undefined) writer.fieldBegin(TType.BOOL, 14).bool(info.isBulkLoading);
  if (info.atomicIdempotent !== undefined) writer.fieldBegin(TType.BOOL, 15).bool(info.atomicIdempotent);
  writer.fieldStop();
}

/** Reads an `app_info` struct. */
export function readAppInfo(reader: ThriftReader): AppInfo {
  const info: AppInfo = {
    status: 'AS_INVALID',
    appType: '',
    appName: '',
    appId: 0,
    partitionCount: 0,
    envs: {},
    isStateful: false,
    maxReplicaCount: 0,
    expireSecond: 0,
    createSecond: 0,
    dropSecond: 0,
    initPartitionCount: -1,
  };
  readStruct(reader, (field) => {
    const where = `app_info field ${field.id}`;
    switch (field.id) {
      case 1:
        expectFieldType(field, TType.I32, where);
        info.status = enumName(appStatuses, reader.i32(), 'app_info.status');
        return true;
      case 2:
        expectFieldType(field, TType.STRING, where);
        info.appType = reader.string();
        return true;
      case 3:
        expectFieldType(field, TType.STRING, where);
        info.appName = reader.string();
        return true;
      case 4:
        expectFieldType(field, TType.I32, where);
        info.appId = reader.i32();
        return true;
      case 5:
        expectFieldType(field, TType.I32, where);
        info.partitionCount = reader.i32();
        return true;
      case 6:
        expectFieldType(field, TType.MAP, where);
        info.envs = readStringMap(reader, 'app_info.envs');
        return true;
      case 7:
        expectFieldType(field, TType.BOOL, where);
        info.isStateful = reader.bool();
        return true;
      case 8:
        expectFieldType(field, TType.I32, where);
        info.maxReplicaCount = reader.i32();
        return true;
      case 9:
        expectFieldType(field, TType.I64, where);
        info.expireSecond = reader.i64Number('app_info.expire_second');
        return true;
      case 10:
        expectFieldType(field, TType.I64, where);
        info.createSecond = reader.i64Number('app_info.create_second');
        return true;
      case 11:
        expectFieldType(field, TType.I64, where);
        info.dropSecond = reader.i64Number('app_info.drop_second');
        return true;
      case 12:
        expectFieldType(field, TType.BOOL, where);
        info.duplicating = reader.bool();
        return true;
      case 13:
        expectFieldType(field, TType.I32, where);
        info.initPartitionCount = reader.i32();
        return true;
      case 14:
        expectFieldType(field, TType.BOOL, where);
        info.isBulkLoading = reader.bool();
        return true;
      case 15:
        expectFieldType(field, TType.BOOL, where);
        info.atomicIdempotent = reader.bool();
        return true;
      default:
        return false;
    }
  });
  return info;
}

/** `RPC_CM_LIST_APPS`: tables with their full `app_info`. */
export const listAppsRpc: RpcCodec<ListAppsRequest, ListAppsResponse> = defineRpc({
  name: 'RPC_CM_LIST_APPS',
  responseType: TType.STRUCT,
  writeRequest(writer, request) {
    writer.fieldBegin(TType.I32, 1).i32(enumValue(appStatuses, request.status));
    if (request.appNamePattern !== undefined) writer.fieldBegin(TType.STRING, 2).string(request.appNamePattern);
    if (request.matchType !== undefined) {
      writer.fieldBegin(TType.I32, 3).i32(enumValue(patternMatchTypes, request.matchType));
    }
    writer.fieldStop();
  },
  readRequest(reader) {
    const request: ListAppsRequest = { status: 'AS_INVALID' };
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.I32, 'status');
        request.status = enumName(appStatuses, reader.i32(), 'status');
      } else if (field.id === 2) {
        expectFieldType(field, TType.STRING, 'app_name_pattern');
        request.appNamePattern = reader.string();
      } else if (field.id === 3) {
        expectFieldType(field, TType.I32, 'match_type');
        request.matchType = enumName(patternMatchTypes, reader.i32(), 'match_type');
      } else return false;
      return true;
    });
    return request;
  },
  writeResponse(writer, response) {
    errField(writer, response.err);
    writer.fieldBegin(TType.LIST, 2);
    writeStructList(writer, response.infos, writeAppInfo);
    if (response.hintMessage !== undefined) writer.fieldBegin(TType.STRING, 3).string(response.hintMessage);
    writer.fieldStop();
  },
  readResponse(reader) {
    let err: string | undefined;
    const response: Omit<ListAppsResponse, 'err'> = { infos: [] };
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRUCT, 'err');
        err = readErrorCode(reader);
      } else if (field.id === 2) {
        expectFieldType(field, TType.LIST, 'infos');
        response.infos = readStructList(reader, readAppInfo, 'infos');
      } else if (field.id === 3) {
        expectFieldType(field, TType.STRING, 'hint_message');
        response.hintMessage = reader.string();
      } else return false;
      return true;
    });
    return { err: requireErr(err, 'configuration_list_apps_response'), ...response };
  },
});

// ---- RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX -------------------------------------------------------------

/** `query_cfg_request`: no indices means every partition. */
export interface QueryConfigRequest {
  appName: string;
  partitionIndices: number[];
}

/** `partition_configuration`; the `hp*` fields come from 2.6+ servers. */
export interface PartitionConfiguration {
  pid: Gpid;
  ballot: number;
  maxReplicaCount: number;
  /** `ip:port`, `''` when the partition has no primary. */
  primary: string;
  secondaries: string[];
  lastDrops: string[];
  lastCommittedDecree: number;
  partitionFlags: number;
  hpPrimary?: string;
  hpSecondaries?: string[];
  hpLastDrops?: string[];
}

/** `query_cfg_response`. */
export interface QueryConfigResponse extends AdminResponse {
  appId: number;
  partitionCount: number;
  isStateful: boolean;
  partitions: PartitionConfiguration[];
}

/** Writes a `partition_configuration` struct. */
export function writePartitionConfiguration(writer: ThriftWriter, config: PartitionConfiguration): void {
  writer.fieldBegin(TType.STRUCT, 1);
  writeGpid(writer, config.pid);
  writer.fieldBegin(TType.I64, 2).i64(config.ballot);
  writer.fieldBegin(TType.I32, 3).i32(config.maxReplicaCount);
  writer.fieldBegin(TType.STRUCT, 4);
  writeRpcAddress(writer, config.primary);
  writer.fieldBegin(TType.LIST, 5);
  writeCustomList(writer, config.secondaries, writeRpcAddress);
  writer.fieldBegin(TType.LIST, 6);
  writeCustomList(writer, config.lastDrops, writeRpcAddress);
  writer.fieldBegin(TType.I64, 7).i64(config.lastCommittedDecree);
  writer.fieldBegin(TType.I32, 8).i32(config.partitionFlags);
  if (config.hpPrimary !== undefined) {
    writer.fieldBegin(TType.STRUCT, 9);
    writeHostPortString(writer, config.hpPrimary);
  }
  if (config.hpSecondaries !== undefined) {
    writer.fieldBegin(TType.LIST, 10);
    writeCustomList(writer, config.hpSecondaries, writeHostPortString);
  }
  if (config.hpLastDrops !== undefined) {
    writer.fieldBegin(TType.LIST, 11);
    writeCustomList(writer, config.hpLastDrops, writeHostPortString);
  }
  writer.fieldStop();
}

/** Reads a `partition_configuration` struct. */
export function readPartitionConfiguration(reader: ThriftReader): PartitionConfiguration {
  const config: PartitionConfiguration = {
    pid: { appId: 0, partitionIndex: 0 },
    ballot: 0,
    maxReplicaCount: 0,
    primary: '',
    secondaries: [],
    lastDrops: [],
    lastCommittedDecree: 0,
    partitionFlags: 0,
  };
  readStruct(reader, (field) => {
    const where = `partition_configuration field ${field.id}`;
    switch (field.id) {
      case 1:
        expectFieldType(field, TType.STRUCT, where);
        config.pid = readGpid(reader);
        return true;
      case 2:
        expectFieldType(field, TType.I64, where);
        config.ballot = reader.i64Number('ballot');
        return true;
      case 3:
        expectFieldType(field, TType.I32, where);
        config.maxReplicaCount = reader.i32();
        return true;
      case 4:
        expectFieldType(field, TType.STRUCT, where);
        config.primary = readRpcAddress(reader);
        return true;
      case 5:
        expectFieldType(field, TType.LIST, where);
        config.secondaries = readCustomList(reader, readRpcAddress);
        return true;
      case 6:
        expectFieldType(field, TType.LIST, where);
        config.lastDrops = readCustomList(reader, readRpcAddress);
        return true;
      case 7:
        expectFieldType(field, TType.I64, where);
        config.lastCommittedDecree = reader.i64Number('last_committed_decree');
        return true;
      case 8:
        expectFieldType(field, TType.I32, where);
        config.partitionFlags = reader.i32();
        return true;
      case 9:
        expectFieldType(field, TType.STRUCT, where);
        config.hpPrimary = readHostPortString(reader);
        return true;
      case 10:
        expectFieldType(field, TType.LIST, where);
        config.hpSecondaries = readCustomList(reader, readHostPortString);
        return true;
      case 11:
        expectFieldType(field, TType.LIST, where);
        config.hpLastDrops = readCustomList(reader, readHostPortString);
        return true;
      default:
        return false;
    }
  });
  return config;
}

/** `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX`: a table's partition configurations. */
export const queryConfigRpc: RpcCodec<QueryConfigRequest, QueryConfigResponse> = defineRpc({
  name: 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX',
  responseType: TType.STRUCT,
  writeRequest(writer, request) {
    writer.fieldBegin(TType.STRING, 1).string(request.appName);
    writer.fieldBegin(TType.LIST, 2);
    writeI32List(writer, request.partitionIndices);
    writer.fieldStop();
  },
  readRequest(reader) {
    const request: QueryConfigRequest = { appName: '', partitionIndices: [] };
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRING, 'app_name');
        request.appName = reader.string();
      } else if (field.id === 2) {
        expectFieldType(field, TType.LIST, 'partition_indices');
        request.partitionIndices = readI32List(reader, 'partition_indices');
      } else return false;
      return true;
    });
    return request;
  },
  writeResponse(writer, response) {
    errField(writer, response.err);
    writer.fieldBegin(TType.I32, 2).i32(response.appId);
    writer.fieldBegin(TType.I32, 3).i32(response.partitionCount);
    writer.fieldBegin(TType.BOOL, 4).bool(response.isStateful);
    writer.fieldBegin(TType.LIST, 5);
    writeStructList(writer, response.partitions, writePartitionConfiguration);
    writer.fieldStop();
  },
  readResponse(reader) {
    let err: string | undefined;
    const response: Omit<QueryConfigResponse, 'err'> = {
      appId: 0,
      partitionCount: 0,
      isStateful: false,
      partitions: [],
    };
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRUCT, 'err');
        err = readErrorCode(reader);
      } else if (field.id === 2) {
        expectFieldType(field, TType.I32, 'app_id');
        response.appId = reader.i32();
      } else if (field.id === 3) {
        expectFieldType(field, TType.I32, 'partition_count');
        response.partitionCount = reader.i32();
      } else if (field.id === 4) {
        expectFieldType(field, TType.BOOL, 'is_stateful');
        response.isStateful = reader.bool();
      } else if (field.id === 5) {
        expectFieldType(field, TType.LIST, 'partitions');
        response.partitions = readStructList(reader, readPartitionConfiguration, 'partitions');
      } else return false;
      return true;
    });
    return { err: requireErr(err, 'query_cfg_response'), ...response };
  },
});

// ---- RPC_CM_CREATE_APP ----------------------------------------------------------------------------------

/** `create_app_options`. */
export interface CreateAppOptions {
  partitionCount: number;
  replicaCount: number;
  successIfExist: boolean;
  /** `pegasus` for ordinary tables. */
  appType: string;
  isStateful: boolean;
  envs: Record<string, string>;
  atomicIdempotent?: boolean;
}

/** `configuration_create_app_request`. */
export interface CreateAppRequest {
  appName: string;
  options: CreateAppOptions;
}

/** `configuration_create_app_response`. */
export interface CreateAppResponse extends AdminResponse {
  appId: number;
}

function writeCreateAppOptions(writer: ThriftWriter, options: CreateAppOptions): void {
  writer.fieldBegin(TType.I32, 1).i32(options.partitionCount);
  writer.fieldBegin(TType.I32, 2).i32(options.replicaCount);
  writer.fieldBegin(TType.BOOL, 3).bool(options.successIfExist);
  writer.fieldBegin(TType.STRING, 4).string(options.appType);
  writer.fieldBegin(TType.BOOL, 5).bool(options.isStateful);
  writer.fieldBegin(TType.MAP, 6);
  writeStringMap(writer, options.envs);
  if (options.atomicIdempotent !== undefined) writer.fieldBegin(TType.BOOL, 7).bool(options.atomicIdempotent);
  writer.fieldStop();
}

function readCreateAppOptions(reader: ThriftReader): CreateAppOptions {
  const options: CreateAppOptions = {
    partitionCount: 0,
    replicaCount: 0,
    successIfExist: false,
    appType: '',
    isStateful: false,
    envs: {},
  };
  readStruct(reader, (field) => {
    const where = `create_app_options field ${field.id}`;
    switch (field.id) {
      case 1:
        expectFieldType(field, TType.I32, where);
        options.partitionCount = reader.i32();
        return true;
      case 2:
        expectFieldType(field, TType.I32, where);
        options.replicaCount = reader.i32();
        return true;
      case 3:
        expectFieldType(field, TType.BOOL, where);
        options.successIfExist = reader.bool();
        return true;
      case 4:
        expectFieldType(field, TType.STRING, where);
        options.appType = reader.string();
        return true;
      case 5:
        expectFieldType(field, TType.BOOL, where);
        options.isStateful = reader.bool();
        return true;
      case 6:
        expectFieldType(field, TType.MAP, where);
        options.envs = readStringMap(reader, 'create_app_options.envs');
        return true;
      case 7:
        expectFieldType(field, TType.BOOL, where);
        options.atomicIdempotent = reader.bool();
        return true;
      default:
        return false;
    }
  });
  return options;
}

/** `RPC_CM_CREATE_APP`: creates a table; the reply carries its app id. */
export const createAppRpc: RpcCodec<CreateAppRequest, CreateAppResponse> = defineRpc({
  name: 'RPC_CM_CREATE_APP',
  responseType: TType.STRUCT,
  writeRequest(writer, request) {
    writer.fieldBegin(TType.STRING, 1).string(request.appName);
    writer.fieldBegin(TType.STRUCT, 2);
    writeCreateAppOptions(writer, request.options);
    writer.fieldStop();
  },
  readRequest(reader) {
    let appName = '';
    let options: CreateAppOptions | undefined;
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRING, 'app_name');
        appName = reader.string();
      } else if (field.id === 2) {
        expectFieldType(field, TType.STRUCT, 'options');
        options = readCreateAppOptions(reader);
      } else return false;
      return true;
    });
    if (!options) throw new ThftDecodeError('malformed', 'configuration_create_app_request has no options');
    return { appName, options };
  },
  writeResponse(writer, response) {
    errField(writer, response.err);
    writer.fieldBegin(TType.I32, 2).i32(response.appId);
    writer.fieldStop();
  },
  readResponse(reader) {
    let err: string | undefined;
    let appId = 0;
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRUCT, 'err');
        err = readErrorCode(reader);
      } else if (field.id === 2) {
        expectFieldType(field, TType.I32, 'appid');
        appId = reader.i32();
      } else return false;
      return true;
    });
    return { err: requireErr(err, 'configuration_create_app_response'), appId };
  },
});

// ---- RPC_CLI_CLI_CALL -----------------------------------------------------------------------------------

/** `command`: a remote command and its arguments (`server-info`, `meta.lb.only_move_primary true` …). */
export interface CliCallRequest {
  cmd: string;
  arguments: string[];
}

/** `RPC_CLI_CLI_CALL`: runs a remote command; the reply is its text output. */
export const cliCallRpc: RpcCodec<CliCallRequest, string> = defineRpc({
  name: 'RPC_CLI_CLI_CALL',
  responseType: TType.STRING,
  writeRequest(writer, request) {
    writer.fieldBegin(TType.STRING, 1).string(request.cmd);
    writer.fieldBegin(TType.LIST, 2);
    writeStringList(writer, request.arguments);
    writer.fieldStop();
  },
  readRequest(reader) {
    const request: CliCallRequest = { cmd: '', arguments: [] };
    readStruct(reader, (field) => {
      if (field.id === 1) {
        expectFieldType(field, TType.STRING, 'cmd');
        request.cmd = reader.string();
      } else if (field.id === 2) {
        expectFieldType(field, TType.LIST, 'arguments');
        request.arguments = readStringList(reader, 'arguments');
      } else return false;
      return true;
    });
    return request;
  },
  writeResponse(writer, output) {
    writer.string(output);
  },
  readResponse(reader) {
    return reader.string();
  },
});

/** Every RPC this codec knows, by RPC code (for a server that dispatches on `RequestFrame.name`). */
export const adminRpcs = {
  RPC_CM_CONTROL_META: controlMetaRpc,
  RPC_CM_CLUSTER_INFO: clusterInfoRpc,
  RPC_CM_LIST_NODES: listNodesRpc,
  RPC_CM_LIST_APPS: listAppsRpc,
  RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX: queryConfigRpc,
  RPC_CM_CREATE_APP: createAppRpc,
  RPC_CLI_CLI_CALL: cliCallRpc,
} as const;

/** An RPC code this codec knows. */
export type AdminRpcName = keyof typeof adminRpcs;
