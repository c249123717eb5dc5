/**
 * How a command is declared. Each command is one spec (name, grammar, risk, handler) registered in the
 * catalog; the dispatcher parses, authorises, gates (confirmation/approval) and runs it. Commands are
 * written once and rendered by every adapter.
 */
import type { Clock } from '../clock.js';
import type { ClusterConfig, Config } from '../config/config.js';
import type { PegasusApi } from '../pegasus/cluster-api.js';
import type { Finding, Reply } from '../replies/reply.js';
import type { Result } from '../result.js';
import type { Risk, Store } from '../store/store.js';
import type { ChatSink } from '../chat/chat-sink.js';
import type { Actor } from './command.js';

/** A cluster the bot knows: its config and its client. */
export interface ClusterHandle {
  name: string;
  config: ClusterConfig;
  api: PegasusApi;
}

/** Shell-style arguments after the command name: `-d`, `-a table`, `--cluster x`, positionals. */
export interface ParsedArgs {
  positionals: string[];
  /** Flag name without leading dashes → value (`true` for a flag that takes no value). */
  flags: Record<string, string | true>;
}

/** What a command handler may use. */
export interface CommandContext {
  /** The cluster addressed (`--cluster NAME`, the channel's binding, or the default). */
  cluster: ClusterHandle;
  clusters: readonly ClusterHandle[];
  actor: Actor;
  channelId: string;
  config: Config;
  store: Store;
  clock: Clock;
  /** Chat platforms the core may post to (approval requests, window threads, alerts). */
  sinks: readonly ChatSink[];
}

/** A command of the catalog. `P` is its parsed parameters. */
export interface CommandSpec<P = unknown> {
  name: string;
  aliases?: readonly string[];
  /** One line for `help`. */
  summary: string;
  /** Grammar, e.g. `app_stat [-a <table>]`. */
  usage: string;
  examples?: readonly string[];
  /** Section in `help`. */
  group: 'cluster' | 'tables' | 'nodes' | 'actions' | 'monitoring' | 'applications' | 'bot';
  /** Flags that take a value (without dashes), e.g. `['a', 'cluster']`. Others are boolean. */
  valueFlags?: readonly string[];
  /** The command's risk for these parameters (`set_meta_level steady` is a change, `lively` dangerous). */
  risk(params: P): Risk;
  /** Validates the arguments; a failure says what was wrong and what is accepted. */
  parse(args: ParsedArgs): Result<P>;
  /** Runs the command. Expected failures are replies with status `unknown` or findings, never throws. */
  run(ctx: CommandContext, params: P): Promise<Reply>;
  /** One line for confirmation and approval prompts, e.g. `set the meta level of prod to lively`. */
  describe?(params: P, ctx: CommandContext): string;
  /** Warnings shown before the decision (e.g. `lively` while partitions are unhealthy). */
  preflight?(ctx: CommandContext, params: P): Promise<Finding[]>;
}

/** Erases the parameter type so specs of different commands fit in one catalog. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the catalog holds specs of many parameter types
export type AnyCommandSpec = CommandSpec<any>;
