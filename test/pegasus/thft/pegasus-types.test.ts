import { describe, expect, it } from 'vitest';
import {
  ThftDecodeError,
  ThriftReader,
  ThriftWriter,
  TType,
  formatHostPort,
  formatRpcAddress,
  gpidFromI64,
  gpidToI64,
  metaLevelFromValue,
  metaLevelToValue,
  parseHostPort,
  parseRpcAddress,
  readBlob,
  readCustomList,
  readErrorCode,
  readRpcAddress,
  readTaskCode,
  writeBlob,
  writeCustomList,
  writeErrorCode,
  writeRpcAddress,
  writeTaskCode,
} from '../../../src/pegasus/thft/index.js';

describe('rpc_address', () => {
  it('packs ipv4 << 32 | port << 16 | 1 and back', () => {
    const parsed = parseRpcAddress('127.0.0.1:34601');
    expect(parsed).toEqual({ ok: true, value: (0x7f000001n << 32n) | (34601n << 16n) | 1n });
    expect(formatRpcAddress((0x7f000001n << 32n) | (34601n << 16n) | 1n)).toBe('127.0.0.1:34601');
    const high = parseRpcAddress('255.254.253.252:65535');
    expect(high.ok && formatRpcAddress(high.value)).toBe('255.254.253.252:65535');
    expect(parseRpcAddress('localhost:34801')).toEqual(parseRpcAddress('127.0.0.1:34801'));
  });

  it('writes the i64 and reads it back, invalid as empty', () => {
    const writer = new ThriftWriter();
    writeRpcAddress(writer, '10.1.2.3:34801');
    writeRpcAddress(writer, '');
    const bytes = writer.finish();
    expect(Buffer.from(bytes.subarray(0, 8)).toString('hex')).toBe('0a01020387f10001');
    const reader = new ThriftReader(bytes);
    expect(readRpcAddress(reader)).toBe('10.1.2.3:34801');
    expect(readRpcAddress(reader)).toBe('');
  });

  it('refuses what is not an IPv4 address with a port', () => {
    for (const bad of ['host1:34601', '1.2.3.4', '1.2.3.256:1', '1.2.3.4:0', '1.2.3.4:70000', ':80']) {
      expect(parseRpcAddress(bad)).toMatchObject({ ok: false, error: { code: 'BAD_ADDRESS' } });
    }
    expect(() => {
      writeRpcAddress(new ThriftWriter(), 'host1:1');
    }).toThrow(RangeError);
  });
});

describe('gpid, host_port, error_code, task_code, blob', () => {
  it('puts the app id in the low 32 bits', () => {
    expect(gpidToI64({ appId: 2, partitionIndex: 7 })).toBe((7n << 32n) | 2n);
    expect(gpidFromI64((7n << 32n) | 2n)).toEqual({ appId: 2, partitionIndex: 7 });
    expect(gpidFromI64(gpidToI64({ appId: -1, partitionIndex: -1 }))).toEqual({ appId: -1, partitionIndex: -1 });
  });

  it('converts host:port strings', () => {
    expect(parseHostPort('node1:34801')).toEqual({ host: 'node1', port: 34801, type: 1 });
    expect(parseHostPort('')).toEqual({ host: '', port: 0, type: 0 });
    expect(formatHostPort({ host: '', port: 0, type: 0 })).toBe('');
  });

  it('writes strings without struct framing and lists with element type STRUCT', () => {
    const writer = new ThriftWriter();
    writeErrorCode(writer, 'ERR_OK');
    writeTaskCode(writer, 'RPC_CM_LIST_APPS');
    writeBlob(writer, new Uint8Array([1, 2, 0xff]));
    writeCustomList(writer, ['1.1.1.1:1', '2.2.2.2:2'], writeRpcAddress);
    const reader = new ThriftReader(writer.finish());
    expect(readErrorCode(reader)).toBe('ERR_OK');
    expect(readTaskCode(reader)).toBe('RPC_CM_LIST_APPS');
    expect([...readBlob(reader)]).toEqual([1, 2, 0xff]);
    expect(reader.remaining).toBe(5 + 16);
    expect(readCustomList(reader, readRpcAddress)).toEqual(['1.1.1.1:1', '2.2.2.2:2']);
    expect(reader.remaining).toBe(0);
  });

  it('maps meta levels to 100..500 and 10000', () => {
    expect(metaLevelToValue('stopped')).toBe(100);
    expect(metaLevelToValue('lively')).toBe(500);
    expect(metaLevelToValue('invalid')).toBe(10000);
    expect(metaLevelFromValue(300)).toBe('freezed');
    expect(metaLevelFromValue(350)).toBeUndefined();
  });
});

describe('ThriftReader', () => {
  it('reads every primitive the writer writes', () => {
    const writer = new ThriftWriter(16);
    writer
      .bool(true)
      .byte(-2)
      .i16(-300)
      .i32(-70000)
      .i64(-(2n ** 63n))
      .i64(2n ** 64n - 1n)
      .double(-0.25);
    writer.string('héllo').mapBegin(TType.STRING, TType.I32, 0).messageBegin('X', 4, 9);
    const reader = new ThriftReader(writer.finish());
    expect(reader.bool()).toBe(true);
    expect(reader.byte()).toBe(-2);
    expect(reader.i16()).toBe(-300);
    expect(reader.i32()).toBe(-70000);
    expect(reader.i64()).toBe(-(2n ** 63n));
    expect(reader.i64()).toBe(-1n);
    expect(reader.double()).toBe(-0.25);
    expect(reader.string()).toBe('héllo');
    expect(reader.mapBegin()).toEqual({ keyType: TType.STRING, valueType: TType.I32, size: 0 });
    expect(reader.messageBegin()).toEqual({ name: 'X', type: 4, seqid: 9 });
    expect(reader.remaining).toBe(0);
  });

  it('throws a typed truncation error instead of reading past the end', () => {
    const reader = new ThriftReader(new Uint8Array([0, 0, 0, 9, 65]));
    expect(() => reader.string()).toThrow(ThftDecodeError);
    const again = new ThriftReader(new Uint8Array([0, 0, 0]));
    try {
      again.i32();
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ThftDecodeError);
      expect((error as ThftDecodeError).reason).toBe('truncated');
    }
  });

  it('refuses negative lengths, unsafe i64 numbers, unknown types and hostile nesting', () => {
    expect(() => new ThriftReader(new Uint8Array([0xff, 0xff, 0xff, 0xff])).string()).toThrow(/negative/);
    const big = new ThriftWriter().i64(2n ** 60n).finish();
    expect(() => new ThriftReader(big).i64Number()).toThrow(/safe integer/);
    expect(() => {
      new ThriftReader(new Uint8Array([0])).skip(99);
    }).toThrow(/cannot skip/);
    expect(() => {
      new ThriftReader(new Uint8Array([99, 0, 0, 0, 1])).skip(TType.LIST);
    }).toThrow(/element/);
    const nested = new Uint8Array(200 * 3 + 1);
    for (let i = 0; i < 200; i++) nested.set([TType.STRUCT, 0, 1], i * 3);
    expect(() => {
      new ThriftReader(nested).skip(TType.STRUCT);
    }).toThrow(/nesting/);
  });
});
