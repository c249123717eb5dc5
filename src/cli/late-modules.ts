/**
 * The one place that gathers the command specs and handlers of every part of the bot, and loads the parts
 * which may be absent from a build (table admission, the simulator's CLI): those are imported by path at run
 * time and their shape checked, so the composition still compiles and runs, with fewer commands, when one is
 * missing. The simulator is imported only when it is started, so a run against a real cluster does not load it.
 */
import { actionCommands } from '../actions/index.js';
import type { AnyCommandSpec } from '../commands/command-spec.js';
import type { CoreDispatcher } from '../commands/dispatcher.js';
import { viewCommands } from '../commands/views/index.js';
import { monitoringCommands, registerAlertButtons } from '../monitoring/index.js';

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
 * Parts of the bot that may not be in this build; each `index` module's exported specs (alone or in arrays)
 * join the catalog, and its `registerHandlers(dispatcher)` (forms, buttons) is called.
 */
const optionalModules: readonly string[] = ['../admission/index.js'];

/** Every command spec available in this build, besides `help` and `audit`; the first spec of a name wins. */
export async function loadCommandSpecs(): Promise<AnyCommandSpec[]> {
  const optional = await Promise.all(optionalModules.map(async (path) => specsIn(await optionalImport(path))));
  const byName = new Map<string, AnyCommandSpec>();
  for (const spec of [...viewCommands, ...actionCommands, ...monitoringCommands, ...optional.flat()]) {
    if (!byName.has(spec.name)) byName.set(spec.name, spec);
  }
  return [...byName.values()];
}

/** Registers the form and button handlers of every part (alert Ack/Silence, the table application form). */
export async function registerHandlers(dispatcher: CoreDispatcher): Promise<void> {
  registerAlertButtons(dispatcher);
  for (const path of optionalModules) {
    const register = (await optionalImport(path))?.['registerHandlers'];
    if (typeof register === 'function') (register as (d: CoreDispatcher) => void)(dispatcher);
  }
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
