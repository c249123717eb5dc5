/**
 * The HTTP call registry of one process (`http_call_registry`): which paths exist for its role and version,
 * their help texts for `/`, and dispatch. Unknown paths answer 404 `service not found for "<path>"`.
 */
import { nlohmannDump } from '../json/json-string.js';
import { printRows } from '../json/table-printer.js';
import type { ReplicaServer } from '../model/cluster-model.js';
import {
  configHandler,
  configsHandler,
  perfCounterHandler,
  startTimeHandler,
  updateConfigHandler,
  versionHandler,
  type Handler,
  type HandlerContext,
} from './common-handlers.js';
import type { HttpResponse } from './http-parser.js';
import { metaHandlers } from './meta-handlers.js';
import { metricsHandler } from './metrics-handler.js';
import type { PegasusRequest } from './pegasus-request.js';

interface Route {
  handler: Handler;
  help26: string;
  help25: string;
  /** Only on this role. */
  role?: 'meta' | 'replica';
  /** Only on this version. */
  only?: '2.6.0' | '2.5.0';
}

function intArg(
  req: PegasusRequest,
  name: string,
): { ok: true; value: number } | { ok: false; response: HttpResponse } {
  const raw = req.args.get(name);
  if (raw === undefined) return { ok: false, response: { status: 400, body: `${name} should not be empty` } };
  if (!/^\d+$/.test(raw) || Number(raw) > 2147483647) {
    return { ok: false, response: { status: 400, body: `invalid ${name}=${raw}` } };
  }
  return { ok: true, value: Number(raw) };
}

const replicaDuplication: Handler = (ctx, req) => {
  const id = intArg(req, 'appid');
  if (!id.ok) return id.response;
  const node = ctx.process as ReplicaServer;
  const primary = [...node.members].some((p) => p.table.appId === id.value && p.primary === node.index);
  return {
    status: 404,
    body: primary ? `no duplication assigned for app [appid=${id.value}]` : `no primary for app [appid=${id.value}]`,
  };
};

const replicaDataVersion: Handler = (ctx, req) => {
  const id = intArg(req, 'app_id');
  if (!id.ok) return id.response;
  const node = ctx.process as ReplicaServer;
  const json: Record<string, { data_version: string }> = {};
  for (const p of node.members) if (p.table.appId === id.value) json[String(p.pidx)] = { data_version: '1' };
  if (Object.keys(json).length === 0) return { status: 404, body: `app_id=${req.args.get('app_id') ?? ''} not found` };
  return { status: 200, body: nlohmannDump(json) };
};

const replicaManualCompaction: Handler = (ctx, req) => {
  const id = intArg(req, 'app_id');
  if (!id.ok) return id.response;
  const node = ctx.process as ReplicaServer;
  let idle = 0;
  for (const p of node.members) if (p.table.appId === id.value) idle++;
  return { status: 200, body: nlohmannDump({ status: { idle, running: 0, queuing: 0, finished: 0 } }) };
};

const envsList: Handler = () => ({
  status: 200,
  body: nlohmannDump(
    [
      'default_ttl',
      'manual_compact.disabled',
      'manual_compact.max_concurrent_running_count',
      'replica.deny_client_request',
      'replica.read_throttling',
      'replica.slow_query_threshold',
      'replica.write_throttling',
      'rocksdb.usage_scenario',
    ],
    4,
  ),
});

const metricsHelp26 =
  '[with_metric_fields=field1,field2,...][&types=type1,type2,...][&ids=id1,id2,...][&attributes=attr1,value1,attr2,value2,...][&metrics=metric1,metric2,...][&detail=true|false]Query the node metrics.';

const routes: ReadonlyMap<string, Route> = new Map<string, Route>([
  ['', { handler: helpHandler, help26: 'List all supported calls.', help25: 'Lists all supported calls' }],
  ['version', { handler: versionHandler, help26: 'Get the server version.', help25: 'Gets the server version.' }],
  [
    'recentStartTime',
    { handler: startTimeHandler, help26: 'Get the server start time.', help25: 'Gets the server start time.' },
  ],
  [
    'config',
    {
      handler: configHandler,
      help26:
        'name=<config_name>. Gets the details of a specified config. Only the configs which are registered by DSN_DEFINE_xxx macro can be queried.',
      help25: 'get the details of a specified config',
    },
  ],
  [
    'configs',
    {
      handler: configsHandler,
      help26: 'List all configs. Only the configs which are registered by DSN_DEFINE_xxx macro can be queried.',
      help25: 'list all configs',
    },
  ],
  [
    'updateConfig',
    {
      handler: updateConfigHandler,
      help26: '<key>=<new_value>. Update the config to the new value.',
      help25: 'ip:port/updateConfig?<key>=<value>',
    },
  ],
  ['metrics', { handler: metricsHandler, help26: metricsHelp26, help25: 'ip:port/metrics' }],
  [
    'perfCounter',
    { handler: perfCounterHandler, help26: '', help25: 'Gets the value of a perf counter', only: '2.5.0' },
  ],
  [
    'envs/list',
    { handler: envsList, help26: 'List all available table environments.', help25: '', role: 'meta', only: '2.6.0' },
  ],
  ...metaRoutes(),
  [
    'replica/duplication',
    {
      handler: replicaDuplication,
      help26: 'appid=<appid>. Query the duplication status of an app.',
      help25: 'ip:port/replica/duplication?appid=<appid>',
      role: 'replica',
    },
  ],
  [
    'replica/data_version',
    {
      handler: replicaDataVersion,
      help26: 'app_id=<app_id>. Query the data version of an app.',
      help25: 'ip:port/replica/data_version?app_id=<app_id>',
      role: 'replica',
    },
  ],
  [
    'replica/manual_compaction',
    {
      handler: replicaManualCompaction,
      help26: 'app_id=<app_id>. Query the manual compaction status of an app.',
      help25: 'ip:port/replica/maual_compaction?app_id=<app_id>',
      role: 'replica',
    },
  ],
]);

function metaRoutes(): [string, Route][] {
  const help: Record<string, [string, string]> = {
    'meta/app': ['name=<app_name>[&detail]. Query app info.', 'ip:port/meta/app?app_name=temp'],
    'meta/app/duplication': [
      'name=<app_name>. Query app duplication info.',
      'ip:port/meta/app/duplication?name=<app_name>',
    ],
    'meta/apps': ['[detail]. List all apps in the cluster.', 'ip:port/meta/apps'],
    'meta/nodes': ['[detail]. Query the replica servers info.', 'ip:port/meta/nodes'],
    'meta/cluster': ['Query the cluster info.', 'ip:port/meta/cluster'],
    'meta/app_envs': ['name=<app_name>. Query app environments.', 'ip:port/meta/app_envs?name=temp'],
    'meta/backup_policy': [
      'name=<app_name1>&name=<app_name2>. Query backup policy by policy names.',
      'ip:port/meta/backup_policy',
    ],
    'meta/app/start_bulk_load': [
      'A JSON format of start_bulk_load_request structure. Start bulk load on an app.',
      'ip:port/meta/start_bulk_load',
    ],
    'meta/app/query_bulk_load': [
      'name=<app_name>. Query app bulk load info.',
      'ip:port/meta/query_bulk_load?name=temp',
    ],
    'meta/app/start_compaction': [
      'A JSON format of manual_compaction_info structure. Start compaction for an app.',
      'ip:port/meta/start_compaction',
    ],
    'meta/app/usage_scenario': [
      'A JSON format of usage_scenario_info structure. Update usage scenario of an app.',
      'ip:port/meta/app/usage_scenario',
    ],
  };
  return [...metaHandlers].map(([path, handler]) => {
    const [help26, help25] = help[path] ?? ['', ''];
    return [path, { handler, help26, help25, role: 'meta' }];
  });
}

function available(ctx: HandlerContext, route: Route): boolean {
  if (route.role !== undefined && route.role !== ctx.process.role) return false;
  if (route.only !== undefined && route.only !== ctx.process.version) return false;
  return true;
}

function helpHandler(ctx: HandlerContext): HttpResponse {
  const legacy = ctx.process.version === '2.5.0';
  const rows: [string, string][] = [...routes]
    .filter(([, route]) => available(ctx, route))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, route]) => ['/' + path, legacy ? route.help25 : route.help26]);
  return { status: 200, body: printRows(rows) };
}

/** Dispatches one request to the process's handler. */
export function routeHttp(ctx: HandlerContext, req: PegasusRequest): HttpResponse {
  const route = routes.get(req.path);
  if (!route || !available(ctx, route)) return { status: 404, body: `service not found for "${req.path}"` };
  return route.handler(ctx, req);
}
