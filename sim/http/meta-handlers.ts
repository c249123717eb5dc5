/**
 * The meta server's HTTP API (`src/meta/meta_http_service.cpp`): cluster info, tables, nodes, one table's
 * partitions and envs, plus the bulk-load/compaction/scenario endpoints. Every handler redirects to the leader
 * with 307 when this meta is a backup; `apps`, `nodes` and `app` reject unknown parameters first (so a backup
 * answers 400 too).
 */
import { nlohmannDump } from '../json/json-string.js';
import { printDouble, printRows, printTables, type PrintedTable } from '../json/table-printer.js';
import type { ClusterModel, SimPartition, SimTable } from '../model/cluster-model.js';
import { formatDateTimeMs } from '../model/time-format.js';
import type { Handler, HandlerContext } from './common-handlers.js';
import type { HttpResponse } from './http-parser.js';
import type { PegasusRequest } from './pegasus-request.js';

/** 307 to the leader when this process is not the leader; undefined when it is. */
export function redirectIfNotLeader(ctx: HandlerContext, req: PegasusRequest): HttpResponse | undefined {
  const leader = ctx.model.leader();
  if (leader === ctx.process) return undefined;
  let location = `http://${leader?.address ?? ''}/${req.path}`;
  if (req.args.size > 0) location += '?' + [...req.args].map(([k, v]) => `${k}=${v}`).join('&');
  return { status: 307, body: '', location: location.replaceAll('\0', '') };
}

/** `balance_operation_count` as the leader prints it (nlohmann JSON on 2.6, `k=v` pairs on 2.5). */
export function balanceOperationCount(ctx: HandlerContext, args: readonly string[] = ['detail']): string {
  const c = ctx.model.leader()?.counters ?? { movePri: 0, copyPri: 0, copySec: 0, total: 0 };
  const arg = args[0];
  if (ctx.process.version === '2.5.0') {
    if (arg === undefined || arg === 'total') return `total=${c.total}`;
    if (arg === 'move_pri') return `move_pri=${c.movePri}`;
    if (arg === 'copy_pri') return `copy_pri=${c.copyPri}`;
    if (arg === 'copy_sec') return `copy_sec=${c.copySec}`;
    if (arg === 'detail') {
      return `move_pri=${c.movePri},copy_pri=${c.copyPri},copy_sec=${c.copySec},total=${c.total}`;
    }
    return 'ERR: invalid arguments';
  }
  if (args.length > 1) return nlohmannDump({ error: 'invalid arguments' }, 2);
  if (arg === undefined || arg === 'total') return nlohmannDump({ total: c.total }, 2);
  if (arg === 'move_pri') return nlohmannDump({ move_pri: c.movePri }, 2);
  if (arg === 'copy_pri') return nlohmannDump({ copy_pri: c.copyPri }, 2);
  if (arg === 'copy_sec') return nlohmannDump({ copy_sec: c.copySec }, 2);
  if (arg === 'detail') {
    return nlohmannDump({ move_pri: c.movePri, copy_pri: c.copyPri, copy_sec: c.copySec, total: c.total }, 2);
  }
  return nlohmannDump({ error: 'invalid arguments' }, 2);
}

/** The nine `cluster_info` key/values (the HTTP body has the first eight). */
export function clusterInfoPairs(ctx: HandlerContext): [string, string][] {
  const { model } = ctx;
  const score = model.balanceScore();
  return [
    ['meta_servers', model.metas.map((m) => m.address).join(',')],
    ['primary_meta_server', model.leader()?.address ?? ''],
    ['zookeeper_hosts', model.zookeeperHosts],
    ['zookeeper_root', model.zookeeperRoot],
    ['meta_function_level', model.effectiveLevel()],
    ['balance_operation_count', balanceOperationCount(ctx)],
    ['primary_replica_count_stddev', printDouble(score.primaryStddev)],
    ['total_replica_count_stddev', printDouble(score.totalStddev)],
    ['cluster_name', model.clusterName],
  ];
}

const clusterHandler: Handler = (ctx, req) => {
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  return { status: 200, body: printRows(clusterInfoPairs(ctx).slice(0, 8)) };
};

/** Health counts of one table by the `ls -d` rule. */
export function lsHealth(table: SimTable): { fully: number; write: number; read: number } {
  let fully = 0;
  let write = 0;
  let read = 0;
  for (const p of table.partitions) {
    const count = (p.primary >= 0 ? 1 : 0) + p.secondaries.length;
    if (p.primary >= 0) {
      if (count >= table.maxReplicaCount) fully++;
      else if (count < 2) write++;
    } else {
      write++;
      read++;
    }
  }
  return { fully, write, read };
}

function onlyArgs(req: PegasusRequest, allowed: readonly string[]): boolean {
  for (const k of req.args.keys()) if (!allowed.includes(k)) return false;
  return true;
}

const appsHandler: Handler = (ctx, req) => {
  if (!onlyArgs(req, ['detail'])) return { status: 400, body: '' };
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  const detailed = req.args.has('detail');
  const { model } = ctx;
  const tables = model.tables;
  const general: PrintedTable = {
    kind: 'multi',
    name: 'general_info',
    columns: [
      'app_id',
      'status',
      'app_name',
      'app_type',
      'partition_count',
      'replica_count',
      'is_stateful',
      'create_time',
      'drop_time',
      'drop_expire',
      'envs_count',
    ],
    rows: tables.map((t) => [
      String(t.appId),
      'AVAILABLE',
      t.name,
      t.appType,
      String(t.partitionCount),
      String(t.maxReplicaCount),
      String(t.isStateful),
      t.createSecond > 0 ? formatDateTimeMs(t.createSecond * 1000, model.utcOffsetMinutes) : '-',
      '-',
      '-',
      String(t.envs.size),
    ]),
  };
  const sections: PrintedTable[] = [general];
  let fullyApps = 0;
  let unhealthyApps = 0;
  let writeApps = 0;
  let readApps = 0;
  if (detailed && tables.length > 0) {
    const rows = tables.map((t) => {
      const h = lsHealth(t);
      if (h.fully === t.partitionCount) fullyApps++;
      else unhealthyApps++;
      if (h.write > 0) writeApps++;
      if (h.read > 0) readApps++;
      return [
        String(t.appId),
        t.name,
        String(t.partitionCount),
        String(h.fully),
        String(t.partitionCount - h.fully),
        String(h.write),
        String(h.read),
      ];
    });
    sections.push({
      kind: 'multi',
      name: 'healthy_info',
      columns: [
        'app_id',
        'app_name',
        'partition_count',
        'fully_healthy',
        'unhealthy',
        'write_unhealthy',
        'read_unhealthy',
      ],
      rows,
    });
  }
  const summary: [string, string][] = [['total_app_count', String(tables.length)]];
  if (detailed && tables.length > 0) {
    summary.push(
      ['fully_healthy_app_count', String(fullyApps)],
      ['unhealthy_app_count', String(unhealthyApps)],
      ['write_unhealthy_app_count', String(writeApps)],
      ['read_unhealthy_app_count', String(readApps)],
    );
  }
  sections.push({ kind: 'single', name: 'summary', rows: summary });
  return { status: 200, body: printTables(sections) };
};

/** host:port order of `std::map<host_port>`: host, then port as a number. */
export function compareAddress(a: string, b: string): number {
  const [ha = '', pa = '0'] = a.split(':');
  const [hb = '', pb = '0'] = b.split(':');
  if (ha !== hb) return ha < hb ? -1 : 1;
  return Number(pa) - Number(pb);
}

const nodesHandler: Handler = (ctx, req) => {
  if (!onlyArgs(req, ['detail'])) return { status: 400, body: '' };
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  const detailed = req.args.has('detail');
  const { model } = ctx;
  const nodes = [...model.nodes].sort((a, b) => compareAddress(a.address, b.address));
  const columns = detailed
    ? ['address', 'status', 'replica_count', 'primary_count', 'secondary_count']
    : ['address', 'status'];
  const rows = nodes.map((n) => {
    const row = [n.address, n.alive ? 'ALIVE' : 'UNALIVE'];
    if (detailed) {
      const c = model.roleCounts(n);
      row.push(String(c.primary + c.secondary), String(c.primary), String(c.secondary));
    }
    return row;
  });
  const alive = model.aliveNodes().length;
  return {
    status: 200,
    body: printTables([
      { kind: 'multi', name: 'details', columns, rows },
      {
        kind: 'single',
        name: 'summary',
        rows: [
          ['total_node_count', String(nodes.length)],
          ['alive_node_count', String(alive)],
          ['unalive_node_count', String(nodes.length - alive)],
        ],
      },
    ]),
  };
};

/** The sections of `app <t> -d` (`add_app_info`). */
export function appInfoTables(model: ClusterModel, table: SimTable, detailed: boolean): PrintedTable[] {
  const general: PrintedTable = {
    kind: 'single',
    name: 'general',
    rows: [
      ['app_name', table.name],
      ['app_id', String(table.appId)],
      ['partition_count', String(table.partitionCount)],
      ['max_replica_count', String(table.partitions.length > 0 ? table.maxReplicaCount : 0)],
    ],
  };
  if (!detailed) return [general];
  const address = (n: number): string => model.nodes[n]?.address ?? '';
  const nodeStats = new Map<string, { primary: number; secondary: number }>();
  const stat = (addr: string): { primary: number; secondary: number } => {
    let s = nodeStats.get(addr);
    if (!s) {
      s = { primary: 0, secondary: 0 };
      nodeStats.set(addr, s);
    }
    return s;
  };
  let prim = 0;
  let sec = 0;
  const replicaRows = table.partitions.map((p: SimPartition) => {
    const count = (p.primary >= 0 ? 1 : 0) + p.secondaries.length;
    if (p.primary >= 0) {
      stat(address(p.primary)).primary++;
      prim++;
    }
    for (const s of p.secondaries) stat(address(s)).secondary++;
    sec += p.secondaries.length;
    return [
      String(p.pidx),
      String(p.ballot),
      `${count}/${table.maxReplicaCount}`,
      p.primary >= 0 ? address(p.primary) : '-',
      `[${p.secondaries.map(address).join(',')}]`,
    ];
  });
  const nodeRows = [...nodeStats.entries()]
    .sort(([a], [b]) => compareAddress(a, b))
    .map(([addr, s]) => [addr, String(s.primary), String(s.secondary), String(s.primary + s.secondary)]);
  nodeRows.push(['total', String(prim), String(sec), String(prim + sec)]);
  const h = lsHealth(table);
  return [
    general,
    {
      kind: 'multi',
      name: 'replicas',
      columns: ['pidx', 'ballot', 'replica_count', 'primary', 'secondaries'],
      rows: replicaRows,
    },
    { kind: 'multi', name: 'nodes', columns: ['node', 'primary', 'secondary', 'total'], rows: nodeRows },
    {
      kind: 'single',
      name: 'healthy',
      rows: [
        ['fully_healthy_partition_count', String(h.fully)],
        ['unhealthy_partition_count', String(table.partitionCount - h.fully)],
        ['write_unhealthy_partition_count', String(h.write)],
        ['read_unhealthy_partition_count', String(h.read)],
      ],
    },
  ];
}

const appHandler: Handler = (ctx, req) => {
  if (!onlyArgs(req, ['name', 'detail'])) return { status: 400, body: '' };
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  const name = req.args.get('name') ?? '';
  if (name === '' && ctx.process.version !== '2.5.0') {
    return { status: 400, body: "app name shouldn't be empty" };
  }
  const table = ctx.model.table(name);
  if (!table) return { status: 404, body: `table not found: "${name}"` };
  return { status: 200, body: printTables(appInfoTables(ctx.model, table, req.args.has('detail'))) };
};

const appEnvsHandler: Handler = (ctx, req) => {
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  const name = req.args.get('name') ?? '';
  if (name === '') return { status: 400, body: "app name shouldn't be empty" };
  const table = ctx.model.table(name);
  const rows: [string, string][] = table ? [...table.envs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : [];
  return { status: 200, body: printRows(rows) };
};

const backupPolicyHandler: Handler = (ctx, req) =>
  redirectIfNotLeader(ctx, req) ?? { status: 404, body: 'cold_backup_disabled' };

const duplicationHandler: Handler = (ctx, req) => {
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  if (!req.args.has('name')) return { status: 400, body: 'name should not be empty' };
  const table = ctx.model.table(req.args.get('name') ?? '');
  if (!table) return { status: 404, body: 'ERR_APP_NOT_EXIST' };
  return { status: 200, body: nlohmannDump({ appid: table.appId }) };
};

const queryBulkLoadHandler: Handler = (ctx, req) => {
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  if (!req.args.has('name')) return { status: 400, body: 'name should not be empty' };
  const table = ctx.model.table(req.args.get('name') ?? '');
  return {
    status: 200,
    body: printRows([
      ['error', table ? 'ERR_OK' : 'ERR_APP_NOT_EXIST'],
      ['app_status', 'replication::bulk_load_status::BLS_INVALID'],
    ]),
  };
};

function jsonBody(req: PegasusRequest): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(req.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function str(body: Record<string, unknown>, key: string): string {
  const v = body[key];
  return typeof v === 'string' ? v : '';
}

function num(body: Record<string, unknown>, key: string, fallback: number): number {
  const v = body[key];
  return typeof v === 'number' ? v : fallback;
}

function updateEnvs(ctx: HandlerContext, appName: string, envs: [string, string][]): HttpResponse {
  const table = ctx.model.table(appName);
  if (!table) {
    return {
      status: 200,
      body: printRows([
        ['error', 'ERR_APP_NOT_EXIST'],
        ['hint_message', `app(${appName}) is not existed`],
      ]),
    };
  }
  for (const [k, v] of envs) table.envs.set(k, v);
  return {
    status: 200,
    body: printRows([
      ['error', 'ERR_OK'],
      ['hint_message', ''],
    ]),
  };
}

const startBulkLoadHandler: Handler = (ctx, req) => {
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  const body = jsonBody(req);
  if (!body) return { status: 400, body: 'invalid request structure' };
  for (const key of ['app_name', 'cluster_name', 'file_provider_type', 'remote_root_path']) {
    if (str(body, key) === '') return { status: 400, body: `${key} should not be empty` };
  }
  // Starting a bulk load sets the level to steady, even when it then fails to find the files.
  const leader = ctx.model.leader();
  if (leader) leader.storedLevel = 'steady';
  const table = ctx.model.table(str(body, 'app_name'));
  return {
    status: 200,
    body: printRows([
      ['error', table ? 'ERR_FILE_OPERATION_FAILED' : 'ERR_APP_NOT_EXIST'],
      [
        'hint_msg',
        table ? 'the simulated cluster has no bulk load files' : `app ${str(body, 'app_name')} is not existed`,
      ],
    ]),
  };
};

const startCompactionHandler: Handler = (ctx, req) => {
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  const body = jsonBody(req);
  if (!body) return { status: 400, body: 'invalid request structure' };
  const app = str(body, 'app_name');
  const type = str(body, 'type');
  const target = num(body, 'target_level', -1);
  const bottommost = str(body, 'bottommost_level_compaction');
  const maxRunning = num(body, 'max_concurrent_running_count', 0);
  const trigger = str(body, 'trigger_time');
  if (app === '') return { status: 400, body: 'app_name should not be empty' };
  if (type !== 'once' && type !== 'periodic') return { status: 400, body: "type should ony be 'once' or 'periodic'" };
  if (target < -1) return { status: 400, body: 'target_level should be >= -1' };
  if (bottommost !== 'skip' && bottommost !== 'force') {
    return { status: 400, body: "bottommost_level_compaction should ony be 'skip' or 'force'" };
  }
  if (maxRunning < 0) return { status: 400, body: 'max_running_count should be >= 0' };
  if (type === 'periodic' && trigger === '') {
    return { status: 400, body: 'trigger_time should not be empty when type is periodic' };
  }
  const prefix = `manual_compact.${type}.`;
  const envs: [string, string][] = [
    [`${prefix}target_level`, String(target)],
    [`${prefix}bottommost_level_compaction`, bottommost],
    [`${prefix}trigger_time`, type === 'once' ? String(Math.floor(ctx.model.nowWallMs / 1000)) : trigger],
  ];
  if (maxRunning > 0) envs.push(['manual_compact.max_concurrent_running_count', String(maxRunning)]);
  return updateEnvs(ctx, app, envs);
};

const usageScenarioHandler: Handler = (ctx, req) => {
  const redirect = redirectIfNotLeader(ctx, req);
  if (redirect) return redirect;
  const body = jsonBody(req);
  if (!body) return { status: 400, body: 'invalid request structure' };
  const app = str(body, 'app_name');
  const scenario = str(body, 'scenario');
  if (app === '') return { status: 400, body: 'app_name should not be empty' };
  if (scenario !== 'normal' && scenario !== 'bulk_load') {
    return { status: 400, body: "scenario should ony be 'normal' or 'bulk_load'" };
  }
  return updateEnvs(ctx, app, [['rocksdb.usage_scenario', scenario]]);
};

/** Meta handlers by path. */
export const metaHandlers: ReadonlyMap<string, Handler> = new Map<string, Handler>([
  ['meta/app', appHandler],
  ['meta/app/duplication', duplicationHandler],
  ['meta/apps', appsHandler],
  ['meta/nodes', nodesHandler],
  ['meta/cluster', clusterHandler],
  ['meta/app_envs', appEnvsHandler],
  ['meta/backup_policy', backupPolicyHandler],
  ['meta/app/start_bulk_load', startBulkLoadHandler],
  ['meta/app/query_bulk_load', queryBulkLoadHandler],
  ['meta/app/start_compaction', startCompactionHandler],
  ['meta/app/usage_scenario', usageScenarioHandler],
]);
