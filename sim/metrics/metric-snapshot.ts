/**
 * `/metrics` of one simulated process (`metric_registry::take_snapshot`): the entities the process would
 * have, filtered by type, id, attributes and metric name before any value is computed (so a filtered query on
 * a node with 200 replicas of a 64k-partition cluster stays cheap), then written with rapidjson's pretty
 * layout. 2.6 wraps the entities in cluster/role/host/port/timestamp_ns; 2.5 answers a bare array.
 */
import {
  connectionMetrics,
  diskMetrics,
  metaServerMetrics,
  partitionMetrics,
  profilerMetrics,
  replicaMetrics,
  replicaServerMetrics,
  tableMetrics,
  type MetricDef,
} from '../metric-catalog.js';
import { PrettyWriter } from '../json/pretty-writer.js';
import type { ClusterModel, MetaServer, ReplicaServer, SimProcess } from '../model/cluster-model.js';
import {
  blockCacheBytes,
  diskUsage,
  memoryMb,
  memtableTotals,
  nodeTaskStats,
  replicaMetric,
  replicaView,
  serverSessions,
  taskOfOp,
  type MetricValue,
  type Percentiles,
} from '../model/load-model.js';
import { readOps, writeOps, type DataOp } from '../model/table-spec.js';

/** Parsed `/metrics` query (`metric_filters`); empty lists mean "no filter". */
export interface MetricFilters {
  withMetricFields: ReadonlySet<string>;
  types: readonly string[];
  ids: ReadonlySet<string>;
  attributes: readonly string[];
  metrics: readonly string[];
}

/** Fields a metric object can carry, in the order Pegasus writes them. */
const percentileNames = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;

interface Entity {
  type: string;
  id: string;
  attributes: readonly (readonly [string, string])[];
  metrics: readonly MetricDef[];
  value: (def: MetricDef) => MetricValue;
}

const profiledOps: readonly DataOp[] = [...readOps, ...writeOps];
const profilerTaskMetrics = profilerMetrics.filter((m) =>
  [
    'profiler_queued_tasks',
    'profiler_queue_latency_ns',
    'profiler_execute_latency_ns',
    'profiler_executed_tasks',
    'profiler_cancelled_tasks',
    'profiler_server_rpc_latency_ns',
  ].includes(m.name),
);

function scaled(p: Percentiles, factor: number): Percentiles {
  return {
    p50: Math.round(p.p50 * factor),
    p90: Math.round(p.p90 * factor),
    p95: Math.round(p.p95 * factor),
    p99: Math.round(p.p99 * factor),
    p999: Math.round(p.p999 * factor),
  };
}

function serverEntity(model: ClusterModel, process: SimProcess, connections: number): Entity {
  const isMeta = process.role === 'meta';
  const leader = model.leader();
  const isLeader = isMeta && leader === process;
  // Memory and role counts sum over every replica of the node: computed once for all gauges.
  let memory: ReturnType<typeof memoryMb> | undefined;
  let roles: { primary: number; secondary: number } | undefined;
  return {
    type: 'server',
    id: 'server',
    attributes: [],
    metrics: isMeta ? metaServerMetrics : replicaServerMetrics,
    value: (def) => {
      switch (def.name) {
        case 'resident_mem_usage_mb':
          return (memory ??= memoryMb(model, process)).resident;
        case 'virtual_mem_usage_mb':
          return (memory ??= memoryMb(model, process)).virtual;
        case 'network_server_sessions':
          return serverSessions(model, process, connections);
        case 'alive_replica_servers':
          return isLeader ? model.aliveNodes().length : 0;
        case 'unalive_replica_servers':
          return isLeader ? model.nodes.length - model.aliveNodes().length : 0;
        case 'replica_server_disconnections':
          return isLeader ? model.nodes.reduce((s, n) => s + n.disconnections, 0) : 0;
        default:
          break;
      }
      if (isMeta) return 0;
      const node = process as ReplicaServer;
      switch (def.name) {
        case 'total_replicas':
          return node.members.size;
        case 'primary_replicas':
          return (roles ??= model.roleCounts(node)).primary;
        case 'secondary_replicas':
          return (roles ??= model.roleCounts(node)).secondary;
        case 'rdb_block_cache_mem_usage_bytes':
          return blockCacheBytes(node);
        case 'rdb_wbm_total_mem_usage_bytes':
          return memtableTotals(node).total;
        case 'rdb_wbm_mutable_mem_usage_bytes':
          return memtableTotals(node).mutable;
        default:
          return 0;
      }
    },
  };
}

function* replicaServerEntities(
  model: ClusterModel,
  node: ReplicaServer,
  types: TypeFilter,
  ids: ReadonlySet<string>,
): Generator<Entity> {
  if (types('disk')) {
    for (const [index, disk] of node.disks.entries()) {
      let usage: ReturnType<typeof diskUsage> | undefined;
      yield {
        type: 'disk',
        id: `disk@${disk.tag}`,
        attributes: [
          ['tag', disk.tag],
          ['data_dir', disk.dataDir],
        ],
        metrics: diskMetrics,
        value: (def) => {
          usage ??= diskUsage(model, node, index);
          return def.name === 'disk_capacity_total_mb' ? usage.total : usage.avail;
        },
      };
    }
  }
  if (types('replica')) {
    // With an `ids` filter only the named replicas are built (a node hosts hundreds).
    const members = ids.size === 0 ? [...node.members] : [...node.members].filter((p) => ids.has(`replica@${p.gpid}`));
    const partitions = members.sort((a, b) => a.table.appId - b.table.appId || a.pidx - b.pidx);
    for (const partition of partitions) {
      yield {
        type: 'replica',
        id: `replica@${partition.gpid}`,
        attributes: [
          ['table_id', String(partition.table.appId)],
          ['partition_id', String(partition.pidx)],
        ],
        metrics: replicaMetrics,
        value: (() => {
          // One view per entity: the load integrals are computed once for all its metrics.
          let view: ReturnType<typeof replicaView> | null = null;
          return (def: MetricDef): MetricValue => {
            if (view === null) view = replicaView(model, partition, node.index);
            return view ? replicaMetric(view, def.name) : 0;
          };
        })(),
      };
    }
  }
  if (types('profiler')) {
    // One pass over the node's replicas for all eleven tasks, and only when a profiler metric is printed.
    let stats: ReturnType<typeof nodeTaskStats> | undefined;
    const statsOf = () => (stats ??= nodeTaskStats(model, node));
    for (const op of profiledOps) {
      const task = taskOfOp[op];
      yield {
        type: 'profiler',
        id: `task@${task}`,
        attributes: [['task_name', task]],
        metrics: profilerTaskMetrics,
        value: (def) => {
          switch (def.name) {
            case 'profiler_executed_tasks':
              return statsOf().executed[op];
            case 'profiler_server_rpc_latency_ns':
              return scaled(statsOf().latency()[op], 1.05);
            case 'profiler_execute_latency_ns':
              return scaled(statsOf().latency()[op], 0.85);
            case 'profiler_queue_latency_ns':
              return scaled(statsOf().latency()[op], 0.04);
            case 'profiler_queued_tasks':
              return Math.round(statsOf().qps[op] / 2_000);
            default:
              return 0;
          }
        },
      };
    }
  }
  const leader = model.leader();
  if (types('connection') && leader) {
    yield {
      type: 'connection',
      id: `connection@${leader.address}`,
      attributes: [['remote_addr', leader.address]],
      metrics: connectionMetrics,
      value: () => 1,
    };
  }
}

function* leaderEntities(model: ClusterModel, types: TypeFilter): Generator<Entity> {
  if (types('table')) {
    for (const table of model.tables) {
      yield {
        type: 'table',
        id: `table@${table.appId}`,
        attributes: [['table_id', String(table.appId)]],
        metrics: tableMetrics,
        value: (def) => {
          const c = table.healthCounts;
          switch (def.name) {
            case 'healthy_partitions':
              return c.healthy;
            case 'writable_ill_partitions':
              return c.writable_ill;
            case 'unwritable_partitions':
              return c.unwritable;
            case 'unreadable_partitions':
              return c.unreadable;
            case 'dead_partitions':
              return c.dead;
            default:
              return 0;
          }
        },
      };
    }
  }
  if (types('partition')) {
    for (const table of model.tables) {
      for (const partition of table.partitions) {
        yield {
          type: 'partition',
          id: `partition@${partition.gpid}`,
          attributes: [
            ['table_id', String(table.appId)],
            ['partition_id', String(partition.pidx)],
          ],
          metrics: partitionMetrics,
          value: (def) => {
            switch (def.name) {
              case 'partition_configuration_changes':
                return partition.configChanges;
              case 'unwritable_partition_changes':
                return partition.unwritableChanges;
              case 'writable_partition_changes':
                return partition.writableChanges;
              case 'greedy_recent_balance_operations':
                return partition.recentBalanceOps;
              case 'greedy_move_primary_operations':
                return partition.greedyMovePri;
              case 'greedy_copy_primary_operations':
                return partition.greedyCopyPri;
              case 'greedy_copy_secondary_operations':
                return partition.greedyCopySec;
              default:
                return 0;
            }
          },
        };
      }
    }
  }
}

type TypeFilter = (type: string) => boolean;

function* entitiesOf(
  model: ClusterModel,
  process: SimProcess,
  connections: number,
  types: TypeFilter,
  ids: ReadonlySet<string>,
): Generator<Entity> {
  if (types('server')) yield serverEntity(model, process, connections);
  if (process.role === 'replica') {
    yield* replicaServerEntities(model, process as ReplicaServer, types, ids);
  } else if (model.leader() === (process as MetaServer)) {
    yield* leaderEntities(model, types);
  }
}

/**
 * A metric object's text with its numbers left out, for one field set: `parts[i]` comes before number `i`
 * and the last part closes the object. A large node prints tens of thousands of metric objects whose layout
 * only depends on the prototype and the fields, so each layout is built once (with the writer's own rules)
 * instead of key by key.
 */
interface MetricTemplate {
  parts: readonly string[];
  /** Which numbers to print: `value`, or the percentile names. */
  numbers: readonly ('value' | (typeof percentileNames)[number])[];
}

const templates = new WeakMap<MetricDef, Map<string, Map<number, MetricTemplate>>>();

function fieldsKey(fields: ReadonlySet<string>): string {
  return [...fields].join(',');
}

function buildTemplate(def: MetricDef, fields: ReadonlySet<string>, depth: number): MetricTemplate {
  const want = (field: string): boolean => fields.size === 0 || fields.has(field);
  const marker = '\u0000';
  const writer = new PrettyWriter();
  // Open `depth` arrays so the object is indented exactly as it will be in the body.
  for (let i = 0; i < depth; i++) writer.startArray();
  const numbers: MetricTemplate['numbers'][number][] = [];
  writer.startObject();
  if (want('type')) writer.stringField('type', def.type);
  if (want('name')) writer.stringField('name', def.name);
  if (want('unit')) writer.stringField('unit', def.unit);
  if (want('desc')) writer.stringField('desc', def.desc);
  if (def.type === 'Percentile') {
    for (const name of percentileNames) {
      if (!want(name)) continue;
      writer.key(name).raw(marker);
      numbers.push(name);
    }
  } else if (want('value')) {
    writer.key('value').raw(marker);
    numbers.push('value');
  }
  writer.endObject();
  const text = writer.toString();
  // The arrays only open with `[`: the first brace starts the object.
  return { parts: text.slice(text.indexOf('{')).split(marker), numbers };
}

function templateOf(def: MetricDef, fields: ReadonlySet<string>, key: string, depth: number): MetricTemplate {
  let byFields = templates.get(def);
  if (byFields === undefined) templates.set(def, (byFields = new Map<string, Map<number, MetricTemplate>>()));
  let byDepth = byFields.get(key);
  if (byDepth === undefined) byFields.set(key, (byDepth = new Map<number, MetricTemplate>()));
  let template = byDepth.get(depth);
  if (template === undefined) byDepth.set(depth, (template = buildTemplate(def, fields, depth)));
  return template;
}

function intText(value: number): string {
  return String(Math.trunc(value));
}

function writeMetric(
  writer: PrettyWriter,
  def: MetricDef,
  value: MetricValue,
  fields: ReadonlySet<string>,
  key: string,
): void {
  const { parts, numbers } = templateOf(def, fields, key, writer.depth);
  let text = parts[0] ?? '';
  for (let i = 0; i < numbers.length; i++) {
    const field = numbers[i] ?? 'value';
    const n =
      typeof value === 'number' ? (field === 'value' ? value : 0) : field === 'value' ? value.p99 : value[field];
    text += intText(n) + (parts[i + 1] ?? '');
  }
  writer.raw(text);
}

function attributesMatch(attributes: Entity['attributes'], filter: readonly string[]): boolean {
  if (filter.length === 0) return true;
  for (let i = 0; i + 1 < filter.length; i += 2) {
    const found = attributes.find(([k]) => k === filter[i]);
    if (found && found[1] === filter[i + 1]) return true;
  }
  return false;
}

function writeEntities(
  writer: PrettyWriter,
  model: ClusterModel,
  process: SimProcess,
  connections: number,
  filters: MetricFilters,
): void {
  const types: TypeFilter = (t) => filters.types.length === 0 || filters.types.includes(t);
  const wanted = filters.metrics.length === 0 ? undefined : new Set(filters.metrics);
  // Entities of a type share one prototype list: filter each list once.
  const chosenOf = new Map<readonly MetricDef[], readonly MetricDef[]>();
  const key = fieldsKey(filters.withMetricFields);
  writer.startArray();
  for (const entity of entitiesOf(model, process, connections, types, filters.ids)) {
    if (filters.ids.size > 0 && !filters.ids.has(entity.id)) continue;
    if (!attributesMatch(entity.attributes, filters.attributes)) continue;
    let chosen = chosenOf.get(entity.metrics);
    if (chosen === undefined) {
      chosen = wanted === undefined ? entity.metrics : entity.metrics.filter((m) => wanted.has(m.name));
      chosenOf.set(entity.metrics, chosen);
    }
    if (chosen.length === 0) continue;
    writer.startObject();
    writer.stringField('type', entity.type);
    writer.stringField('id', entity.id);
    writer.key('attributes').startObject();
    for (const [k, v] of entity.attributes) writer.stringField(k, v);
    writer.endObject();
    writer.key('metrics').startArray();
    for (const def of chosen) writeMetric(writer, def, entity.value(def), filters.withMetricFields, key);
    writer.endArray();
    writer.endObject();
  }
  writer.endArray();
}

/** The `/metrics` body of a 2.6 process. */
export function metricsSnapshot(
  model: ClusterModel,
  process: SimProcess,
  connections: number,
  filters: MetricFilters,
): string {
  const writer = new PrettyWriter();
  writer.startObject();
  writer.stringField('cluster', model.clusterName === '' ? 'unknown' : model.clusterName);
  writer.stringField('role', process.role);
  writer.stringField('host', '127.0.0.1');
  writer.intField('port', process.port);
  writer.intField('timestamp_ns', BigInt(Math.round(model.nowWallMs)) * 1_000_000n);
  writer.key('entities');
  writeEntities(writer, model, process, connections, filters);
  writer.endObject();
  return writer.toString();
}
