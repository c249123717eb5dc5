/**
 * `set_meta_level <steady|lively|freezed|blind|stopped>`: `RPC_CM_CONTROL_META` on the leader, then a check
 * with `get_meta_level` and `cluster_info` that the leader holds the new level, showing the effective level
 * beside the stored one (freeze protection). Returning to `steady` is a change (the caller confirms); every
 * other level is dangerous (a second person approves), unless `config.risks.set_meta_level` says otherwise.
 * The warnings before the decision say what each level stops.
 */
import type { CommandContext, CommandSpec } from '../commands/command-spec.js';
import { checkFlags } from '../commands/parse-command-line.js';
import { metaLevels, type MetaLevel } from '../pegasus/cluster-api.js';
import { sortFindings, statusOf, type Finding, type Reply } from '../replies/reply.js';
import { fail, ok, type Result } from '../result.js';
import { rememberLeader } from './leader-watch.js';

const usage = 'set_meta_level <steady|lively|freezed|blind|stopped>';

/** Parameters of `set_meta_level`. */
export interface SetMetaLevelParams {
  level: MetaLevel;
}

/** What each level below `steady` stops, in plain words (Pegasus `meta_function_level`). */
export const levelConsequences: Readonly<Record<MetaLevel, string>> = {
  lively:
    'the meta server cures and also balances: it moves replicas and primaries between nodes every 10 s while all partitions are healthy',
  steady: 'the meta server cures lost replicas and only checks the balance (the default)',
  freezed:
    'the meta server stops re-replication: replicas lost on a failing node are not re-created elsewhere, so partitions stay under-replicated, and nothing is balanced; configuration updates from replica servers are refused',
  blind:
    'the meta server handles only table DDL (create, drop): no re-replication, no balancing, no configuration updates from replica servers',
  stopped:
    'the meta server changes nothing at all: no re-replication, no balancing, no table DDL, no configuration updates',
};

const cureStopping: readonly MetaLevel[] = ['freezed', 'blind', 'stopped'];

/** Reads a level as typed: `lively`, `LIVELY`, `fl_lively`. */
export function parseMetaLevel(word: string | undefined): Result<MetaLevel> {
  const text = (word ?? '').trim().toLowerCase().replace(/^fl_/, '');
  const found = metaLevels.find((l) => l === text);
  if (found) return ok(found);
  return fail(
    'BAD_INPUT',
    word === undefined || word.trim() === ''
      ? `set_meta_level needs a level: one of steady, lively, freezed, blind, stopped. Usage: ${usage}`
      : `"${word}" is not a meta level. Accepted: steady, lively, freezed, blind, stopped. Usage: ${usage}`,
  );
}

async function levelWarnings(ctx: CommandContext, level: MetaLevel): Promise<Finding[]> {
  const api = ctx.cluster.api;
  const name = ctx.cluster.name;
  const findings: Finding[] = [];
  const [stored, info, tables, windows] = await Promise.all([
    api.getMetaLevel(),
    api.clusterInfo(),
    level === 'lively' ? api.listTables() : Promise.resolve(undefined),
    ctx.store.listWindows({ cluster: name, statuses: ['running'] }).catch(() => []),
  ]);
  if (stored.ok && stored.value === level) {
    findings.push({
      check: 'meta_level',
      severity: 'info',
      subject: name,
      summary: `the stored meta level is already fl_${level}; setting it again changes nothing`,
    });
  }
  if (info.ok && stored.ok && info.value.metaFunctionLevel !== stored.value) {
    findings.push({
      check: 'meta_level',
      severity: 'warn',
      subject: name,
      summary: `the effective level is fl_${info.value.metaFunctionLevel} while the stored level is fl_${stored.value}: freeze protection holds the cluster at freezed while too few replica servers are alive, whatever is stored`,
      evidence: { effective: `fl_${info.value.metaFunctionLevel}`, stored: `fl_${stored.value}` },
    });
  }
  if (level === 'lively') {
    if (tables?.ok) {
      const ill = tables.value.filter((t) => (t.health?.unhealthy ?? 0) > 0);
      const count = ill.reduce((sum, t) => sum + (t.health?.unhealthy ?? 0), 0);
      if (count > 0) {
        findings.push({
          check: 'table_health',
          severity: 'warn',
          subject: name,
          summary: `${count} partition${count === 1 ? ' is' : 's are'} unhealthy (${ill.map((t) => `${t.name}: ${t.health?.unhealthy ?? 0}`).join(', ')}): the balancer does not run while any partition is unhealthy, so lively will not balance until they recover`,
          advice: 'Bring the partitions back to healthy first (`ls -d`, `nodes -d`), then balance.',
        });
      }
    } else if (tables) {
      findings.push({
        check: 'table_health',
        severity: 'warn',
        subject: name,
        summary: `partition health could not be read (${tables.error.message}); lively only balances when every partition is healthy`,
      });
    }
    const sensitive = ctx.cluster.config.latencySensitiveTables.map((t) => t.name);
    if (sensitive.length > 0) {
      findings.push({
        check: 'latency_sensitive',
        severity: 'warn',
        subject: name,
        summary: `lively moves replicas, which costs disk and network and raises latency; latency-sensitive tables here: ${sensitive.join(', ')}`,
        advice:
          'Prefer a rebalance window in low-traffic hours (`rebalance plan`): it watches their P99 and returns to steady by itself.',
        action: { kind: 'run', ref: 'rebalance plan', label: 'Plan a rebalance window' },
      });
    }
  }
  if (cureStopping.includes(level)) {
    findings.push({
      check: 'meta_level',
      severity: 'crit',
      subject: name,
      summary: `fl_${level} stops re-replication: ${levelConsequences[level]}`,
      advice:
        'Use it while many replica servers are failing at once, so the survivors are not flooded with copies; set steady again (`set_meta_level steady`) as soon as the servers are back.',
    });
  }
  for (const w of windows) {
    if (level === 'lively') continue;
    findings.push({
      check: 'rebalance_window',
      severity: 'warn',
      subject: name,
      summary: `rebalance window ${w.id} is running: changing the level ends it`,
      advice: `To end the window cleanly (back to steady, with a summary), use \`rebalance abort ${w.id}\` instead.`,
      action: { kind: 'run', ref: `rebalance abort ${w.id}`, label: 'Abort the window' },
    });
  }
  return findings;
}

function resultFindings(
  ctx: CommandContext,
  level: MetaLevel,
  stored: MetaLevel | undefined,
  effective: MetaLevel | undefined,
): Finding[] {
  const name = ctx.cluster.name;
  const findings: Finding[] = [];
  if (stored === undefined) {
    findings.push({
      check: 'meta_level',
      severity: 'warn',
      subject: name,
      summary: 'the new level could not be verified: get_meta_level did not answer',
      advice: 'Check it with `get_meta_level` in a moment.',
    });
  } else if (stored !== level) {
    findings.push({
      check: 'meta_level',
      severity: 'crit',
      subject: name,
      summary: `verification failed: the leader reports fl_${stored}, not fl_${level} (did the leader change?)`,
      evidence: { requested: `fl_${level}`, stored: `fl_${stored}` },
      advice: 'Check the leader with `cluster_info` and set the level again.',
    });
  } else {
    findings.push({
      check: 'meta_level',
      severity: 'ok',
      subject: name,
      summary: `the leader holds fl_${level} (verified with get_meta_level)`,
    });
  }
  if (effective !== undefined && stored !== undefined && effective !== stored) {
    findings.push({
      check: 'meta_level',
      severity: 'warn',
      subject: name,
      summary: `the effective level is fl_${effective} (cluster_info), not the stored fl_${stored}${effective === 'freezed' ? ': freeze protection, too few replica servers are alive' : ''}`,
      evidence: { effective: `fl_${effective}`, stored: `fl_${stored}` },
      advice: 'The stored level takes effect by itself once enough replica servers are alive again (`nodes -d`).',
    });
  }
  if (cureStopping.includes(level) && stored === level) {
    findings.push({
      check: 'meta_level',
      severity: 'warn',
      subject: name,
      summary: `re-replication is stopped until the level is steady again: ${levelConsequences[level]}`,
      action: { kind: 'run', ref: 'set_meta_level steady', label: 'Set steady' },
    });
  }
  if (level === 'lively' && stored === level) {
    findings.push({
      check: 'meta_level',
      severity: 'info',
      subject: name,
      summary:
        'lively stays until someone sets steady; a rebalance window (`rebalance request`) would return to steady by itself',
      action: { kind: 'run', ref: 'set_meta_level steady', label: 'Set steady' },
    });
  }
  return findings;
}

/** The `set_meta_level` command. */
export const setMetaLevelCommand: CommandSpec<SetMetaLevelParams> = {
  name: 'set_meta_level',
  summary: 'Set the meta level (steady needs confirmation; lively, freezed, blind, stopped need approval)',
  usage,
  examples: ['set_meta_level steady', 'set_meta_level lively', 'set_meta_level freezed'],
  group: 'actions',
  risk: (p) => (p.level === 'steady' ? 'change' : 'dangerous'),
  parse(args) {
    const flags = checkFlags(args, [], usage);
    if (!flags.ok) return flags;
    if (args.positionals.length > 1) {
      return fail(
        'BAD_INPUT',
        `set_meta_level takes exactly one level, got "${args.positionals.join(' ')}". Usage: ${usage}`,
      );
    }
    const level = parseMetaLevel(args.positionals[0]);
    return level.ok ? ok({ level: level.value }) : level;
  },
  describe: (p, ctx) => `set the meta level of ${ctx.cluster.name} to ${p.level}`,
  preflight: (ctx, p) => levelWarnings(ctx, p.level),
  async run(ctx, p): Promise<Reply> {
    const api = ctx.cluster.api;
    const name = ctx.cluster.name;
    const command = `set_meta_level ${p.level}`;
    const set = await api.setMetaLevel(p.level);
    if (!set.ok) {
      return {
        command,
        status: 'unknown',
        title: `${name}: the meta level was not changed`,
        findings: [
          {
            check: 'meta_level',
            severity: 'crit',
            subject: name,
            summary: set.error.message,
            evidence: { code: set.error.code },
          },
        ],
        text: [
          `RPC_CM_CONTROL_META failed: ${set.error.message}`,
          'Nothing changed. Check the leader meta server (`cluster_info`) and try again.',
        ],
        context: { cluster: name, at: ctx.clock.now().toISOString() },
      };
    }
    const old = set.value.oldLevel;
    const [info, stored] = await Promise.all([api.clusterInfo(), api.getMetaLevel()]);
    const storedLevel = stored.ok ? stored.value : undefined;
    const effective = info.ok ? info.value.metaFunctionLevel : undefined;
    if (info.ok && storedLevel !== undefined && info.value.primaryMetaServer) {
      // A later fail-over is judged against the level set here.
      await rememberLeader(ctx.store, name, info.value.primaryMetaServer, storedLevel, ctx.clock.now()).catch(
        () => undefined,
      );
    }
    const findings = sortFindings(resultFindings(ctx, p.level, storedLevel, effective));
    const text = [`control meta level ok, the old level is fl_${old}`];
    if (effective !== undefined && storedLevel !== undefined && effective !== storedLevel) {
      text.push(`effective meta level is fl_${effective} (cluster_info), stored fl_${storedLevel}`);
    }
    return {
      command,
      status: statusOf(findings),
      title: `${name}: meta level fl_${old} → fl_${p.level}`,
      findings,
      fields: [
        { label: 'old', value: `fl_${old}` },
        { label: 'new', value: `fl_${p.level}` },
        { label: 'stored', value: storedLevel ? `fl_${storedLevel}` : 'unknown' },
        { label: 'effective', value: effective ? `fl_${effective}` : 'unknown' },
      ],
      text,
      data: {
        meta_level: {
          old,
          requested: p.level,
          stored: storedLevel ?? null,
          effective: effective ?? null,
        },
      },
      context: { cluster: name, at: ctx.clock.now().toISOString() },
    };
  },
};
