/**
 * The one place that loads parts of the bot which may be absent from a build (the view specs, the other
 * command groups, the simulator's CLI). Each is imported by path at run time and its shape checked, so the
 * composition still compiles and runs, with fewer commands, when a part is missing. The simulator itself is
 * imported only when it is started, so a run against a real cluster does not load it.
 */
import type { AnyCommandSpec } from '../commands/command-spec.js';

/** What `startSimCluster()` returns, as far as the composition needs it. */
export interface SimHandle {
  /** Meta server addresses, `host:port`. */
  metaServers: string[];
  /** Stops every simulated server. */
  stop(): Promise<void>;
  /** Counts for the banner, when the simulator tells them. */
  metaCount?: number;
  replicaCount?: number;
}

async function optionalImport(specifier: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // Only "this very module does not exist" means absent; a broken module must still fail loudly.
    const missing =
      (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
      (e.message ?? '').includes(specifier.replace(/^\.\.\//, '').replace(/\.js$/, ''));
    if (missing) return undefined;
    throw err;
  }
}

function isSpec(value: unknown): value is AnyCommandSpec {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['name'] === 'string' && typeof v['run'] === 'function' && typeof v['parse'] === 'function';
}

function specsIn(module: Record<string, unknown> | undefined, exportName: string): AnyCommandSpec[] {
  const value = module?.[exportName];
  if (!Array.isArray(value)) return [];
  return value.filter(isSpec);
}

/** Command groups written by other parts of the bot: module path → the export holding its spec list. */
const specModules: readonly { path: string; exportName: string }[] = [
  { path: '../commands/views/index.js', exportName: 'viewCommands' },
];

/** Every command spec available in this build, besides `help` and `audit`. */
export async function loadCommandSpecs(): Promise<AnyCommandSpec[]> {
  const lists = await Promise.all(specModules.map(async (m) => specsIn(await optionalImport(m.path), m.exportName)));
  return lists.flat();
}

/** Starts the embedded simulated cluster (3 metas, 5 replica servers); loaded only when needed. */
export async function startSimulator(): Promise<SimHandle | undefined> {
  const { startSimCluster } = await import('../../sim/index.js');
  const sim = await startSimCluster();
  return {
    metaServers: [...sim.metaServers],
    metaCount: sim.metaServers.length,
    replicaCount: sim.replicaServers.length,
    stop: () => sim.stop(),
  };
}

/** Runs `sim …` (the simulator's own CLI); undefined when the simulator is not part of this build. */
export async function runSimulatorCli(argv: readonly string[]): Promise<number | undefined> {
  const cli = await optionalImport('../../sim/cli.js');
  const run = cli?.['runSimCli'];
  if (typeof run !== 'function') return undefined;
  const code = await (run as (argv: readonly string[]) => Promise<unknown>)(argv);
  return typeof code === 'number' ? code : 0;
}
