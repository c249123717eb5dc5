import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, redactConfig } from '../../src/config/config.js';
import { formatDuration, parseDuration } from '../../src/config/duration.js';

describe('loadConfig', () => {
  it('runs on the simulator when no cluster is configured', () => {
    const config = loadConfig({});
    expect(config.simulated).toBe(true);
    expect(config.clusters).toEqual([]);
    expect(config.inspectEveryMs).toBe(60_000);
    expect(config.approvalTtlMs).toBe(15 * 60_000);
    expect(config.access.localRole).toBe('admin');
  });

  it('treats empty values as unset, as in a copied .env.example', () => {
    const config = loadConfig({ PEGASUS_META_SERVERS: '', DATABASE_URL: ' ', SLACK_BOT_TOKEN: '' });
    expect(config.simulated).toBe(true);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.slack).toBeUndefined();
  });

  it('reads one cluster from PEGASUS_META_SERVERS', () => {
    const config = loadConfig({ PEGASUS_META_SERVERS: '10.0.0.1:34601, 10.0.0.2:34601', PEGASUS_CLUSTER_NAME: 'prod' });
    expect(config.simulated).toBe(false);
    expect(config.clusters[0]?.name).toBe('prod');
    expect(config.clusters[0]?.metaServers).toEqual(['10.0.0.1:34601', '10.0.0.2:34601']);
    expect(config.clusters[0]?.thresholds.connectionsPerHostWarn).toBe(100);
  });

  it('names the variable and what is accepted when a value is bad', () => {
    expect(() => loadConfig({ PEGASUS_META_SERVERS: 'nohostport' })).toThrow(/PEGASUS_META_SERVERS.*host:port/s);
    expect(() => loadConfig({ INSPECT_EVERY: 'often' })).toThrow(/INSPECT_EVERY.*duration/s);
    expect(() => loadConfig({ PEGASUS_ADMINS: 'U123' })).toThrow(/PEGASUS_ADMINS.*platform:id/s);
    expect(() => loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' })).toThrow(ConfigError);
  });

  it('reads clusters, access and per-cluster thresholds from the config file', () => {
    const file = JSON.stringify({
      clusters: [
        { name: 'a', metaServers: ['h1:34601'], thresholds: { sessionsWarn: 10 } },
        { name: 'b', metaServers: ['h2:34601'], latencySensitiveTables: [{ name: 'ads', readP99Ms: 5 }] },
      ],
      defaultCluster: 'b',
      access: { admins: ['slack:UADMIN'] },
      thresholds: { sessionsWarn: 20 },
    });
    const config = loadConfig({ PEGASUS_CONFIG: 'x.json', PEGASUS_OPERATORS: 'discord:42' }, () => file);
    expect(config.defaultCluster).toBe('b');
    expect(config.clusters.map((c) => c.thresholds.sessionsWarn)).toEqual([10, 20]);
    expect(config.access.admins).toEqual(['slack:UADMIN']);
    expect(config.access.operators).toEqual(['discord:42']);
    expect(() =>
      loadConfig({ PEGASUS_CONFIG: 'x.json' }, () => '{"clusters":[{"name":"a","metaServers":[]}]}'),
    ).toThrow(/metaServers/);
  });

  it('never prints secrets', () => {
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-secret', SLACK_SIGNING_SECRET: 'shh' });
    expect(JSON.stringify(redactConfig(config))).not.toMatch(/xoxb-secret|shh/);
  });
});

describe('durations', () => {
  it('parses and formats', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('soon')).toBeUndefined();
    expect(formatDuration(5_400_000)).toBe('1h 30m');
  });
});
