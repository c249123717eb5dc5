/**
 * CPU, memory, disk and network per Pegasus node from Prometheus node_exporter metrics (Pegasus exports none
 * of them; the administration guide reads them from the host). A handful of instant queries, each aggregated
 * per `instance`, mapped to the Pegasus hosts by the host part of the `instance` label or by the node's
 * `nodename` (from `node_uname_info`), then graded against the cluster's thresholds.
 */
import type { ClusterHandle } from '../../commands/command-spec.js';
import type { Thresholds } from '../../config/config.js';
import type { Finding } from '../../replies/reply.js';
import { fail, ok, type Result } from '../../result.js';
import type { HostStats, HostStatsSource } from '../host-stats.js';
import { PrometheusClient, type PrometheusClientOptions, type VectorSample } from './prometheus-client.js';

/** The resources of one host, as node_exporter reports them. Absent fields had no data. */
export interface NodeResources {
  /** The host as asked (a Pegasus node's host). */
  host: string;
  /** The node_exporter `instance` it was matched to; absent when Prometheus knows no such host. */
  instance?: string;
  /** Busy CPU, percent of all cores, over the rate window. */
  cpuPct?: number;
  /** Memory in use (total minus available), percent. */
  memUsedPct?: number;
  memTotalBytes?: number;
  /** The fullest real file system (tmpfs, overlay and the like excluded). */
  disk?: { mountpoint: string; usedPct: number };
  /** Bytes per second over the physical interfaces (loopback and virtual ones excluded). */
  netRxBytesPerSec?: number;
  netTxBytesPerSec?: number;
}

/** Options of `nodeResources`. */
export interface NodeResourcesOptions extends PrometheusClientOptions {
  /** The PromQL range of the rates (default `1m`; at least four scrape intervals). */
  rateWindow?: string;
  /** Evaluate at this time instead of now. */
  at?: Date;
}

// File systems that are not disks, and interfaces that are not wires (bridges and veths double-count).
const fsFilter =
  'fstype!~"tmpfs|ramfs|devtmpfs|overlay|squashfs|nsfs|autofs|fuse.lxcfs|fuse.snapfuse",mountpoint!~"/run.*|/dev.*|/sys.*|/proc.*"';
const netFilter = 'device!~"lo|veth.*|docker.*|br-.*|virbr.*|cni.*|flannel.*|cali.*|tunl.*|vxlan.*|ifb.*"';

/** The PromQL of each figure, aggregated per instance (exported so operators can paste them into Prometheus). */
export function resourceQueries(
  rateWindow = '1m',
): Record<'cpu' | 'mem' | 'memTotal' | 'disk' | 'rx' | 'tx' | 'uname', string> {
  if (!/^\d+[smhd]$/.test(rateWindow)) throw new Error(`bad rate window ${rateWindow}`);
  return {
    cpu: `100 * (1 - avg by (instance) (rate(node_cpu_seconds_total{mode="idle"}[${rateWindow}])))`,
    mem: '100 * (1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes)',
    memTotal: 'node_memory_MemTotal_bytes',
    disk: `100 * (1 - node_filesystem_avail_bytes{${fsFilter}} / node_filesystem_size_bytes{${fsFilter}})`,
    rx: `sum by (instance) (rate(node_network_receive_bytes_total{${netFilter}}[${rateWindow}]))`,
    tx: `sum by (instance) (rate(node_network_transmit_bytes_total{${netFilter}}[${rateWindow}]))`,
    uname: 'node_uname_info',
  };
}

/** The host part of an `instance` label (`10.0.0.1:9100`, `[::1]:9100`, `node-1`), lower case. */
export function instanceHost(instance: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (v6?.[1]) return v6[1].toLowerCase();
  const colons = instance.split(':').length - 1;
  // More than one colon without brackets is a bare IPv6 address, not host:port.
  return (colons === 1 ? instance.slice(0, instance.lastIndexOf(':')) : instance).toLowerCase();
}

const shortName = (name: string) => name.split('.')[0] ?? name;
const isIp = (host: string) => /^[\d.]+$/.test(host) || host.includes(':');

/**
 * Which instance serves a host: the same host part first, then the same `nodename`, then the same short
 * name (one of the two written without its domain). Undefined when none matches.
 */
export function matchInstance(
  host: string,
  instances: readonly string[],
  nodenames: ReadonlyMap<string, string>,
): string | undefined {
  const h = host.toLowerCase();
  const sorted = [...instances].sort();
  const byHost = sorted.find((i) => instanceHost(i) === h);
  if (byHost) return byHost;
  const byNodename = sorted.find((i) => nodenames.get(i)?.toLowerCase() === h);
  if (byNodename) return byNodename;
  if (isIp(h)) return undefined;
  return sorted.find((i) => {
    const names = [instanceHost(i), nodenames.get(i)?.toLowerCase()].filter((n): n is string => !!n && !isIp(n));
    return names.some((n) => (!n.includes('.') || !h.includes('.')) && shortName(n) === shortName(h));
  });
}

function perInstance(samples: readonly VectorSample[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const s of samples) {
    const instance = s.metric['instance'];
    if (instance !== undefined && Number.isFinite(s.value)) map.set(instance, s.value);
  }
  return map;
}

/** Reads CPU, memory, disk and network of each host (e.g. the hosts of the Pegasus nodes) from Prometheus. */
export async function nodeResources(
  prometheusUrl: string,
  hosts: readonly string[],
  options: NodeResourcesOptions = {},
): Promise<Result<NodeResources[]>> {
  const client = new PrometheusClient(prometheusUrl, options);
  const q = resourceQueries(options.rateWindow);
  const names = Object.keys(q) as (keyof typeof q)[];
  const answers = await Promise.all(names.map((name) => client.query(q[name], options.at)));
  const results = {} as Record<keyof typeof q, VectorSample[]>;
  for (const [i, name] of names.entries()) {
    const answer = answers[i];
    if (!answer) continue;
    if (!answer.ok) return answer;
    results[name] = answer.value;
  }

  const cpu = perInstance(results.cpu);
  const mem = perInstance(results.mem);
  const memTotal = perInstance(results.memTotal);
  const rx = perInstance(results.rx);
  const tx = perInstance(results.tx);
  const nodenames = new Map<string, string>();
  for (const s of results.uname) {
    const instance = s.metric['instance'];
    const nodename = s.metric['nodename'];
    if (instance !== undefined && nodename !== undefined) nodenames.set(instance, nodename);
  }
  const disks = new Map<string, { mountpoint: string; usedPct: number }>();
  for (const s of results.disk) {
    const instance = s.metric['instance'];
    if (instance === undefined || !Number.isFinite(s.value)) continue;
    const worst = disks.get(instance);
    if (!worst || s.value > worst.usedPct)
      disks.set(instance, { mountpoint: s.metric['mountpoint'] ?? '?', usedPct: s.value });
  }
  const instances = [...new Set([...cpu.keys(), ...mem.keys(), ...disks.keys(), ...rx.keys(), ...nodenames.keys()])];

  return ok(
    [...new Set(hosts)].map((host) => {
      const instance = matchInstance(host, instances, nodenames);
      if (instance === undefined) return { host };
      const node: NodeResources = { host, instance };
      const set = <K extends keyof NodeResources>(key: K, value: NodeResources[K] | undefined) => {
        if (value !== undefined) node[key] = value;
      };
      set('cpuPct', cpu.get(instance));
      set('memUsedPct', mem.get(instance));
      set('memTotalBytes', memTotal.get(instance));
      set('disk', disks.get(instance));
      set('netRxBytesPerSec', rx.get(instance));
      set('netTxBytesPerSec', tx.get(instance));
      return node;
    }),
  );
}

/** The host part of a Pegasus address (`host:port`, `[v6]:port`). */
export function hostOf(address: string): string {
  return instanceHost(address);
}

const mbps = (bytesPerSec: number) => (bytesPerSec * 8) / 1_000_000;

/** Grades the resources of each host: `host_cpu`, `host_memory`, `host_disk`, `host_network`, `host_metrics_missing`. */
export function checkNodeResources(nodes: readonly NodeResources[], t: Thresholds): Finding[] {
  const findings: Finding[] = [];
  const grade = (value: number, warn: number, crit: number) =>
    value >= crit ? ('crit' as const) : value >= warn ? ('warn' as const) : undefined;
  for (const n of nodes) {
    if (n.instance === undefined) {
      findings.push({
        check: 'host_metrics_missing',
        severity: 'info',
        subject: n.host,
        summary: `Prometheus has no node_exporter metrics for ${n.host}`,
        advice:
          'Scrape node_exporter on this host, with an `instance` label (or `nodename`) that names the host as the Pegasus cluster does.',
      });
      continue;
    }
    if (n.cpuPct !== undefined) {
      const sev = grade(n.cpuPct, t.cpuPctWarn, t.cpuPctCrit);
      if (sev) {
        findings.push({
          check: 'host_cpu',
          severity: sev,
          subject: n.host,
          summary: `CPU of ${n.host} at ${n.cpuPct.toFixed(1)}% (warn ${t.cpuPctWarn}%, crit ${t.cpuPctCrit}%)`,
          evidence: { cpu_pct: Number(n.cpuPct.toFixed(1)), instance: n.instance },
          advice:
            'Find what is busy (`top -H` on the host): compactions, a hot partition (`app_stat -a <table>`) or another process on the machine.',
        });
      }
    }
    if (n.memUsedPct !== undefined) {
      const sev = grade(n.memUsedPct, t.memPctWarn, t.memPctCrit);
      if (sev) {
        findings.push({
          check: 'host_memory',
          severity: sev,
          subject: n.host,
          summary: `memory of ${n.host} ${n.memUsedPct.toFixed(1)}% used (warn ${t.memPctWarn}%, crit ${t.memPctCrit}%)`,
          evidence: { mem_used_pct: Number(n.memUsedPct.toFixed(1)), instance: n.instance },
          advice:
            'Compare with the replica server’s resident memory (`server_stat`); a block cache set too large or another process can push the host into swap.',
        });
      }
    }
    if (n.disk) {
      const sev = grade(n.disk.usedPct, 100 - t.diskFreePctWarn, 100 - t.diskFreePctCrit);
      if (sev) {
        findings.push({
          check: 'host_disk',
          severity: sev,
          subject: n.host,
          summary: `${n.disk.mountpoint} on ${n.host} ${n.disk.usedPct.toFixed(1)}% full (warn below ${t.diskFreePctWarn}% free)`,
          evidence: {
            mountpoint: n.disk.mountpoint,
            used_pct: Number(n.disk.usedPct.toFixed(1)),
            instance: n.instance,
          },
          advice:
            'Free space before the replica server stops writing: drop stale checkpoints and unused tables, or add disks and rebalance in a window.',
        });
      }
    }
    const rxMbps = n.netRxBytesPerSec !== undefined ? mbps(n.netRxBytesPerSec) : undefined;
    const txMbps = n.netTxBytesPerSec !== undefined ? mbps(n.netTxBytesPerSec) : undefined;
    const net = Math.max(rxMbps ?? -1, txMbps ?? -1);
    if (net >= 0) {
      const sev = grade(net, t.networkMbpsWarn, t.networkMbpsCrit);
      if (sev) {
        findings.push({
          check: 'host_network',
          severity: sev,
          subject: n.host,
          summary: `network of ${n.host} at ${net.toFixed(0)} Mbit/s (in ${(rxMbps ?? 0).toFixed(0)}, out ${(txMbps ?? 0).toFixed(0)}; warn ${t.networkMbpsWarn})`,
          evidence: {
            rx_mbps: Number((rxMbps ?? 0).toFixed(1)),
            tx_mbps: Number((txMbps ?? 0).toFixed(1)),
            instance: n.instance,
          },
          advice:
            'Look for large scans or batch loads (`app_stat`), learners copying replicas after a restart, or a rebalance outside its window.',
        });
      }
    }
  }
  return findings;
}

/** The host figures the inspection's `cpu` and `network` rules read, from `nodeResources`. */
export function toHostStats(nodes: readonly NodeResources[]): HostStats[] {
  return nodes
    .filter((n) => n.instance !== undefined)
    .map((n) => ({
      host: n.host,
      ...(n.cpuPct !== undefined ? { cpuPct: n.cpuPct } : {}),
      ...(n.netRxBytesPerSec !== undefined ? { netRxMbps: mbps(n.netRxBytesPerSec) } : {}),
      ...(n.netTxBytesPerSec !== undefined ? { netTxMbps: mbps(n.netTxBytesPerSec) } : {}),
    }));
}

/**
 * A `HostStatsSource` for the inspector: the hosts of the cluster's meta servers and replica servers,
 * read from Prometheus (`PROMETHEUS_URL`).
 */
export function prometheusHostStats(prometheusUrl: string, options: NodeResourcesOptions = {}): HostStatsSource {
  return async (cluster: ClusterHandle) => {
    const nodes = await cluster.api.listNodes();
    if (!nodes.ok)
      return fail(nodes.error.code, `cannot list the nodes to ask Prometheus about: ${nodes.error.message}`);
    const hosts = [...cluster.api.metaServers, ...nodes.value.map((n) => n.address)].map(hostOf);
    const resources = await nodeResources(prometheusUrl, hosts, options);
    return resources.ok ? ok(toHostStats(resources.value)) : resources;
  };
}
