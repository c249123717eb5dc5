/**
 * Named scenarios: a cluster state to start from, each showing something an administrator should notice.
 * `large` is about size (1,000 replica servers, 200 tables, 65,536 partitions) and is applied at build time.
 */
import type { SimFaults } from './faults.js';
import type { ClusterModel } from './model/cluster-model.js';

/** The scenario names. */
export const scenarioNames = ['healthy', 'node-down', 'skewed', 'mixed-faults', 'large'] as const;

/** One scenario name. */
export type ScenarioName = (typeof scenarioNames)[number];

/** What each scenario shows, for the CLI's help and the README. */
export const scenarioDescriptions: Readonly<Record<ScenarioName, string>> = {
  healthy: 'every node alive, every partition 3/3, balanced, steady level, busy tables',
  'node-down':
    'the last replica server is stopped: UNALIVE in nodes, its partitions at 2/3 until cure re-replicates them ' +
    '(after replica_assign_delay_ms_for_dropouts, 10 min of simulated time)',
  skewed:
    'placement piled onto the first replica server: high primary/total stddev and a non-zero ' +
    'balance_operation_count; set_meta_level lively and the balancer evens it out',
  'mixed-faults':
    'a stopped node, one table held with an unreadable partition, a latency spike, a nearly full disk, a ' +
    'session flood, a slow node and one replica server on the other Pegasus version, all at once',
  large: '1,000 replica servers, 200 tables, 65,536 partitions (a load test target)',
};

/** Applies a scenario's faults to a freshly built cluster. */
export async function applyScenario(name: ScenarioName, model: ClusterModel, faults: SimFaults): Promise<void> {
  const last = model.nodes.length - 1;
  switch (name) {
    case 'healthy':
    case 'large':
      return;
    case 'node-down':
      if (last >= 0) await faults.stopReplica(last);
      model.updateHealthCounts();
      return;
    case 'skewed':
      faults.skewPlacement({ node: 0, fraction: 0.6 });
      // Let the leader's checker see the skew at once instead of at the first balancer interval.
      model.runRound();
      return;
    case 'mixed-faults': {
      const busy = model.tables.find((t) => t.name === 'user_profile') ?? model.tables[model.tables.length - 1];
      const held = model.tables.find((t) => t.name === 'order_index') ?? model.tables[0];
      if (held) faults.unhealthyPartitions({ table: held.name, count: 1, kind: 'unreadable' });
      if (busy) faults.latencySpike(busy.name, 25);
      if (model.nodes.length > 1) faults.fillDisk(1, 4);
      if (model.nodes.length > 2) faults.sessionFlood({ replica: 2 }, 25_000);
      if (model.nodes.length > 3) faults.slow({ replica: 3 }, 800);
      if (model.nodes.length > 4) faults.mixedVersions({ replicas: [0] });
      if (last >= 4) await faults.stopReplica(last);
      model.updateHealthCounts();
      return;
    }
  }
}
