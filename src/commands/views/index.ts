/** The read-only shell views, in the order `help` lists them within their groups. */
import type { AnyCommandSpec } from '../command-spec.js';
import { appCommand } from './app-command.js';
import { appStatCommand } from './app-stat-command.js';
import { clusterInfoCommand } from './cluster-info-command.js';
import { connectionsCommand, createConnectionsCommand, type ConnectionsCommandOptions } from './connections-command.js';
import { getMetaLevelCommand } from './get-meta-level-command.js';
import { healthCommand } from './health-command.js';
import { lsCommand } from './ls-command.js';
import { nodesCommand } from './nodes-command.js';
import { serverInfoCommand } from './server-info-command.js';
import { serverStatCommand } from './server-stat-command.js';

export { createConnectionsCommand, type ConnectionsCommandOptions };

/** Every view spec, for the catalog. All have risk `read`. */
export const viewCommands: AnyCommandSpec[] = [
  healthCommand,
  clusterInfoCommand,
  getMetaLevelCommand,
  lsCommand,
  appCommand,
  appStatCommand,
  nodesCommand,
  serverInfoCommand,
  serverStatCommand,
  connectionsCommand,
];

/** The view specs with options, e.g. a per-remote-host connection counter for `connections`. */
export function createViewCommands(options: { connections?: ConnectionsCommandOptions } = {}): AnyCommandSpec[] {
  const connections = createConnectionsCommand(options.connections);
  return viewCommands.map((spec) => (spec.name === 'connections' ? connections : spec));
}
