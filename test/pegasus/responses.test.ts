import { describe, expect, it } from 'vitest';
import {
  parseBalanceOperations,
  parseClusterInfo,
  parseMetrics,
  parseNodes,
  parseRecentStartTime,
  parseServerInfoText,
  parseTableDetail,
  parseTables,
  parseVersionBody,
} from '../../src/pegasus/responses.js';
import { toServerVersion } from '../../src/pegasus/server-version.js';

// Bodies exactly as in the reference (pegasus-admin-api.md §2.3), trailing newline included.
const cluster26 =
  '{"meta_servers":"host1:34601,host1:34602,host1:34603","primary_meta_server":"host1:34601","zookeeper_hosts":"127.0.0.1:22181","zookeeper_root":"/pegasus/onebox/host1","meta_function_level":"steady","balance_operation_count":"{\\n  \\"copy_pri\\": 0,\\n  \\"copy_sec\\": 0,\\n  \\"move_pri\\": 0,\\n  \\"total\\": 0\\n}","primary_replica_count_stddev":"0.00","total_replica_count_stddev":"0.00"}\n';

const apps =
  '{"general_info":{"2":{"app_id":"2","status":"AVAILABLE","app_name":"temp","app_type":"pegasus","partition_count":"8","replica_count":"3","is_stateful":"true","create_time":"2026-03-13 20:40:01.123","drop_time":"-","drop_expire":"-","envs_count":"1"}},"healthy_info":{"2":{"app_id":"2","app_name":"temp","partition_count":"8","fully_healthy":"8","unhealthy":"0","write_unhealthy":"0","read_unhealthy":"0"}},"summary":{"total_app_count":"1","fully_healthy_app_count":"1","unhealthy_app_count":"0","write_unhealthy_app_count":"0","read_unhealthy_app_count":"0"}}\n';

const nodes =
  '{"details":{"host1:34801":{"address":"host1:34801","status":"ALIVE","replica_count":"24","primary_count":"8","secondary_count":"16"},"host1:34802":{"address":"host1:34802","status":"UNALIVE","replica_count":"0","primary_count":"0","secondary_count":"0"}},"summary":{"total_node_count":"2","alive_node_count":"1","unalive_node_count":"1"}}\n';

const appDetail =
  '{"general":{"app_name":"temp","app_id":"2","partition_count":"2","max_replica_count":"3"},"replicas":{"0":{"pidx":"0","ballot":"3","replica_count":"3/3","primary":"host1:34801","secondaries":"[host1:34802,host1:34803]"},"1":{"pidx":"1","ballot":"5","replica_count":"1/3","primary":"-","secondaries":"[host1:34803]"}},"nodes":{"host1:34801":{"node":"host1:34801","primary":"1","secondary":"0","total":"1"},"host1:34802":{"node":"host1:34802","primary":"0","secondary":"1","total":"1"},"host1:34803":{"node":"host1:34803","primary":"0","secondary":"2","total":"2"},"total":{"node":"total","primary":"1","secondary":"3","total":"4"}},"healthy":{"fully_healthy_partition_count":"1","unhealthy_partition_count":"1","write_unhealthy_partition_count":"1","read_unhealthy_partition_count":"1"}}\n';

describe('parseClusterInfo', () => {
  it('parses the 2.6 body with balance_operation_count as an embedded JSON document', () => {
    const parsed = parseClusterInfo(cluster26);
    expect(parsed).toEqual({
      ok: true,
      value: {
        metaServers: ['host1:34601', 'host1:34602', 'host1:34603'],
        primaryMetaServer: 'host1:34601',
        zookeeperHosts: '127.0.0.1:22181',
        zookeeperRoot: '/pegasus/onebox/host1',
        metaFunctionLevel: 'steady',
        balanceOperations: { movePri: 0, copyPri: 0, copySec: 0, total: 0 },
        primaryReplicaCountStddev: 0,
        totalReplicaCountStddev: 0,
      },
    });
  });

  it('parses the 2.5 balance format and a level with the fl_ prefix', () => {
    const body = cluster26
      .replace(
        /"balance_operation_count":"[^}]*}"/,
        '"balance_operation_count":"move_pri=1,copy_pri=2,copy_sec=3,total=-1"',
      )
      .replace('"meta_function_level":"steady"', '"meta_function_level":"fl_lively"')
      .replace('"primary_replica_count_stddev":"0.00"', '"primary_replica_count_stddev":"1.25"');
    const parsed = parseClusterInfo(body);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.balanceOperations).toEqual({ movePri: 1, copyPri: 2, copySec: 3, total: -1 });
    expect(parsed.value.metaFunctionLevel).toBe('lively');
    expect(parsed.value.primaryReplicaCountStddev).toBe(1.25);
  });

  it('fails with BAD_RESPONSE naming the endpoint and the field when a value changed type', () => {
    const parsed = parseClusterInfo(
      cluster26.replace('"total_replica_count_stddev":"0.00"', '"total_replica_count_stddev":0'),
    );
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.code).toBe('BAD_RESPONSE');
    expect(parsed.error.message).toContain('GET /meta/cluster');
    expect(parsed.error.message).toContain('total_replica_count_stddev');
  });

  it('rejects an unknown meta level and a garbled balance count, naming each field', () => {
    const level = parseClusterInfo(cluster26.replace('"steady"', '"turbo"'));
    expect(!level.ok && level.error.message).toContain('meta_function_level');
    const balance = parseClusterInfo(
      cluster26.replace(/"balance_operation_count":"[^}]*}"/, '"balance_operation_count":"lots"'),
    );
    expect(!balance.ok && balance.error.message).toContain('balance_operation_count');
  });

  it('says plainly when the body is not JSON', () => {
    const parsed = parseClusterInfo('<html>proxy error</html>');
    expect(!parsed.ok && parsed.error.code).toBe('BAD_RESPONSE');
    expect(!parsed.ok && parsed.error.message).toContain('did not answer JSON');
  });
});

describe('parseBalanceOperations', () => {
  it('accepts both generations and rejects anything else', () => {
    expect(parseBalanceOperations('{"copy_pri":1,"copy_sec":2,"move_pri":3,"total":6}')).toEqual({
      movePri: 3,
      copyPri: 1,
      copySec: 2,
      total: 6,
    });
    expect(parseBalanceOperations('move_pri=0,copy_pri=0,copy_sec=0,total=0')?.total).toBe(0);
    expect(parseBalanceOperations('move_pri=0,copy_pri=0')).toBeUndefined();
    expect(parseBalanceOperations('{"total":"x"}')).toBeUndefined();
  });
});

describe('parseTables / parseNodes / parseTableDetail', () => {
  it('turns /meta/apps?detail into typed tables with health', () => {
    const parsed = parseTables(apps);
    expect(parsed).toEqual({
      ok: true,
      value: [
        {
          appId: 2,
          name: 'temp',
          status: 'AVAILABLE',
          appType: 'pegasus',
          partitionCount: 8,
          replicaCount: 3,
          isStateful: true,
          createTime: '2026-03-13 20:40:01.123',
          envsCount: 1,
          health: { fullyHealthy: 8, unhealthy: 0, writeUnhealthy: 0, readUnhealthy: 0 },
        },
      ],
    });
  });

  it('accepts a cluster without tables (empty sections left out)', () => {
    expect(parseTables('{"general_info":{},"summary":{"total_app_count":"0"}}\n')).toEqual({ ok: true, value: [] });
  });

  it('names the table row and field when a count is not a number', () => {
    const parsed = parseTables(
      apps.replace('"partition_count":"8","replica_count"', '"partition_count":"eight","replica_count"'),
    );
    expect(!parsed.ok && parsed.error.message).toContain('general_info.2.partition_count');
  });

  it('turns /meta/nodes?detail into typed nodes', () => {
    const parsed = parseNodes(nodes);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value).toEqual([
      { address: 'host1:34801', status: 'ALIVE', replicaCount: 24, primaryCount: 8, secondaryCount: 16 },
      { address: 'host1:34802', status: 'UNALIVE', replicaCount: 0, primaryCount: 0, secondaryCount: 0 },
    ]);
  });

  it('rejects an unknown node status', () => {
    const parsed = parseNodes(nodes.replace('"UNALIVE"', '"DEAD"'));
    expect(!parsed.ok && parsed.error.message).toContain('details.host1:34802.status');
  });

  it('turns /meta/app?detail into partitions, nodes (without the total row) and health', () => {
    const parsed = parseTableDetail(appDetail);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.partitions).toEqual([
      {
        pidx: 0,
        ballot: 3,
        currentReplicaCount: 3,
        maxReplicaCount: 3,
        primary: 'host1:34801',
        secondaries: ['host1:34802', 'host1:34803'],
      },
      { pidx: 1, ballot: 5, currentReplicaCount: 1, maxReplicaCount: 3, secondaries: ['host1:34803'] },
    ]);
    expect(parsed.value.nodes.map((n) => n.node)).toEqual(['host1:34801', 'host1:34802', 'host1:34803']);
    expect(parsed.value.health).toEqual({ fullyHealthy: 1, unhealthy: 1, writeUnhealthy: 1, readUnhealthy: 1 });
    expect(parsed.value.maxReplicaCount).toBe(3);
  });

  it('parses the reference body without detail', () => {
    const parsed = parseTableDetail(
      '{"general":{"app_name":"test_meta_http","app_id":"2","partition_count":"8","max_replica_count":"3"}}\n',
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value).toMatchObject({ name: 'test_meta_http', appId: 2, partitionCount: 8, partitions: [] });
  });
});

describe('version, start time and server-info', () => {
  it('parses /version and /recentStartTime', () => {
    expect(parseVersionBody('{"Version":"2.6.0-SNAPSHOT","GitCommit":"db756dc"}\n')).toEqual({
      ok: true,
      value: { version: '2.6.0-SNAPSHOT', gitCommit: 'db756dc' },
    });
    expect(parseRecentStartTime('{"RecentStartTime":"2026-03-13 20:33:17"}\n')).toEqual({
      ok: true,
      value: '2026-03-13 20:33:17',
    });
    expect(parseVersionBody('{"version":"2.6.0"}').ok).toBe(false);
  });

  it('detects the generation: 2.6 and later have metrics', () => {
    expect(toServerVersion('2.6.0-SNAPSHOT').hasMetrics).toBe(true);
    expect(toServerVersion('2.7.1').hasMetrics).toBe(true);
    expect(toServerVersion('3.0.0').hasMetrics).toBe(true);
    expect(toServerVersion('2.5.0').hasMetrics).toBe(false);
    expect(toServerVersion('2.5.1-SNAPSHOT').hasMetrics).toBe(false);
    expect(toServerVersion('2.4.0').hasMetrics).toBe(false);
  });

  it('parses the 2.5 server-info string and the 2.6 JSON', () => {
    expect(parseServerInfoText('Pegasus Server 2.5.0 (0ca31b70) Release, Started at 2023-12-01 10:00:00')).toEqual({
      ok: true,
      value: { version: '2.5.0', gitSha: '0ca31b70', buildType: 'Release', startTime: '2023-12-01 10:00:00' },
    });
    expect(
      parseServerInfoText(
        '{"build_type":"Release","git_SHA":"db756dc","start_time":"2026-03-13 20:33:17","version":"2.6.0-SNAPSHOT"}',
      ),
    ).toEqual({
      ok: true,
      value: { version: '2.6.0-SNAPSHOT', gitSha: 'db756dc', buildType: 'Release', startTime: '2026-03-13 20:33:17' },
    });
    expect(parseServerInfoText("unknown command 'server-info'").ok).toBe(false);
  });
});

describe('parseMetrics', () => {
  it('keeps every digit of timestamp_ns', () => {
    const body = `{\n    "cluster": "onebox",\n    "role": "replica",\n    "host": "host1",\n    "port": 34801,\n    "timestamp_ns": 1773405197000000123,\n    "entities": [\n        {\n            "type": "server",\n            "id": "server",\n            "attributes": {},\n            "metrics": [\n                {\n                    "name": "resident_mem_usage_mb",\n                    "value": 1024\n                }\n            ]\n        }\n    ]\n}`;
    const parsed = parseMetrics(body);
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.timestampNs).toBe(1773405197000000123n);
    expect(parsed.value.entities[0]?.metrics[0]).toEqual({ name: 'resident_mem_usage_mb', value: 1024 });
  });

  it('names the entity and metric whose value has the wrong type', () => {
    const body =
      '{"timestamp_ns": 1, "entities": [{"type": "server", "id": "server", "metrics": [{"name": "a", "value": 1}, {"name": "b", "value": "2"}]}]}';
    const parsed = parseMetrics(body, 'GET /metrics from 127.0.0.1:34801');
    expect(!parsed.ok && parsed.error.message).toContain(
      'field "entities[server].metrics[b].value": expected a number',
    );
    const renamed = parseMetrics(
      '{"timestamp_ns": 1, "entities": [{"type": "server", "id": "server", "metrics": [{"metric": "a", "value": 1}]}]}',
    );
    expect(!renamed.ok && renamed.error.message).toContain('a value outside a named metric');
  });

  it('reads metrics whatever the whitespace, and ignores units, descriptions and metric types', () => {
    const parsed = parseMetrics(
      '{"cluster":"onebox","role":"replica","host":"h","port":34801,"timestamp_ns":1773405197000000000,"entities":[{"type":"replica","id":"replica@2.3","attributes":{"table_id":"2","partition_id":"3"},"metrics":[{"type":"Counter","name":"get_requests","unit":"Requests","desc":"The number of \\"GET\\" requests, \\"value\\": 9","value":12},{"type":"Percentile","name":"get_latency_ns","unit":"NanoSeconds","desc":"x","p50":1,"p99":900000.5}]}]}',
    );
    if (!parsed.ok) throw new Error(parsed.error.message);
    expect(parsed.value.entities).toEqual([
      {
        type: 'replica',
        id: 'replica@2.3',
        metrics: [
          { name: 'get_requests', value: 12 },
          { name: 'get_latency_ns', p99: 900000.5 },
        ],
      },
    ]);
  });

  it('says when the body is cut short', () => {
    const parsed = parseMetrics(
      '{"timestamp_ns": 1, "entities": [{"type": "server", "id": "server", "metrics": [{"name": "a", "value": 1}',
    );
    expect(!parsed.ok && parsed.error.message).toContain('cut short');
  });

  it('fails on the 2.5.0 array layout with a message naming /metrics', () => {
    const parsed = parseMetrics('[]\n', 'GET /metrics from 127.0.0.1:34801');
    expect(!parsed.ok && parsed.error.code).toBe('BAD_RESPONSE');
    expect(!parsed.ok && parsed.error.message).toContain('GET /metrics from 127.0.0.1:34801');
  });
});
