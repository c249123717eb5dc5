import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeCliCallResponse,
  decodeClusterInfoResponse,
  decodeControlMetaResponse,
  decodeCreateAppResponse,
  decodeListAppsResponse,
  decodeListNodesResponse,
  decodeQueryConfigResponse,
  encodeCliCallRequest,
  encodeClusterInfoRequest,
  encodeControlMetaRequest,
  encodeCreateAppRequest,
  encodeListAppsRequest,
  encodeListNodesRequest,
  encodeQueryConfigRequest,
  encodeRequestFrame,
  encodeMessage,
  MessageType,
  type ResponseFrame,
} from '../../src/pegasus/thft/index.js';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { expectClose, get, hex, probe, thftExchange } from './sim-client.js';

/** The worked example of the reference: `set_meta_level steady`, v0 header, seqid 1, timeout 5000 ms. */
const workedRequest = Buffer.concat([
  Buffer.from('54484654' + '00000000' + '00000030' + '00000000' + '0000002b' + '00000000', 'hex'),
  Buffer.from('00000000' + '00000000' + '00001388' + '00000000' + '0000000000000000', 'hex'),
  Buffer.from('8001000100000013', 'hex'),
  Buffer.from('RPC_CM_CONTROL_META', 'latin1'),
  Buffer.from('00000001' + '0c0001' + '080001' + '00000190' + '00' + '00', 'hex'),
]);

function expectedReply(oldLevel: number, seqid = 1): string {
  return (
    '0000004a' +
    '00000006' +
    Buffer.from('ERR_OK').toString('hex') +
    '8001000200000017' +
    Buffer.from('RPC_CM_CONTROL_META_ACK').toString('hex') +
    seqid.toString(16).padStart(8, '0') +
    '0c0000' +
    '0c0001' +
    '00000006' +
    Buffer.from('ERR_OK').toString('hex') +
    '080002' +
    oldLevel.toString(16).padStart(8, '0') +
    '00' +
    '00'
  );
}

function only<T>(frames: ResponseFrame[], decode: (f: ResponseFrame) => { ok: true; value: T } | { ok: false }): T {
  const frame = frames[0];
  if (!frame) throw new Error('no reply frame');
  const decoded = decode(frame);
  if (!decoded.ok) throw new Error('reply did not decode');
  return decoded.value;
}

describe('simulated cluster THFT RPC', () => {
  let sim: SimCluster;
  let leader: string;
  let backup: string;

  beforeAll(async () => {
    sim = await startSimCluster({ autoTick: false, clock: () => Date.UTC(2026, 2, 13), seed: 3, freshStart: true });
    leader = sim.metaServers[0] ?? '';
    backup = sim.metaServers[2] ?? '';
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('answers the worked example byte for byte: 91-byte request, 74-byte reply with the real old level', async () => {
    expect(workedRequest.length).toBe(91);
    const first = await thftExchange(leader, workedRequest);
    expect(first.raw[0]?.length).toBe(74);
    expect(hex(first.raw[0] ?? new Uint8Array())).toBe(expectedReply(400));
    // Set lively with the codec, then the worked example again reports lively (500) as the old level.
    await thftExchange(leader, encodeControlMetaRequest({ level: 'lively' }, { seqid: 9 }));
    const second = await thftExchange(leader, workedRequest);
    expect(hex(second.raw[0] ?? new Uint8Array())).toBe(expectedReply(500));
    expect(sim.model.leader()?.storedLevel).toBe('steady');
  });

  it('reads the level without changing it (fl_invalid)', async () => {
    const { frames } = await thftExchange(leader, encodeControlMetaRequest({ level: 'invalid' }, { seqid: 2 }));
    expect(only(frames, decodeControlMetaResponse)).toEqual({ err: 'ERR_OK', oldLevel: 'steady' });
  });

  it('answers ERR_FORWARD_TO_OTHERS from a backup, with old_level left at its default 0', async () => {
    const { raw } = await thftExchange(backup, encodeControlMetaRequest({ level: 'lively' }, { seqid: 5 }));
    const bytes = hex(raw[0] ?? new Uint8Array());
    expect(bytes).toContain(Buffer.from('ERR_FORWARD_TO_OTHERS').toString('hex'));
    expect(bytes.endsWith('080002' + '00000000' + '0000')).toBe(true);
    expect(sim.model.leader()?.storedLevel).toBe('steady');
    const info = await thftExchange(backup, encodeClusterInfoRequest({}, { seqid: 6 }));
    expect(only(info.frames, decodeClusterInfoResponse)).toEqual({
      err: 'ERR_FORWARD_TO_OTHERS',
      keys: [],
      values: [],
    });
  });

  it('tells where the leader is through query_cfg on a backup', async () => {
    const { frames } = await thftExchange(
      backup,
      encodeQueryConfigRequest({ appName: 'temp', partitionIndices: [] }, { seqid: 7 }),
    );
    const reply = only(frames, decodeQueryConfigResponse);
    expect(reply.err).toBe('ERR_FORWARD_TO_OTHERS');
    expect(reply.partitions[0]?.primary).toBe(leader);
  });

  it('matches pipelined calls by seqid, in order', async () => {
    const payload = Buffer.concat([
      encodeClusterInfoRequest({}, { seqid: 101 }),
      encodeListNodesRequest({ status: 'NS_INVALID' }, { seqid: 102 }),
      encodeControlMetaRequest({ level: 'invalid' }, { seqid: 103 }),
    ]);
    const { frames } = await thftExchange(leader, payload, 3);
    expect(frames.map((f) => [f.name, f.seqid, f.errorName])).toEqual([
      ['RPC_CM_CLUSTER_INFO_ACK', 101, 'ERR_OK'],
      ['RPC_CM_LIST_NODES_ACK', 102, 'ERR_OK'],
      ['RPC_CM_CONTROL_META_ACK', 103, 'ERR_OK'],
    ]);
  });

  it('accepts the v1 header (Java client)', async () => {
    const { frames } = await thftExchange(leader, encodeClusterInfoRequest({}, { seqid: 11, headerVersion: 1 }));
    const info = only(frames, decodeClusterInfoResponse);
    expect(info.keys).toEqual([
      'meta_servers',
      'primary_meta_server',
      'zookeeper_hosts',
      'zookeeper_root',
      'meta_function_level',
      'balance_operation_count',
      'primary_replica_count_stddev',
      'total_replica_count_stddev',
      'cluster_name',
    ]);
    expect(info.values[1]).toBe(leader);
    expect(info.values[8]).toBe('onebox');
    // The RPC and the HTTP body agree on the shared keys.
    const http = JSON.parse((await get(leader, '/meta/cluster')).body) as Record<string, string>;
    expect(info.values.slice(0, 8)).toEqual(Object.values(http));
  });

  it('lists nodes with both address forms and filters by status', async () => {
    const all = only(
      (await thftExchange(leader, encodeListNodesRequest({ status: 'NS_INVALID' }, { seqid: 1 }))).frames,
      decodeListNodesResponse,
    );
    expect(all.infos.map((n) => n.node)).toEqual(
      [...sim.replicaServers].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1])),
    );
    expect(all.infos.every((n) => n.status === 'NS_ALIVE' && n.hpNode === n.node)).toBe(true);
    const unalive = only(
      (await thftExchange(leader, encodeListNodesRequest({ status: 'NS_UNALIVE' }, { seqid: 2 }))).frames,
      decodeListNodesResponse,
    );
    expect(unalive.infos).toEqual([]);
  });

  it('lists tables with their app_info and applies the name pattern', async () => {
    const all = only(
      (await thftExchange(leader, encodeListAppsRequest({ status: 'AS_INVALID' }, { seqid: 1 }))).frames,
      decodeListAppsResponse,
    );
    expect(all.infos.map((i) => i.appName)).toEqual(sim.model.tables.map((t) => t.name));
    expect(all.infos[0]).toMatchObject({
      status: 'AS_AVAILABLE',
      appType: 'pegasus',
      maxReplicaCount: 3,
      isStateful: true,
    });
    const prefixed = only(
      (
        await thftExchange(
          leader,
          encodeListAppsRequest(
            { status: 'AS_AVAILABLE', appNamePattern: 'user', matchType: 'PMT_MATCH_PREFIX' },
            { seqid: 2 },
          ),
        )
      ).frames,
      decodeListAppsResponse,
    );
    expect(prefixed.infos.map((i) => i.appName)).toEqual(['user_profile']);
  });

  it('returns partition configurations that agree with /meta/app?detail', async () => {
    const reply = only(
      (await thftExchange(leader, encodeQueryConfigRequest({ appName: 'temp', partitionIndices: [] }, { seqid: 4 })))
        .frames,
      decodeQueryConfigResponse,
    );
    expect(reply).toMatchObject({ err: 'ERR_OK', appId: 2, partitionCount: 8, isStateful: true });
    const detail = JSON.parse((await get(leader, '/meta/app?name=temp&detail')).body) as {
      replicas: Record<string, { primary: string; secondaries: string; ballot: string }>;
    };
    for (const p of reply.partitions) {
      const row = detail.replicas[String(p.pid.partitionIndex)];
      expect(p.primary).toBe(row?.primary);
      expect(`[${p.secondaries.join(',')}]`).toBe(row?.secondaries);
      expect(String(p.ballot)).toBe(row?.ballot);
      expect(p.hpPrimary).toBe(p.primary);
    }
    const missing = only(
      (await thftExchange(leader, encodeQueryConfigRequest({ appName: 'nope', partitionIndices: [] }, { seqid: 5 })))
        .frames,
      decodeQueryConfigResponse,
    );
    expect(missing.err).toBe('ERR_OBJECT_NOT_FOUND');
  });

  it('creates a table that the HTTP API then shows, and refuses a duplicate or bad options', async () => {
    const options = {
      partitionCount: 4,
      replicaCount: 3,
      successIfExist: false,
      appType: 'pegasus',
      isStateful: true,
      envs: {},
    };
    const created = only(
      (await thftExchange(leader, encodeCreateAppRequest({ appName: 'fresh', options }, { seqid: 1 }))).frames,
      decodeCreateAppResponse,
    );
    expect(created.err).toBe('ERR_OK');
    expect((await get(leader, '/meta/app?name=fresh')).body).toBe(
      `{"general":{"app_name":"fresh","app_id":"${created.appId}","partition_count":"4","max_replica_count":"3"}}\n`,
    );
    const again = only(
      (await thftExchange(leader, encodeCreateAppRequest({ appName: 'fresh', options }, { seqid: 2 }))).frames,
      decodeCreateAppResponse,
    );
    expect(again.err).toBe('ERR_APP_EXIST');
    const idempotent = only(
      (
        await thftExchange(
          leader,
          encodeCreateAppRequest({ appName: 'fresh', options: { ...options, successIfExist: true } }, { seqid: 3 }),
        )
      ).frames,
      decodeCreateAppResponse,
    );
    expect(idempotent).toEqual({ err: 'ERR_OK', appId: created.appId });
    const tooMany = only(
      (
        await thftExchange(
          leader,
          encodeCreateAppRequest({ appName: 'wide', options: { ...options, replicaCount: 9 } }, { seqid: 4 }),
        )
      ).frames,
      decodeCreateAppResponse,
    );
    expect(tooMany.err).toBe('ERR_INVALID_PARAMETERS');
  });

  it('runs remote commands: help, server-info, server-stat and the leader-only meta.lb commands', async () => {
    const call = async (address: string, cmd: string, args: string[] = []): Promise<string> =>
      only(
        (await thftExchange(address, encodeCliCallRequest({ cmd, arguments: args }, { seqid: 1 }))).frames,
        decodeCliCallResponse,
      );
    expect(await call(leader, 'help')).toContain('server-info - Query server information\n');
    expect(await call(leader, 'help', ['server-info'])).toBe('server-info - Query server information\nserver-info \n');
    expect(JSON.parse(await call(sim.replicaServers[0] ?? '', 'server-info'))).toEqual({
      build_type: 'Release',
      git_SHA: 'db756dcdf24e2af6169659a67548501ed61f106c',
      start_time: '2026-03-13 00:00:00',
      version: '2.6.0',
    });
    expect(await call(leader, 'server-stat')).toMatch(
      /^replica\*app\.pegasus\*manual\.compact\.enqueue\.count=not_found, /,
    );
    expect(await call(leader, 'meta.lb.get_balance_operation_count', ['detail'])).toBe(
      '{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}',
    );
    expect(await call(leader, 'meta.lb.get_balance_operation_count')).toBe('{\n  "total": 0\n}');
    expect(await call(leader, 'meta.lb.only_move_primary')).toBe(
      '{\n  "error": "ok",\n  "meta.lb.only_move_primary": "false"\n}',
    );
    expect(await call(backup, 'meta.lb.get_balance_operation_count')).toBe(
      "unknown command 'meta.lb.get_balance_operation_count'",
    );
    expect(await call(leader, 'no-such-command')).toBe("unknown command 'no-such-command'");
  });

  it('answers ERR_HANDLER_NOT_FOUND for meta RPCs on a replica server and for unknown RPCs', async () => {
    const onReplica = await thftExchange(sim.replicaServers[0] ?? '', encodeClusterInfoRequest({}, { seqid: 77 }));
    expect(onReplica.frames[0]).toMatchObject({
      errorName: 'ERR_HANDLER_NOT_FOUND',
      name: 'RPC_CM_CLUSTER_INFO_ACK',
      seqid: 77,
    });
    const body = encodeMessage('RPC_NO_SUCH_THING', MessageType.CALL, 78, (w) => w.fieldStop());
    const unknown = await thftExchange(leader, encodeRequestFrame(body));
    expect(unknown.frames[0]).toMatchObject({ errorName: 'ERR_HANDLER_NOT_FOUND', seqid: 78 });
  });

  it('closes the connection on malformed frames without crashing, and keeps serving', async () => {
    // A bad header version, a bad v0 header length, a REPLY instead of a CALL, garbage args.
    expect(await expectClose(leader, Buffer.from('54484654000000070000003000000000', 'hex'))).toBe(true);
    expect(
      await expectClose(leader, Buffer.concat([Buffer.from('5448465400000000000000ff', 'hex'), Buffer.alloc(60)])),
    ).toBe(true);
    const reply = encodeMessage('RPC_CM_CLUSTER_INFO', MessageType.REPLY, 1, (w) => w.fieldStop());
    expect(await expectClose(leader, encodeRequestFrame(reply))).toBe(true);
    const garbage = encodeMessage('RPC_CM_CONTROL_META', MessageType.CALL, 1, (w) => w.fieldBegin(11, 1).i32(99999));
    expect(await expectClose(leader, encodeRequestFrame(garbage))).toBe(true);
    // A truncated frame: the server waits for the rest (no reply, no crash) and closes when the client does.
    expect(await probe(leader, workedRequest.subarray(0, 60), 300)).toEqual({ closed: false, received: 0 });
    const after = await thftExchange(leader, workedRequest);
    expect(after.raw[0]?.length).toBe(74);
  });
});
