import { afterEach, describe, expect, it } from 'vitest';
import { MetaRpc } from '../../../src/pegasus/meta-rpc.js';
import { RpcClient } from '../../../src/pegasus/rpc-client.js';
import {
  adminRpcs,
  decodeRpcRequest,
  encodeRpcResponse,
  type AppInfo,
  type MetaLevelOrInvalid,
  type RequestFrame,
} from '../../../src/pegasus/thft/index.js';
import { startFakeThftServer, unusedAddress, type FakeThftServer } from './fake-thft-server.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const temp: AppInfo = {
  status: 'AS_AVAILABLE',
  appType: 'pegasus',
  appName: 'temp',
  appId: 2,
  partitionCount: 2,
  envs: {},
  isStateful: true,
  maxReplicaCount: 3,
  expireSecond: 0,
  createSecond: 1_773_434_401,
  dropSecond: 0,
  initPartitionCount: 2,
};

/** A fake meta group: one leader (index `leader`), the others backups; `silent` metas never answer. */
class FakeMetas {
  leader = 0;
  level: MetaLevelOrInvalid = 'steady';
  silent = new Set<number>();
  created: unknown[] = [];
  servers: FakeThftServer[] = [];

  async start(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const server = await startFakeThftServer(({ frame, socket }) => {
        if (this.silent.has(i)) return;
        socket.write(this.answer(i, frame));
      });
      cleanups.push(() => server.close());
      this.servers.push(server);
    }
  }

  addresses(): string[] {
    return this.servers.map((s) => s.address);
  }

  requestsTo(i: number): number {
    return this.servers[i]!.requests.length;
  }

  private answer(i: number, frame: RequestFrame): Uint8Array {
    const isLeader = i === this.leader;
    const err = isLeader ? 'ERR_OK' : 'ERR_FORWARD_TO_OTHERS';
    const seqid = frame.seqid;
    switch (frame.name) {
      case 'RPC_CM_CONTROL_META': {
        const request = decodeRpcRequest(adminRpcs.RPC_CM_CONTROL_META, frame);
        if (!request.ok) throw new Error(request.error.message);
        const oldLevel = this.level;
        if (isLeader && request.value.level !== 'invalid') this.level = request.value.level;
        return encodeRpcResponse(adminRpcs.RPC_CM_CONTROL_META, { err, oldLevel }, { seqid });
      }
      case 'RPC_CM_CLUSTER_INFO':
        return encodeRpcResponse(
          adminRpcs.RPC_CM_CLUSTER_INFO,
          { err, keys: ['meta_function_level', 'cluster_name'], values: [this.level, 'onebox'] },
          { seqid },
        );
      case 'RPC_CM_LIST_NODES':
        return encodeRpcResponse(
          adminRpcs.RPC_CM_LIST_NODES,
          { err, infos: [{ status: 'NS_ALIVE', node: '127.0.0.1:34801', hpNode: 'localhost:34801' }] },
          { seqid },
        );
      case 'RPC_CM_LIST_APPS':
        return encodeRpcResponse(adminRpcs.RPC_CM_LIST_APPS, { err, infos: [temp] }, { seqid });
      case 'RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX': {
        const request = decodeRpcRequest(adminRpcs.RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX, frame);
        if (!request.ok) throw new Error(request.error.message);
        const known = request.value.appName === 'temp';
        return encodeRpcResponse(
          adminRpcs.RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX,
          {
            err: !isLeader ? err : known ? 'ERR_OK' : 'ERR_OBJECT_NOT_FOUND',
            appId: known ? 2 : 0,
            partitionCount: known ? 2 : 0,
            isStateful: true,
            partitions: known
              ? [0, 1].map((pidx) => ({
                  pid: { appId: 2, partitionIndex: pidx },
                  ballot: 3,
                  maxReplicaCount: 3,
                  primary: '127.0.0.1:34801',
                  secondaries: ['127.0.0.1:34802', '127.0.0.1:34803'],
                  lastDrops: [],
                  lastCommittedDecree: 10,
                  partitionFlags: 0,
                }))
              : [],
          },
          { seqid },
        );
      }
      case 'RPC_CM_CREATE_APP': {
        const request = decodeRpcRequest(adminRpcs.RPC_CM_CREATE_APP, frame);
        if (!request.ok) throw new Error(request.error.message);
        if (isLeader) this.created.push(request.value);
        return encodeRpcResponse(adminRpcs.RPC_CM_CREATE_APP, { err, appId: isLeader ? 3 : 0 }, { seqid });
      }
      case 'RPC_CLI_CLI_CALL': {
        const request = decodeRpcRequest(adminRpcs.RPC_CLI_CLI_CALL, frame);
        if (!request.ok) throw new Error(request.error.message);
        const { cmd } = request.value;
        const output =
          cmd.startsWith('meta.') && !isLeader
            ? `unknown command '${cmd}'`
            : `${cmd} on meta ${i}: ${request.value.arguments.join(',')}`;
        return encodeRpcResponse(adminRpcs.RPC_CLI_CLI_CALL, output, { seqid });
      }
      default:
        throw new Error(`unexpected ${frame.name}`);
    }
  }
}

async function metas(count = 3): Promise<FakeMetas> {
  const group = new FakeMetas();
  await group.start(count);
  return group;
}

function metaRpc(addresses: string[], timeoutMs = 2000): MetaRpc {
  const rpc = new MetaRpc({ metaServers: addresses, timeoutMs });
  cleanups.push(() => rpc.close());
  return rpc;
}

describe('MetaRpc leader handling', () => {
  it('asks every meta when no leader is known and keeps the one that does not forward', async () => {
    const group = await metas();
    group.leader = 2;
    const rpc = metaRpc(group.addresses());
    expect(rpc.leader()).toBeUndefined();
    expect(await rpc.controlMeta('invalid')).toEqual({ ok: true, value: { err: 'ERR_OK', oldLevel: 'steady' } });
    expect(rpc.leader()).toBe(group.addresses()[2]);
    expect([0, 1, 2].map((i) => group.requestsTo(i))).toEqual([1, 1, 1]);
    await rpc.listApps();
    expect([0, 1, 2].map((i) => group.requestsTo(i))).toEqual([1, 1, 2]);
  });

  it('follows a leader change', async () => {
    const group = await metas();
    const rpc = metaRpc(group.addresses());
    expect(await rpc.findLeader()).toEqual({ ok: true, value: group.addresses()[0] });
    group.leader = 1;
    expect(await rpc.clusterInfo()).toMatchObject({ ok: true });
    expect(rpc.leader()).toBe(group.addresses()[1]);
  });

  it('finds a new leader when the old one is down', async () => {
    const group = await metas();
    const rpc = metaRpc(group.addresses());
    await rpc.findLeader();
    await group.servers[0]!.close();
    group.leader = 2;
    expect(await rpc.listNodes()).toMatchObject({ ok: true });
    expect(rpc.leader()).toBe(group.addresses()[2]);
  });

  it('takes the first leader answer without waiting for a silent meta', async () => {
    const group = await metas();
    group.silent.add(0);
    group.leader = 1;
    const rpc = metaRpc(group.addresses(), 10_000);
    expect(await rpc.controlMeta('invalid')).toMatchObject({ ok: true });
    expect(rpc.leader()).toBe(group.addresses()[1]);
  });

  it('says so when every meta forwards (election in progress)', async () => {
    const group = await metas();
    group.leader = -1;
    const result = await metaRpc(group.addresses()).controlMeta('invalid');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'RPC_ERROR', errorName: 'ERR_FORWARD_TO_OTHERS', message: /leader election/ },
    });
  });

  it('says so when no meta answers', async () => {
    const rpc = metaRpc([await unusedAddress(), await unusedAddress()]);
    const result = await rpc.clusterInfo();
    expect(result).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED', message: /ECONNREFUSED/ } });
    const timedOut = await metas(1);
    timedOut.silent.add(0);
    const slow = await metaRpc(timedOut.addresses(), 50).clusterInfo();
    expect(slow).toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    expect(await metaRpc([]).listApps()).toMatchObject({ ok: false, error: { code: 'CONNECTION_FAILED' } });
  });
});

describe('MetaRpc admin calls', () => {
  it('sets the level and returns the old one', async () => {
    const group = await metas();
    const rpc = metaRpc(group.addresses());
    expect(await rpc.controlMeta('lively')).toEqual({ ok: true, value: { err: 'ERR_OK', oldLevel: 'steady' } });
    expect(group.level).toBe('lively');
    expect(await rpc.controlMeta('invalid')).toMatchObject({ ok: true, value: { oldLevel: 'lively' } });
  });

  it('returns cluster info as a map, nodes, apps and partition configs', async () => {
    const group = await metas();
    const rpc = metaRpc(group.addresses());
    expect(await rpc.clusterInfo()).toEqual({
      ok: true,
      value: { meta_function_level: 'steady', cluster_name: 'onebox' },
    });
    expect(await rpc.listNodes()).toEqual({
      ok: true,
      value: [{ status: 'NS_ALIVE', node: '127.0.0.1:34801', hpNode: 'localhost:34801' }],
    });
    expect(await rpc.listApps({ status: 'AS_AVAILABLE' })).toEqual({ ok: true, value: [temp] });
    const config = await rpc.queryConfig('temp');
    expect(config.ok && config.value.partitions.map((p) => p.pid.partitionIndex)).toEqual([0, 1]);
  });

  it('turns an application error into RPC_ERROR with its name', async () => {
    const group = await metas();
    const result = await metaRpc(group.addresses()).queryConfig('missing');
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'RPC_ERROR', errorName: 'ERR_OBJECT_NOT_FOUND', message: /ERR_OBJECT_NOT_FOUND/ },
    });
  });

  it('creates a table with the default options', async () => {
    const group = await metas();
    const rpc = metaRpc(group.addresses());
    const result = await rpc.createApp({ name: 'orders', partitionCount: 8, replicaCount: 3, envs: { a: 'b' } });
    expect(result).toEqual({ ok: true, value: { appId: 3 } });
    expect(group.created).toEqual([
      {
        appName: 'orders',
        options: {
          partitionCount: 8,
          replicaCount: 3,
          successIfExist: false,
          appType: 'pegasus',
          isStateful: true,
          envs: { a: 'b' },
        },
      },
    ]);
  });

  it('runs remote commands on any server, meta.* on the leader', async () => {
    const group = await metas();
    group.leader = 1;
    const rpc = metaRpc(group.addresses());
    const [first] = group.addresses();
    expect(await rpc.cliCall(first!, 'server-info')).toEqual({ ok: true, value: 'server-info on meta 0: ' });
    expect(await rpc.cliCall(first!, 'meta.lb.only_move_primary', ['true'])).toEqual({
      ok: true,
      value: "unknown command 'meta.lb.only_move_primary'",
    });
    expect(await rpc.cliCallOnLeader('meta.lb.only_move_primary', ['true'])).toEqual({
      ok: true,
      value: { address: group.addresses()[1], output: 'meta.lb.only_move_primary on meta 1: true' },
    });
  });

  it('shares a client it was given and leaves it open', async () => {
    const group = await metas();
    const client = new RpcClient();
    cleanups.push(() => client.close());
    const rpc = new MetaRpc({ metaServers: group.addresses(), client });
    await rpc.findLeader();
    await rpc.close();
    expect(await client.call(group.addresses()[0]!, adminRpcs.RPC_CM_CONTROL_META, { level: 'invalid' })).toMatchObject(
      {
        ok: true,
      },
    );
    expect(rpc.bytesRead).toBe(client.bytesRead);
  });
});
