/**
 * `get_meta_level`: the stored level as the shell prints it (`current meta level is fl_steady`), and the
 * effective one from `cluster_info` when freeze protection makes them differ.
 */
import { checkMetaLevel } from '../../diagnostics/check-cluster.js';
import { levelSummary } from '../../diagnostics/run-health.js';
import type { CommandSpec } from '../command-spec.js';
import { failureReply, parseNoArgs, readRemembered, viewReply } from './view-support.js';

const usage = 'get_meta_level';

/** The `get_meta_level` command. */
export const getMetaLevelCommand: CommandSpec<Record<string, never>> = {
  name: 'get_meta_level',
  summary: 'The stored meta level, and the effective one when freeze protection differs',
  usage,
  examples: ['get_meta_level'],
  group: 'cluster',
  risk: () => 'read',
  parse: (args) => parseNoArgs(args, usage),
  async run(ctx) {
    const api = ctx.cluster.api;
    const [stored, info, remembered] = await Promise.all([api.getMetaLevel(), api.clusterInfo(), readRemembered(ctx)]);
    if (!stored.ok) return failureReply(ctx, 'get_meta_level', 'the meta level', stored.error);
    const effective = info.ok ? info.value.metaFunctionLevel : undefined;
    const findings = checkMetaLevel({
      metas: [],
      ...(info.ok ? { info: info.value } : {}),
      storedLevel: stored.value,
      rebalanceWindowOpen: remembered.rebalanceWindowOpen,
      now: ctx.clock.now(),
    });
    const text = [`current meta level is fl_${stored.value}`];
    if (effective && effective !== stored.value) {
      text.push(
        `effective meta level is fl_${effective} (cluster_info)${effective === 'freezed' ? ': freeze protection, too few replica servers are alive' : ''}`,
      );
    }
    if (!info.ok) text.push(`The effective level could not be read: ${info.error.message}`);
    return viewReply(ctx, 'get_meta_level', {
      findings,
      facts: levelSummary(effective, stored.value),
      fields: [
        { label: 'stored', value: `fl_${stored.value}` },
        { label: 'effective', value: effective ? `fl_${effective}` : 'unknown' },
      ],
      text,
    });
  },
};
