/**
 * Which channels a cluster's alerts go to: per platform, the cluster's own alert channel from the config
 * file, else the platform default (`SLACK_ALERT_CHANNEL`, `DISCORD_ALERT_CHANNEL`), else the cluster's
 * default channel. With no chat platform configured, the console prints them.
 */
import type { ChatSink } from '../chat/chat-sink.js';
import type { Platform } from '../commands/command.js';
import type { Config } from '../config/config.js';

/** One channel to post to. */
export interface AlertTarget {
  platform: Platform;
  channelId: string;
}

/** The channel id the console sink answers to. */
export const consoleChannel = 'console';

/** The alert channels of a cluster (none when a configured platform names no channel for it). */
export function alertTargets(
  cluster: string,
  config: Pick<Config, 'clusters' | 'slack' | 'discord'>,
  sinks: readonly ChatSink[],
): AlertTarget[] {
  const c = config.clusters.find((x) => x.name === cluster);
  const targets: AlertTarget[] = [];
  if (config.slack) {
    const channel = c?.slackAlertChannel ?? config.slack.alertChannel ?? c?.slackChannel;
    if (channel) targets.push({ platform: 'slack', channelId: channel });
  }
  if (config.discord) {
    const channel = c?.discordAlertChannel ?? config.discord.alertChannel ?? c?.discordChannel;
    if (channel) targets.push({ platform: 'discord', channelId: channel });
  }
  // The console is only there while someone sits at it: queue nothing for a console that is not running.
  if (!config.slack && !config.discord && sinks.some((s) => s.platform === 'console')) {
    targets.push({ platform: 'console', channelId: consoleChannel });
  }
  return targets;
}
