/**
 * Stable ids of every check. Alerts, baselines, `--json` consumers and tests key on these strings, so they
 * never change once released.
 */
export const checkIds = {
  metaServers: 'meta_servers',
  metaLevel: 'meta_level',
  balancePending: 'balance_pending',
  tableCount: 'table_count',
  tableHealth: 'table_health',
  nodesAlive: 'nodes_alive',
  replicaSkew: 'replica_skew',
  primarySkew: 'primary_skew',
  versions: 'versions',
  restarts: 'restarts',
  nodeMemory: 'node_memory',
  nodeDisk: 'node_disk',
  nodeP99: 'node_p99',
  tableP99: 'table_p99',
  sessions: 'sessions',
  connectionsPerHost: 'connections_per_host',
  unreachable: 'unreachable',
  state: 'state',
} as const;

/** One of the stable check ids. */
export type CheckId = (typeof checkIds)[keyof typeof checkIds];
