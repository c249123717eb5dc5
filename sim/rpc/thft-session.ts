/**
 * One THFT connection to a simulated process, on the codec in `src/pegasus/thft`: split frames, decode,
 * dispatch by RPC code, reply with the request's seqid (pipelined requests are answered in order). Like
 * Pegasus, a broken frame closes the connection; an RPC the process does not serve gets the transport error
 * `ERR_HANDLER_NOT_FOUND`.
 */
import {
  decodeCliCallRequest,
  decodeClusterInfoRequest,
  decodeControlMetaRequest,
  decodeCreateAppRequest,
  decodeListAppsRequest,
  decodeListNodesRequest,
  decodeQueryConfigRequest,
  decodeRequestFrame,
  encodeClusterInfoResponse,
  encodeCliCallResponse,
  encodeCreateAppResponse,
  encodeErrorResponseFrame,
  encodeListAppsResponse,
  encodeListNodesResponse,
  encodeQueryConfigResponse,
  encodeResponseFrame,
  MessageType,
  splitFrames,
  ThriftWriter,
  TType,
  writeErrorCode,
  type RequestFrame,
} from '../../src/pegasus/thft/index.js';
import type { HandlerContext } from '../http/common-handlers.js';
import type { SimProcess } from '../model/cluster-model.js';
import type { ProtocolSession } from '../server/process-server.js';
import { clusterInfo, controlMeta, createApp, listApps, listNodes, queryConfig } from './meta-rpc.js';
import { runRemoteCommand } from './remote-commands.js';

/** Frames above this size close the connection (Pegasus has no use for larger admin requests). */
const maxFrameBytes = 16 * 1024 * 1024;

/** What a THFT session needs from the cluster. */
export interface ThftSessionOptions {
  process: SimProcess;
  /** A fresh handler context (the cluster catches its clock up first). */
  context: () => HandlerContext;
  send: (reply: Buffer) => void;
  close: () => void;
}

/**
 * `configuration_meta_control_response` written by hand: a backup leaves `old_level` at its thrift default 0,
 * which the codec's typed level cannot express.
 */
function encodeControlMetaReply(seqid: number, err: string, oldLevel: number): Uint8Array {
  const w = new ThriftWriter(64);
  w.fieldBegin(TType.STRUCT, 0);
  w.fieldBegin(TType.STRUCT, 1);
  writeErrorCode(w, err);
  w.fieldBegin(TType.I32, 2).i32(oldLevel);
  w.fieldStop();
  w.fieldStop();
  return encodeResponseFrame({ errorName: 'ERR_OK', name: 'RPC_CM_CONTROL_META_ACK', seqid, result: w.finish() });
}

type Reply = Uint8Array | 'close' | undefined;

function unwrap<T>(decoded: { ok: true; value: T } | { ok: false }): T | undefined {
  return decoded.ok ? decoded.value : undefined;
}

function dispatch(ctx: HandlerContext, frame: RequestFrame): Reply {
  const seqid = frame.seqid;
  const options = { seqid };
  if (frame.name === 'RPC_CLI_CLI_CALL') {
    const request = unwrap(decodeCliCallRequest(frame));
    if (!request) return 'close';
    return encodeCliCallResponse(runRemoteCommand(ctx, request.cmd, request.arguments), options);
  }
  if (ctx.process.role !== 'meta' || !frame.name.startsWith('RPC_CM_')) {
    return encodeErrorResponseFrame(frame.name, seqid, 'ERR_HANDLER_NOT_FOUND');
  }
  switch (frame.name) {
    case 'RPC_CM_CONTROL_META': {
      const request = unwrap(decodeControlMetaRequest(frame));
      if (!request) return 'close';
      const response = controlMeta(ctx, request.level);
      return encodeControlMetaReply(seqid, response.err, response.oldLevel);
    }
    case 'RPC_CM_CLUSTER_INFO':
      if (!unwrap(decodeClusterInfoRequest(frame))) return 'close';
      return encodeClusterInfoResponse(clusterInfo(ctx), options);
    case 'RPC_CM_LIST_NODES': {
      const request = unwrap(decodeListNodesRequest(frame));
      return request ? encodeListNodesResponse(listNodes(ctx, request), options) : 'close';
    }
    case 'RPC_CM_LIST_APPS': {
      const request = unwrap(decodeListAppsRequest(frame));
      return request ? encodeListAppsResponse(listApps(ctx, request), options) : 'close';
    }
    case 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX': {
      const request = unwrap(decodeQueryConfigRequest(frame));
      return request ? encodeQueryConfigResponse(queryConfig(ctx, request), options) : 'close';
    }
    case 'RPC_CM_CREATE_APP': {
      const request = unwrap(decodeCreateAppRequest(frame));
      return request ? encodeCreateAppResponse(createApp(ctx, request), options) : 'close';
    }
    default:
      return encodeErrorResponseFrame(frame.name, seqid, 'ERR_HANDLER_NOT_FOUND');
  }
}

/** Opens a THFT session on one connection. */
export function openThftSession(options: ThftSessionOptions): ProtocolSession {
  let buffer: Uint8Array = new Uint8Array(0);
  let closed = false;
  return {
    push(chunk) {
      if (closed) return;
      buffer = buffer.length === 0 ? new Uint8Array(chunk) : Buffer.concat([buffer, chunk]);
      const split = splitFrames(buffer, maxFrameBytes);
      for (const raw of split.frames) {
        const frame = decodeRequestFrame(raw);
        if (!frame.ok) {
          closed = true;
          options.close();
          return;
        }
        const reply = dispatch(options.context(), frame.value);
        if (reply === 'close') {
          closed = true;
          options.close();
          return;
        }
        // One-way messages get no reply.
        if (reply && frame.value.messageType !== MessageType.ONEWAY) options.send(Buffer.from(reply));
      }
      if (split.error) {
        closed = true;
        options.close();
        return;
      }
      buffer = buffer.slice(split.consumed);
    },
  };
}
