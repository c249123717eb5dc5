/**
 * The platform-neutral part of the composition, shared by `npm start` and `exec`: store, cluster clients,
 * the command catalog (every spec in this build plus `help` and `audit`) and the dispatcher. Adapters are
 * added by `src/main.ts`.
 */
import type { ChatSink } from '../chat/chat-sink.js';
import { systemClock, type Clock } from '../clock.js';
import { auditCommand } from '../commands/audit-command.js';
import { createCommandCatalog, type CommandCatalog } from '../commands/command-catalog.js';
import type { AnyCommandSpec, ClusterHandle } from '../commands/command-spec.js';
import { createDispatcher, type CoreDispatcher } from '../commands/dispatcher.js';
import { createHelpCommand } from '../commands/help-command.js';
import { defaultThresholds, type ClusterConfig, type Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { createClusterHandles } from './cluster-clients.js';
import { loadCommandSpecs, registerHandlers } from './late-modules.js';

/** The running core. */
export interface Runtime {
  config: Config;
  catalog: CommandCatalog;
  clusters: ClusterHandle[];
  store: Store;
  dispatcher: CoreDispatcher;
  /** Chat sinks; adapters started later push themselves here (the dispatcher reads it on each use). */
  sinks: ChatSink[];
  clock: Clock;
  logger: Logger;
  /** Closes the cluster clients and the store. */
  close(): Promise<void>;
}

/** What may be injected instead of the real parts (tests). */
export interface RuntimeOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  store?: Store;
  clusters?: ClusterHandle[];
  /** The commands (default: every spec in this build, plus help and audit). */
  catalog?: CommandCatalog;
  sinks?: ChatSink[];
  /** Register the form and button handlers of every part (default true; tests with fake specs turn it off). */
  registerHandlers?: boolean;
}

/** A catalog of the given specs plus `help` and `audit`. */
export function buildCatalog(specs: readonly AnyCommandSpec[]): CommandCatalog {
  const catalog = createCommandCatalog(specs);
  if (!catalog.find('help')) catalog.register(createHelpCommand(catalog));
  if (!catalog.find('audit')) catalog.register(auditCommand);
  return catalog;
}

/** The cluster entry of the embedded simulator, named `sim`. */
export function simulatedCluster(metaServers: readonly string[]): ClusterConfig {
  return { name: 'sim', metaServers: [...metaServers], latencySensitiveTables: [], thresholds: defaultThresholds() };
}

/** Opens the store, builds the cluster clients, the catalog and the dispatcher. */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;
  const catalog = options.catalog ?? buildCatalog(await loadCommandSpecs());
  const store = options.store ?? (await openStore(config, { clock, logger }));
  const clusters = options.clusters ?? createClusterHandles(config, logger);
  const sinks = options.sinks ?? [];
  const dispatcher = createDispatcher({ catalog, clusters, config, store, clock, sinks, logger });
  if (options.registerHandlers !== false) await registerHandlers(dispatcher);
  return {
    config,
    catalog,
    clusters,
    store,
    dispatcher,
    sinks,
    clock,
    logger,
    async close() {
      await Promise.allSettled(clusters.map((c) => c.api.close()));
      await store.close();
    },
  };
}
