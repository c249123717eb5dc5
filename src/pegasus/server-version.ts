/** Which Pegasus generation a server is, from its `/version` string. */
import type { ServerVersion } from './cluster-api.js';

/**
 * Builds a `ServerVersion`: 2.6 and later carry the real metrics in `/metrics`; 2.5 and older only have perf
 * counters (2.5.0's `/metrics` exists but is an empty array). An unparseable version is assumed current.
 */
export function toServerVersion(version: string, gitCommit?: string): ServerVersion {
  const match = /^v?(\d+)\.(\d+)/.exec(version.trim());
  const hasMetrics = match === null ? true : Number(match[1]) > 2 || (Number(match[1]) === 2 && Number(match[2]) >= 6);
  const out: ServerVersion = { version, hasMetrics };
  if (gitCommit !== undefined) out.gitCommit = gitCommit;
  return out;
}
