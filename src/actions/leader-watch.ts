/**
 * Meta leader fail-over and the meta level. The level lives only in the leader's memory: after a fail-over
 * the new leader runs with its own (normally `meta_function_level_on_start`), so a `lively` window or a
 * deliberate `freezed` can silently fall back to `steady`. The bot remembers the leader and the stored level
 * per cluster in the store and reports when a new leader holds a different level. The window scheduler calls
 * this on every tick; `health` and `set_meta_level` can call it too.
 */
import type { ChatSink } from '../chat/chat-sink.js';
import type { Platform } from '../commands/command.js';
import type { ClusterConfig, Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import { metaLevels, type MetaLevel, type PegasusApi } from '../pegasus/cluster-api.js';
import type { Finding, Reply } from '../replies/reply.js';
import type { Store } from '../store/store.js';

/** What the bot last saw on a cluster's leader. */
export interface LeaderMemory {
  leader: string;
  storedLevel: MetaLevel;
  /** ISO time of the observation. */
  at: string;
}

/** What one look at the cluster found; a field is absent when it could not be read. */
export interface LeaderObservation {
  leader?: string;
  storedLevel?: MetaLevel;
  /** The effective level from `cluster_info` (freeze protection may force `freezed`). */
  effectiveLevel?: MetaLevel;
}

/** A fail-over that changed the level. */
export interface LeaderChange {
  from: string;
  to: string;
  levelBefore: MetaLevel;
  levelNow: MetaLevel;
}

/** The store key of a cluster's leader memory. */
export function leaderStateKey(cluster: string): string {
  return `meta-leader:${cluster}`;
}

function isLevel(value: unknown): value is MetaLevel {
  return typeof value === 'string' && (metaLevels as readonly string[]).includes(value);
}

/** Reads what the bot remembers of a cluster's leader; undefined when nothing (usable) is stored. */
export async function readLeaderMemory(store: Store, cluster: string): Promise<LeaderMemory | undefined> {
  const raw = await store.getState(leaderStateKey(cluster));
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { leader, storedLevel, at } = raw as Record<string, unknown>;
  if (typeof leader !== 'string' || !isLevel(storedLevel) || typeof at !== 'string') return undefined;
  return { leader, storedLevel, at };
}

/** Remembers the leader and its stored level (after a level change by the bot, or an observation). */
export async function rememberLeader(
  store: Store,
  cluster: string,
  leader: string,
  storedLevel: MetaLevel,
  now: Date,
): Promise<void> {
  await store.setState(leaderStateKey(cluster), { leader, storedLevel, at: now.toISOString() });
}

/** Reads the leader (from `cluster_info`) and the stored level (`get_meta_level`) of a cluster. */
export async function observeLeader(api: PegasusApi): Promise<LeaderObservation> {
  const [info, stored] = await Promise.all([api.clusterInfo(), api.getMetaLevel()]);
  return {
    ...(info.ok && info.value.primaryMetaServer ? { leader: info.value.primaryMetaServer } : {}),
    ...(info.ok ? { effectiveLevel: info.value.metaFunctionLevel } : {}),
    ...(stored.ok ? { storedLevel: stored.value } : {}),
  };
}

/**
 * Compares an observation with the memory and remembers the observation. Returns the change when the leader
 * changed and the new leader's stored level differs from the one remembered, with a finding that says so.
 */
export async function noticeLeaderChange(
  store: Store,
  cluster: string,
  seen: LeaderObservation,
  now: Date,
): Promise<{ change?: LeaderChange; previous?: LeaderMemory; findings: Finding[] }> {
  if (seen.leader === undefined || seen.storedLevel === undefined) return { findings: [] };
  const previous = await readLeaderMemory(store, cluster);
  await rememberLeader(store, cluster, seen.leader, seen.storedLevel, now);
  if (!previous || previous.leader === seen.leader || previous.storedLevel === seen.storedLevel) {
    return { ...(previous ? { previous } : {}), findings: [] };
  }
  const change: LeaderChange = {
    from: previous.leader,
    to: seen.leader,
    levelBefore: previous.storedLevel,
    levelNow: seen.storedLevel,
  };
  return { change, previous, findings: [leaderChangeFinding(change)] };
}

/** The finding for a fail-over that changed the level. */
export function leaderChangeFinding(change: LeaderChange): Finding {
  const restore = change.levelBefore;
  return {
    check: 'meta_level',
    severity: 'warn',
    subject: 'cluster',
    summary: `the meta leader changed from ${change.from} to ${change.to} and the stored meta level went from fl_${change.levelBefore} to fl_${change.levelNow}`,
    evidence: {
      'previous leader': change.from,
      leader: change.to,
      'level before': `fl_${change.levelBefore}`,
      'level now': `fl_${change.levelNow}`,
    },
    advice:
      'The meta level is held only in the leader’s memory, so a new leader starts with its own level. ' +
      `If fl_${restore} was intended, set it again (\`set_meta_level ${restore}\`); otherwise nothing needs doing.`,
    action: { kind: 'run', ref: `set_meta_level ${restore}`, label: `Set ${restore} again` },
  };
}

/** The channel a cluster's unprompted messages go to on a platform, if one is configured. */
export function clusterChannel(cluster: ClusterConfig, config: Config, platform: Platform): string | undefined {
  switch (platform) {
    case 'slack':
      return cluster.slackChannel ?? cluster.slackAlertChannel ?? config.slack?.alertChannel;
    case 'discord':
      return cluster.discordChannel ?? cluster.discordAlertChannel ?? config.discord?.alertChannel;
    case 'console':
      return 'console';
    case 'exec':
      return undefined;
  }
}

/** Posts a message to the cluster's channel on every platform that has a sink and a channel; failures are logged. */
export async function postToCluster(
  sinks: readonly ChatSink[],
  cluster: ClusterConfig,
  config: Config,
  reply: Reply,
  logger?: Logger,
): Promise<number> {
  let posted = 0;
  for (const sink of sinks) {
    const channelId = clusterChannel(cluster, config, sink.platform);
    if (channelId === undefined) continue;
    try {
      await sink.post({ channelId }, reply);
      posted++;
    } catch (err) {
      logger?.error({ err, cluster: cluster.name, platform: sink.platform }, 'posting to the cluster channel failed');
    }
  }
  return posted;
}
