/**
 * The simulated Pegasus cluster: `startSimCluster` for tests, benchmarks and `npm start` without a cluster;
 * `runSimCli` for `npx pegasus-chatops sim`.
 */
export { startSimCluster, type SimCluster, type SimClusterOptions } from './sim-cluster.js';
export { SimFaults, type ActiveFault, type ProcessRef, type UnhealthyKind } from './faults.js';
export { scenarioDescriptions, scenarioNames, type ScenarioName } from './scenarios.js';
export {
  ClusterModel,
  type MetaServer,
  type PartitionHealth,
  type PegasusVersion,
  type ReplicaServer,
  type SimPartition,
  type SimProcess,
  type SimTable,
} from './model/cluster-model.js';
export { defaultTables, type TableSpec } from './model/table-spec.js';
export { describeState } from './control-api.js';
