/**
 * Node resources against a real Prometheus scraping a real node_exporter on this machine.
 */
import { statfsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThresholds, type ClusterConfig } from '../../../src/config/config.js';
import {
  checkNodeResources,
  nodeResources,
  prometheusHostStats,
  type NodeResources,
} from '../../../src/monitoring/prometheus/node-resources.js';
import { PrometheusClient } from '../../../src/monitoring/prometheus/prometheus-client.js';
import { FakePegasus } from '../../support/fake-pegasus.js';
import { startPrometheus, type PrometheusFixture } from './prometheus-fixture.js';

describe('node resources from a real Prometheus and node_exporter', () => {
  let prom: PrometheusFixture | undefined;
  let local: NodeResources | undefined;

  beforeAll(async () => {
    prom = await startPrometheus();
    const nodes = await nodeResources(prom.prometheusUrl, ['127.0.0.1', 'pegasus-host-not-scraped']);
    if (!nodes.ok) throw new Error(nodes.error.message);
    local = nodes.value.find((n) => n.host === '127.0.0.1');
    expect(nodes.value.find((n) => n.host === 'pegasus-host-not-scraped')).toEqual({
      host: 'pegasus-host-not-scraped',
    });
  }, 90_000);

  afterAll(async () => {
    await prom?.stop();
  });

  it('maps the exporter to the host by its instance label and reads plausible figures', () => {
    expect(local?.instance).toBe(prom?.exporterTarget);
    const cpu = local?.cpuPct ?? NaN;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100);
    // node_exporter and Node read the same /proc/meminfo MemTotal.
    expect(local?.memTotalBytes).toBe(totalmem());
    expect(local?.memUsedPct).toBeGreaterThan(0);
    expect(local?.memUsedPct).toBeLessThan(100);
    const disk = local?.disk;
    expect(disk?.usedPct).toBeGreaterThanOrEqual(0);
    expect(disk?.usedPct).toBeLessThanOrEqual(100);
    // The fullest file system is at least as full as the root one.
    const root = statfsSync('/');
    const rootUsed = 100 * (1 - root.bavail / root.blocks);
    expect(disk?.usedPct).toBeGreaterThanOrEqual(rootUsed - 1);
    for (const rate of [local?.netRxBytesPerSec, local?.netTxBytesPerSec]) {
      if (rate !== undefined) expect(rate).toBeGreaterThanOrEqual(0);
    }
  });

  it('grades real figures against the thresholds and names hosts Prometheus does not know', async () => {
    if (!prom || !local) throw new Error('fixture not started');
    const t = { ...defaultThresholds(), cpuPctWarn: 0, cpuPctCrit: 100, memPctWarn: 0.001, memPctCrit: 100 };
    const findings = checkNodeResources([local, { host: 'pegasus-host-not-scraped' }], t);
    expect(findings.map((f) => `${f.check}/${f.severity}/${f.subject}`)).toEqual(
      expect.arrayContaining([
        'host_cpu/warn/127.0.0.1',
        'host_memory/warn/127.0.0.1',
        'host_metrics_missing/info/pegasus-host-not-scraped',
      ]),
    );
    expect(checkNodeResources([local], defaultThresholds()).filter((f) => f.check === 'host_memory')).toEqual(
      (local.memUsedPct ?? 0) >= 90 ? [expect.anything()] : [],
    );
  });

  it('serves the inspector as a HostStatsSource over the cluster hosts', async () => {
    if (!prom) throw new Error('fixture not started');
    const fake = new FakePegasus();
    const config: ClusterConfig = {
      name: 'onebox',
      metaServers: [...fake.metaServers],
      latencySensitiveTables: [],
      thresholds: defaultThresholds(),
    };
    const stats = await prometheusHostStats(prom.prometheusUrl)({ name: 'onebox', config, api: fake });
    expect(stats.ok).toBe(true);
    if (!stats.ok) return;
    // Every fake server is on 127.0.0.1: one host.
    expect(stats.value).toHaveLength(1);
    expect(stats.value[0]?.host).toBe('127.0.0.1');
    expect(stats.value[0]?.cpuPct).toBeGreaterThanOrEqual(0);
  });

  it('reports a query Prometheus refuses as PROMETHEUS_QUERY_FAILED with its reason', async () => {
    if (!prom) throw new Error('fixture not started');
    const result = await new PrometheusClient(prom.prometheusUrl).query('rate(node_cpu_seconds_total[');
    expect(result).toMatchObject({ ok: false, error: { code: 'PROMETHEUS_QUERY_FAILED' } });
    expect(result.ok ? '' : result.error.message).toContain('bad_data');
  });
});
