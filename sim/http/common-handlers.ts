/**
 * Handlers every Pegasus process registers (`src/http/builtin_http_calls.cpp`, `config_http_service.cpp`,
 * `http_server.cpp`): version, start time, flags and their update, and (2.5 only) `/perfCounter`.
 */
import { flagCatalog, type FlagDef } from '../flag-catalog.js';
import { printDouble, printRows, printTables, type PrintedTable } from '../json/table-printer.js';
import { gitCommits, type ClusterModel, type SimProcess } from '../model/cluster-model.js';
import { formatDateTime } from '../model/time-format.js';
import type { HttpResponse } from './http-parser.js';
import type { PegasusRequest } from './pegasus-request.js';

/** What a handler gets. */
export interface HandlerContext {
  model: ClusterModel;
  process: SimProcess;
  /** Connections currently open to this process (feeds `network_server_sessions`). */
  connections: number;
  /** Snapshot of the 2.5 perf counters of this process (lazy). */
  perfCounter?: (name: string) => { type: string; value: number; p999?: number; description: string } | undefined;
}

/** A handler: request in, response out (synchronous; the model is in memory). */
export type Handler = (ctx: HandlerContext, req: PegasusRequest) => HttpResponse;

/** `/version`. */
export const versionHandler: Handler = (ctx) => ({
  status: 200,
  body: printRows([
    ['Version', ctx.process.version],
    ['GitCommit', gitCommits[ctx.process.version]],
  ]),
});

/** `/recentStartTime`. */
export const startTimeHandler: Handler = (ctx) => ({
  status: 200,
  body: printRows([['RecentStartTime', formatDateTime(ctx.process.startWallMs, ctx.model.utcOffsetMinutes)]]),
});

function flagValue(flag: FlagDef, raw: string): string {
  if (flag.type === 'FV_DOUBLE') return printDouble(Number(raw));
  return raw;
}

function flagTable(ctx: HandlerContext, flag: FlagDef, name: string): PrintedTable {
  return {
    kind: 'single',
    name,
    rows: [
      ['name', flag.name],
      ['section', flag.section],
      ['type', flag.type],
      ['tags', flag.mutable ? 'flag_tag::FT_MUTABLE' : ''],
      ['description', flag.description],
      ['value', flagValue(flag, ctx.model.flag(ctx.process, flag.name))],
    ],
  };
}

/** `/config?name=<flag>`. */
export const configHandler: Handler = (ctx, req) => {
  let name = '';
  for (const [k, v] of req.args) {
    if (k !== 'name') return { status: 400, body: '' };
    name = v;
  }
  if (name === '') return { status: 400, body: "name shouldn't be empty" };
  const flag = flagCatalog.find((f) => f.name === name);
  if (!flag) return { status: 200, body: `ERR_OBJECT_NOT_FOUND: '${name}' is not found` };
  return { status: 200, body: printTables([flagTable(ctx, flag, '')]) };
};

/** `/configs` (no parameters allowed). */
export const configsHandler: Handler = (ctx, req) => {
  if (req.args.size > 0) return { status: 400, body: '' };
  const sorted = [...flagCatalog].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { status: 200, body: printTables(sorted.map((f) => flagTable(ctx, f, f.name))) };
};

function validNumber(flag: FlagDef, value: string): boolean {
  switch (flag.type) {
    case 'FV_BOOL':
      return /^(true|false)$/i.test(value);
    case 'FV_DOUBLE':
      return value.trim() !== '' && Number.isFinite(Number(value));
    case 'FV_INT32':
    case 'FV_INT64':
      return /^-?\d+$/.test(value);
    default:
      return /^\d+$/.test(value);
  }
}

/** `/updateConfig?<flag>=<value>`: only `FT_MUTABLE` flags, in this process's memory only. */
export const updateConfigHandler: Handler = (ctx, req) => {
  const answer = (status: string): HttpResponse => ({ status: 200, body: printRows([['update_status', status]]) });
  if (req.args.size !== 1) {
    return answer('ERR_INVALID_PARAMETERS: there should be exactly one config to be updated once');
  }
  const [name, value] = [...req.args][0] ?? ['', ''];
  const flag = flagCatalog.find((f) => f.name === name);
  if (!flag) return answer(`ERR_OBJECT_NOT_FOUND: ${name} is not found`);
  if (!flag.mutable) return answer(`ERR_INVALID_PARAMETERS: ${name} is not mutable`);
  if (flag.type === 'FV_STRING') return answer('ERR_INVALID_PARAMETERS: string modifications are not supported');
  if (!validNumber(flag, value)) return answer(`ERR_INVALID_PARAMETERS: ${value} is invalid`);
  const stored = flag.type === 'FV_BOOL' ? value.toLowerCase() : String(Number(value));
  ctx.process.flagOverrides.set(name, stored);
  return answer('ERR_OK');
};

/** `/perfCounter?name=<full name>` (2.5 only). */
export const perfCounterHandler: Handler = (ctx, req) => {
  let name = '';
  for (const [k, v] of req.args) {
    if (k !== 'name') return { status: 400, body: '' };
    name = v;
  }
  const counter = ctx.perfCounter?.(name);
  if (!counter) return { status: 200, body: '{}\n' };
  const rows: [string, string][] = [['name', name]];
  if (counter.type === 'PERCENTILE') {
    rows.push(['p99', printDouble(counter.value)], ['p999', printDouble(counter.p999 ?? counter.value)]);
  } else {
    rows.push(['value', printDouble(counter.value)]);
  }
  rows.push(['type', counter.type], ['description', counter.description]);
  return { status: 200, body: printRows(rows) };
};
