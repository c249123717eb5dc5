/** `health`: every check of the daily inspection at once, findings worst first under a one-line summary. */
import { runHealth } from '../../diagnostics/run-health.js';
import { ok } from '../../result.js';
import type { CommandSpec } from '../command-spec.js';
import { checkArgs } from './view-support.js';

const usage = 'health';

/** The `health` command. */
export const healthCommand: CommandSpec<Record<string, never>> = {
  name: 'health',
  summary: 'Every daily check at once: meta servers, meta level, tables, nodes, versions, restarts, load, sessions',
  usage,
  examples: ['health', 'health --cluster prod'],
  group: 'cluster',
  risk: () => 'read',
  parse(args) {
    const checked = checkArgs(args, { flags: [], usage });
    return checked.ok ? ok({}) : checked;
  },
  run: (ctx) => runHealth(ctx),
};
