/**
 * THFT framing (`src/rpc/thrift_message_parser.cpp`). Requests: `"THFT"`, a v0 (48-byte) or v1 (16-byte +
 * `thrift_request_meta_v1`) header, then the body (a strict thrift message). Responses: an i32 total length
 * that counts itself, the transport error name as a thrift string, then the `<RPC>_ACK` REPLY message.
 */
import { fail, ok, type Failure, type Result } from '../../result.js';
import { ThftDecodeError } from './thft-decode-error.js';
import { ThriftReader } from './thrift-reader.js';
import { MessageType, TType } from './thrift-types.js';
import { ThriftWriter } from './thrift-writer.js';

/** The 4 bytes that open every THFT request (and select the parser on Pegasus's shared port). */
export const THFT_MAGIC = new Uint8Array([0x54, 0x48, 0x46, 0x54]);
/** Header length of a v0 request. */
export const HEADER_LENGTH_V0 = 48;
/** Fixed header length of a v1 request (the meta struct follows). */
export const HEADER_LENGTH_V1 = 16;
/** Frames larger than this are refused by default (a peer announcing more is broken or hostile). */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Smallest possible response: length, empty error name, message header with an empty name. */
const MIN_RESPONSE_LENGTH = 4 + 4 + 12;

/** Failure codes of the frame functions: `BAD_FRAME` (framing, header) and `DECODE_ERROR` (message payload). */
export type FrameFailureCode = 'BAD_FRAME' | 'DECODE_ERROR';

/** Header fields of a request; gpid and hashes are 0 for meta/admin calls. */
export interface RequestHeaderOptions {
  /** 0 (48-byte header, Go/Node.js clients; default) or 1 (Java client). */
  headerVersion?: 0 | 1;
  appId?: number;
  partitionIndex?: number;
  /** Client-side timeout the server may use to drop stale requests (default 5000 ms). */
  timeoutMs?: number;
  partitionHash?: bigint;
  /** v1 only. */
  isBackupRequest?: boolean;
}

/** A decoded request frame: header fields, message header, and the still-encoded args struct. */
export interface RequestFrame {
  headerVersion: 0 | 1;
  appId: number;
  partitionIndex: number;
  timeoutMs: number;
  /** v0 carries it; for v1 it is derived as the server does (`app_id * 7919 + pidx`). */
  threadHash: number;
  partitionHash: bigint;
  isBackupRequest: boolean;
  /** RPC code, e.g. `RPC_CM_CONTROL_META`. */
  name: string;
  messageType: MessageType;
  seqid: number;
  /** The args struct `{1: request}` + STOP (a view into the frame). */
  args: Uint8Array;
}

/** What goes into a response frame. */
export interface ResponseFrameParts {
  /** Transport-level error, normally `ERR_OK`. */
  errorName: string;
  /** `<RPC>_ACK`. */
  name: string;
  seqid: number;
  /** The result struct `{0: success}` + STOP; empty when the transport error means there is no result. */
  result: Uint8Array;
}

/** A decoded response frame. */
export interface ResponseFrame extends ResponseFrameParts {
  messageType: MessageType;
}

/** Complete frames found in a stream buffer; `error` set means the stream is broken and must be closed. */
export interface SplitFrames {
  /** Complete frames in order (views into the input: copy them before reusing its memory). */
  frames: Uint8Array[];
  /** Bytes taken by `frames`; keep `input.subarray(consumed)` for the next read. */
  consumed: number;
  /** Bytes after the complete frames (a partial frame still arriving). */
  remaining: number;
  /** Set when the stream holds something that is not a valid frame: close the connection. */
  error?: Failure;
}

function gpidThreadHash(appId: number, partitionIndex: number): number {
  return Math.imul(appId, 7919) + partitionIndex;
}

/** Writes a strict thrift message (header + the bytes `writeArgs` adds) into a new buffer. */
export function encodeMessage(
  name: string,
  type: MessageType,
  seqid: number,
  writeBody: (writer: ThriftWriter) => void,
): Uint8Array {
  const writer = new ThriftWriter();
  writer.messageBegin(name, type, seqid);
  writeBody(writer);
  return writer.finish();
}

/** Wraps a request body (a strict CALL message) in a v0 or v1 THFT header. */
export function encodeRequestFrame(body: Uint8Array, options: RequestHeaderOptions = {}): Uint8Array {
  const appId = options.appId ?? 0;
  const partitionIndex = options.partitionIndex ?? 0;
  const timeoutMs = options.timeoutMs ?? 5000;
  const partitionHash = options.partitionHash ?? 0n;
  const writer = new ThriftWriter(HEADER_LENGTH_V0 + body.length);
  writer.raw(THFT_MAGIC);
  if ((options.headerVersion ?? 0) === 0) {
    writer
      .i32(0)
      .i32(HEADER_LENGTH_V0)
      .i32(0) // hdr_crc32: ignored by the server
      .i32(body.length)
      .i32(0) // body_crc32: ignored by the server
      .i32(appId)
      .i32(partitionIndex)
      .i32(timeoutMs)
      .i32(gpidThreadHash(appId, partitionIndex))
      .i64(partitionHash);
  } else {
    const meta = new ThriftWriter(64);
    meta.fieldBegin(TType.I32, 1).i32(appId);
    meta.fieldBegin(TType.I32, 2).i32(partitionIndex);
    meta.fieldBegin(TType.I32, 3).i32(timeoutMs);
    meta.fieldBegin(TType.I64, 4).i64(partitionHash);
    meta.fieldBegin(TType.BOOL, 5).bool(options.isBackupRequest ?? false);
    meta.fieldStop();
    const metaBytes = meta.finish();
    writer.i32(1).i32(metaBytes.length).i32(body.length).raw(metaBytes);
  }
  writer.raw(body);
  return writer.finish();
}

function startsWithMagic(bytes: Uint8Array): boolean {
  const n = Math.min(4, bytes.length);
  for (let i = 0; i < n; i++) if (bytes[i] !== THFT_MAGIC[i]) return false;
  return true;
}

function u32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
}

function describePrefix(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/**
 * Length of the request frame at the start of `bytes`: a number when known, `undefined` when more bytes are
 * needed to tell, or a failure when the bytes cannot start a valid frame.
 */
function requestFrameLength(bytes: Uint8Array, maxFrameBytes: number): number | undefined | Failure {
  if (!startsWithMagic(bytes)) {
    return { code: 'BAD_FRAME', message: `not a THFT request (starts with ${describePrefix(bytes)})` };
  }
  if (bytes.length < 8) return undefined;
  const version = u32(bytes, 4);
  if (version === 0) {
    if (bytes.length < 12) return undefined;
    const headerLength = u32(bytes, 8);
    if (headerLength !== HEADER_LENGTH_V0) {
      return { code: 'BAD_FRAME', message: `v0 header length must be ${HEADER_LENGTH_V0}, got ${headerLength}` };
    }
    if (bytes.length < 20) return undefined;
    const total = HEADER_LENGTH_V0 + u32(bytes, 16);
    return total > maxFrameBytes ? tooLarge(total, maxFrameBytes) : total;
  }
  if (version === 1) {
    if (bytes.length < HEADER_LENGTH_V1) return undefined;
    const total = HEADER_LENGTH_V1 + u32(bytes, 8) + u32(bytes, 12);
    return total > maxFrameBytes ? tooLarge(total, maxFrameBytes) : total;
  }
  return { code: 'BAD_FRAME', message: `unknown THFT header version ${version} (0 and 1 are accepted)` };
}

function tooLarge(total: number, max: number): Failure {
  return { code: 'BAD_FRAME', message: `frame of ${total} bytes exceeds the limit of ${max}` };
}

function split(input: Uint8Array, frameLength: (bytes: Uint8Array) => number | undefined | Failure): SplitFrames {
  const frames: Uint8Array[] = [];
  let offset = 0;
  while (offset < input.length) {
    const length = frameLength(input.subarray(offset));
    if (length === undefined) break;
    if (typeof length !== 'number') {
      return { frames, consumed: offset, remaining: input.length - offset, error: length };
    }
    if (input.length - offset < length) break;
    frames.push(input.subarray(offset, offset + length));
    offset += length;
  }
  return { frames, consumed: offset, remaining: input.length - offset };
}

/** Splits accumulated request bytes (server side) into complete THFT frames; see `SplitFrames`. */
export function splitFrames(input: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): SplitFrames {
  return split(input, (bytes) => requestFrameLength(bytes, maxFrameBytes));
}

/** Splits accumulated response bytes (client side) into complete frames; see `SplitFrames`. */
export function splitResponseFrames(input: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): SplitFrames {
  return split(input, (bytes) => {
    if (bytes.length < 4) return undefined;
    const total = new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0);
    if (total < MIN_RESPONSE_LENGTH) {
      return { code: 'BAD_FRAME', message: `response length ${total} is below the minimum ${MIN_RESPONSE_LENGTH}` };
    }
    return total > maxFrameBytes ? tooLarge(total, maxFrameBytes) : total;
  });
}

function decodeFailure(error: unknown): { ok: false; error: Failure } {
  if (error instanceof ThftDecodeError) return fail('DECODE_ERROR', error.message);
  throw error;
}

/** Decodes one complete request frame (as `splitFrames` returns it): header, message header, args bytes. */
export function decodeRequestFrame(frame: Uint8Array): Result<RequestFrame> {
  const length = requestFrameLength(frame, Number.MAX_SAFE_INTEGER);
  if (length === undefined) return fail('BAD_FRAME', `request frame cut short (${frame.length} bytes)`);
  if (typeof length !== 'number') return { ok: false, error: length };
  if (length !== frame.length) {
    return fail('BAD_FRAME', `request header announces ${length} bytes but the frame has ${frame.length}`);
  }
  try {
    const reader = new ThriftReader(frame, 4);
    const headerVersion = reader.i32() === 0 ? 0 : 1;
    let appId = 0;
    let partitionIndex = 0;
    let timeoutMs = 0;
    let threadHash: number;
    let partitionHash = 0n;
    let isBackupRequest = false;
    if (headerVersion === 0) {
      reader.i32(); // hdr_length, checked above
      reader.i32(); // hdr_crc32
      reader.i32(); // body_length, checked above
      reader.i32(); // body_crc32
      appId = reader.i32();
      partitionIndex = reader.i32();
      timeoutMs = reader.i32();
      threadHash = reader.i32();
      partitionHash = reader.i64();
    } else {
      const metaLength = reader.i32();
      reader.i32(); // body_length, checked above
      const meta = new ThriftReader(frame, HEADER_LENGTH_V1, HEADER_LENGTH_V1 + metaLength);
      for (;;) {
        const field = meta.fieldBegin();
        if (field.type === TType.STOP) break;
        if (field.id === 1 && field.type === TType.I32) appId = meta.i32();
        else if (field.id === 2 && field.type === TType.I32) partitionIndex = meta.i32();
        else if (field.id === 3 && field.type === TType.I32) timeoutMs = meta.i32();
        else if (field.id === 4 && field.type === TType.I64) partitionHash = meta.i64();
        else if (field.id === 5 && field.type === TType.BOOL) isBackupRequest = meta.bool();
        else meta.skip(field.type);
      }
      if (meta.remaining !== 0) {
        return fail('BAD_FRAME', `thrift_request_meta_v1 ends ${meta.remaining} bytes before its announced length`);
      }
      reader.raw(metaLength, 'thrift_request_meta_v1');
      threadHash = gpidThreadHash(appId, partitionIndex);
    }
    const message = reader.messageBegin();
    if (message.type !== MessageType.CALL && message.type !== MessageType.ONEWAY) {
      return fail('DECODE_ERROR', `request message ${message.name} has type ${message.type}, not CALL or ONEWAY`);
    }
    return ok({
      headerVersion,
      appId,
      partitionIndex,
      timeoutMs,
      threadHash,
      partitionHash,
      isBackupRequest,
      name: message.name,
      messageType: message.type,
      seqid: message.seqid,
      args: reader.rest(),
    });
  } catch (error) {
    return decodeFailure(error);
  }
}

/** Builds a response frame: i32 total length (counting itself), error name, REPLY message header, result. */
export function encodeResponseFrame(parts: ResponseFrameParts): Uint8Array {
  const writer = new ThriftWriter(64 + parts.result.length);
  writer.i32(0).string(parts.errorName).messageBegin(parts.name, MessageType.REPLY, parts.seqid).raw(parts.result);
  writer.patchI32(0, writer.length);
  return writer.finish();
}

/** Decodes one complete response frame (as `splitResponseFrames` returns it). */
export function decodeResponseFrame(frame: Uint8Array): Result<ResponseFrame> {
  try {
    const reader = new ThriftReader(frame);
    const total = reader.i32();
    if (total !== frame.length) {
      return fail('BAD_FRAME', `response announces ${total} bytes but the frame has ${frame.length}`);
    }
    const errorName = reader.string();
    const message = reader.messageBegin();
    return ok({
      errorName,
      name: message.name,
      messageType: message.type,
      seqid: message.seqid,
      result: reader.rest(),
    });
  } catch (error) {
    return decodeFailure(error);
  }
}
