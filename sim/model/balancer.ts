/**
 * The greedy load balancer's app policy (`src/meta/app_balance_policy.cpp`), simplified: per table, first
 * even out primaries (move a primary to a node holding a secondary, else copy it to the emptiest node), then,
 * only if no primary work was found (or when merely checking), even out replica counts by copying secondaries.
 * Proposals are planned against counts, not applied, so the same planner serves the `lively` balancer and
 * the `steady` checker that feeds `balance_operation_count`.
 */
import type { BalancerSettings, ClusterModel, SimPartition, SimTable } from './cluster-model.js';

/** One proposal (`balancer_request_type`). */
export interface BalanceOp {
  kind: 'move_pri' | 'copy_pri' | 'copy_sec';
  partition: SimPartition;
  from: number;
  to: number;
}

interface Counts {
  nodes: number[];
  primary: Map<number, number>;
  total: Map<number, number>;
}

function countTable(table: SimTable, alive: readonly number[]): Counts {
  const primary = new Map<number, number>();
  const total = new Map<number, number>();
  for (const n of alive) {
    primary.set(n, 0);
    total.set(n, 0);
  }
  for (const p of table.partitions) {
    if (primary.has(p.primary)) primary.set(p.primary, (primary.get(p.primary) ?? 0) + 1);
    for (const m of p.members()) if (total.has(m)) total.set(m, (total.get(m) ?? 0) + 1);
  }
  return { nodes: [...alive], primary, total };
}

function extremes(nodes: readonly number[], counts: Map<number, number>): { max: number; min: number } {
  let max = -1;
  let min = -1;
  for (const n of nodes) {
    const c = counts.get(n) ?? 0;
    if (max < 0 || c > (counts.get(max) ?? 0)) max = n;
    if (min < 0 || c < (counts.get(min) ?? 0)) min = n;
  }
  return { max, min };
}

function bump(counts: Map<number, number>, node: number, delta: number): void {
  counts.set(node, (counts.get(node) ?? 0) + delta);
}

function primaryBalance(
  table: SimTable,
  counts: Counts,
  settings: BalancerSettings,
  used: Set<SimPartition>,
): BalanceOp[] {
  const ops: BalanceOp[] = [];
  const { primary, total, nodes } = counts;
  for (let guard = 0; guard <= table.partitionCount; guard++) {
    const { max, min } = extremes(nodes, primary);
    const maxCount = primary.get(max) ?? 0;
    if (max < 0 || maxCount - (primary.get(min) ?? 0) <= 1) break;
    let best: { partition: SimPartition; to: number } | undefined;
    for (const p of table.partitions) {
      if (used.has(p) || p.primary !== max) continue;
      for (const s of p.secondaries) {
        const c = primary.get(s);
        if (c === undefined || c > maxCount - 2) continue;
        if (best === undefined || c < (primary.get(best.to) ?? 0)) best = { partition: p, to: s };
      }
    }
    if (best) {
      ops.push({ kind: 'move_pri', partition: best.partition, from: max, to: best.to });
      used.add(best.partition);
      bump(primary, max, -1);
      bump(primary, best.to, 1);
      continue;
    }
    if (settings.onlyMovePrimary) break;
    const candidate = table.partitions.find((p) => !used.has(p) && p.primary === max && !p.members().includes(min));
    if (!candidate) break;
    ops.push({ kind: 'copy_pri', partition: candidate, from: max, to: min });
    used.add(candidate);
    bump(primary, max, -1);
    bump(primary, min, 1);
    bump(total, max, -1);
    bump(total, min, 1);
  }
  return ops;
}

function copySecondary(table: SimTable, counts: Counts, used: Set<SimPartition>): BalanceOp[] {
  const ops: BalanceOp[] = [];
  const { total, nodes } = counts;
  const replicasLow = Math.floor(table.partitionCount / Math.max(1, nodes.length));
  for (let guard = 0; guard <= table.partitionCount * table.maxReplicaCount; guard++) {
    const { max, min } = extremes(nodes, total);
    const maxCount = total.get(max) ?? 0;
    if (max < 0 || maxCount <= replicasLow || maxCount - (total.get(min) ?? 0) <= 1) break;
    const candidate = table.partitions.find(
      (p) => !used.has(p) && p.secondaries.includes(max) && !p.members().includes(min),
    );
    if (!candidate) break;
    ops.push({ kind: 'copy_sec', partition: candidate, from: max, to: min });
    used.add(candidate);
    bump(total, max, -1);
    bump(total, min, 1);
  }
  return ops;
}

/**
 * Plans one balancer round. With `checker` (the `steady` level) both phases are planned and nothing moves;
 * otherwise secondaries are only balanced when no table needs primary work, as in Pegasus.
 */
export function planBalance(model: ClusterModel, settings: BalancerSettings, checker: boolean): BalanceOp[] {
  const alive = model.aliveNodes().map((n) => n.index);
  if (alive.length === 0) return [];
  const tables = model.tables.filter((t) => !settings.ignoredAppIds.has(t.appId));
  const counts = new Map<SimTable, Counts>();
  const used = new Set<SimPartition>();
  const ops: BalanceOp[] = [];
  for (const table of tables) {
    const c = countTable(table, alive);
    counts.set(table, c);
    ops.push(...primaryBalance(table, c, settings, used));
    if (!checker && settings.balancerInTurn && ops.length > 0) return ops;
  }
  if (!checker && ops.length > 0) return ops;
  if (settings.onlyPrimaryBalancer) return ops;
  for (const table of tables) {
    const c = counts.get(table) ?? countTable(table, alive);
    ops.push(...copySecondary(table, c, used));
    if (!checker && settings.balancerInTurn && ops.length > 0) return ops;
  }
  return ops;
}
