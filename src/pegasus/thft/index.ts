/**
 * The THFT codec: Pegasus's thrift framing, its non-standard types and the admin RPCs, as pure functions over
 * bytes (no sockets). Server side: `splitFrames` → `decodeRequestFrame` → `decode…Request` →
 * `encode…Response`. Client side: `encode…Request` → `splitResponseFrames` → `decodeResponseFrame` →
 * `decode…Response`. Failures are `Result`s with codes `BAD_FRAME` (close the connection) or `DECODE_ERROR`.
 */
export * from './admin-rpc-frames.js';
export * from './admin-rpcs.js';
export * from './frames.js';
export * from './pegasus-enums.js';
export * from './pegasus-types.js';
export * from './rpc-codec.js';
export * from './thft-decode-error.js';
export * from './thrift-reader.js';
export * from './thrift-types.js';
export * from './thrift-writer.js';
