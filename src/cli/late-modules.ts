/**
 * The one place that gathers the command specs and loads parts of the bot which may be absent from a build
 * (the command groups of actions, monitoring and admission, the simulator's CLI). Each is imported by path at
 * run time and its shape checked, so the composition still compiles and runs, with fewer commands, when a
 * part is missing. The simulator is imported only when it is started, so a run against a real cluster does
 * not load it.
 */
import type { AnyCommandSpec } from '../commands/command-spec.js';
import { viewCommands } from '../commands/views/index.js';

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
      (e.message ?? '').includes(specifier.replace(/^(\.\.\/)+/, '').replace(/\.js$/, ''));
    if (missing) return undefined;
    throw err;
  }
}

function isSpec(value: unknown): value is AnyCommandSpec {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['name'] === 'string' &&
    typeof v['run'] === 'function' &&
    typeof v['parse'] === 'function' &&
    typeof v['risk'] === 'function'
  );
}

/** Every spec a module exports, alone or in arrays. */
function specsIn(module: Record<string, unknown> | undefined): AnyCommandSpec[] {
  if (!module) return [];
  return Object.values(module).flatMap((value) =>
    isSpec(value) ? [value] : Array.isArray(value) ? value.filter(isSpec) : [],
  );
}

/**
 * Command groups of other parts of the bot that may not be in this build yet; each `index` module's exported
 * specs (alone or in arrays) join the catalog.
 */
const optionalSpecModules: readonly string[] = [
  '../actions/index.js',
  '../monitoring/index.js',
  '../admission/index.js',
];

/** Every command spec available in this build, besides `help` and `audit`; the first spec of a name wins. */
export async function loadCommandSpecs(): Promise<AnyCommandSpec[]> {
  const optional = await Promise.all(optionalSpecModules.map(async (path) => specsIn(await optionalImport(path))));
  const byName = new Map<string, AnyCommandSpec>();
  for (const spec of [...viewCommands, ...optional.flat()]) if (!byName.has(spec.name)) byName.set(spec.name, spec);
  return [...byName.values()];
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

/** Runs `sim …` (the simulator's own CLI); undefined when the simulator CLI is not part of this build. */
export async function runSimulatorCli(
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): Promise<number | undefined> {
  const cli = await optionalImport('../../sim/cli.js');
  const run = cli?.['runSimCli'];
  if (typeof run !== 'function') return undefined;
  const code = await (run as (argv: string[], io: unknown) => Promise<unknown>)([...argv], io);
  if (typeof code === 'number') return code;
  // The simulator's CLI reports failures through process.exitCode, as a bin would.
  const exitCode = process.exitCode;
  return typeof exitCode === 'number' ? exitCode : 0;
}

/** A background service the bot runs until it stops. */
export interface BackgroundService {
  stop(): Promise<void>;
}

/** What background services are built from (the runtime's parts). */
export interface ServiceDeps {
  store: unknown;
  clusters: readonly unknown[];
  config: unknown;
  clock: unknown;
  sinks: readonly unknown[];
  logger: unknown;
}

/**
 * Starts the rebalance window scheduler of `src/actions` (a tick every minute), when that part is in this
 * build; undefined otherwise.
 */
export async function startWindowScheduler(deps: ServiceDeps): Promise<BackgroundService | undefined> {
  const actions = await optionalImport('../actions/index.js');
  const Scheduler = actions?.['WindowScheduler'];
  if (typeof Scheduler !== 'function') return undefined;
  const scheduler = new (
    Scheduler as new (options: ServiceDeps) => { start(everyMs?: number): void } & BackgroundService
  )(deps);
  scheduler.start();
  return scheduler;
}
