/**
 * A `CommandContext` around a `FakePegasus` for view tests, and a helper that runs a command line through the
 * real argument parser, the spec's `parse` and its `run`.
 */
import { ManualClock } from '../../../src/clock.js';
import type { AnyCommandSpec, ClusterHandle, CommandContext } from '../../../src/commands/command-spec.js';
import { parseArgs, splitCommandLine } from '../../../src/commands/parse-command-line.js';
import { defaultThresholds, loadConfig, type ClusterConfig } from '../../../src/config/config.js';
import type { Reply } from '../../../src/replies/reply.js';
import type { Result } from '../../../src/result.js';
import { MemoryStore } from '../../diagnostics/memory-store.js';
import { FakePegasus } from '../../support/fake-pegasus.js';

/** A context on cluster `onebox` served by the fake. */
export function viewContext(fake = new FakePegasus(), cluster: Partial<ClusterConfig> = {}) {
  const clusterConfig: ClusterConfig = {
    name: 'onebox',
    metaServers: [...fake.metaServers],
    latencySensitiveTables: [],
    thresholds: defaultThresholds(),
    ...cluster,
  };
  const handle: ClusterHandle = { name: clusterConfig.name, config: clusterConfig, api: fake };
  const store = new MemoryStore();
  const clock = new ManualClock('2026-01-01T12:00:00Z');
  const ctx: CommandContext = {
    cluster: handle,
    clusters: [handle],
    actor: { platform: 'console', userId: 'local' },
    channelId: 'console',
    config: loadConfig({ PEGASUS_TIMEZONE: 'UTC' }),
    store: store.asStore(),
    clock,
    sinks: [],
  };
  return { ctx, fake, store, clock };
}

/** Parses a command line with the spec's flags, as the dispatcher does (minus `--cluster`). */
export function parseLine(spec: AnyCommandSpec, line: string): Result<unknown> {
  const words = splitCommandLine(line);
  if (!words.ok) return words;
  const args = parseArgs(words.value.rest, spec.valueFlags ?? []);
  if (!args.ok) return args;
  return spec.parse(args.value);
}

/** Parses and runs a command line; a parse failure is a test bug here. */
export async function runLine(spec: AnyCommandSpec, line: string, ctx: CommandContext): Promise<Reply> {
  const params = parseLine(spec, line);
  if (!params.ok) throw new Error(`parse failed: ${params.error.message}`);
  return await spec.run(ctx, params.value);
}

/** The table with this title. */
export function tableOf(reply: Reply, title: string) {
  const table = reply.tables?.find((t) => t.title === title);
  if (!table) throw new Error(`no table [${title}] in ${JSON.stringify(reply.tables?.map((t) => t.title))}`);
  return table;
}

/** The rows of a table as objects keyed by column. */
export function rowsOf(reply: Reply, title: string): Record<string, string>[] {
  const table = tableOf(reply, title);
  return table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i] ?? ''])));
}

/** A field's value. */
export function fieldOf(reply: Reply, label: string): string | undefined {
  return reply.fields?.find((f) => f.label === label)?.value;
}
