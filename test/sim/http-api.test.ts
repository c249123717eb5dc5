import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimCluster, type SimCluster } from '../../sim/index.js';
import { expectClose, get, rawHttp } from './sim-client.js';

const start = Date.UTC(2026, 2, 13, 20, 33, 17, 250);

/** `utils::mean_stddev` with Pegasus's truncation to 2 decimals, computed independently of the simulator. */
function stddev(values: number[]): string {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length);
  return (Math.trunc((sd + 0.005) * 100) / 100).toFixed(2);
}

describe('simulated cluster HTTP API (2.6)', () => {
  let sim: SimCluster;
  let leader: string;
  let backup: string;
  let replica: string;

  beforeAll(async () => {
    sim = await startSimCluster({ autoTick: false, clock: () => start, seed: 7, freshStart: true });
    leader = sim.metaServers[0] ?? '';
    backup = sim.metaServers[1] ?? '';
    replica = sim.replicaServers[0] ?? '';
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('answers with Pegasus status line and headers, text/plain even for JSON', async () => {
    const r = await get(leader, '/version');
    const body = '{"Version":"2.6.0","GitCommit":"db756dcdf24e2af6169659a67548501ed61f106c"}\n';
    expect(r.raw.toString('latin1')).toBe(
      `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
  });

  it('reports the process start time in the servers’ time zone', async () => {
    expect((await get(replica, '/recentStartTime')).body).toBe('{"RecentStartTime":"2026-03-13 20:33:17"}\n');
  });

  it('serves /meta/cluster with the keys in Pegasus order and stddevs that match /meta/nodes', async () => {
    const r = await get(leader, '/meta/cluster');
    expect(r.status).toBe(200);
    const parsed = JSON.parse(r.body) as Record<string, string>;
    expect(Object.keys(parsed)).toEqual([
      'meta_servers',
      'primary_meta_server',
      'zookeeper_hosts',
      'zookeeper_root',
      'meta_function_level',
      'balance_operation_count',
      'primary_replica_count_stddev',
      'total_replica_count_stddev',
    ]);
    const nodes = JSON.parse((await get(leader, '/meta/nodes?detail')).body) as {
      details: Record<string, Record<string, string>>;
    };
    const rows = Object.values(nodes.details);
    expect(r.body).toBe(
      JSON.stringify({
        meta_servers: sim.metaServers.join(','),
        primary_meta_server: leader,
        zookeeper_hosts: '127.0.0.1:22181',
        zookeeper_root: '/pegasus/onebox/127.0.0.1',
        meta_function_level: 'steady',
        balance_operation_count: '{\n  "copy_pri": 0,\n  "copy_sec": 0,\n  "move_pri": 0,\n  "total": 0\n}',
        primary_replica_count_stddev: stddev(rows.map((n) => Number(n['primary_count']))),
        total_replica_count_stddev: stddev(rows.map((n) => Number(n['replica_count']))),
      }) + '\n',
    );
  });

  it('serves /meta/app without detail exactly as the Pegasus unit test expects', async () => {
    const r = await get(leader, '/meta/app?name=temp');
    expect(r.body).toBe('{"general":{"app_name":"temp","app_id":"2","partition_count":"8","max_replica_count":"3"}}\n');
  });

  it('serves /meta/app with detail: replicas, nodes (total last) and healthy sections', async () => {
    const body = JSON.parse((await get(leader, '/meta/app?name=temp&detail')).body) as Record<
      string,
      Record<string, Record<string, string> | string>
    >;
    expect(Object.keys(body)).toEqual(['general', 'replicas', 'nodes', 'healthy']);
    const replicas = body['replicas'] as Record<string, Record<string, string>>;
    expect(Object.keys(replicas)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    for (const row of Object.values(replicas)) {
      expect(Object.keys(row)).toEqual(['pidx', 'ballot', 'replica_count', 'primary', 'secondaries']);
      expect(row['replica_count']).toBe('3/3');
      expect(row['secondaries']).toMatch(/^\[127\.0\.0\.1:\d+,127\.0\.0\.1:\d+\]$/);
    }
    const nodes = body['nodes'] as Record<string, Record<string, string>>;
    const keys = Object.keys(nodes);
    expect(keys[keys.length - 1]).toBe('total');
    expect(nodes['total']).toEqual({ node: 'total', primary: '8', secondary: '16', total: '24' });
    expect(body['healthy']).toEqual({
      fully_healthy_partition_count: '8',
      unhealthy_partition_count: '0',
      write_unhealthy_partition_count: '0',
      read_unhealthy_partition_count: '0',
    });
  });

  it('answers 404 for an unknown table and 400 for a missing name or an unknown parameter', async () => {
    expect(await get(leader, '/meta/app?name=nope')).toMatchObject({ status: 404, body: 'table not found: "nope"' });
    expect(await get(leader, '/meta/app')).toMatchObject({ status: 400, body: "app name shouldn't be empty" });
    expect(await get(leader, '/meta/app?name=temp&bogus=1')).toMatchObject({ status: 400, body: '' });
    expect(await get(leader, '/meta/apps?verbose')).toMatchObject({ status: 400, body: '' });
    expect(await get(leader, '/meta/nodes?x=1')).toMatchObject({ status: 400, body: '' });
    // The parameter check comes before the leader redirect, so a backup answers 400 too.
    expect(await get(backup, '/meta/apps?verbose')).toMatchObject({ status: 400, body: '' });
  });

  it('redirects every /meta/* call on every backup to the leader with 307 and the arguments', async () => {
    for (const b of sim.metaServers.slice(1)) {
      for (const path of [
        '/meta/cluster',
        '/meta/apps?detail',
        '/meta/nodes',
        '/meta/app?name=temp',
        '/meta/app_envs?name=temp',
      ]) {
        const r = await get(b, path);
        expect(r.status).toBe(307);
        expect(r.body).toBe('');
        const expected = path.replace('?detail', '?detail=');
        expect(r.headers.get('location')).toBe(`http://${leader}${expected}`);
      }
    }
  });

  it('serves /meta/nodes without detail: address and status only, sorted by port', async () => {
    const body = JSON.parse((await get(leader, '/meta/nodes')).body) as {
      details: Record<string, Record<string, string>>;
      summary: Record<string, string>;
    };
    const sorted = [...sim.replicaServers].sort((a, b) => Number(a.split(':')[1]) - Number(b.split(':')[1]));
    expect(Object.keys(body.details)).toEqual(sorted);
    for (const [address, row] of Object.entries(body.details)) expect(row).toEqual({ address, status: 'ALIVE' });
    expect(body.summary).toEqual({ total_node_count: '5', alive_node_count: '5', unalive_node_count: '0' });
  });

  it('serves /meta/app_envs as a flat object, {} for an unknown table', async () => {
    expect((await get(leader, '/meta/app_envs?name=user_profile')).body).toBe(
      '{"replica.slow_query_threshold":"100"}\n',
    );
    expect((await get(leader, '/meta/app_envs?name=nope')).body).toBe('{}\n');
    expect(await get(leader, '/meta/app_envs')).toMatchObject({ status: 400, body: "app name shouldn't be empty" });
  });

  it('answers 404 for unknown paths and normalises slashes like Pegasus', async () => {
    expect(await get(leader, '/nope/x')).toMatchObject({ status: 404, body: 'service not found for "nope/x"' });
    expect(await get(replica, '/meta/cluster')).toMatchObject({
      status: 404,
      body: 'service not found for "meta/cluster"',
    });
    expect((await get(leader, '//meta///cluster/')).body).toBe((await get(leader, '/meta/cluster')).body);
  });

  it('rejects duplicate parameters and bad escapes as unparsable requests', async () => {
    expect(await get(leader, '/meta/app?name=a&name=b')).toMatchObject({
      status: 400,
      body: 'failed to parse request: ERR_INVALID_PARAMETERS: duplicate parameter: name',
    });
    const bad = await get(leader, '/meta/app?name=%zz');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/^failed to parse request: ERR_INVALID_PARAMETERS: The characters zz/);
  });

  it('lists every registered call on /, sorted, per role', async () => {
    const metaCalls = Object.keys(JSON.parse((await get(leader, '/')).body) as Record<string, string>);
    expect(metaCalls).toEqual([...metaCalls].sort());
    expect(metaCalls).toEqual(expect.arrayContaining(['/', '/version', '/metrics', '/meta/cluster', '/updateConfig']));
    expect(metaCalls.some((c) => c.startsWith('/replica/'))).toBe(false);
    const replicaCalls = Object.keys(JSON.parse((await get(replica, '/')).body) as Record<string, string>);
    expect(replicaCalls).toContain('/replica/data_version');
    expect(replicaCalls.some((c) => c.startsWith('/meta/'))).toBe(false);
  });

  it('serves /config, /configs and their errors', async () => {
    expect((await get(leader, '/config?name=min_live_node_count_for_unfreeze')).body).toBe(
      '{"name":"min_live_node_count_for_unfreeze","section":"meta_server","type":"FV_UINT64","tags":"flag_tag::FT_MUTABLE",' +
        '"description":"If the number of ALIVE nodes is less than this threshold, MetaServer will also enter the \'freezed\' protection state","value":"3"}\n',
    );
    expect(await get(leader, '/config?name=nope')).toMatchObject({
      status: 200,
      body: "ERR_OBJECT_NOT_FOUND: 'nope' is not found",
    });
    expect(await get(leader, '/config')).toMatchObject({ status: 400, body: "name shouldn't be empty" });
    const all = JSON.parse((await get(leader, '/configs')).body) as Record<string, Record<string, string>>;
    expect(Object.keys(all)).toEqual([...Object.keys(all)].sort());
    expect(all['server_list']?.['value']).toBe(sim.metaServers.join(','));
    expect(all['lb_interval_ms']).toMatchObject({ section: 'replication', type: 'FV_INT32', tags: '', value: '10000' });
    expect(await get(leader, '/configs?x=1')).toMatchObject({ status: 400, body: '' });
  });

  it('updates only mutable flags, in the memory of the process asked', async () => {
    const target = sim.replicaServers[1] ?? '';
    expect((await get(target, '/updateConfig?disk_min_available_space_ratio=20')).body).toBe(
      '{"update_status":"ERR_OK"}\n',
    );
    expect(JSON.parse((await get(target, '/config?name=disk_min_available_space_ratio')).body)).toMatchObject({
      value: '20',
    });
    expect(JSON.parse((await get(replica, '/config?name=disk_min_available_space_ratio')).body)).toMatchObject({
      value: '10',
    });
    expect((await get(target, '/updateConfig?lb_interval_ms=5')).body).toBe(
      '{"update_status":"ERR_INVALID_PARAMETERS: lb_interval_ms is not mutable"}\n',
    );
    expect((await get(target, '/updateConfig?nope=5')).body).toBe(
      '{"update_status":"ERR_OBJECT_NOT_FOUND: nope is not found"}\n',
    );
    expect((await get(target, '/updateConfig?a=1&b=2')).body).toBe(
      '{"update_status":"ERR_INVALID_PARAMETERS: there should be exactly one config to be updated once"}\n',
    );
    expect((await get(target, '/updateConfig?disk_min_available_space_ratio=x')).body).toBe(
      '{"update_status":"ERR_INVALID_PARAMETERS: x is invalid"}\n',
    );
  });

  it('keeps the connection alive and answers pipelined requests in order', async () => {
    const req = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const { responses, closed } = await rawHttp(leader, req('/version') + req('/meta/app?name=stat') + req('/nope'), 3);
    expect(closed).toBe(false);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 404]);
    expect(responses[1]?.body).toContain('"app_name":"stat"');
  });

  it('closes the connection on garbage, a bad request line, a huge body or huge headers, and keeps serving', async () => {
    expect(await expectClose(leader, 'HELO world\r\n')).toBe(true);
    expect(await expectClose(leader, 'GET\r\n\r\n')).toBe(true);
    expect(
      await expectClose(leader, 'POST /meta/app/usage_scenario HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n'),
    ).toBe(true);
    expect(await expectClose(leader, `GET /version HTTP/1.1\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`)).toBe(true);
    expect(await expectClose(leader, 'GET /version HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n')).toBe(true);
    expect((await get(leader, '/version')).status).toBe(200);
  });

  it('does not treat a bare LF request as garbage', async () => {
    const { responses } = await rawHttp(leader, 'GET /version HTTP/1.1\nHost: x\n\n');
    expect(responses[0]?.status).toBe(200);
  });

  it('validates the JSON bodies of the POST endpoints and updates table envs', async () => {
    const post = async (path: string, body: string): Promise<{ status: number; body: string }> => {
      const { responses } = await rawHttp(
        leader,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return { status: responses[0]?.status ?? 0, body: responses[0]?.body ?? '' };
    };
    expect(await post('/meta/app/usage_scenario', 'not json')).toEqual({
      status: 400,
      body: 'invalid request structure',
    });
    expect(await post('/meta/app/usage_scenario', '{"app_name":"temp","scenario":"fast"}')).toEqual({
      status: 400,
      body: "scenario should ony be 'normal' or 'bulk_load'",
    });
    expect(await post('/meta/app/usage_scenario', '{"app_name":"temp","scenario":"bulk_load"}')).toEqual({
      status: 200,
      body: '{"error":"ERR_OK","hint_message":""}\n',
    });
    expect((await get(leader, '/meta/app_envs?name=temp')).body).toBe('{"rocksdb.usage_scenario":"bulk_load"}\n');
  });
});

describe('simulated cluster /meta/apps on a one-table cluster', () => {
  let sim: SimCluster;

  beforeAll(async () => {
    sim = await startSimCluster({
      autoTick: false,
      clock: () => start,
      nodes: 3,
      tables: [{ name: 'temp', partitionCount: 8 }],
    });
  });

  afterAll(async () => {
    await sim.stop();
  });

  it('prints general_info and summary without detail, healthy_info and the counts with it', async () => {
    const leader = sim.metaServers[0] ?? '';
    const general =
      '"general_info":{"1":{"app_id":"1","status":"AVAILABLE","app_name":"temp","app_type":"pegasus","partition_count":"8",' +
      '"replica_count":"3","is_stateful":"true","create_time":"2026-03-13 20:33:17.000","drop_time":"-","drop_expire":"-","envs_count":"0"}}';
    expect((await get(leader, '/meta/apps')).body).toBe(`{${general},"summary":{"total_app_count":"1"}}\n`);
    expect((await get(leader, '/meta/apps?detail')).body).toBe(
      `{${general},"healthy_info":{"1":{"app_id":"1","app_name":"temp","partition_count":"8","fully_healthy":"8",` +
        '"unhealthy":"0","write_unhealthy":"0","read_unhealthy":"0"}},"summary":{"total_app_count":"1",' +
        '"fully_healthy_app_count":"1","unhealthy_app_count":"0","write_unhealthy_app_count":"0","read_unhealthy_app_count":"0"}}\n',
    );
  });
});
