import { describe, expect, it } from 'vitest';
import {
  ThriftWriter,
  TType,
  adminRpcs,
  cliCallRpc,
  clusterInfoRpc,
  controlMetaRpc,
  createAppRpc,
  decodeCliCallResponse,
  decodeListNodesResponse,
  decodeQueryConfigResponse,
  decodeRequestFrame,
  decodeResponseFrame,
  decodeRpcRequest,
  decodeRpcResponse,
  encodeQueryConfigRequest,
  encodeResponseFrame,
  encodeRpcRequest,
  encodeRpcResponse,
  listAppsRpc,
  listNodesRpc,
  queryConfigRpc,
  type AppInfo,
  type PartitionConfiguration,
  type RpcCodec,
} from '../../../src/pegasus/thft/index.js';
import { bytesFromNotation } from './hex.js';

function roundTripRequest<Req, Resp>(codec: RpcCodec<Req, Resp>, request: Req, version: 0 | 1 = 0): Req {
  const frame = decodeRequestFrame(encodeRpcRequest(codec, request, { seqid: 42, headerVersion: version }));
  if (!frame.ok) throw new Error(frame.error.message);
  expect(frame.value.name).toBe(codec.name);
  const decoded = decodeRpcRequest(codec, frame.value);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

function roundTripResponse<Req, Resp>(codec: RpcCodec<Req, Resp>, response: Resp): Resp {
  const frame = decodeResponseFrame(encodeRpcResponse(codec, response, { seqid: 42 }));
  if (!frame.ok) throw new Error(frame.error.message);
  expect(frame.value.name).toBe(`${codec.name}_ACK`);
  const decoded = decodeRpcResponse(codec, frame.value);
  if (!decoded.ok) throw new Error(decoded.error.message);
  return decoded.value;
}

const table: AppInfo = {
  status: 'AS_AVAILABLE',
  appType: 'pegasus',
  appName: 'temp',
  appId: 2,
  partitionCount: 8,
  envs: { 'replica.slow_query_threshold': '100', ['__proto__']: 'kept as data' },
  isStateful: true,
  maxReplicaCount: 3,
  expireSecond: 0,
  createSecond: 1_773_434_401,
  dropSecond: 0,
  duplicating: false,
  initPartitionCount: 8,
  atomicIdempotent: true,
};

const partition: PartitionConfiguration = {
  pid: { appId: 2, partitionIndex: 7 },
  ballot: 12,
  maxReplicaCount: 3,
  primary: '10.0.0.1:34801',
  secondaries: ['10.0.0.2:34802', '10.0.0.3:34803'],
  lastDrops: [],
  lastCommittedDecree: 9_007_199_254_740_000,
  partitionFlags: 0,
  hpPrimary: 'node1.example:34801',
  hpSecondaries: ['node2.example:34802', 'node3.example:34803'],
  hpLastDrops: [],
};

describe('admin RPC round trips', () => {
  it('RPC_CM_CONTROL_META every level both ways', () => {
    for (const level of ['stopped', 'blind', 'freezed', 'steady', 'lively', 'invalid'] as const) {
      expect(roundTripRequest(controlMetaRpc, { level })).toEqual({ level });
      expect(roundTripResponse(controlMetaRpc, { err: 'ERR_OK', oldLevel: level })).toEqual({
        err: 'ERR_OK',
        oldLevel: level,
      });
    }
  });

  it('RPC_CM_CLUSTER_INFO', () => {
    expect(roundTripRequest(clusterInfoRpc, {}, 1)).toEqual({});
    const response = {
      err: 'ERR_OK',
      keys: ['meta_servers', 'cluster_name'],
      values: ['127.0.0.1:34601,127.0.0.1:34602', 'onebox'],
    };
    expect(roundTripResponse(clusterInfoRpc, response)).toEqual(response);
  });

  it('RPC_CM_LIST_NODES with and without hp_node', () => {
    expect(roundTripRequest(listNodesRpc, { status: 'NS_ALIVE' })).toEqual({ status: 'NS_ALIVE' });
    const response = {
      err: 'ERR_OK',
      infos: [
        { status: 'NS_ALIVE' as const, node: '127.0.0.1:34801', hpNode: 'localhost:34801' },
        { status: 'NS_UNALIVE' as const, node: '127.0.0.1:34802' },
      ],
    };
    expect(roundTripResponse(listNodesRpc, response)).toEqual(response);
  });

  it('RPC_CM_LIST_APPS with the full app_info', () => {
    const request = { status: 'AS_AVAILABLE' as const, appNamePattern: 'te', matchType: 'PMT_MATCH_PREFIX' as const };
    expect(roundTripRequest(listAppsRpc, request)).toEqual(request);
    expect(roundTripRequest(listAppsRpc, { status: 'AS_INVALID' })).toEqual({ status: 'AS_INVALID' });
    const response = { err: 'ERR_OK', infos: [table, { ...table, appId: 3, appName: 'stat', envs: {} }] };
    const decoded = roundTripResponse(listAppsRpc, response);
    expect(decoded).toEqual(response);
    expect(Object.keys(decoded.infos[0]!.envs)).toContain('__proto__');
    const hinted = { err: 'ERR_INVALID_PARAMETERS', infos: [], hintMessage: 'bad regex' };
    expect(roundTripResponse(listAppsRpc, hinted)).toEqual(hinted);
  });

  it('RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX with and without hp_* fields', () => {
    const request = { appName: 'temp', partitionIndices: [0, 7] };
    expect(roundTripRequest(queryConfigRpc, request)).toEqual(request);
    const old: PartitionConfiguration = {
      pid: { appId: 2, partitionIndex: 0 },
      ballot: 3,
      maxReplicaCount: 3,
      primary: '',
      secondaries: ['10.0.0.2:34802'],
      lastDrops: ['10.0.0.1:34801'],
      lastCommittedDecree: 0,
      partitionFlags: 0,
    };
    const response = { err: 'ERR_OK', appId: 2, partitionCount: 8, isStateful: true, partitions: [partition, old] };
    expect(roundTripResponse(queryConfigRpc, response)).toEqual(response);
  });

  it('RPC_CM_CREATE_APP', () => {
    const request = {
      appName: 'orders',
      options: {
        partitionCount: 16,
        replicaCount: 3,
        successIfExist: false,
        appType: 'pegasus',
        isStateful: true,
        envs: { 'rocksdb.usage_scenario': 'normal' },
      },
    };
    expect(roundTripRequest(createAppRpc, request)).toEqual(request);
    const withFlag = { ...request, options: { ...request.options, atomicIdempotent: true } };
    expect(roundTripRequest(createAppRpc, withFlag, 1)).toEqual(withFlag);
    expect(roundTripResponse(createAppRpc, { err: 'ERR_OK', appId: 5 })).toEqual({ err: 'ERR_OK', appId: 5 });
  });

  it('RPC_CLI_CLI_CALL: command struct in, string out', () => {
    const request = { cmd: 'meta.lb.only_move_primary', arguments: ['true'] };
    expect(roundTripRequest(cliCallRpc, request)).toEqual(request);
    const output = '{"error":"ok","meta.lb.only_move_primary":"true"}';
    expect(roundTripResponse(cliCallRpc, output)).toBe(output);
    const bytes = encodeRpcResponse(cliCallRpc, 'x', { seqid: 1 });
    // result {0: STRING "x"} STOP
    expect(Buffer.from(bytes.subarray(bytes.length - 9)).toString('hex')).toBe('0b00000000000178' + '00');
  });

  it('names every RPC by its code', () => {
    for (const [name, codec] of Object.entries(adminRpcs)) expect(codec.name).toBe(name);
  });
});

describe('decoding details', () => {
  function resultFrame(result: Uint8Array, name = 'RPC_CM_LIST_NODES_ACK') {
    const frame = decodeResponseFrame(encodeResponseFrame({ errorName: 'ERR_OK', name, seqid: 1, result }));
    if (!frame.ok) throw new Error(frame.error.message);
    return frame.value;
  }

  it('reads host_port ports above 32767 as unsigned', () => {
    const writer = new ThriftWriter();
    writer.fieldBegin(TType.STRUCT, 0);
    writer.fieldBegin(TType.STRUCT, 1).string('ERR_OK');
    writer.fieldBegin(TType.LIST, 2).listBegin(TType.STRUCT, 1);
    writer.fieldBegin(TType.I32, 1).i32(1);
    writer.fieldBegin(TType.STRUCT, 2).i64(0n);
    writer.fieldBegin(TType.STRUCT, 3).string('host1').i16(34801).byte(1);
    writer.fieldStop().fieldStop().fieldStop();
    const bytes = writer.finish();
    // the port travels as 0x87f1, a negative i16
    expect(Buffer.from(bytes).toString('hex')).toContain('686f73743187f101');
    expect(decodeListNodesResponse(resultFrame(bytes))).toEqual({
      ok: true,
      value: { err: 'ERR_OK', infos: [{ status: 'NS_ALIVE', node: '', hpNode: 'host1:34801' }] },
    });
  });

  it('skips unknown fields of every type in a response', () => {
    const writer = new ThriftWriter();
    writer.fieldBegin(TType.STRUCT, 0);
    writer.fieldBegin(TType.DOUBLE, 90).double(1.5);
    writer.fieldBegin(TType.MAP, 91).mapBegin(TType.STRING, TType.LIST, 1).string('k').listBegin(TType.I16, 2);
    writer.i16(1).i16(2);
    writer.fieldBegin(TType.SET, 92).setBegin(TType.BOOL, 2).bool(true).bool(false);
    writer.fieldBegin(TType.STRUCT, 93).fieldBegin(TType.BYTE, 1).byte(7).fieldBegin(TType.I64, 2).i64(1n).fieldStop();
    writer.fieldBegin(TType.STRUCT, 1).string('ERR_OK');
    writer.fieldBegin(TType.LIST, 2).listBegin(TType.STRUCT, 0);
    writer.fieldStop();
    writer.fieldBegin(TType.STRING, 5).string('extra result field');
    writer.fieldStop();
    expect(decodeListNodesResponse(resultFrame(writer.finish()))).toEqual({
      ok: true,
      value: { err: 'ERR_OK', infos: [] },
    });
  });

  it('refuses a response without err, with a known field of the wrong type, or an unknown level', () => {
    const noErr = bytesFromNotation('0c0000 0f0002 0c00000000 00 00');
    expect(decodeListNodesResponse(resultFrame(noErr))).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR' } });
    const wrongType = bytesFromNotation('0c0000 0b0001 00000006 "ERR_OK" 00 00');
    expect(decodeListNodesResponse(resultFrame(wrongType)).ok).toBe(false);
    const unknownLevel = bytesFromNotation('0c0000 0c0001 00000006 "ERR_OK" 080002 00000191 00 00');
    const frame = resultFrame(unknownLevel, 'RPC_CM_CONTROL_META_ACK');
    const decoded = decodeRpcResponse(controlMetaRpc, frame);
    expect(decoded).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR', message: /meta_function_level 401/ } });
  });

  it('reads a backup meta answer whose old_level is the thrift default 0', () => {
    const backup = bytesFromNotation('0c0000 0c0001 00000015 "ERR_FORWARD_TO_OTHERS" 080002 00000000 00 00');
    const decoded = decodeRpcResponse(controlMetaRpc, resultFrame(backup, 'RPC_CM_CONTROL_META_ACK'));
    expect(decoded).toEqual({ ok: true, value: { err: 'ERR_FORWARD_TO_OTHERS', oldLevel: 'invalid' } });
  });

  it('refuses a forged list size without allocating it', () => {
    const bytes = bytesFromNotation('0c0000 0c0001 00000006 "ERR_OK" 0f0005 0c7fffffff 00 00');
    const decoded = decodeQueryConfigResponse(resultFrame(bytes, 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX_ACK'));
    expect(decoded).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR' } });
  });

  it('takes the first args field whatever its id, as the server does', () => {
    const frame = decodeRequestFrame(encodeQueryConfigRequest({ appName: 't', partitionIndices: [] }, { seqid: 1 }));
    if (!frame.ok) throw new Error(frame.error.message);
    const args = Buffer.from(frame.value.args);
    args.writeInt16BE(9, 1); // field id 1 → 9
    const decoded = decodeRpcRequest(queryConfigRpc, { ...frame.value, args });
    expect(decoded).toEqual({ ok: true, value: { appName: 't', partitionIndices: [] } });
    const empty = decodeRpcRequest(queryConfigRpc, { ...frame.value, args: new Uint8Array([0]) });
    expect(empty).toMatchObject({ ok: false, error: { code: 'DECODE_ERROR' } });
    expect(decodeRpcRequest(cliCallRpc, frame.value)).toMatchObject({ ok: false, error: { code: 'BAD_FRAME' } });
  });

  it('decodes a cli reply string', () => {
    const bytes = bytesFromNotation('0b0000 00000013 "unknown command \'x\'" 00');
    const frame = resultFrame(bytes, 'RPC_CLI_CLI_CALL_ACK');
    expect(decodeCliCallResponse(frame)).toEqual({ ok: true, value: "unknown command 'x'" });
  });
});
