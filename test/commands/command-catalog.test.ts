import { describe, expect, it } from 'vitest';
import { createCommandCatalog, editDistance } from '../../src/commands/command-catalog.js';
import type { AnyCommandSpec } from '../../src/commands/command-spec.js';
import { ok } from '../../src/result.js';

function spec(name: string, aliases: string[] = []): AnyCommandSpec {
  return {
    name,
    aliases,
    summary: name,
    usage: name,
    group: 'cluster',
    risk: () => 'read',
    parse: () => ok({}),
    run: () => Promise.reject(new Error('not run in catalog tests')),
  };
}

describe('command catalog', () => {
  const catalog = createCommandCatalog([
    spec('cluster_info'),
    spec('nodes'),
    spec('ls', ['list']),
    spec('app_stat'),
    spec('get_meta_level'),
    spec('set_meta_level'),
    spec('health'),
  ]);

  it('finds commands by name, alias, any case and the admin-cli hyphen spelling', () => {
    expect(catalog.find('nodes')?.name).toBe('nodes');
    expect(catalog.find('LIST')?.name).toBe('ls');
    expect(catalog.find('cluster-info')?.name).toBe('cluster_info');
    expect(catalog.find('nope')).toBeUndefined();
  });

  it('suggests the closest command for a typo', () => {
    expect(catalog.suggest('nodse')).toBe('nodes');
    expect(catalog.suggest('clusterinfo')).toBe('cluster_info');
    expect(catalog.suggest('set_meta_levle')).toBe('set_meta_level');
    expect(catalog.suggest('healht')).toBe('health');
    expect(catalog.suggest('app')).toBe('app_stat');
  });

  it('gives no suggestion when nothing is plausibly meant', () => {
    expect(catalog.suggest('xyzzyplugh')).toBeUndefined();
  });

  it('refuses a name registered twice or one reserved for decisions', () => {
    expect(() => {
      catalog.register(spec('nodes'));
    }).toThrow(/twice/);
    expect(() => {
      catalog.register(spec('x', ['LIST']));
    }).toThrow(/twice/);
    expect(() => {
      catalog.register(spec('approve'));
    }).toThrow(/reserved/);
  });

  it('computes the edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});
