/**
 * The monitoring part of a running bot: the inspector on its schedule, the alert pipeline with its delivery
 * loop, and the bot's own metrics. `createMonitoring` builds it; commands find the instance that belongs to
 * their store (`monitoringFor`), or build a short-lived one (a one-shot `exec inspect`).
 */
import type { ChatSink } from '../chat/chat-sink.js';
import type { Clock } from '../clock.js';
import type { ClusterHandle } from '../commands/command-spec.js';
import type { Config } from '../config/config.js';
import { silentLogger, type Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import { AlertPipeline, type AlertPipelineOptions } from './alert-pipeline.js';
import { BotMetrics, observeStore } from './bot-metrics.js';
import type { ChannelPacer } from './channel-pacer.js';
import type { HostStatsSource } from './host-stats.js';
import { Inspector } from './inspector.js';

/** The running monitoring. */
export interface Monitoring {
  readonly inspector: Inspector;
  readonly pipeline: AlertPipeline;
  readonly metrics: BotMetrics;
  /** Starts the inspection schedule and the delivery/reminder loop. */
  start(): void;
  /** Stops both and waits for work in flight. */
  stop(): Promise<void>;
}

/** What monitoring is built from (the runtime's parts). */
export interface MonitoringOptions {
  config: Config;
  clusters: readonly ClusterHandle[] | (() => readonly ClusterHandle[]);
  store: Store;
  clock: Clock;
  /** Read on every delivery: adapters started later may add themselves. */
  sinks: readonly ChatSink[];
  logger?: Logger;
  /** CPU and network per host (e.g. Prometheus over node_exporter); without it those rules say "no data". */
  hostStats?: HostStatsSource;
  metrics?: BotMetrics;
  /** Per-channel pacing of alert posts (default one per second). */
  pacer?: ChannelPacer;
  /** Milliseconds between the two load samples of an inspection (default 1000). */
  sampleIntervalMs?: number;
  /** Files for a new alert thread's root, e.g. a trend chart (see `AlertPipelineOptions.rootAttachments`). */
  rootAttachments?: AlertPipelineOptions['rootAttachments'];
}

const attached = new WeakMap<Store, Monitoring>();

/** Builds the monitoring and makes it the one commands over `options.store` use. */
export function createMonitoring(options: MonitoringOptions): Monitoring {
  const logger = options.logger ?? silentLogger();
  const metrics = options.metrics ?? new BotMetrics();
  // Failures of the store under inspections and alerts count in pegasus_chatops_store_errors_total.
  const store = observeStore(options.store, metrics);
  const pipeline = new AlertPipeline({
    store,
    clock: options.clock,
    config: options.config,
    sinks: options.sinks,
    logger: logger.child({ part: 'alerts' }),
    observer: metrics.pipelineObserver(),
    ...(options.pacer ? { pacer: options.pacer } : {}),
    ...(options.rootAttachments ? { rootAttachments: options.rootAttachments } : {}),
  });
  const inspector = new Inspector({
    clusters: options.clusters,
    store,
    clock: options.clock,
    config: options.config,
    pipeline,
    logger: logger.child({ part: 'inspection' }),
    onInspection: (report) => {
      metrics.inspections.inc({ cluster: report.cluster, status: report.health.status });
    },
    ...(options.hostStats ? { hostStats: options.hostStats } : {}),
    ...(options.sampleIntervalMs !== undefined ? { sampleIntervalMs: options.sampleIntervalMs } : {}),
  });
  const monitoring: Monitoring = {
    inspector,
    pipeline,
    metrics,
    start() {
      inspector.start();
      pipeline.start();
    },
    async stop() {
      await inspector.stop();
      await pipeline.stop();
    },
  };
  attached.set(options.store, monitoring);
  return monitoring;
}

/** The monitoring of a store, or a short-lived one built from a command's context (no schedule). */
export function monitoringFor(ctx: {
  store: Store;
  clock: Clock;
  config: Config;
  clusters: readonly ClusterHandle[];
  sinks: readonly ChatSink[];
}): Monitoring {
  return (
    attached.get(ctx.store) ??
    createMonitoring({
      config: ctx.config,
      clusters: ctx.clusters,
      store: ctx.store,
      clock: ctx.clock,
      sinks: ctx.sinks,
    })
  );
}
