/**
 * The meta server's admin RPCs over THFT, with leader handling. Backup metas answer THFT requests with
 * `err = ERR_FORWARD_TO_OTHERS` and do not say who leads, so a call goes to the last known leader first and,
 * when that fails, to all the other metas at once; the first answer that is not a forward names the leader
 * (the strategy of Pegasus's Go client, `go-client/session/meta_call.go`).
 */
import type { CreateTableOptions } from './cluster-api.js';
import { RpcClient, type RpcFailure, type RpcResult } from './rpc-client.js';
import {
  cliCallRpc,
  clusterInfoRpc,
  controlMetaRpc,
  createAppRpc,
  listAppsRpc,
  listNodesRpc,
  queryConfigRpc,
  type AdminResponse,
  type AppInfo,
  type AppStatus,
  type MetaLevelOrInvalid,
  type NodeInfoEntry,
  type NodeStatus,
  type PartitionConfiguration,
  type PatternMatchType,
  type RpcCodec,
} from './thft/index.js';

/** The error a backup meta answers with. */
export const ERR_FORWARD_TO_OTHERS = 'ERR_FORWARD_TO_OTHERS';

/** Settings of a `MetaRpc`. */
export interface MetaRpcOptions {
  /** Meta servers as `host:port` (IPv4 or host name). */
  metaServers: readonly string[];
  /** A shared client (not closed by `close()`); by default the MetaRpc makes and owns one. */
  client?: RpcClient;
  /** Per-call timeout in ms (default 5000). */
  timeoutMs?: number;
}

/** `RPC_CM_CONTROL_META` outcome: `err` is `ERR_OK` (other errors are failures); `oldLevel` is the stored level. */
export interface ControlMetaResult {
  err: string;
  oldLevel: MetaLevelOrInvalid;
}

/** Filters of `listApps`. */
export interface ListAppsOptions {
  /** Only tables in this status (default: every status). */
  status?: AppStatus;
  appNamePattern?: string;
  matchType?: PatternMatchType;
}

/** A table's partition configurations. */
export interface PartitionConfigs {
  appId: number;
  partitionCount: number;
  isStateful: boolean;
  partitions: PartitionConfiguration[];
}

/** `createApp` input: the cluster API's options plus the rarer `create_app_options`. */
export interface CreateAppInput extends CreateTableOptions {
  /** Default `pegasus`. */
  appType?: string;
  /** Default true. */
  isStateful?: boolean;
  /** Default false: creating an existing table is `ERR_APP_EXIST`. */
  successIfExist?: boolean;
  atomicIdempotent?: boolean;
}

/** A remote command's output and the server that ran it. */
export interface CliOutput {
  address: string;
  output: string;
}

function failure(code: RpcFailure['code'], message: string, errorName?: string): { ok: false; error: RpcFailure } {
  return { ok: false, error: errorName === undefined ? { code, message } : { code, message, errorName } };
}

/** Admin RPCs against one cluster's meta servers. */
export class MetaRpc {
  /** The configured meta servers. */
  readonly metaServers: readonly string[];
  private readonly client: RpcClient;
  private readonly ownsClient: boolean;
  private readonly timeoutMs: number;
  private current: string | undefined;

  constructor(options: MetaRpcOptions) {
    this.metaServers = [...new Set(options.metaServers)];
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? new RpcClient({ timeoutMs: this.timeoutMs });
  }

  /** The leader as last seen, or undefined before the first successful call (or after it stopped answering). */
  leader(): string | undefined {
    return this.current;
  }

  /** Bytes received by the underlying client (for benchmarks). */
  get bytesRead(): number {
    return this.client.bytesRead;
  }

  /** Finds the leader now (with a read-only `RPC_CM_CONTROL_META`) and returns its address. */
  async findLeader(): Promise<RpcResult<string>> {
    const result = await this.callLeader(controlMetaRpc, { level: 'invalid' });
    return result.ok ? { ok: true, value: result.value.address } : result;
  }

  /** `RPC_CM_CONTROL_META` on the leader: `invalid` reads the stored level, any other level sets it. */
  async controlMeta(level: MetaLevelOrInvalid): Promise<RpcResult<ControlMetaResult>> {
    const result = await this.callLeader(controlMetaRpc, { level });
    if (!result.ok) return result;
    return { ok: true, value: { err: result.value.response.err, oldLevel: result.value.response.oldLevel } };
  }

  /** `RPC_CM_CLUSTER_INFO` as a key → value map (`meta_servers`, `meta_function_level`, `cluster_name` …). */
  async clusterInfo(): Promise<RpcResult<Record<string, string>>> {
    const result = await this.callLeader(clusterInfoRpc, {});
    if (!result.ok) return result;
    const { keys, values } = result.value.response;
    if (keys.length !== values.length) {
      return failure(
        'BAD_RESPONSE',
        `${result.value.address} sent cluster info with ${keys.length} keys but ${values.length} values`,
      );
    }
    return { ok: true, value: Object.fromEntries(keys.map((key, i) => [key, values[i] ?? ''])) };
  }

  /** `RPC_CM_LIST_NODES`: replica servers (all by default). */
  async listNodes(status: NodeStatus = 'NS_INVALID'): Promise<RpcResult<NodeInfoEntry[]>> {
    const result = await this.callLeader(listNodesRpc, { status });
    return result.ok ? { ok: true, value: result.value.response.infos } : result;
  }

  /** `RPC_CM_LIST_APPS`: tables with their full `app_info` (every status by default, dropped ones included). */
  async listApps(options: ListAppsOptions = {}): Promise<RpcResult<AppInfo[]>> {
    const result = await this.callLeader(listAppsRpc, { status: 'AS_INVALID', ...options });
    return result.ok ? { ok: true, value: result.value.response.infos } : result;
  }

  /**
   * `RPC_CM_QUERY_PARTITION_CONFIG_BY_INDEX`: partition configurations of a table (all partitions, or the
   * given indices). An unknown table is `RPC_ERROR` with `errorName` `ERR_OBJECT_NOT_FOUND`.
   */
  async queryConfig(appName: string, partitionIndices: readonly number[] = []): Promise<RpcResult<PartitionConfigs>> {
    const result = await this.callLeader(queryConfigRpc, { appName, partitionIndices: [...partitionIndices] });
    if (!result.ok) return result;
    const { appId, partitionCount, isStateful, partitions } = result.value.response;
    return { ok: true, value: { appId, partitionCount, isStateful, partitions } };
  }

  /** `RPC_CM_CREATE_APP`: creates a table and returns its app id. */
  async createApp(input: CreateAppInput): Promise<RpcResult<{ appId: number }>> {
    const result = await this.callLeader(createAppRpc, {
      appName: input.name,
      options: {
        partitionCount: input.partitionCount,
        replicaCount: input.replicaCount,
        successIfExist: input.successIfExist ?? false,
        appType: input.appType ?? 'pegasus',
        isStateful: input.isStateful ?? true,
        envs: { ...input.envs },
        ...(input.atomicIdempotent === undefined ? {} : { atomicIdempotent: input.atomicIdempotent }),
      },
    });
    return result.ok ? { ok: true, value: { appId: result.value.response.appId } } : result;
  }

  /**
   * `RPC_CLI_CLI_CALL` on any server (meta or replica): the command's text output. Unknown commands are not
   * failures: the output says `unknown command '…'`. `meta.*` commands exist only on the leader: use
   * `cliCallOnLeader` for them.
   */
  async cliCall(address: string, cmd: string, args: readonly string[] = []): Promise<RpcResult<string>> {
    return this.client.call(address, cliCallRpc, { cmd, arguments: [...args] }, { timeoutMs: this.timeoutMs });
  }

  /** `RPC_CLI_CLI_CALL` on the leader meta (found first if unknown). */
  async cliCallOnLeader(cmd: string, args: readonly string[] = []): Promise<RpcResult<CliOutput>> {
    let address = this.current;
    if (address === undefined) {
      const found = await this.findLeader();
      if (!found.ok) return found;
      address = found.value;
    }
    const result = await this.cliCall(address, cmd, args);
    if (!result.ok) {
      if (result.error.code === 'CONNECTION_FAILED' || result.error.code === 'TIMEOUT') this.forget(address);
      return result;
    }
    return { ok: true, value: { address, output: result.value } };
  }

  /** Releases connections (only when this MetaRpc made its client). */
  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  private forget(address: string): void {
    if (this.current === address) this.current = undefined;
  }

  /** Calls the leader, finding it if needed; an `err` other than `ERR_OK` from the leader is `RPC_ERROR`. */
  private async callLeader<Req, Resp extends AdminResponse>(
    codec: RpcCodec<Req, Resp>,
    request: Req,
  ): Promise<RpcResult<{ address: string; response: Resp }>> {
    if (this.metaServers.length === 0) {
      return failure('CONNECTION_FAILED', 'no meta server is configured; set PEGASUS_META_SERVERS to host:port,…');
    }
    const known = this.current;
    const notes: string[] = [];
    let knownFailure: RpcFailure | undefined;
    if (known !== undefined) {
      const answer = await this.client.call(known, codec, request, { timeoutMs: this.timeoutMs });
      if (answer.ok && answer.value.err !== ERR_FORWARD_TO_OTHERS) return this.accept(known, codec, answer.value);
      this.forget(known);
      if (answer.ok) notes.push(`${known} is no longer the leader`);
      else {
        knownFailure = answer.error;
        notes.push(`${known}: ${answer.error.message}`);
      }
    }
    const others = this.metaServers.filter((address) => address !== known);
    if (others.length === 0) {
      return knownFailure ? { ok: false, error: knownFailure } : this.noLeader(codec.name, notes, [], []);
    }
    return this.fanOut(codec, request, others, notes);
  }

  private fanOut<Req, Resp extends AdminResponse>(
    codec: RpcCodec<Req, Resp>,
    request: Req,
    addresses: readonly string[],
    notes: string[],
  ): Promise<RpcResult<{ address: string; response: Resp }>> {
    return new Promise((resolve) => {
      let waiting = addresses.length;
      let settled = false;
      const forwards: string[] = [];
      const failures: RpcFailure[] = [];
      for (const address of addresses) {
        void this.client.call(address, codec, request, { timeoutMs: this.timeoutMs }).then((answer) => {
          if (settled) return;
          if (answer.ok && answer.value.err !== ERR_FORWARD_TO_OTHERS) {
            settled = true;
            resolve(this.accept(address, codec, answer.value));
            return;
          }
          if (answer.ok) forwards.push(address);
          else {
            failures.push(answer.error);
            notes.push(`${address}: ${answer.error.message}`);
          }
          waiting -= 1;
          if (waiting === 0) {
            settled = true;
            resolve(this.noLeader(codec.name, notes, forwards, failures));
          }
        });
      }
    });
  }

  private accept<Req, Resp extends AdminResponse>(
    address: string,
    codec: RpcCodec<Req, Resp>,
    response: Resp,
  ): RpcResult<{ address: string; response: Resp }> {
    this.current = address;
    if (response.err !== 'ERR_OK') {
      return failure('RPC_ERROR', `meta server ${address} answered ${codec.name} with ${response.err}`, response.err);
    }
    return { ok: true, value: { address, response } };
  }

  private noLeader(
    rpcName: string,
    notes: readonly string[],
    forwards: readonly string[],
    failures: readonly RpcFailure[],
  ): { ok: false; error: RpcFailure } {
    const details = [
      ...(forwards.length > 0 ? [`${forwards.join(', ')} answered ${ERR_FORWARD_TO_OTHERS}`] : []),
      ...notes,
    ].join('; ');
    if (forwards.length > 0) {
      return failure(
        'RPC_ERROR',
        `no meta server accepted ${rpcName} as leader (${details}); a leader election may be in progress, retry in a few seconds`,
        ERR_FORWARD_TO_OTHERS,
      );
    }
    // One shared cause (all timed out, all refused …) is worth its own code; a mix reads as unreachable.
    const first = failures[0]?.code;
    const code = first !== undefined && failures.every((f) => f.code === first) ? first : 'CONNECTION_FAILED';
    return failure(
      code,
      `no meta server answered ${rpcName} (${details}); check PEGASUS_META_SERVERS and that the metas are up`,
    );
  }
}
