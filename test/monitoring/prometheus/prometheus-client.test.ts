/**
 * The PromQL client's edges against a local HTTP server playing Prometheus (what a real one answers is in
 * node-resources.test.ts).
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { matchInstance, instanceHost, resourceQueries } from '../../../src/monitoring/prometheus/node-resources.js';
import { apiUrl, PrometheusClient } from '../../../src/monitoring/prometheus/prometheus-client.js';

const servers: http.Server[] = [];

async function serve(handler: http.RequestListener): Promise<string> {
  const server = http.createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) =>
      s.close(() => {
        resolve();
      }),
    );
  }
});

describe('PrometheusClient.query', () => {
  it('sends the query to /api/v1/query under a path prefix and reads vector values as numbers', async () => {
    const seen: string[] = [];
    const base = await serve((req, res) => {
      seen.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'vector',
            result: [
              { metric: { instance: 'a:9100' }, value: [1700000000.5, '12.5'] },
              { metric: { instance: 'b:9100' }, value: [1700000000.5, 'NaN'] },
              { metric: { instance: 'c:9100' }, value: [1700000000.5, '+Inf'] },
            ],
          },
        }),
      );
    });
    const result = await new PrometheusClient(`${base}/prom`).query('up == 1', new Date(1_700_000_000_000));
    expect(seen).toEqual(['/prom/api/v1/query?query=up+%3D%3D+1&time=1700000000.000']);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.map((s) => [s.metric['instance'], s.value])).toEqual([
      ['a:9100', 12.5],
      ['b:9100', NaN],
      ['c:9100', Infinity],
    ]);
  });

  it('reads a scalar as one sample and refuses a matrix', async () => {
    let body: unknown = { status: 'success', data: { resultType: 'scalar', result: [1, '3'] } };
    const base = await serve((_req, res) => res.end(JSON.stringify(body)));
    const client = new PrometheusClient(base);
    expect(await client.query('1+2')).toEqual({ ok: true, value: [{ metric: {}, value: 3, at: 1 }] });
    body = { status: 'success', data: { resultType: 'matrix', result: [] } };
    expect(await client.query('up[1m]')).toMatchObject({ ok: false, error: { code: 'PROMETHEUS_BAD_RESPONSE' } });
  });

  it('turns an error body, a non-Prometheus answer, a closed port and silence into stable codes', async () => {
    const refusing = await serve((_req, res) => {
      res.statusCode = 400;
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 5' }));
    });
    expect(await new PrometheusClient(refusing).query('up[')).toEqual({
      ok: false,
      error: {
        code: 'PROMETHEUS_QUERY_FAILED',
        message: 'Prometheus refused the query (bad_data): parse error at char 5',
      },
    });

    const html = await serve((_req, res) => res.end('<html>Grafana</html>'));
    const notProm = await new PrometheusClient(html).query('up');
    expect(notProm).toMatchObject({ ok: false, error: { code: 'PROMETHEUS_BAD_RESPONSE' } });
    expect(notProm.ok ? '' : notProm.error.message).toContain('is PROMETHEUS_URL the Prometheus server?');

    const closed = await serve(() => undefined);
    const closedUrl = closed;
    const last = servers.pop();
    await new Promise<void>((resolve) =>
      last?.close(() => {
        resolve();
      }),
    );
    expect(await new PrometheusClient(closedUrl).query('up')).toMatchObject({
      ok: false,
      error: { code: 'PROMETHEUS_UNREACHABLE' },
    });

    const silent = await serve(() => undefined);
    expect(await new PrometheusClient(silent, { timeoutMs: 100 }).query('up')).toEqual({
      ok: false,
      error: {
        code: 'PROMETHEUS_TIMEOUT',
        message: `Prometheus at ${silent}/api/v1/query did not answer within 100 ms`,
      },
    });
  });
});

describe('matching node_exporter instances to Pegasus hosts', () => {
  const instances = ['10.0.0.1:9100', '[fd00::7]:9100', 'node-3.dc1.example:9100', '10.0.0.9:9100'];
  const nodenames = new Map([['10.0.0.9:9100', 'replica-9.dc1.example']]);

  it('matches by the instance host, the nodename, then the short name', () => {
    expect(matchInstance('10.0.0.1', instances, nodenames)).toBe('10.0.0.1:9100');
    expect(matchInstance('fd00::7', instances, nodenames)).toBe('[fd00::7]:9100');
    expect(matchInstance('replica-9.dc1.example', instances, nodenames)).toBe('10.0.0.9:9100');
    expect(matchInstance('replica-9', instances, nodenames)).toBe('10.0.0.9:9100');
    expect(matchInstance('node-3', instances, nodenames)).toBe('node-3.dc1.example:9100');
  });

  it('does not guess: different domains, other IPs and unknown names stay unmatched', () => {
    expect(matchInstance('node-3.dc2.example', instances, nodenames)).toBeUndefined();
    expect(matchInstance('10.0.0.2', instances, nodenames)).toBeUndefined();
    expect(matchInstance('meta-1', instances, nodenames)).toBeUndefined();
  });

  it('splits instance labels and builds the documented queries', () => {
    expect(instanceHost('Node-1:9100')).toBe('node-1');
    expect(instanceHost('fd00::1')).toBe('fd00::1');
    expect(instanceHost('node-1')).toBe('node-1');
    expect(resourceQueries('2m').cpu).toBe(
      '100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[2m])))',
    );
    expect(() => resourceQueries('2 minutes')).toThrow(/bad rate window/);
    expect(apiUrl('http://p:9090', '/api/v1/query', { query: 'up' }).href).toBe('http://p:9090/api/v1/query?query=up');
  });
});
