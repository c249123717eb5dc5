/**
 * Measures the `large` scenario (1,000 replica servers, 200 tables, 65,536 partitions): start time, memory,
 * and the time to fetch a filtered `/metrics` from every replica server concurrently, as the bot's benchmark
 * does. Prints one `name value unit` line per figure. Run: `npx tsx sim/measure-large.ts`.
 */
import { startSimCluster } from './sim-cluster.js';

function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}

const began = performance.now();
const sim = await startSimCluster({ scenario: 'large', autoTick: false });
const started = performance.now();
const partitions = sim.model.tables.reduce((s, t) => s + t.partitionCount, 0);
console.log(`sim_large_start_time ${((started - began) / 1000).toFixed(2)} s`);
console.log(`sim_large_replica_servers ${sim.replicaServers.length} count`);
console.log(`sim_large_tables ${sim.model.tables.length} count`);
console.log(`sim_large_partitions ${partitions} count`);
console.log(`sim_large_balance_operations ${sim.model.leader()?.counters.total ?? -1} count`);
global.gc?.();
console.log(`sim_large_rss_after_start ${mb(process.memoryUsage().rss)} MB`);
console.log(`sim_large_heap_after_start ${mb(process.memoryUsage().heapUsed)} MB`);

sim.tick(10_000);
const query =
  '/metrics?types=replica&with_metric_fields=name,value&metrics=get_requests,put_requests,multi_get_requests';
const t0 = performance.now();
let bytes = 0;
const queue = [...sim.replicaServers];
async function worker(): Promise<void> {
  for (let address = queue.shift(); address !== undefined; address = queue.shift()) {
    const res = await fetch(`http://${address}${query}`);
    bytes += (await res.text()).length;
  }
}
await Promise.all(Array.from({ length: 64 }, worker));
const t1 = performance.now();
console.log(`sim_large_metrics_round ${((t1 - t0) / 1000).toFixed(2)} s`);
console.log(`sim_large_metrics_bytes ${mb(bytes)} MB`);
const m0 = performance.now();
const cluster = await fetch(`http://${sim.metaServers[0] ?? ''}/meta/apps?detail`);
await cluster.text();
console.log(`sim_large_meta_apps_detail ${(performance.now() - m0).toFixed(0)} ms`);
const r0 = performance.now();
sim.tick(10_000);
console.log(`sim_large_meta_round ${(performance.now() - r0).toFixed(0)} ms`);
console.log(`sim_large_rss_peak ${mb(process.memoryUsage().rss)} MB`);
await sim.stop();
