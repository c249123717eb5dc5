/**
 * Reads what the review needs from a cluster: the alive replica servers, their free disk and load from one
 * sampled round, the slowest node's P99 now, and the table names (a new table must not take an existing name).
 */
import type { ClusterHandle } from '../commands/command-spec.js';
import type { AdmissionSettings } from '../config/config.js';
import { ok, type Result } from '../result.js';
import type { ClusterSnapshot } from './review.js';

/** The snapshot plus the names of the tables the cluster has. */
export interface ClusterView {
  snapshot: ClusterSnapshot;
  tables: string[];
}

const mbPerGb = 1024;
const nsPerMs = 1_000_000;

/** The highest positive value (a P99 of 0 means the node served nothing to measure). */
function worst(values: readonly number[]): number | undefined {
  const measured = values.filter((v) => v > 0);
  return measured.length > 0 ? Math.max(...measured) : undefined;
}

/** Reads the cluster for a review; a failure is the cluster client's (`CLUSTER_UNREACHABLE` …). */
export async function readClusterView(
  cluster: ClusterHandle,
  settings: Pick<AdmissionSettings, 'loadSampleMs'>,
): Promise<Result<ClusterView>> {
  const [tables, nodes, load] = await Promise.all([
    cluster.api.listTables(),
    cluster.api.listNodes(),
    cluster.api.load({ intervalMs: settings.loadSampleMs }),
  ]);
  if (!tables.ok) return tables;
  if (!nodes.ok) return nodes;
  if (!load.ok) return load;
  const stats = load.value.nodes;
  const readP99 = worst(stats.map((n) => n.readP99Ns));
  const writeP99 = worst(stats.map((n) => n.writeP99Ns));
  return ok({
    tables: tables.value.map((t) => t.name),
    snapshot: {
      cluster: cluster.name,
      aliveNodes: nodes.value.filter((n) => n.status === 'ALIVE').length,
      diskTotalGb: stats.reduce((sum, n) => sum + n.diskTotalMb, 0) / mbPerGb,
      diskFreeGb: stats.reduce((sum, n) => sum + n.diskAvailMb, 0) / mbPerGb,
      nodes: stats.map((n) => ({ address: n.address, readQps: n.readQps, writeQps: n.writeQps })),
      ...(readP99 !== undefined ? { readP99Ms: readP99 / nsPerMs } : {}),
      ...(writeP99 !== undefined ? { writeP99Ms: writeP99 / nsPerMs } : {}),
      diskFreePctWarn: cluster.config.thresholds.diskFreePctWarn,
      unreachable: load.value.unreachable.filter((u) => u.role === 'replica').map((u) => u.address),
    },
  });
}
