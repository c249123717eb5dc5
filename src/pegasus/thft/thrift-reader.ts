import { ThftDecodeError } from './thft-decode-error.js';
import { MessageType, STRICT_VERSION_1, TType, isKnownTType, ttypeName } from './thrift-types.js';

const decoder = new TextDecoder('utf-8');

/** Deepest nesting `skip` follows; deeper input is treated as hostile. */
const MAX_SKIP_DEPTH = 64;

/** A field header; `id` is 0 when `type` is STOP. */
export interface FieldHeader {
  type: number;
  id: number;
}

/** A list or set header. */
export interface ListHeader {
  elementType: number;
  size: number;
}

/** A map header. */
export interface MapHeader {
  keyType: number;
  valueType: number;
  size: number;
}

/** A strict message header. */
export interface MessageHeader {
  name: string;
  type: MessageType;
  seqid: number;
}

/**
 * A bounds-checked TBinaryProtocol (strict) reader over untrusted bytes. Every read checks the remaining
 * length first and throws `ThftDecodeError` instead of reading past the end; container sizes are checked
 * against the bytes left, so a forged size cannot make it allocate or loop for long.
 */
export class ThriftReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private offset: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    if (start < 0 || end > bytes.length || start > end) {
      throw new RangeError(`bad reader window ${start}..${end} over ${bytes.length} bytes`);
    }
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = start;
    this.end = end;
  }

  /** Offset of the next byte to read. */
  get position(): number {
    return this.offset;
  }

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.offset;
  }

  /** Reads a bool (any non-zero byte is true, as the C++ library does). */
  bool(): boolean {
    return this.byte() !== 0;
  }

  /** Reads a signed byte. */
  byte(): number {
    this.need(1, 'byte');
    const value = this.view.getInt8(this.offset);
    this.offset += 1;
    return value;
  }

  /** Reads a signed 16-bit integer. */
  i16(): number {
    this.need(2, 'i16');
    const value = this.view.getInt16(this.offset);
    this.offset += 2;
    return value;
  }

  /** Reads a 16-bit integer as unsigned (ports above 32767 travel as negative i16). */
  u16(): number {
    return this.i16() & 0xffff;
  }

  /** Reads a signed 32-bit integer. */
  i32(): number {
    this.need(4, 'i32');
    const value = this.view.getInt32(this.offset);
    this.offset += 4;
    return value;
  }

  /** Reads a signed 64-bit integer as a bigint. */
  i64(): bigint {
    this.need(8, 'i64');
    const value = this.view.getBigInt64(this.offset);
    this.offset += 8;
    return value;
  }

  /** Reads a signed 64-bit integer that must fit a JS number exactly (seconds, ballots, decrees). */
  i64Number(what = 'i64'): number {
    const value = this.i64();
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new ThftDecodeError('malformed', `${what} ${value} does not fit a safe integer`);
    }
    return Number(value);
  }

  /** Reads an IEEE 754 double. */
  double(): number {
    this.need(8, 'double');
    const value = this.view.getFloat64(this.offset);
    this.offset += 8;
    return value;
  }

  /** Reads an i32-length-prefixed UTF-8 string. */
  string(): string {
    return decoder.decode(this.binary());
  }

  /** Reads i32-length-prefixed bytes (a view into the input, not a copy). */
  binary(): Uint8Array {
    const length = this.i32();
    if (length < 0) throw new ThftDecodeError('malformed', `negative string length ${length}`);
    return this.raw(length, 'string');
  }

  /** Takes the next `length` bytes as they are (a view into the input). */
  raw(length: number, what = 'bytes'): Uint8Array {
    this.need(length, what);
    const value = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return value;
  }

  /** The unread bytes (a view), leaving the reader at the end. */
  rest(): Uint8Array {
    return this.raw(this.remaining);
  }

  /** Reads a field header; STOP has no id. */
  fieldBegin(): FieldHeader {
    const type = this.byte() & 0xff;
    if (type === TType.STOP) return { type, id: 0 };
    return { type, id: this.i16() };
  }

  /** Reads a list header and checks its size against the bytes left. */
  listBegin(): ListHeader {
    const elementType = this.byte() & 0xff;
    return { elementType, size: this.containerSize(1) };
  }

  /** Reads a set header (same layout as a list). */
  setBegin(): ListHeader {
    return this.listBegin();
  }

  /** Reads a map header and checks its size against the bytes left. */
  mapBegin(): MapHeader {
    const keyType = this.byte() & 0xff;
    const valueType = this.byte() & 0xff;
    return { keyType, valueType, size: this.containerSize(2) };
  }

  /** Reads a strict message header; the old non-strict form is refused. */
  messageBegin(): MessageHeader {
    const word = this.i32();
    // `| 0` brings the constant into the signed i32 range that `word` lives in.
    if (word >= 0 || (word & 0xffff0000) !== (STRICT_VERSION_1 | 0)) {
      throw new ThftDecodeError(
        'malformed',
        `not a strict thrift message header (version word 0x${(word >>> 0).toString(16).padStart(8, '0')})`,
      );
    }
    const type = word & 0xff;
    if (type < MessageType.CALL || type > MessageType.ONEWAY) {
      throw new ThftDecodeError('malformed', `unknown thrift message type ${type}`);
    }
    const name = this.string();
    const seqid = this.i32();
    return { name, type: type as MessageType, seqid };
  }

  /** Skips one value of a standard thrift type (never a Pegasus custom type: they have no self-description). */
  skip(type: number, depth = 0): void {
    if (depth > MAX_SKIP_DEPTH) throw new ThftDecodeError('malformed', `nesting deeper than ${MAX_SKIP_DEPTH}`);
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
        this.raw(1, ttypeName(type));
        return;
      case TType.I16:
        this.raw(2, 'i16');
        return;
      case TType.I32:
        this.raw(4, 'i32');
        return;
      case TType.I64:
      case TType.DOUBLE:
        this.raw(8, ttypeName(type));
        return;
      case TType.STRING:
        this.binary();
        return;
      case TType.STRUCT:
        for (;;) {
          const field = this.fieldBegin();
          if (field.type === TType.STOP) return;
          this.skip(field.type, depth + 1);
        }
      case TType.MAP: {
        const map = this.mapBegin();
        this.checkElementType(map.keyType);
        this.checkElementType(map.valueType);
        for (let i = 0; i < map.size; i++) {
          this.skip(map.keyType, depth + 1);
          this.skip(map.valueType, depth + 1);
        }
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const list = this.listBegin();
        this.checkElementType(list.elementType);
        for (let i = 0; i < list.size; i++) this.skip(list.elementType, depth + 1);
        return;
      }
      default:
        throw new ThftDecodeError('malformed', `cannot skip a value of ${ttypeName(type)}`);
    }
  }

  private checkElementType(type: number): void {
    if (!isKnownTType(type)) throw new ThftDecodeError('malformed', `bad container element ${ttypeName(type)}`);
  }

  private containerSize(minBytesPerElement: number): number {
    const size = this.i32();
    if (size < 0) throw new ThftDecodeError('malformed', `negative container size ${size}`);
    // Every element takes at least one byte, so a size beyond the bytes left is a lie we can refuse now.
    if (size * minBytesPerElement > this.remaining) {
      throw new ThftDecodeError('truncated', `container of ${size} elements but only ${this.remaining} bytes left`);
    }
    return size;
  }

  private need(length: number, what: string): void {
    if (length > this.end - this.offset) {
      throw new ThftDecodeError(
        'truncated',
        `input ends inside a ${what} at offset ${this.offset} (needs ${length} bytes, ${this.end - this.offset} left)`,
      );
    }
  }
}
