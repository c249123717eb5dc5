import { describe, expect, it } from 'vitest';
import {
  HEADER_LENGTH_V1,
  MessageType,
  ThriftWriter,
  controlMetaRpc,
  decodeControlMetaRequest,
  decodeControlMetaResponse,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeControlMetaRequest,
  encodeControlMetaResponse,
  encodeErrorResponseFrame,
  encodeMessage,
  encodeRequestFrame,
  encodeResponseFrame,
  splitFrames,
  splitResponseFrames,
  type RequestFrame,
  type ResponseFrame,
} from '../../../src/pegasus/thft/index.js';
import { bytesFromNotation, toHex } from './hex.js';

// §4.8 of the admin API reference, byte for byte.
const exampleRequest = bytesFromNotation(`
  54484654 00000000 00000030 00000000 0000002b 00000000 00000000 00000000 00001388 00000000 0000000000000000
  80010001 00000013 "RPC_CM_CONTROL_META" 00000001 0c0001 080001 00000190 00 00`);
const exampleResponse = bytesFromNotation(`
  0000004a 00000006 "ERR_OK" 80010002 00000017 "RPC_CM_CONTROL_META_ACK" 00000001
  0c0000 0c0001 00000006 "ERR_OK" 080002 00000190 00 00`);

function requestFrame(bytes: Uint8Array): RequestFrame {
  const decoded = decodeRequestFrame(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

function responseFrame(bytes: Uint8Array): ResponseFrame {
  const decoded = decodeResponseFrame(bytes);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

describe('worked example §4.8 (set_meta_level steady)', () => {
  it('has the sizes the reference states', () => {
    expect(exampleRequest.length).toBe(91);
    expect(exampleResponse.length).toBe(74);
  });

  it('encodes the request byte for byte', () => {
    const bytes = encodeControlMetaRequest({ level: 'steady' }, { seqid: 1, timeoutMs: 5000 });
    expect(toHex(bytes)).toBe(toHex(exampleRequest));
  });

  it('decodes the request', () => {
    const frame = requestFrame(exampleRequest);
    expect(frame).toMatchObject({
      headerVersion: 0,
      appId: 0,
      partitionIndex: 0,
      timeoutMs: 5000,
      threadHash: 0,
      partitionHash: 0n,
      name: 'RPC_CM_CONTROL_META',
      messageType: MessageType.CALL,
      seqid: 1,
    });
    expect(decodeControlMetaRequest(frame)).toEqual({ ok: true, value: { level: 'steady' } });
  });

  it('encodes the response byte for byte', () => {
    const bytes = encodeControlMetaResponse({ err: 'ERR_OK', oldLevel: 'steady' }, { seqid: 1 });
    expect(toHex(bytes)).toBe(toHex(exampleResponse));
  });

  it('decodes the response', () => {
    const frame = responseFrame(exampleResponse);
    expect(frame).toMatchObject({ errorName: 'ERR_OK', name: 'RPC_CM_CONTROL_META_ACK', seqid: 1 });
    expect(frame.messageType).toBe(MessageType.REPLY);
    expect(decodeControlMetaResponse(frame)).toEqual({ ok: true, value: { err: 'ERR_OK', oldLevel: 'steady' } });
  });
});

describe('request frames', () => {
  it('round-trips a v1 header with its meta struct', () => {
    const bytes = encodeControlMetaRequest(
      { level: 'lively' },
      {
        seqid: 77,
        headerVersion: 1,
        appId: 3,
        partitionIndex: 5,
        timeoutMs: 1234,
        partitionHash: 0x1122334455667788n,
        isBackupRequest: true,
      },
    );
    expect(toHex(bytes.subarray(0, 8))).toBe('5448465400000001');
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const metaLength = view.getUint32(8);
    const bodyLength = view.getUint32(12);
    expect(HEADER_LENGTH_V1 + metaLength + bodyLength).toBe(bytes.length);
    const frame = requestFrame(bytes);
    expect(frame).toMatchObject({
      headerVersion: 1,
      appId: 3,
      partitionIndex: 5,
      timeoutMs: 1234,
      threadHash: 3 * 7919 + 5,
      partitionHash: 0x1122334455667788n,
      isBackupRequest: true,
      seqid: 77,
    });
    expect(decodeControlMetaRequest(frame)).toEqual({ ok: true, value: { level: 'lively' } });
  });

  it('carries gpid, hash and thread hash in a v0 header', () => {
    const frame = requestFrame(
      encodeControlMetaRequest({ level: 'invalid' }, { seqid: -5, appId: 2, partitionIndex: 7, partitionHash: -1n }),
    );
    expect(frame).toMatchObject({ appId: 2, partitionIndex: 7, threadHash: 2 * 7919 + 7, seqid: -5 });
    expect(frame.partitionHash).toBe(-1n);
  });

  it('refuses a reply message in a request frame', () => {
    const body = encodeMessage('RPC_CM_CONTROL_META', MessageType.REPLY, 1, (w) => w.fieldStop());
    const decoded = decodeRequestFrame(encodeRequestFrame(body));
    expect(decoded.ok).toBe(false);
  });

  it('refuses a frame whose header disagrees with its size', () => {
    const decoded = decodeRequestFrame(exampleRequest.subarray(0, 90));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('refuses the old non-strict message header', () => {
    const writer = new ThriftWriter();
    writer.string('RPC_CM_CONTROL_META').byte(1).i32(1).fieldStop();
    const decoded = decodeRequestFrame(encodeRequestFrame(writer.finish()));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR' } });
  });

  it('decodes a frame that is garbage after a valid header as a decode error', () => {
    const body = new Uint8Array([0x80, 0x01, 0x00, 0x01, 0x7f, 0xff, 0xff, 0xff]);
    const decoded = decodeRequestFrame(encodeRequestFrame(body));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR' } });
  });
});

describe('splitFrames (requests, server side)', () => {
  it('returns nothing until a frame is complete, at every cut point', () => {
    for (let cut = 0; cut < exampleRequest.length; cut++) {
      const split = splitFrames(exampleRequest.subarray(0, cut));
      expect(split.error).toBeUndefined();
      expect(split.frames).toHaveLength(0);
      expect(split.remaining).toBe(cut);
    }
  });

  it('splits back-to-back frames and keeps the partial tail', () => {
    const v1 = encodeControlMetaRequest({ level: 'blind' }, { seqid: 2, headerVersion: 1 });
    const stream = Buffer.concat([exampleRequest, v1, exampleRequest.subarray(0, 10)]);
    const split = splitFrames(stream);
    expect(split.error).toBeUndefined();
    expect(split.frames.map((f) => f.length)).toEqual([91, v1.length]);
    expect(split.consumed).toBe(91 + v1.length);
    expect(split.remaining).toBe(10);
    expect(requestFrame(split.frames[1]!).seqid).toBe(2);
  });

  it('rejects garbage magic as soon as the first byte differs', () => {
    expect(splitFrames(new Uint8Array([0x47])).error?.code).toBe('BAD_FRAME');
    const split = splitFrames(Buffer.from('GET /meta/cluster HTTP/1.1\r\n'));
    expect(split.error?.code).toBe('BAD_FRAME');
    expect(split.frames).toHaveLength(0);
  });

  it('keeps good frames before a bad one and reports the error', () => {
    const split = splitFrames(Buffer.concat([exampleRequest, Buffer.from('RDSNxxxxxxxx')]));
    expect(split.frames).toHaveLength(1);
    expect(split.consumed).toBe(91);
    expect(split.error?.code).toBe('BAD_FRAME');
  });

  it('rejects an unknown header version and a wrong v0 header length', () => {
    const badVersion = Buffer.from(exampleRequest);
    badVersion.writeUInt32BE(2, 4);
    expect(splitFrames(badVersion.subarray(0, 8)).error?.message).toMatch(/version 2/);
    const badLength = Buffer.from(exampleRequest);
    badLength.writeUInt32BE(40, 8);
    expect(splitFrames(badLength.subarray(0, 12)).error?.message).toMatch(/header length must be 48/);
  });

  it('rejects absurd lengths before the bytes arrive', () => {
    const huge = Buffer.from(exampleRequest.subarray(0, 48));
    huge.writeUInt32BE(0xfffffff0, 16);
    expect(splitFrames(huge).error?.message).toMatch(/exceeds the limit/);
    const v1 = Buffer.alloc(16);
    v1.write('THFT');
    v1.writeUInt32BE(1, 4);
    v1.writeUInt32BE(0x7fffffff, 8);
    v1.writeUInt32BE(0x7fffffff, 12);
    expect(splitFrames(v1).error?.code).toBe('BAD_FRAME');
    expect(splitFrames(exampleRequest, 90).error?.code).toBe('BAD_FRAME');
  });
});

describe('response frames', () => {
  it('splits responses and waits for partial ones', () => {
    const second = encodeControlMetaResponse({ err: 'ERR_FORWARD_TO_OTHERS', oldLevel: 'invalid' }, { seqid: 9 });
    const stream = Buffer.concat([exampleResponse, second]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const split = splitResponseFrames(stream.subarray(0, cut));
      expect(split.error).toBeUndefined();
      const expected = cut >= stream.length ? 2 : cut >= 74 ? 1 : 0;
      expect(split.frames).toHaveLength(expected);
    }
  });

  it('rejects lengths too small or too large', () => {
    expect(splitResponseFrames(new Uint8Array([0, 0, 0, 3])).error?.code).toBe('BAD_FRAME');
    expect(splitResponseFrames(new Uint8Array([0xff, 0xff, 0xff, 0xff])).error?.code).toBe('BAD_FRAME');
    expect(splitResponseFrames(new Uint8Array([0x7f, 0xff, 0xff, 0xff])).error?.message).toMatch(/limit/);
  });

  it('carries a transport error without a result', () => {
    const frame = responseFrame(encodeErrorResponseFrame('RPC_CM_LIST_APPS', 4, 'ERR_HANDLER_NOT_FOUND'));
    expect(frame).toMatchObject({ errorName: 'ERR_HANDLER_NOT_FOUND', name: 'RPC_CM_LIST_APPS_ACK', seqid: 4 });
    expect(frame.result).toHaveLength(0);
  });

  it('refuses a frame whose length field disagrees with its size', () => {
    const bytes = Buffer.from(exampleResponse);
    bytes.writeInt32BE(80, 0);
    expect(decodeResponseFrame(bytes)).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('is a decode error at every truncation of the result', () => {
    const full = responseFrame(exampleResponse);
    for (let cut = 0; cut < full.result.length; cut++) {
      const truncated = encodeResponseFrame({ ...full, result: full.result.subarray(0, cut) });
      const decoded = decodeControlMetaResponse(responseFrame(truncated));
      expect(decoded).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR' } });
    }
  });

  it('refuses another RPC reply and stray bytes', () => {
    const other = responseFrame(encodeErrorResponseFrame('RPC_CM_LIST_APPS', 1, 'ERR_OK'));
    expect(decodeControlMetaResponse(other)).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
    const full = responseFrame(exampleResponse);
    const padded = { ...full, result: Buffer.concat([full.result, Buffer.from([0])]) };
    expect(decodeControlMetaResponse(padded)).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR' } });
    expect(controlMetaRpc.ackName).toBe('RPC_CM_CONTROL_META_ACK');
  });
});
