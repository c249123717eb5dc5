/**
 * `npx pegasus-chatops sim [--metas 3] [--nodes 5] [--tables N] [--scenario NAME] [--pegasus-version V]
 * [--speed X] [--base-port P] [--control-port P] [--seed S]`: starts a simulated cluster, prints the meta
 * server list (ready for `PEGASUS_META_SERVERS`) and the control URL, and runs until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { scenarioDescriptions, scenarioNames, type ScenarioName } from './scenarios.js';
import { startSimCluster, type SimClusterOptions } from './sim-cluster.js';

/** Where the CLI writes, and what stops it (tests pass their own). */
export interface SimCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Resolves when the simulator should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

const usage = `Usage: pegasus-chatops sim [options]

Starts a simulated Apache Pegasus cluster on 127.0.0.1 and runs until stopped (Ctrl-C).

Options:
  --metas N               meta servers (default 3)
  --nodes N               replica servers (default 5; 1000 for --scenario large)
  --tables N              tables (default 6: stat, temp and four busy ones)
  --scenario NAME         ${scenarioNames.join(' | ')} (default healthy)
  --pegasus-version V     2.6.0 (default, /metrics) | 2.5.0 (perf counters)
  --speed X               simulated seconds per real second (default 1)
  --base-port P           onebox ports: metas P+1…, replicas P+201…, control API P (default: 34600)
                          0 picks free ports
  --control-port P        port of the control API (default: the base port)
  --seed S                seed of placement and load (default 42)
  -h, --help              this help

Scenarios:
${scenarioNames.map((n) => `  ${n.padEnd(14)} ${scenarioDescriptions[n]}`).join('\n')}
`;

class UsageError extends Error {}

function integer(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

/** Parses the flags into start options (throws `UsageError` with a message naming the flag). */
function parseFlags(argv: string[]): SimClusterOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      options: {
        metas: { type: 'string' },
        nodes: { type: 'string' },
        tables: { type: 'string' },
        scenario: { type: 'string' },
        'pegasus-version': { type: 'string' },
        speed: { type: 'string' },
        'base-port': { type: 'string' },
        'control-port': { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const v = parsed.values;
  if (v.help === true) return 'help';
  const options: SimClusterOptions = {};
  const metas = integer('metas', v.metas, 1, 9);
  const nodes = integer('nodes', v.nodes, 1, 2_000);
  const tables = integer('tables', v.tables, 1, 1_000);
  const basePort = integer('base-port', v['base-port'], 0, 63_000);
  const controlPort = integer('control-port', v['control-port'], 0, 65_535);
  const seed = integer('seed', v.seed, 0, 2 ** 31);
  if (metas !== undefined) options.metas = metas;
  if (nodes !== undefined) options.nodes = nodes;
  if (tables !== undefined) options.tables = tables;
  if (seed !== undefined) options.seed = seed;
  options.basePort = basePort ?? 34_600;
  if (controlPort !== undefined) options.controlPort = controlPort;
  if (v.scenario !== undefined) {
    if (!(scenarioNames as readonly string[]).includes(v.scenario)) {
      throw new UsageError(`--scenario must be one of ${scenarioNames.join(', ')}, got "${v.scenario}"`);
    }
    options.scenario = v.scenario as ScenarioName;
  }
  const version = v['pegasus-version'];
  if (version !== undefined) {
    if (version !== '2.6.0' && version !== '2.5.0') {
      throw new UsageError(`--pegasus-version must be 2.6.0 or 2.5.0, got "${version}"`);
    }
    options.pegasusVersion = version;
  }
  if (v.speed !== undefined) {
    const speed = Number(v.speed);
    if (!Number.isFinite(speed) || speed <= 0 || speed > 10_000) {
      throw new UsageError(`--speed must be a number above 0 and at most 10000, got "${v.speed}"`);
    }
    options.speed = speed;
  }
  return options;
}

function untilSignal(): Promise<unknown> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/**
 * Runs the simulator CLI. Bad flags print what is wrong and what is accepted, set exit code 3 and return;
 * otherwise it prints the addresses and resolves after a clean stop.
 */
export async function runSimCli(
  argv: string[],
  io: SimCliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<void> {
  let options: SimClusterOptions | 'help';
  try {
    options = parseFlags(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`pegasus-chatops sim: ${err.message}\nRun with --help for the accepted options.\n`);
    process.exitCode = 3;
    return;
  }
  if (options === 'help') {
    io.stdout.write(usage);
    return;
  }
  let sim;
  try {
    sim = await startSimCluster(options);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const hint =
      code === 'EADDRINUSE'
        ? 'a port is already in use; pick other ports with --base-port N, or --base-port 0 for free ones'
        : (err as Error).message;
    io.stderr.write(`pegasus-chatops sim: could not start the simulated cluster: ${hint}\n`);
    process.exitCode = 3;
    return;
  }
  io.stdout.write(
    `Simulated Pegasus ${sim.model.metas[0]?.version ?? ''} cluster "${sim.model.clusterName}" ` +
      `(${options.scenario ?? 'healthy'}): ${sim.metaServers.length} meta servers, ${sim.replicaServers.length} replica servers, ` +
      `${sim.model.tables.length} tables\n` +
      `PEGASUS_META_SERVERS=${sim.metaServers.join(',')}\n` +
      `Control API: ${sim.controlUrl}  (GET / lists the routes)\n` +
      `Press Ctrl-C to stop.\n`,
  );
  await (io.until ?? untilSignal());
  await sim.stop();
  io.stdout.write('Simulated cluster stopped.\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  void runSimCli(process.argv.slice(2));
}
