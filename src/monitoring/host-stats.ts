/**
 * CPU and network per host. Pegasus exports neither (the guide takes them from node_exporter), so the
 * inspection asks an injected source — e.g. a Prometheus query over node_exporter metrics — and the `cpu`
 * and `network` rules report "no data" when none is configured.
 */
import type { ClusterHandle } from '../commands/command-spec.js';
import type { Result } from '../result.js';

/** One host's CPU and network, averaged over the source's own window. */
export interface HostStats {
  /** Host name or address as the source knows it (node_exporter `instance` without the port, say). */
  host: string;
  /** Busy CPU in percent of all cores. */
  cpuPct?: number;
  /** Received and sent, in Mbit/s over all non-loopback interfaces. */
  netRxMbps?: number;
  netTxMbps?: number;
}

/** Reads host stats for the hosts of one cluster; expected failures are `Result` failures. */
export type HostStatsSource = (cluster: ClusterHandle) => Promise<Result<HostStats[]>>;
