/**
 * What to do next, in the words of the Pegasus administration guide ("Experiences": daily inspection,
 * troubleshooting, rebalancing). Kept in one place so findings of the same kind give the same advice
 * wherever they appear (health, views, inspection alerts).
 */

/** Where to look when a server process went away or restarted without a plan. */
export const processExitedAdvice =
  'Check whether the process exited: look in `dmesg` or /var/log/messages for `Out of memory: Killed process` or `segfault at`, look for a core dump, and check the ulimit settings (open files, core size); then start it again.';

/** A server that does not answer at all. */
export const machineDownAdvice =
  'The machine may be down or cut off from the network: check it is up and reachable (ssh, ping); if it does not respond, contact the machine provider.';

/** A replica server the meta server sees as UNALIVE. */
export const unaliveAdvice = `${processExitedAdvice} If the machine itself does not answer, it may be down: contact the machine provider.`;

/** Many servers are faulty at once. */
export const freezeAdvice =
  'Many replica servers are faulty at once: set the meta level to freezed (`set_meta_level freezed`) so the meta server stops re-replicating onto the few survivors, bring the servers back, then return to steady (`set_meta_level steady`).';

/** How the guide says to balance replicas. */
export function rebalanceAdvice(latencySensitive: readonly string[]): string {
  const care =
    latencySensitive.length > 0
      ? ` Moving replicas costs disk and network and raises latency: watch the latency-sensitive tables (${latencySensitive.join(', ')}) and stop if their P99 suffers.`
      : ' Moving replicas costs disk and network and raises latency: watch latency-sensitive tables and stop if their P99 suffers.';
  return `Balance in a low-traffic window: set the meta level to lively, wait until the balance operation count reaches 0, then set it back to steady.${care} \`rebalance plan\` proposes a window.`;
}

/** The level is lively but no rebalance window is running. */
export const livelyOutsideWindowAdvice =
  'The balancer is moving replicas outside an approved rebalance window. If no rebalance is planned, set the level back to steady (`set_meta_level steady`); otherwise plan one with `rebalance plan` in a low-traffic window.';

/** The level stops cure (freezed, blind, stopped). */
export const cureStoppedAdvice =
  'At this level the meta server does not cure: lost replicas are not re-created and partitions stay unhealthy. Once the faulty servers are dealt with, set the level back to steady (`set_meta_level steady`).';

/** Freeze protection forced the effective level down. */
export const freezeProtectionAdvice =
  'The meta server forces freezed while too few replica servers are alive (min_live_node_count_for_unfreeze, node_live_percentage_threshold_for_update). Bring the UNALIVE servers back (`nodes -d`); the level returns by itself.';

/** Partitions without their full set of replicas. */
export const unhealthyPartitionsAdvice =
  'Look for UNALIVE or unreachable replica servers (`nodes -d`); at level steady the meta server cures the partitions by itself. Do not start a rebalance (lively) until every partition is healthy. `app <table> -d` shows which partitions and nodes are affected.';

/** Partitions that cannot serve reads or writes. */
export const unavailablePartitionsAdvice =
  'Requests to these partitions fail now. Bring back the replica servers that held them (`nodes -d`, `app <table> -d` shows which); keep the meta level at steady so the meta server can cure them.';

/** A meta server that does not answer. */
export const metaDownAdvice = `${processExitedAdvice} The cluster keeps working while a leader remains, but with less redundancy.`;

/** Memory over the high-water mark. */
export const memoryAdvice =
  'Resident memory near the limit risks an OOM kill of the replica server: check the block cache and memtable settings, the tables on this node (`app_stat`), and whether replicas are skewed towards it (`nodes -d`).';

/** Free disk below the high-water mark. */
export const diskAdvice =
  'Free disk is running out: find the largest tables (`app_stat` file_mb), remove expired data or trigger a manual compaction, or add disks or nodes and rebalance.';

/** P99 latency over the limit. */
export const latencyAdvice =
  'Look for hot partitions (`app_stat -a <table>`), slow disks, compactions or a rebalance in progress; compare with the other nodes (`server_stat`).';

/** Sessions over the limit. */
export const sessionsAdvice =
  'Too many client sessions: look for clients that open a connection per request or leak connections (`connections` shows where they come from when per-host counting is configured).';

/** Versions differ between servers. */
export const versionsAdvice =
  'Servers run different Pegasus versions: finish the rolling upgrade (or roll back) so all servers run the same build.';
