/**
 * Typed RPCs over THFT frames. A request body is `CALL <RPC>` + the args struct `{1: request}`; a response is
 * `REPLY <RPC>_ACK` + the result struct `{0: success}`. An `RpcCodec` knows one RPC's request and response
 * payloads; the functions here add the wrappers and frames, in both directions.
 */
import { fail, ok, type Result } from '../../result.js';
import {
  encodeMessage,
  encodeRequestFrame,
  encodeResponseFrame,
  type RequestFrame,
  type RequestHeaderOptions,
  type ResponseFrame,
} from './frames.js';
import { ThftDecodeError } from './thft-decode-error.js';
import { ThriftReader, type FieldHeader } from './thrift-reader.js';
import { MessageType, TType, ttypeName } from './thrift-types.js';
import { ThriftWriter } from './thrift-writer.js';

/** One RPC's payloads: the request struct and the value of the result's `success` field. */
export interface RpcCodec<Req, Resp> {
  /** RPC code, e.g. `RPC_CM_CONTROL_META`. */
  readonly name: string;
  /** Name the reply carries: `<name>_ACK`. */
  readonly ackName: string;
  /** Type byte of the result's field 0 (STRUCT for admin responses, STRING for `RPC_CLI_CLI_CALL`). */
  readonly responseType: TType;
  /** Writes the request struct (fields + STOP). */
  writeRequest(writer: ThriftWriter, request: Req): void;
  /** Reads the request struct. */
  readRequest(reader: ThriftReader): Req;
  /** Writes the success value. */
  writeResponse(writer: ThriftWriter, response: Resp): void;
  /** Reads the success value. */
  readResponse(reader: ThriftReader): Resp;
}

/** Options of a request frame: its seqid plus the header fields. */
export interface RequestFrameOptions extends RequestHeaderOptions {
  seqid: number;
}

/** Options of a response frame. */
export interface ResponseFrameOptions {
  seqid: number;
  /** Transport-level error name (default `ERR_OK`). */
  errorName?: string;
}

/**
 * Reads a struct's fields until STOP, handing each header to `onField`; fields it does not claim (returns
 * false) are skipped, so newer peers with extra fields still decode.
 */
export function readStruct(reader: ThriftReader, onField: (field: FieldHeader) => boolean): void {
  for (;;) {
    const field = reader.fieldBegin();
    if (field.type === TType.STOP) return;
    if (!onField(field)) reader.skip(field.type);
  }
}

/** Throws a decode error unless a known field has the expected type byte. */
export function expectFieldType(field: FieldHeader, expected: TType, where: string): void {
  if (field.type !== expected) {
    throw new ThftDecodeError(
      'malformed',
      `${where} (field ${field.id}) has type ${ttypeName(field.type)}, expected ${ttypeName(expected)}`,
    );
  }
}

function asFailure(error: unknown): { ok: false; error: { code: string; message: string } } {
  if (error instanceof ThftDecodeError) return fail('DECODE_ERROR', error.message);
  throw error;
}

/** Encodes a full request frame (header, CALL message, args) for one RPC. */
export function encodeRpcRequest<Req, Resp>(
  codec: RpcCodec<Req, Resp>,
  request: Req,
  options: RequestFrameOptions,
): Uint8Array {
  const body = encodeMessage(codec.name, MessageType.CALL, options.seqid, (writer) => {
    writer.fieldBegin(TType.STRUCT, 1);
    codec.writeRequest(writer, request);
    writer.fieldStop();
  });
  return encodeRequestFrame(body, options);
}

/**
 * Decodes the request of a frame from `decodeRequestFrame`. Like the server, it takes the first field of the
 * args struct whatever its id; failures: `BAD_FRAME` (another RPC's frame), `DECODE_ERROR`.
 */
export function decodeRpcRequest<Req, Resp>(codec: RpcCodec<Req, Resp>, frame: RequestFrame): Result<Req> {
  if (frame.name !== codec.name) return fail('BAD_FRAME', `frame carries ${frame.name}, not ${codec.name}`);
  try {
    const reader = new ThriftReader(frame.args);
    let request: { value: Req } | undefined;
    readStruct(reader, (field) => {
      if (request) return false;
      expectFieldType(field, TType.STRUCT, `${codec.name} args`);
      request = { value: codec.readRequest(reader) };
      return true;
    });
    if (!request) return fail('DECODE_ERROR', `${codec.name} args carry no request`);
    if (reader.remaining !== 0) return fail('DECODE_ERROR', `${reader.remaining} stray bytes after ${codec.name} args`);
    return ok(request.value);
  } catch (error) {
    return asFailure(error);
  }
}

/** Encodes a full response frame (length, error name, `<RPC>_ACK` REPLY, result `{0: success}`). */
export function encodeRpcResponse<Req, Resp>(
  codec: RpcCodec<Req, Resp>,
  response: Resp,
  options: ResponseFrameOptions,
): Uint8Array {
  const writer = new ThriftWriter();
  writer.fieldBegin(codec.responseType, 0);
  codec.writeResponse(writer, response);
  writer.fieldStop();
  return encodeResponseFrame({
    errorName: options.errorName ?? 'ERR_OK',
    name: codec.ackName,
    seqid: options.seqid,
    result: writer.finish(),
  });
}

/** Encodes a response that has only a transport error (e.g. `ERR_HANDLER_NOT_FOUND`) and no result. */
export function encodeErrorResponseFrame(requestName: string, seqid: number, errorName: string): Uint8Array {
  return encodeResponseFrame({ errorName, name: `${requestName}_ACK`, seqid, result: new Uint8Array(0) });
}

/**
 * Decodes the success value of a frame from `decodeResponseFrame` (check its `errorName` first). Failures:
 * `BAD_FRAME` (another RPC's reply, or not a REPLY), `DECODE_ERROR`.
 */
export function decodeRpcResponse<Req, Resp>(codec: RpcCodec<Req, Resp>, frame: ResponseFrame): Result<Resp> {
  if (frame.name !== codec.ackName) return fail('BAD_FRAME', `reply is named ${frame.name}, expected ${codec.ackName}`);
  if (frame.messageType !== MessageType.REPLY) {
    return fail('BAD_FRAME', `${frame.name} has message type ${frame.messageType}, not REPLY`);
  }
  try {
    const reader = new ThriftReader(frame.result);
    let response: { value: Resp } | undefined;
    readStruct(reader, (field) => {
      if (field.id !== 0) return false;
      expectFieldType(field, codec.responseType, `${codec.ackName} success`);
      response = { value: codec.readResponse(reader) };
      return true;
    });
    if (!response) return fail('DECODE_ERROR', `${codec.ackName} has no success field`);
    if (reader.remaining !== 0) return fail('DECODE_ERROR', `${reader.remaining} stray bytes after ${codec.ackName}`);
    return ok(response.value);
  } catch (error) {
    return asFailure(error);
  }
}

/** Builds the `RpcCodec` of one RPC from its payload functions. */
export function defineRpc<Req, Resp>(parts: Omit<RpcCodec<Req, Resp>, 'ackName'>): RpcCodec<Req, Resp> {
  return { ...parts, ackName: `${parts.name}_ACK` };
}
