/**
 * The `admission` settings of the config file: defaults with their documented values, overrides, and a bad
 * value stopping the start with the key named.
 */
import { describe, expect, it } from 'vitest';
import { admissionSettings } from '../../src/admission/admission-context.js';
import { ConfigError, defaultAdmissionSettings, loadConfig } from '../../src/config/config.js';

const load = (file: unknown) =>
  loadConfig({ PEGASUS_META_SERVERS: '127.0.0.1:34601', PEGASUS_CONFIG: 'c.json' }, () => JSON.stringify(file));

describe('admission settings', () => {
  it('default to the documented targets', () => {
    expect(defaultAdmissionSettings()).toEqual({
      partitionMaxGb: 10,
      partitionReadQps: 2000,
      partitionWriteQps: 500,
      minPartitions: 8,
      maxPartitions: 1024,
      replicaCount: 3,
      compactionHeadroom: 0.5,
      sizingHorizon: '1y',
      nodeReadQps: 70_000,
      nodeWriteQps: 30_000,
      nodeLoadWarnRatio: 0.7,
      latencyMarginRatio: 2,
      healthTimeoutMs: 120_000,
      healthPollMs: 2_000,
      loadSampleMs: 1_000,
    });
    expect(load({}).admission).toEqual(defaultAdmissionSettings());
  });

  it('take overrides from the config file, and fall back to the defaults in hand-built configs', () => {
    const config = load({ admission: { partitionMaxGb: 5, sizingHorizon: '3y' } });
    expect(admissionSettings(config)).toMatchObject({ partitionMaxGb: 5, sizingHorizon: '3y', partitionReadQps: 2000 });
    const { admission: _dropped, ...handBuilt } = config;
    expect(admissionSettings(handBuilt)).toEqual(defaultAdmissionSettings());
  });

  it('refuse a bad value, naming the key', () => {
    expect(() => load({ admission: { sizingHorizon: '2y' } })).toThrow(ConfigError);
    expect(() => load({ admission: { partitionMaxGb: -1 } })).toThrow(/admission\.partitionMaxGb/);
  });
});
