import { describe, expect, it } from 'vitest';
import { startSimCluster } from '../../sim/index.js';

describe('simulated process start times', () => {
  it('shows servers that have been up for days unless a fresh start is asked for', async () => {
    const now = Date.UTC(2026, 2, 13, 12, 0, 0);
    const sim = await startSimCluster({ autoTick: false, clock: () => now, metas: 2, nodes: 3 });
    const fresh = await startSimCluster({ autoTick: false, clock: () => now, metas: 1, nodes: 1, freshStart: true });
    try {
      const started = async (address: string) => {
        const body = (await (await fetch(`http://${address}/recentStartTime`)).json()) as { RecentStartTime: string };
        return Date.parse(`${body.RecentStartTime.replace(' ', 'T')}Z`);
      };
      const starts = await Promise.all([...sim.metaServers, ...sim.replicaServers].map(started));
      for (const t of starts) expect(now - t).toBeGreaterThan(86_400_000);
      expect(new Set(starts).size).toBe(starts.length);
      expect(await started(fresh.replicaServers[0] ?? '')).toBe(now);
    } finally {
      await sim.stop();
      await fresh.stop();
    }
  });
});
