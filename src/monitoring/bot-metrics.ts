/**
 * The bot's own metrics in the Prometheus text exposition format (0.0.4): commands run and their latency,
 * alert changes and deliveries, webhook requests, store errors; gauges that live in the store (alerts open,
 * cluster reachability as last inspected) are read at scrape time so every instance reports the same.
 * Hand-written and small: a few counters and one histogram need no client library.
 */
import type { ActionClick, FormSubmission, IncomingCommand } from '../commands/command.js';
import type { CoreDispatcher } from '../commands/dispatcher.js';
import type { Reply } from '../replies/reply.js';
import type { Store } from '../store/store.js';
import type { PipelineObserver } from './alert-pipeline.js';

/** Upper bounds (seconds) of the command latency histogram. */
export const latencyBuckets: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type Labels = Record<string, string>;

function escapeLabel(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n');
}

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

/** A counter family keyed by its label values. */
class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();

  inc(labels: Labels = {}, by = 1): void {
    const key = JSON.stringify(labels);
    const entry = this.values.get(key);
    if (entry) entry.value += by;
    else this.values.set(key, { labels, value: by });
  }

  get(labels: Labels = {}): number {
    return this.values.get(JSON.stringify(labels))?.value ?? 0;
  }

  lines(name: string): string[] {
    return [...this.values.values()].map((e) => `${name}${labelText(e.labels)} ${formatValue(e.value)}`);
  }
}

/** A histogram family keyed by its label values. */
class Histogram {
  private readonly values = new Map<string, { labels: Labels; counts: number[]; sum: number; count: number }>();
  private readonly buckets: readonly number[];

  constructor(buckets: readonly number[]) {
    this.buckets = buckets;
  }

  observe(labels: Labels, value: number): void {
    const key = JSON.stringify(labels);
    const entry = this.values.get(key) ?? { labels, counts: this.buckets.map(() => 0), sum: 0, count: 0 };
    this.values.set(key, entry);
    this.buckets.forEach((le, i) => {
      if (value <= le) entry.counts[i] = (entry.counts[i] ?? 0) + 1;
    });
    entry.sum += value;
    entry.count++;
  }

  lines(name: string): string[] {
    return [...this.values.values()].flatMap((e) => [
      ...this.buckets.map((le, i) => `${name}_bucket${labelText({ ...e.labels, le: String(le) })} ${e.counts[i] ?? 0}`),
      `${name}_bucket${labelText({ ...e.labels, le: '+Inf' })} ${e.count}`,
      `${name}_sum${labelText(e.labels)} ${formatValue(e.sum)}`,
      `${name}_count${labelText(e.labels)} ${e.count}`,
    ]);
  }
}

/** Counts what the bot does; `render` gives the `/metrics` body. */
export class BotMetrics {
  readonly commands = new Counter();
  readonly commandSeconds = new Histogram(latencyBuckets);
  readonly storeErrors = new Counter();
  readonly webhookRequests = new Counter();
  readonly alertChanges = new Counter();
  readonly deliveryFailures = new Counter();
  readonly sinkCalls = new Counter();
  readonly inspections = new Counter();

  /** Counts one command (its name, not its arguments) and its latency. */
  observeCommand(command: string, status: string, seconds: number): void {
    this.commands.inc({ command, status });
    this.commandSeconds.observe({ command }, seconds);
  }

  /** An observer for the alert pipeline. */
  pipelineObserver(): PipelineObserver {
    return {
      alertChanges: (kind, count) => {
        this.alertChanges.inc({ kind }, count);
      },
      deliveryFailed: (platform) => {
        this.deliveryFailures.inc({ platform });
      },
      sinkCall: (platform, _channel, kind) => {
        this.sinkCalls.inc({ platform, kind });
      },
    };
  }

  /**
   * The exposition text. `gauges` are read now (from the store): alerts open, and per cluster whether the
   * last inspection reached it (absent clusters were not inspected yet).
   */
  render(gauges: { alertsOpen?: number; clusterReachable?: Record<string, boolean> } = {}): string {
    const out: string[] = [];
    const family = (name: string, type: string, help: string, lines: string[]) => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    family(
      'pegasus_chatops_commands_total',
      'counter',
      'Commands run, by command name and reply status.',
      this.commands.lines('pegasus_chatops_commands_total'),
    );
    family(
      'pegasus_chatops_command_duration_seconds',
      'histogram',
      'Time to answer a command.',
      this.commandSeconds.lines('pegasus_chatops_command_duration_seconds'),
    );
    family(
      'pegasus_chatops_alerts_open',
      'gauge',
      'Alerts firing now.',
      gauges.alertsOpen !== undefined ? [`pegasus_chatops_alerts_open ${gauges.alertsOpen}`] : [],
    );
    family(
      'pegasus_chatops_cluster_reachable',
      'gauge',
      'Whether the last inspection reached the cluster (1) or not (0).',
      Object.entries(gauges.clusterReachable ?? {}).map(
        ([cluster, up]) => `pegasus_chatops_cluster_reachable${labelText({ cluster })} ${up ? 1 : 0}`,
      ),
    );
    family('pegasus_chatops_store_errors_total', 'counter', 'Store operations that failed.', [
      `pegasus_chatops_store_errors_total ${this.storeErrors.get()}`,
    ]);
    family(
      'pegasus_chatops_alert_changes_total',
      'counter',
      'Alert lifecycle changes, by kind (firing, updated, refiring, resolved).',
      this.alertChanges.lines('pegasus_chatops_alert_changes_total'),
    );
    family(
      'pegasus_chatops_alert_delivery_failures_total',
      'counter',
      'Alert posts that failed and wait for a retry, by platform.',
      this.deliveryFailures.lines('pegasus_chatops_alert_delivery_failures_total'),
    );
    family(
      'pegasus_chatops_alert_messages_total',
      'counter',
      'Alert posts and edits sent, by platform and kind.',
      this.sinkCalls.lines('pegasus_chatops_alert_messages_total'),
    );
    family(
      'pegasus_chatops_webhook_requests_total',
      'counter',
      'Alertmanager webhook requests, by HTTP status code.',
      this.webhookRequests.lines('pegasus_chatops_webhook_requests_total'),
    );
    family(
      'pegasus_chatops_inspections_total',
      'counter',
      'Inspections run, by cluster and status.',
      this.inspections.lines('pegasus_chatops_inspections_total'),
    );
    return `${out.join('\n')}\n`;
  }
}

function commandName(reply: Reply, fallback: string, known?: (name: string) => boolean): string {
  const error = (reply.data?.['error'] as { code?: unknown } | undefined)?.code;
  if (error === 'UNKNOWN_COMMAND') return 'unknown';
  const first = (reply.command || fallback).trim().split(/\s+/)[0] ?? '';
  if (known && !known(first)) return 'unknown';
  // Label values must stay few: a command name, never its arguments.
  return /^[a-z_][a-z0-9_-]{0,40}$/i.test(first) ? first.toLowerCase() : 'unknown';
}

/**
 * The dispatcher with every command, click and form counted and timed. `known` tells real command names
 * from typos (e.g. `catalog.find`), so a typo does not become a new label value.
 */
export function observeDispatcher(
  dispatcher: CoreDispatcher,
  metrics: BotMetrics,
  known?: (name: string) => boolean,
): CoreDispatcher {
  const timed = async (label: (reply: Reply) => string, work: () => Promise<Reply>): Promise<Reply> => {
    const started = performance.now();
    const reply = await work();
    metrics.observeCommand(label(reply), reply.status, (performance.now() - started) / 1000);
    return reply;
  };
  return {
    run: (command: IncomingCommand) =>
      timed(
        (reply) => commandName(reply, command.text, known),
        () => dispatcher.run(command),
      ),
    act: (click: ActionClick) =>
      timed(
        () => `button_${click.action.kind}`,
        () => dispatcher.act(click),
      ),
    submit: (form: FormSubmission) =>
      timed(
        () => 'form',
        () => dispatcher.submit(form),
      ),
    registerForm: (id, handler) => {
      dispatcher.registerForm(id, handler);
    },
    registerAction: (kind, handler) => {
      dispatcher.registerAction(kind, handler);
    },
    expireStale: () => dispatcher.expireStale(),
  };
}

/** The store with every failed operation counted in `pegasus_chatops_store_errors_total`. */
export function observeStore(store: Store, metrics: BotMetrics): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      // A failure inside a locked job is the job's, not the store's.
      if (typeof value !== 'function' || prop === 'constructor' || prop === 'withLock') return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          metrics.storeErrors.inc();
          throw err;
        }
        if (result instanceof Promise) {
          return result.catch((err: unknown) => {
            metrics.storeErrors.inc();
            throw err;
          });
        }
        return result;
      };
    },
  });
}
