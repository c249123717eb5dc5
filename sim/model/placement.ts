/**
 * Initial replica placement: per table, every node gets the floor or ceiling of its share of primaries and of
 * replicas (what Pegasus's balancer would converge to), with a cursor that carries over between tables so
 * the cluster as a whole is balanced too. Close to linear in partitions, so 64k partitions on 1,000 nodes
 * place in well under a second.
 */

/** Where one partition's replicas go: primary first, then secondaries. */
export type Placement = number[];

/** Per-slot counts with the minimum tracked through a histogram. */
class Counts {
  readonly values: Int32Array;
  private readonly histogram: number[];
  min = 0;

  constructor(n: number) {
    this.values = new Int32Array(n);
    this.histogram = [n];
  }

  add(slot: number): void {
    const old = this.values[slot] ?? 0;
    this.values[slot] = old + 1;
    this.histogram[old] = (this.histogram[old] ?? 0) - 1;
    this.histogram[old + 1] = (this.histogram[old + 1] ?? 0) + 1;
    while ((this.histogram[this.min] ?? 0) === 0 && this.min < this.histogram.length) this.min++;
  }
}

function scan(n: number, start: number, accept: (slot: number) => boolean): number {
  for (let k = 0; k < n; k++) {
    const slot = (start + k) % n;
    if (accept(slot)) return slot;
  }
  return -1;
}

/**
 * Places `partitionCount` partitions with `replicaCount` replicas on the nodes listed in `nodes` (indices into
 * the cluster's replica servers). `cursor` is shared between calls and advanced.
 */
export function placeTable(
  nodes: readonly number[],
  partitionCount: number,
  replicaCount: number,
  cursor: { value: number },
): Placement[] {
  const n = nodes.length;
  if (n === 0) return Array.from({ length: partitionCount }, () => []);
  const primaries = new Counts(n);
  const totals = new Counts(n);
  const copies = Math.min(replicaCount, n);
  const result: Placement[] = [];
  for (let p = 0; p < partitionCount; p++) {
    const start = cursor.value % n;
    cursor.value++;
    let primary = -1;
    // Prefer a node low on both counts; relax the replica count first, then the primary count.
    for (let extra = 0; primary < 0 && extra < 4; extra++) {
      const pLevel = primaries.min + (extra >> 1);
      const tLevel = totals.min + (extra & 1);
      primary = scan(n, start, (s) => primaries.values[s] === pLevel && (totals.values[s] ?? 0) <= tLevel);
    }
    if (primary < 0) primary = scan(n, start, (s) => primaries.values[s] === primaries.min);
    primaries.add(primary);
    totals.add(primary);
    const members = [primary];
    for (let r = 1; r < copies; r++) {
      let slot = -1;
      for (let extra = 0; slot < 0 && extra < 3; extra++) {
        const level = totals.min + extra;
        slot = scan(n, (start + r) % n, (s) => totals.values[s] === level && !members.includes(s));
      }
      if (slot < 0) slot = scan(n, start, (s) => !members.includes(s));
      if (slot < 0) break;
      totals.add(slot);
      members.push(slot);
    }
    result.push(members.map((slot) => nodes[slot] ?? 0));
  }
  return result;
}
