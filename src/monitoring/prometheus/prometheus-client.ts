/**
 * A small PromQL client: instant queries (`GET /api/v1/query`) whose answers are parsed with zod at the edge.
 * Only `vector` and `scalar` results are read (what instant queries over node_exporter give); every
 * expected failure (unreachable, timeout, a query Prometheus refuses, a body that is not its API) is a
 * `Result` failure with a stable code.
 */
import { z } from 'zod';
import { fail, ok, type Result } from '../../result.js';

/** One series of an instant vector: its labels and its value (NaN and ±Inf as numbers). */
export interface VectorSample {
  metric: Record<string, string>;
  value: number;
  /** Evaluation time, seconds since the epoch. */
  at: number;
}

/** Options of the client. */
export interface PrometheusClientOptions {
  /** Injected for tests and proxies (default: the global fetch). */
  fetch?: typeof fetch;
  /** Per query (default 5000 ms). */
  timeoutMs?: number;
}

const sampleValue = z.tuple([z.number(), z.string()]);

const successBody = z.object({
  status: z.literal('success'),
  data: z.discriminatedUnion('resultType', [
    z.object({
      resultType: z.literal('vector'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleValue })),
    }),
    z.object({ resultType: z.literal('scalar'), result: sampleValue }),
    z.object({ resultType: z.literal('matrix'), result: z.array(z.unknown()) }),
    z.object({ resultType: z.literal('string'), result: z.unknown() }),
  ]),
  warnings: z.array(z.string()).optional(),
});

const errorBody = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });

/** Prometheus writes numbers as strings, with `NaN`, `+Inf` and `-Inf`. */
function toNumber(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** The URL of an API path under the configured base, which may carry a path prefix (`http://h:9090/prom`). */
export function apiUrl(baseUrl: string, path: string, params: Record<string, string>): URL {
  const base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const url = new URL(path.replace(/^\//, ''), base);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url;
}

/** An instant-query client for one Prometheus server. */
export class PrometheusClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;

  /** A client for the Prometheus at `baseUrl` (e.g. `PROMETHEUS_URL`). */
  constructor(baseUrl: string, options: PrometheusClientOptions = {}) {
    this.baseUrl = baseUrl;
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? 5000;
  }

  /**
   * Runs one instant query. Codes: `PROMETHEUS_UNREACHABLE`, `PROMETHEUS_TIMEOUT`, `PROMETHEUS_QUERY_FAILED`
   * (Prometheus refused or could not evaluate it), `PROMETHEUS_BAD_RESPONSE` (not the Prometheus API, or a
   * result that is not a vector).
   */
  async query(promql: string, at?: Date): Promise<Result<VectorSample[]>> {
    const url = apiUrl(this.baseUrl, 'api/v1/query', {
      query: promql,
      ...(at ? { time: (at.getTime() / 1000).toFixed(3) } : {}),
    });
    const where = `${url.origin}${url.pathname}`;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (err) {
      const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        return fail('PROMETHEUS_TIMEOUT', `Prometheus at ${where} did not answer within ${this.timeoutMs} ms`);
      }
      const reason = e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
      return fail('PROMETHEUS_UNREACHABLE', `cannot reach Prometheus at ${where}: ${reason}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return fail(
        'PROMETHEUS_BAD_RESPONSE',
        `${where} answered HTTP ${response.status} without JSON: is PROMETHEUS_URL the Prometheus server?`,
      );
    }
    const refused = errorBody.safeParse(body);
    if (refused.success) {
      return fail(
        'PROMETHEUS_QUERY_FAILED',
        `Prometheus refused the query (${refused.data.errorType}): ${refused.data.error}`,
      );
    }
    const parsed = successBody.safeParse(body);
    if (!parsed.success) {
      return fail('PROMETHEUS_BAD_RESPONSE', `${where} answered HTTP ${response.status} with an unexpected body`);
    }
    const data = parsed.data.data;
    if (data.resultType === 'vector') {
      return ok(data.result.map((r) => ({ metric: r.metric, value: toNumber(r.value[1]), at: r.value[0] })));
    }
    if (data.resultType === 'scalar') return ok([{ metric: {}, value: toNumber(data.result[1]), at: data.result[0] }]);
    return fail('PROMETHEUS_BAD_RESPONSE', `expected an instant vector, got a ${data.resultType}`);
  }
}
