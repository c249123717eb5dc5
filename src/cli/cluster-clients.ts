/** Builds one cluster client per configured cluster (the only place that knows how clients are made). */
import type { ClusterHandle } from '../commands/command-spec.js';
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { createPegasusClient } from '../pegasus/pegasus-client.js';

/** A client (HTTP + THFT RPC) for every cluster of the config. */
export function createClusterHandles(config: Config, logger: Logger): ClusterHandle[] {
  return config.clusters.map((cluster) => ({
    name: cluster.name,
    config: cluster,
    api: createPegasusClient({
      metaServers: cluster.metaServers,
      timeoutMs: config.timeoutMs,
      concurrency: config.concurrency,
      logger: logger.child({ cluster: cluster.name }),
    }),
  }));
}
