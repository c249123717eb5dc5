/**
 * Monitoring: the periodic inspection (rules, baselines), alert threads (lifecycle, damping, ack / silence /
 * mute, routing, the outbox), the Alertmanager receiver and the ops endpoints (`/healthz`, `/metrics`).
 *
 * Wiring, in the composition root:
 *   const metrics = new BotMetrics();
 *   const { store } = runtime;                                   // the plain store: failures are counted inside
 *   const monitoring = createMonitoring({ config, clusters, store, clock, sinks, logger, metrics });
 *   registerAlertButtons(runtime.dispatcher);                   // Ack / Silence buttons
 *   const dispatcher = observeDispatcher(runtime.dispatcher, metrics, (n) => catalog.find(n) !== undefined);
 *   monitoring.start();
 *   if (config.opsPort !== undefined) await startOpsServer({ port: config.opsPort, config, store, clock, metrics,
 *     pipeline: monitoring.pipeline, logger });
 * The commands (`monitoringCommands`) find the monitoring of their store by themselves.
 */
export {
  monitoringCommands,
  inspectCommand,
  alertsCommand,
  registerAlertButtons,
  inspectionReply,
} from './monitoring-commands.js';
export { createMonitoring, monitoringFor, type Monitoring, type MonitoringOptions } from './monitoring.js';
export {
  AlertPipeline,
  alertFingerprint,
  externalGroupKey,
  inspectionGroupKey,
  silenceLimits,
  type AlertPipelineOptions,
  type AlertSignal,
  type DeliveryStats,
  type ExternalBatch,
} from './alert-pipeline.js';
export { Inspector, type InspectionReport, type InspectorOptions } from './inspector.js';
export { evaluateRules, type RuleEvaluation, type Verdict } from './rules.js';
export { allRules, ruleIds, ruleTitles, type RuleId } from './rule-ids.js';
export { alertTargets, type AlertTarget } from './alert-routing.js';
export { ChannelPacer } from './channel-pacer.js';
export { BotMetrics, observeDispatcher, observeStore } from './bot-metrics.js';
export { startOpsServer, type OpsServer, type OpsServerOptions } from './ops-server.js';
export {
  alertmanagerPayloadSchema,
  batchOf,
  receiveAlertmanager,
  type AlertmanagerPayload,
} from './alertmanager-webhook.js';
export type { HostStats, HostStatsSource } from './host-stats.js';
