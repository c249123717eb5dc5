/**
 * GETs against the meta servers' HTTP API with Pegasus's leader handling: backups answer `307` with
 * `Location: http://<leader>/…`, which is followed by hand (so the leader is recorded and asked first next
 * time); a meta that is down is skipped for the next one; when none answers, `CLUSTER_UNREACHABLE` names every
 * server tried and why.
 */
import { fail, ok, type Result } from '../result.js';
import { httpGet, locationAddress, type FetchLike, type HttpAnswer, type HttpTransport } from './http-get.js';

/** Options of a `MetaHttpClient`. */
export interface MetaHttpClientOptions {
  metaServers: readonly string[];
  timeoutMs: number;
  /** Sends the GETs with `transport` when given, else with `fetch` (default: the global one). */
  fetch?: FetchLike;
  transport?: HttpTransport;
  /** Told the body size of every answer (for `bytesFetched`). */
  onBytes?: (bytes: number) => void;
}

/** An answer and the meta server that gave it. */
export interface MetaAnswer extends HttpAnswer {
  server: string;
}

/** Leader-following HTTP client for `/meta/*` and other meta server paths. */
export class MetaHttpClient {
  private readonly options: MetaHttpClientOptions;
  private knownLeader: string | undefined;

  constructor(options: MetaHttpClientOptions) {
    this.options = options;
  }

  /** The last meta server that answered a `/meta/*` call itself (not with a redirect). */
  get leader(): string | undefined {
    return this.knownLeader;
  }

  /** Forgets the leader, e.g. after a fail-over was noticed elsewhere. */
  forgetLeader(): void {
    this.knownLeader = undefined;
  }

  /**
   * GETs `path` from the leader: the known leader first, then the configured servers in order, following
   * 307s. Any non-redirect answer (200, 400, 404, 500) is returned as is; only transport failures move on.
   */
  async get(path: string): Promise<Result<MetaAnswer>> {
    const queue = [
      ...new Set([...(this.knownLeader === undefined ? [] : [this.knownLeader]), ...this.options.metaServers]),
    ];
    const visited = new Set<string>();
    const problems: string[] = [];
    // Every hop visits a new address, so this ends; the cap guards against a redirect chain through many hosts.
    const maxHops = this.options.metaServers.length + 4;
    for (let hops = 0; queue.length > 0 && hops < maxHops; hops++) {
      const server = queue.shift();
      if (server === undefined || visited.has(server)) continue;
      visited.add(server);
      const answer = await httpGet(server, path, this.options);
      if (!answer.ok) {
        problems.push(`${server} ${answer.error.message}`);
        if (this.knownLeader === server) this.knownLeader = undefined;
        continue;
      }
      this.options.onBytes?.(answer.value.bytes);
      const { status, location } = answer.value;
      if (status >= 300 && status < 400) {
        const target = location === undefined ? undefined : locationAddress(location);
        if (target === undefined) {
          problems.push(`${server} redirected without a usable Location (${location ?? 'none'})`);
        } else if (visited.has(target)) {
          problems.push(`${server} redirected to the leader ${target}, which did not answer`);
        } else {
          queue.unshift(target);
        }
        continue;
      }
      // A 400 is given before the leader check, so only other answers prove leadership.
      if (status !== 400 && path.startsWith('/meta/')) this.knownLeader = server;
      return ok({ ...answer.value, server });
    }
    return fail(
      'CLUSTER_UNREACHABLE',
      `No meta server answered ${path.split('?')[0] ?? path}: ${problems.join('; ')}. ` +
        'Check that the meta servers are running and that the bot can reach them (PEGASUS_META_SERVERS).',
    );
  }
}
