/**
 * Stable ids of the inspection rules. Alerts are keyed by (cluster, rule, subject), threads by (cluster,
 * rule), and `--json` consumers read them, so an id never changes once released.
 */
export const ruleIds = {
  clusterUnreachable: 'cluster_unreachable',
  metaServers: 'meta_servers',
  unreachable: 'unreachable',
  availability: 'availability',
  tableCount: 'table_count',
  nodeUnalive: 'node_unalive',
  faultyServers: 'faulty_servers',
  restart: 'restart',
  restartLoop: 'restart_loop',
  versionDrift: 'version_drift',
  metaLevel: 'meta_level',
  balancePending: 'balance_pending',
  skew: 'skew',
  memory: 'memory',
  disk: 'disk',
  sessions: 'sessions',
  cpu: 'cpu',
  network: 'network',
  p99High: 'p99_high',
  p99Spike: 'p99_spike',
  iopsChange: 'iops_change',
} as const;

/** One of the stable rule ids. */
export type RuleId = (typeof ruleIds)[keyof typeof ruleIds];

/** Every rule, in the order `inspect` lists them (worst consequences first). */
export const allRules: readonly RuleId[] = Object.values(ruleIds);

/** A few words per rule, for thread titles and the `inspect` table. */
export const ruleTitles: Record<RuleId, string> = {
  cluster_unreachable: 'cluster unreachable',
  meta_servers: 'meta server leadership',
  unreachable: 'server not reachable',
  availability: 'table availability below 100%',
  table_count: 'tables missing or dropped',
  node_unalive: 'replica server UNALIVE',
  faulty_servers: 'many faulty replica servers',
  restart: 'server restarted',
  restart_loop: 'server restart loop',
  version_drift: 'version drift',
  meta_level: 'meta level not steady',
  balance_pending: 'balance operations pending',
  skew: 'replica skew',
  memory: 'memory high',
  disk: 'disk nearly full',
  sessions: 'sessions high',
  cpu: 'CPU high',
  network: 'network high',
  p99_high: 'P99 over its limit',
  p99_spike: 'P99 spike against the baseline',
  iops_change: 'IOPS change against the baseline',
};

/** Whether a string is a known rule id. */
export function isRuleId(value: string): value is RuleId {
  return (allRules as readonly string[]).includes(value);
}
