/**
 * Pegasus's non-standard thrift types. `idl/dsn.thrift` declares them as empty structs, so their fields and
 * list elements carry type byte 12 (STRUCT), but the payload is custom and has no STOP byte
 * (`src/common/serialization_helper/thrift_helper.h`). A generic thrift codec would mis-read them.
 */
import { fail, ok, type Result } from '../../result.js';
import { ThftDecodeError } from './thft-decode-error.js';
import type { ThriftReader } from './thrift-reader.js';
import { TType, ttypeName } from './thrift-types.js';
import type { ThriftWriter } from './thrift-writer.js';

/** rpc_address type 0: no address (e.g. a partition without primary). */
export const RPC_ADDRESS_INVALID = 0;
/** rpc_address type 1: IPv4 + port. */
export const RPC_ADDRESS_IPV4 = 1;
/** host_port type 1: host name or IP + port. */
export const HOST_PORT_IPV4 = 1;

/** A table partition id: app id and partition index. */
export interface Gpid {
  appId: number;
  partitionIndex: number;
}

/** The raw host_port triple as it travels. */
export interface HostPort {
  host: string;
  /** 0..65535 (read as unsigned: it travels as a signed i16). */
  port: number;
  /** 0 invalid, 1 IPv4/host name. */
  type: number;
}

/** Writes an `error_code`: a bare thrift string such as `ERR_OK`. */
export function writeErrorCode(writer: ThriftWriter, name: string): void {
  writer.string(name);
}

/** Reads an `error_code`. */
export function readErrorCode(reader: ThriftReader): string {
  return reader.string();
}

/** Writes a `task_code`: a bare thrift string. */
export function writeTaskCode(writer: ThriftWriter, name: string): void {
  writer.string(name);
}

/** Reads a `task_code`. */
export function readTaskCode(reader: ThriftReader): string {
  return reader.string();
}

/** Writes a `blob`: length-prefixed bytes. */
export function writeBlob(writer: ThriftWriter, value: Uint8Array): void {
  writer.binary(value);
}

/** Reads a `blob` (a view into the input). */
export function readBlob(reader: ThriftReader): Uint8Array {
  return reader.binary();
}

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Converts `"127.0.0.1:34601"` (or `localhost:port`) to the i64 `ipv4 << 32 | port << 16 | 1`; `''` is the invalid address 0. */
export function parseRpcAddress(text: string): Result<bigint> {
  if (text === '') return ok(0n);
  const colon = text.lastIndexOf(':');
  const host = colon > 0 ? text.slice(0, colon) : '';
  const portText = colon > 0 ? text.slice(colon + 1) : '';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  const match = ipv4Pattern.exec(host === 'localhost' ? '127.0.0.1' : host);
  const octets = match ? match.slice(1, 5).map(Number) : [];
  if (!match || octets.some((o) => o > 255) || !(port >= 1 && port <= 65535)) {
    return fail(
      'BAD_ADDRESS',
      `"${text}" is not an IPv4 address with a port; an rpc_address needs the form 1.2.3.4:34601`,
    );
  }
  const ip = octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
  return ok((ip << 32n) | (BigInt(port) << 16n) | BigInt(RPC_ADDRESS_IPV4));
}

/** Converts an rpc_address i64 to `"ip:port"`; the invalid address (type 0) is `''`. */
export function formatRpcAddress(value: bigint): string {
  const bits = BigInt.asUintN(64, value);
  const type = Number(bits & 0x3n);
  if (type === RPC_ADDRESS_INVALID) return '';
  const ip = Number(bits >> 32n);
  const port = Number((bits >> 16n) & 0xffffn);
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}:${port}`;
}

/** Writes an rpc_address; throws (a bug in the caller) when `address` is not an IPv4 `ip:port` or `''`. */
export function writeRpcAddress(writer: ThriftWriter, address: string): void {
  const parsed = parseRpcAddress(address);
  if (!parsed.ok) throw new RangeError(parsed.error.message);
  writer.i64(parsed.value);
}

/** Reads an rpc_address as `"ip:port"` (`''` when invalid). */
export function readRpcAddress(reader: ThriftReader): string {
  const value = reader.i64();
  const type = Number(BigInt.asUintN(64, value) & 0x3n);
  if (type !== RPC_ADDRESS_INVALID && type !== RPC_ADDRESS_IPV4) {
    throw new ThftDecodeError('malformed', `rpc_address of unsupported type ${type}`);
  }
  return formatRpcAddress(value);
}

/** Packs a gpid into its i64: low 32 bits app id, high 32 bits partition index. */
export function gpidToI64(gpid: Gpid): bigint {
  return BigInt.asIntN(64, (BigInt(gpid.partitionIndex >>> 0) << 32n) | BigInt(gpid.appId >>> 0));
}

/** Unpacks a gpid i64. */
export function gpidFromI64(value: bigint): Gpid {
  return {
    appId: Number(BigInt.asIntN(32, value)),
    partitionIndex: Number(BigInt.asIntN(32, value >> 32n)),
  };
}

/** Writes a gpid. */
export function writeGpid(writer: ThriftWriter, gpid: Gpid): void {
  writer.i64(gpidToI64(gpid));
}

/** Reads a gpid. */
export function readGpid(reader: ThriftReader): Gpid {
  return gpidFromI64(reader.i64());
}

/** Writes a host_port triple: string host, i16 port, byte type. */
export function writeHostPort(writer: ThriftWriter, value: HostPort): void {
  writer.string(value.host).i16(value.port).byte(value.type);
}

/** Reads a host_port triple (port as unsigned). */
export function readHostPort(reader: ThriftReader): HostPort {
  return { host: reader.string(), port: reader.u16(), type: reader.byte() };
}

/** `"host:port"` from a host_port; the invalid one (type 0) is `''`. */
export function formatHostPort(value: HostPort): string {
  return value.type === 0 ? '' : `${value.host}:${value.port}`;
}

/** A host_port from `"host:port"`; `''` (or text without a valid port) gives the invalid host_port. */
export function parseHostPort(text: string): HostPort {
  const colon = text.lastIndexOf(':');
  const port = Number(text.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) return { host: '', port: 0, type: 0 };
  return { host: text.slice(0, colon), port, type: HOST_PORT_IPV4 };
}

/** Writes a host_port given as `"host:port"` (`''` = invalid). */
export function writeHostPortString(writer: ThriftWriter, text: string): void {
  writeHostPort(writer, parseHostPort(text));
}

/** Reads a host_port as `"host:port"` (`''` when invalid). */
export function readHostPortString(reader: ThriftReader): string {
  return formatHostPort(readHostPort(reader));
}

/** Writes a list of Pegasus custom values: element type STRUCT, then the raw payloads. */
export function writeCustomList<T>(
  writer: ThriftWriter,
  items: readonly T[],
  writeItem: (writer: ThriftWriter, item: T) => void,
): void {
  writer.listBegin(TType.STRUCT, items.length);
  for (const item of items) writeItem(writer, item);
}

/** Reads a list of Pegasus custom values (element type must be STRUCT). */
export function readCustomList<T>(reader: ThriftReader, readItem: (reader: ThriftReader) => T): T[] {
  const header = reader.listBegin();
  if (header.elementType !== TType.STRUCT) {
    throw new ThftDecodeError('malformed', `list of custom values with element ${ttypeName(header.elementType)}`);
  }
  const items: T[] = [];
  for (let i = 0; i < header.size; i++) items.push(readItem(reader));
  return items;
}
