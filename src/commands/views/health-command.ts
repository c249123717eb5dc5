/** `health`: every check of the daily inspection at once, findings worst first under a one-line summary. */
import { runHealth } from '../../diagnostics/run-health.js';
import { withTrendChart } from '../../monitoring/charts/trend-series.js';
import { ok } from '../../result.js';
import type { CommandSpec } from '../command-spec.js';
import { booleanFlag, checkArgs } from './view-support.js';

const usage = 'health [--chart]';

/** Parameters of `health`. */
export interface HealthParams {
  /** Attach a PNG of QPS and P99 over the last hours (from the inspection loop's load history). */
  chart?: boolean;
}

/** The `health` command. */
export const healthCommand: CommandSpec<HealthParams> = {
  name: 'health',
  summary: 'Every daily check at once: meta servers, meta level, tables, nodes, versions, restarts, load, sessions',
  usage,
  examples: ['health', 'health --cluster prod', 'health --chart'],
  group: 'cluster',
  risk: () => 'read',
  parse(args) {
    const checked = checkArgs(args, { flags: ['chart'], usage });
    if (!checked.ok) return checked;
    const chart = booleanFlag(args, 'chart', usage);
    if (!chart.ok) return chart;
    return ok(chart.value ? { chart: true } : {});
  },
  async run(ctx, params) {
    const reply = await runHealth(ctx);
    // --chart: the trend picture comes from the stored load history (src/monitoring/charts).
    return params.chart ? await withTrendChart({ ...reply, command: 'health --chart' }, ctx) : reply;
  },
};
