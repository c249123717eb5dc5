/**
 * Safe actions: `set_meta_level` and rebalance windows. The composition registers `actionCommands` in the
 * catalog and runs one `WindowScheduler` (its `tick()` every minute).
 */
import type { AnyCommandSpec } from '../commands/command-spec.js';
import { rebalanceCommand } from './rebalance-command.js';
import { setMetaLevelCommand } from './set-meta-level-command.js';

/** The action commands: `set_meta_level` and `rebalance`. */
export const actionCommands: AnyCommandSpec[] = [setMetaLevelCommand, rebalanceCommand];

export { rebalanceCommand, type RebalanceParams } from './rebalance-command.js';
export { setMetaLevelCommand, type SetMetaLevelParams } from './set-meta-level-command.js';
export { WindowScheduler, type ClusterTick, type WindowSchedulerOptions } from './window-scheduler.js';
export {
  leaderStateKey,
  noticeLeaderChange,
  observeLeader,
  readLeaderMemory,
  rememberLeader,
  type LeaderChange,
  type LeaderMemory,
  type LeaderObservation,
} from './leader-watch.js';
export { readTrafficProfile, recordTraffic, proposeWindow, type TrafficProfile } from './traffic-profile.js';
