import { STRICT_VERSION_1, type MessageType, type TType } from './thrift-types.js';

const encoder = new TextEncoder();

/** A TBinaryProtocol (strict) writer over a buffer that grows as needed. */
export class ThriftWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private offset = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.offset;
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.offset);
  }

  /** Writes a bool as one byte (1 or 0). */
  bool(value: boolean): this {
    return this.byte(value ? 1 : 0);
  }

  /** Writes a signed byte. */
  byte(value: number): this {
    this.ensure(1);
    this.view.setInt8(this.offset, value);
    this.offset += 1;
    return this;
  }

  /** Writes a 16-bit integer; values above 32767 (ports) are written as their two's complement. */
  i16(value: number): this {
    this.ensure(2);
    this.view.setUint16(this.offset, value & 0xffff);
    this.offset += 2;
    return this;
  }

  /** Writes a 32-bit integer (signed or unsigned input, same bits). */
  i32(value: number): this {
    this.ensure(4);
    this.view.setUint32(this.offset, value >>> 0);
    this.offset += 4;
    return this;
  }

  /** Writes a 64-bit integer; a number must be a safe integer, a bigint is taken modulo 2^64. */
  i64(value: bigint | number): this {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`i64 needs a safe integer or a bigint, got ${value}`);
    }
    this.ensure(8);
    this.view.setBigUint64(this.offset, BigInt.asUintN(64, BigInt(value)));
    this.offset += 8;
    return this;
  }

  /** Writes an IEEE 754 double. */
  double(value: number): this {
    this.ensure(8);
    this.view.setFloat64(this.offset, value);
    this.offset += 8;
    return this;
  }

  /** Writes a UTF-8 string with its i32 byte length. */
  string(value: string): this {
    return this.binary(encoder.encode(value));
  }

  /** Writes raw bytes with their i32 length. */
  binary(value: Uint8Array): this {
    this.i32(value.length);
    return this.raw(value);
  }

  /** Appends bytes as they are (no length prefix). */
  raw(value: Uint8Array): this {
    this.ensure(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
    return this;
  }

  /** Writes a field header: type byte and i16 field id. */
  fieldBegin(type: TType, id: number): this {
    return this.byte(type).i16(id);
  }

  /** Writes the STOP byte that ends a struct. */
  fieldStop(): this {
    return this.byte(0);
  }

  /** Writes a list header: element type and i32 size. */
  listBegin(elementType: TType, size: number): this {
    return this.byte(elementType).i32(size);
  }

  /** Writes a set header: element type and i32 size. */
  setBegin(elementType: TType, size: number): this {
    return this.listBegin(elementType, size);
  }

  /** Writes a map header: key type, value type and i32 size. */
  mapBegin(keyType: TType, valueType: TType, size: number): this {
    return this.byte(keyType).byte(valueType).i32(size);
  }

  /** Writes a strict message header: `0x80010000 | type`, name, seqid. */
  messageBegin(name: string, type: MessageType, seqid: number): this {
    return this.i32(STRICT_VERSION_1 | type)
      .string(name)
      .i32(seqid);
  }

  /** Overwrites an i32 already written at `position` (for lengths known only at the end). */
  patchI32(position: number, value: number): this {
    if (position < 0 || position + 4 > this.offset) {
      throw new RangeError(`cannot patch i32 at ${position}: only ${this.offset} bytes written`);
    }
    this.view.setUint32(position, value >>> 0);
    return this;
  }

  private ensure(extra: number): void {
    const needed = this.offset + extra;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint8Array(capacity);
    next.set(this.buffer.subarray(0, this.offset));
    this.buffer = next;
    this.view = new DataView(next.buffer);
  }
}
