/**
 * The registry of command specs: lookup by name or alias (case-insensitive, `cluster-info` finds
 * `cluster_info` as the Go admin-cli spells it), and the closest match for a typo.
 */
import type { AnyCommandSpec } from './command-spec.js';

/** Names the dispatcher answers itself (decisions typed as text); no spec may take them. */
export const reservedCommandNames: readonly string[] = ['confirm', 'cancel', 'approve', 'reject'];

/** The commands the bot knows. */
export interface CommandCatalog {
  /** Adds a spec; a clash of names is a programming error and throws. */
  register(spec: AnyCommandSpec): void;
  /** The spec for a name or alias, if any. */
  find(name: string): AnyCommandSpec | undefined;
  /** All specs in registration order. */
  list(): readonly AnyCommandSpec[];
  /** The known name (or alias) closest to a mistyped one, when it is close enough to be a plausible typo. */
  suggest(name: string): string | undefined;
}

/** The Levenshtein distance between two strings (insertions, deletions, substitutions). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function canonical(name: string): string {
  return name.trim().toLowerCase().replaceAll('-', '_');
}

/** Creates a catalog holding the given specs. */
export function createCommandCatalog(specs: readonly AnyCommandSpec[] = []): CommandCatalog {
  const ordered: AnyCommandSpec[] = [];
  const byName = new Map<string, AnyCommandSpec>();

  const catalog: CommandCatalog = {
    register(spec) {
      const names = [spec.name, ...(spec.aliases ?? [])].map(canonical);
      for (const name of names) {
        if (reservedCommandNames.includes(name))
          throw new Error(`command name "${name}" is reserved by the dispatcher`);
        if (byName.has(name)) throw new Error(`command name "${name}" is registered twice`);
      }
      for (const name of names) byName.set(name, spec);
      ordered.push(spec);
    },
    find(name) {
      return byName.get(canonical(name));
    },
    list() {
      return ordered;
    },
    suggest(name) {
      const wanted = canonical(name);
      let best: { name: string; distance: number } | undefined;
      for (const candidate of [...byName.keys(), ...reservedCommandNames]) {
        // A prefix (`clus` → `cluster_info`) is as good a hint as a small typo.
        const distance = candidate.startsWith(wanted) && wanted.length >= 3 ? 1 : editDistance(wanted, candidate);
        if (!best || distance < best.distance) best = { name: candidate, distance };
      }
      if (!best) return undefined;
      // Beyond a third of the word, the "closest" command is noise rather than a typo.
      const limit = Math.max(2, Math.ceil(wanted.length / 3));
      return best.distance <= limit ? best.name : undefined;
    },
  };
  for (const spec of specs) catalog.register(spec);
  return catalog;
}
