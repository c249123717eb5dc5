/**
 * The composition root (`npm start`): configuration, the simulated cluster when none is configured, the
 * core runtime, and the adapters: Slack and/or Discord when their credentials are set (chat only), otherwise
 * the console on stdin. The only file in src/ that may import adapters.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConsoleAdapter } from '../adapters/console/console-adapter.js';
import { createDiscordAdapter, runDiscordRegister } from '../adapters/discord/index.js';
import { createSlackAdapter } from '../adapters/slack/slack-adapter.js';
import { createRuntime, simulatedCluster, type Runtime } from './cli/create-runtime.js';
import { startSimulator, type SimHandle } from './cli/late-modules.js';
import { WindowScheduler } from './actions/index.js';
import { alertTrendChart } from './monitoring/charts/trend-series.js';
import { BotMetrics, createMonitoring, observeDispatcher, startOpsServer } from './monitoring/index.js';
import { prometheusHostStats } from './monitoring/prometheus/node-resources.js';
import type { Dispatcher } from './commands/command.js';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createLogger, type Logger } from './logger.js';
import { shouldUseColor } from './replies/render-text.js';

/** Streams and environment of the process (injected by tests). */
export interface MainIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  readFile?: (path: string) => string;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); chat mode runs until then. */
  stopSignal?: Promise<void>;
  /** Starts the simulated cluster (tests may inject a fake). */
  startSimulator?: () => Promise<SimHandle | undefined>;
}

/** The process's own streams and signals. */
export function processIo(): MainIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stopSignal: new Promise((resolve) => {
      process.once('SIGINT', () => {
        resolve();
      });
      process.once('SIGTERM', () => {
        resolve();
      });
    }),
  };
}

/** Something started that must be stopped on the way out. */
interface Running {
  name: string;
  stop(): Promise<void>;
}

function loadConfigOrExplain(io: MainIo): Config | number {
  try {
    return loadConfig(io.env, io.readFile ?? ((p) => readFileSync(p, 'utf8')));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.stderr.write(
      `pegasus-chatops: ${err.message}\nNothing was started. Fix the setting above (see .env.example) and start again.\n`,
    );
    return 3;
  }
}

function clusterBanner(config: Config, sim: SimHandle | undefined): string {
  if (sim) {
    const counts =
      sim.metaCount !== undefined && sim.replicaCount !== undefined
        ? ` (${sim.metaCount} metas, ${sim.replicaCount} replicas)`
        : '';
    return `no PEGASUS_META_SERVERS configured — started a simulated cluster${counts} at ${sim.metaServers.join(',')}`;
  }
  return config.clusters.map((c) => `cluster ${c.name} at ${c.metaServers.join(',')}`).join('; ');
}

/** Thrown when a chat adapter cannot start; the message names the platform and the settings to check. */
class AdapterStartError extends Error {
  override readonly name = 'AdapterStartError';
}

async function startOrExplain<T>(platform: string, settings: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw new AdapterStartError(
      `the ${platform} adapter did not start: ${err instanceof Error ? err.message : String(err)}. Check ${settings}.`,
      { cause: err },
    );
  }
}

/** Starts the chat adapters whose credentials are set; resolves to what must be stopped and a description. */
async function startChat(
  runtime: Runtime,
  dispatcher: Dispatcher,
  logger: Logger,
): Promise<{ running: Running[]; described: string[] }> {
  const { config, sinks } = runtime;
  const running: Running[] = [];
  const described: string[] = [];
  // ---- Chat adapters: Slack (adapters/slack) and Discord (adapters/discord) are started here. ----
  if (config.slack) {
    const slack = createSlackAdapter({ config: config.slack, dispatcher, logger });
    await startOrExplain(
      'Slack',
      'SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET or SLACK_APP_TOKEN, SLACK_PORT and SLACK_API_URL',
      () => slack.start(),
    );
    sinks.push(slack.sink);
    running.push({ name: 'slack', stop: () => slack.stop() });
    described.push(
      slack.mode === 'socket'
        ? 'Slack (Socket Mode)'
        : `Slack (HTTP on port ${String(slack.port() ?? config.slack.port)})`,
    );
  }
  if (config.discord) {
    const discord = createDiscordAdapter({ config: config.discord, dispatcher, logger });
    const started = await startOrExplain(
      'Discord',
      'DISCORD_BOT_TOKEN, DISCORD_PUBLIC_KEY, DISCORD_INTERACTIONS_PORT and DISCORD_API_URL',
      () => discord.start(),
    );
    sinks.push(discord.sink);
    running.push({ name: 'discord', stop: () => discord.stop() });
    const parts = [
      started.gateway ? 'gateway' : '',
      started.interactionsPort !== undefined ? `interactions on port ${String(started.interactionsPort)}` : '',
    ].filter(Boolean);
    described.push(`Discord (${parts.join(', ') || 'outbound only'})`);
  }
  return { running, described };
}

async function stopAll(running: Running[], logger: Logger): Promise<void> {
  for (const r of [...running].reverse()) {
    try {
      await r.stop();
    } catch (err) {
      logger.warn({ err, part: r.name }, 'stopping failed');
    }
  }
}

/** Runs the bot until it is stopped (chat) or the console session ends; resolves to the exit code. */
export async function main(io: MainIo = processIo()): Promise<number> {
  const loaded = loadConfigOrExplain(io);
  if (typeof loaded === 'number') return loaded;
  const config = loaded;
  const logger = createLogger(config.logLevel, io.stderr);
  const running: Running[] = [];
  try {
    let sim: SimHandle | undefined;
    if (config.simulated) {
      sim = await (io.startSimulator ?? startSimulator)();
      if (!sim) {
        io.stderr.write(
          'pegasus-chatops: no PEGASUS_META_SERVERS configured and the simulator is not part of this build. ' +
            'Set PEGASUS_META_SERVERS=host:port,host:port and start again.\n',
        );
        return 3;
      }
      const simHandle = sim;
      running.push({ name: 'simulator', stop: () => simHandle.stop() });
      config.clusters = [simulatedCluster(sim.metaServers)];
      config.defaultCluster = 'sim';
    }

    let runtime: Runtime;
    try {
      runtime = await createRuntime({ config, logger });
    } catch (err) {
      io.stderr.write(`pegasus-chatops: ${err instanceof Error ? err.message : String(err)}\n`);
      return 3;
    }
    running.push({ name: 'runtime', stop: () => runtime.close() });

    // Expired requests are marked and their messages edited even when nobody clicks again.
    const sweep = setInterval(() => {
      runtime.dispatcher.expireStale().catch((err: unknown) => {
        logger.warn({ err }, 'expiring pending requests failed');
      });
    }, 60_000);
    sweep.unref();
    running.push({
      name: 'sweep',
      stop: () => {
        clearInterval(sweep);
        return Promise.resolve();
      },
    });

    // ---- Background services: rebalance windows, inspections and alerts, the ops endpoints. ----
    const { store, clusters, clock, sinks } = runtime;
    const scheduler = new WindowScheduler({ store, clusters, config, clock, sinks, logger });
    scheduler.start();
    running.push({ name: 'window scheduler', stop: () => scheduler.stop() });
    const metrics = new BotMetrics();
    const monitoring = createMonitoring({
      config,
      clusters,
      store,
      clock,
      sinks,
      logger,
      metrics,
      // CPU, memory, disk and network per host come from node_exporter through Prometheus when it is configured.
      ...(config.prometheusUrl ? { hostStats: prometheusHostStats(config.prometheusUrl) } : {}),
      // A new alert thread opens with the trend of what it is about (QPS and P99 over the last hours).
      rootAttachments: async (group, alerts, now) => {
        const subject = alerts[0]?.subject;
        const chart = await alertTrendChart(store, {
          cluster: group.cluster,
          now,
          timeZone: config.timezone,
          ...(subject !== undefined ? { subject } : {}),
        });
        return chart ? [chart] : [];
      },
    });
    monitoring.start();
    running.push({ name: 'monitoring', stop: () => monitoring.stop() });
    if (config.opsPort !== undefined) {
      const ops = await startOpsServer({
        port: config.opsPort,
        config,
        store,
        clock,
        metrics,
        pipeline: monitoring.pipeline,
        logger,
      });
      running.push({ name: 'ops server', stop: () => ops.close() });
    }
    // Adapters get the dispatcher that counts commands for /metrics.
    const dispatcher = observeDispatcher(
      runtime.dispatcher,
      metrics,
      (name) => runtime.catalog.find(name) !== undefined,
    );

    const banner = clusterBanner(config, sim);
    if (config.slack || config.discord) {
      const chat = await startChat(runtime, dispatcher, logger);
      running.push(...chat.running);
      io.stdout.write(`pegasus-chatops: ${banner}; serving ${chat.described.join(' and ')} (Ctrl-C stops)\n`);
      await (io.stopSignal ?? new Promise<void>(() => undefined));
      return 0;
    }

    io.stdout.write(`pegasus-chatops: ${banner}; console adapter on stdin (type help)\n`);
    const user = io.env['USER'] ?? io.env['LOGNAME'];
    const adapter = new ConsoleAdapter({
      dispatcher,
      input: io.stdin,
      output: io.stdout,
      color: shouldUseColor(io.stdout, io.env),
      timezone: config.timezone,
      actor: { platform: 'console', userId: 'local', ...(user ? { displayName: user } : {}) },
      historyFile: join(config.dataDir, 'console-history'),
    });
    runtime.sinks.push(adapter);
    void io.stopSignal?.then(() => {
      adapter.close();
    });
    await adapter.run();
    return 0;
  } catch (err) {
    logger.error({ err }, 'start failed');
    io.stderr.write(`pegasus-chatops: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await stopAll(running, logger);
  }
}

/** `pegasus-chatops discord register …`: the Discord adapter's registration of the `/pegasus` command. */
export function registerDiscord(
  args: readonly string[],
  io: Pick<MainIo, 'stdout' | 'stderr' | 'env'>,
): Promise<number> {
  return runDiscordRegister(args, { stdout: io.stdout, stderr: io.stderr, env: io.env });
}

// `npm start` runs this file directly (tsx src/main.ts); the bin imports it instead.
const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  process.exitCode = await main();
  // Open sockets of stopped clients must not keep the process alive after the session ended.
  process.exit();
}
