/**
 * Named frame-level functions per admin RPC, so a client or a simulated server reads as what it does:
 * `encodeControlMetaRequest` → bytes on the wire → `decodeRequestFrame` + `decodeControlMetaRequest`, and back.
 */
import type { Result } from '../../result.js';
import {
  controlMetaRpc,
  clusterInfoRpc,
  listNodesRpc,
  listAppsRpc,
  queryConfigRpc,
  createAppRpc,
  cliCallRpc,
  type CliCallRequest,
  type ClusterInfoRequest,
  type ClusterInfoResponse,
  type ControlMetaRequest,
  type ControlMetaResponse,
  type CreateAppRequest,
  type CreateAppResponse,
  type ListAppsRequest,
  type ListAppsResponse,
  type ListNodesRequest,
  type ListNodesResponse,
  type QueryConfigRequest,
  type QueryConfigResponse,
} from './admin-rpcs.js';
import type { RequestFrame, ResponseFrame } from './frames.js';
import {
  decodeRpcRequest,
  decodeRpcResponse,
  encodeRpcRequest,
  encodeRpcResponse,
  type RequestFrameOptions,
  type ResponseFrameOptions,
} from './rpc-codec.js';

/** Encodes a `RPC_CM_CONTROL_META` request frame. */
export function encodeControlMetaRequest(request: ControlMetaRequest, options: RequestFrameOptions): Uint8Array {
  return encodeRpcRequest(controlMetaRpc, request, options);
}

/** Decodes the request of a `RPC_CM_CONTROL_META` frame. */
export function decodeControlMetaRequest(frame: RequestFrame): Result<ControlMetaRequest> {
  return decodeRpcRequest(controlMetaRpc, frame);
}

/** Encodes a `RPC_CM_CONTROL_META_ACK` response frame. */
export function encodeControlMetaResponse(response: ControlMetaResponse, options: ResponseFrameOptions): Uint8Array {
  return encodeRpcResponse(controlMetaRpc, response, options);
}

/** Decodes the response of a `RPC_CM_CONTROL_META_ACK` frame. */
export function decodeControlMetaResponse(frame: ResponseFrame): Result<ControlMetaResponse> {
  return decodeRpcResponse(controlMetaRpc, frame);
}

/** Encodes a `RPC_CM_CLUSTER_INFO` request frame. */
export function encodeClusterInfoRequest(request: ClusterInfoRequest, options: RequestFrameOptions): Uint8Array {
  return encodeRpcRequest(clusterInfoRpc, request, options);
}

/** Decodes the request of a `RPC_CM_CLUSTER_INFO` frame. */
export function decodeClusterInfoRequest(frame: RequestFrame): Result<ClusterInfoRequest> {
  return decodeRpcRequest(clusterInfoRpc, frame);
}

/** Encodes a `RPC_CM_CLUSTER_INFO_ACK` response frame. */
export function encodeClusterInfoResponse(response: ClusterInfoResponse, options: ResponseFrameOptions): Uint8Array {
  return encodeRpcResponse(clusterInfoRpc, response, options);
}

/** Decodes the response of a `RPC_CM_CLUSTER_INFO_ACK` frame. */
export function decodeClusterInfoResponse(frame: ResponseFrame): Result<ClusterInfoResponse> {
  return decodeRpcResponse(clusterInfoRpc, frame);
}

/** Encodes a `RPC_CM_LIST_NODES` request frame. */
export function encodeListNodesRequest(request: ListNodesRequest, options: RequestFrameOptions): Uint8Array {
  return encodeRpcRequest(listNodesRpc, request, options);
}

/** Decodes the request of a `RPC_CM_LIST_NODES` frame. */
export function decodeListNodesRequest(frame: RequestFrame): Result<ListNodesRequest> {
  return decodeRpcRequest(listNodesRpc, frame);
}

/** Encodes a `RPC_CM_LIST_NODES_ACK` response frame. */
export function encodeListNodesResponse(response: ListNodesResponse, options: ResponseFrameOptions): Uint8Array {
  return encodeRpcResponse(listNodesRpc, response, options);
}

/** Decodes the response of a `RPC_CM_LIST_NODES_ACK` frame. */
export function decodeListNodesResponse(frame: ResponseFrame): Result<ListNodesResponse> {
  return decodeRpcResponse(listNodesRpc, frame);
}

/** Encodes a `RPC_CM_LIST_APPS` request frame. */
export function encodeListAppsRequest(request: ListAppsRequest, options: RequestFrameOptions): Uint8Array {
  return encodeRpcRequest(listAppsRpc, request, options);
}

/** Decodes the request of a `RPC_CM_LIST_APPS` frame. */
export function decodeListAppsRequest(frame: RequestFrame): Result<ListAppsRequest> {
  return decodeRpcRequest(listAppsRpc, frame);
}

/** Encodes a `RPC_CM_LIST_APPS_ACK` response frame. */
export function encodeListAppsResponse(response: ListAppsResponse, options: ResponseFrameOptions): Uint8Array {
  return encodeRpcResponse(listAppsRpc, response, options);
}

/** Decodes the response of a `RPC_CM_LIST_APPS_ACK` frame. */
export function decodeListAppsResponse(frame: ResponseFrame): Result<ListAppsResponse> {
  return decodeRpcResponse(listAppsRpc, frame);
}

/** Encodes a `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX` request frame. */
export function encodeQueryConfigRequest(request: QueryConfigRequest, options: RequestFrameOptions): Uint8Array {
  return encodeRpcRequest(queryConfigRpc, request, options);
}

/** Decodes the request of a `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX` frame. */
export function decodeQueryConfigRequest(frame: RequestFrame): Result<QueryConfigRequest> {
  return decodeRpcRequest(queryConfigRpc, frame);
}

/** Encodes a `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX_ACK` response frame. */
export function encodeQueryConfigResponse(response: QueryConfigResponse, options: ResponseFrameOptions): Uint8Array {
  return encodeRpcResponse(queryConfigRpc, response, options);
}

/** Decodes the response of a `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX_ACK` frame. */
export function decodeQueryConfigResponse(frame: ResponseFrame): Result<QueryConfigResponse> {
  return decodeRpcResponse(queryConfigRpc, frame);
}

/** Encodes a `RPC_CM_CREATE_APP` request frame. */
export function encodeCreateAppRequest(request: CreateAppRequest, options: RequestFrameOptions): Uint8Array {
  return encodeRpcRequest(createAppRpc, request, options);
}

/** Decodes the request of a `RPC_CM_CREATE_APP` frame. */
export function decodeCreateAppRequest(frame: RequestFrame): Result<CreateAppRequest> {
  return decodeRpcRequest(createAppRpc, frame);
}

/** Encodes a `RPC_CM_CREATE_APP_ACK` response frame. */
export function encodeCreateAppResponse(response: CreateAppResponse, options: ResponseFrameOptions): Uint8Array {
  return encodeRpcResponse(createAppRpc, response, options);
}

/** Decodes the response of a `RPC_CM_CREATE_APP_ACK` frame. */
export function decodeCreateAppResponse(frame: ResponseFrame): Result<CreateAppResponse> {
  return decodeRpcResponse(createAppRpc, frame);
}

/** Encodes a `RPC_CLI_CLI_CALL` request frame. */
export function encodeCliCallRequest(request: CliCallRequest, options: RequestFrameOptions): Uint8Array {
  return encodeRpcRequest(cliCallRpc, request, options);
}

/** Decodes the request of a `RPC_CLI_CLI_CALL` frame. */
export function decodeCliCallRequest(frame: RequestFrame): Result<CliCallRequest> {
  return decodeRpcRequest(cliCallRpc, frame);
}

/** Encodes a `RPC_CLI_CLI_CALL_ACK` response frame. */
export function encodeCliCallResponse(response: string, options: ResponseFrameOptions): Uint8Array {
  return encodeRpcResponse(cliCallRpc, response, options);
}

/** Decodes the response of a `RPC_CLI_CLI_CALL_ACK` frame. */
export function decodeCliCallResponse(frame: ResponseFrame): Result<string> {
  return decodeRpcResponse(cliCallRpc, frame);
}
