/**
 * `pegasus-chatops exec [--meta-servers h:p,h:p] [--cluster NAME] [--json] [--yes] [--timeout 5s] "<command>"`:
 * runs one command as the local user and exits with the monitoring-plugin code (0 ok, 1 warning, 2 critical,
 * 3 unknown). With `--json`, stdout carries exactly one JSON object; logs and banners go to stderr.
 */
import { readFileSync } from 'node:fs';
import type { Actor, IncomingCommand } from '../commands/command.js';
import { reservedCommandNames, type CommandCatalog } from '../commands/command-catalog.js';
import { unknownCommandMessage } from '../commands/dispatcher.js';
import { quoteWord, splitCommandLine } from '../commands/parse-command-line.js';
import { ConfigError, loadConfig, type Config } from '../config/config.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { createLogger } from '../logger.js';
import { renderText, shouldUseColor } from '../replies/render-text.js';
import { exitCodeOf, messageReply, toJsonOutput, type Reply } from '../replies/reply.js';
import { buildCatalog, createRuntime, simulatedCluster, type Runtime, type RuntimeOptions } from './create-runtime.js';
import { loadCommandSpecs, startSimulator, type SimHandle } from './late-modules.js';

/** Streams, environment and replaceable parts of one `exec` run. */
export interface ExecIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  /** Builds the core (tests inject fakes). */
  createRuntime?: (options: RuntimeOptions) => Promise<Runtime>;
  /** Starts the simulated cluster when none is configured. */
  startSimulator?: () => Promise<SimHandle | undefined>;
  /** Reads the `PEGASUS_CONFIG` file. */
  readFile?: (path: string) => string;
  /** The commands (default: every spec in this build, plus help and audit). */
  catalog?: CommandCatalog;
}

/** The usage text of `exec`. */
export const execUsage = [
  'Usage: pegasus-chatops exec [--meta-servers host:port,host:port] [--cluster NAME] [--json] [--yes] [--timeout 5s] "<command>"',
  '',
  'Runs one command and exits: 0 ok, 1 warning, 2 critical, 3 unknown (cluster unreachable, bad input).',
  '  --meta-servers  the cluster to ask (overrides PEGASUS_META_SERVERS)',
  '  --cluster       a cluster named in the config file',
  '  --json          print one JSON object on stdout (logs go to stderr)',
  '  --yes           answer a confirmation in advance (changes need it)',
  '  --timeout       give up after this long and exit 3 (e.g. 5s, 1m)',
  'Examples: exec health · exec --json "nodes -d" · exec --yes "set_meta_level steady"',
].join('\n');

interface ExecOptions {
  metaServers?: string[];
  cluster?: string;
  json: boolean;
  yes: boolean;
  timeoutMs?: number;
  help: boolean;
  words: string[];
}

const hostPort = /^[A-Za-z0-9.\-_]+:\d{1,5}$/;

function parseExecArgs(
  argv: readonly string[],
): { ok: true; value: ExecOptions } | { ok: false; message: string; json: boolean } {
  const o: ExecOptions = { json: false, yes: false, help: false, words: [] };
  const bad = (message: string) => ({ ok: false as const, message, json: o.json || argv.includes('--json') });
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      o.words = argv.slice(i + 1);
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      o.words = argv.slice(i);
      break;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const takeValue = (): string | undefined => {
      if (eq !== -1) return arg.slice(eq + 1);
      const next = argv[i + 1];
      if (next === undefined) return undefined;
      i++;
      return next;
    };
    switch (name) {
      case '--json':
        o.json = true;
        break;
      case '--yes':
      case '-y':
        o.yes = true;
        break;
      case '--help':
      case '-h':
        o.help = true;
        break;
      case '--meta-servers': {
        const value = takeValue();
        if (value === undefined)
          return bad('--meta-servers needs a value, e.g. --meta-servers 127.0.0.1:34601,127.0.0.1:34602.');
        const list = value
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
        const wrong = list.filter((s) => !hostPort.test(s) || Number(s.slice(s.lastIndexOf(':') + 1)) > 65535);
        if (list.length === 0 || wrong.length > 0) {
          return bad(
            `--meta-servers: "${wrong[0] ?? value}" is not host:port. Accepted: a comma-separated list of host:port, ` +
              'e.g. --meta-servers 127.0.0.1:34601,127.0.0.1:34602.',
          );
        }
        o.metaServers = list;
        break;
      }
      case '--cluster': {
        const value = takeValue();
        if (value === undefined || value.trim() === '')
          return bad('--cluster needs a cluster name, e.g. --cluster prod.');
        o.cluster = value.trim();
        break;
      }
      case '--timeout': {
        const value = takeValue();
        const ms = value === undefined ? undefined : parseDuration(value);
        if (ms === undefined || ms <= 0) {
          return bad(`--timeout needs a duration like 5s, 30s or 2m${value === undefined ? '' : `, not "${value}"`}.`);
        }
        o.timeoutMs = ms;
        break;
      }
      default:
        return bad(`Unknown option ${name}. ${execUsage.split('\n')[0] ?? ''}`);
    }
  }
  return { ok: true, value: o };
}

function commandText(words: readonly string[]): string {
  // One argument is the quoted command line itself; several are its words (`exec nodes -d`).
  if (words.length === 1) return words[0] ?? '';
  return words.map(quoteWord).join(' ');
}

/** Puts `--cluster NAME` right after the command name, where the dispatcher reads it. */
function withCluster(text: string, cluster: string | undefined): string {
  if (cluster === undefined) return text;
  const words = splitCommandLine(text);
  if (!words.ok) return text;
  return [words.value.name, '--cluster', cluster, ...words.value.rest].map(quoteWord).join(' ');
}

function badInput(command: string, title: string, message: string): Reply {
  return messageReply(command, 'unknown', title, [message], new Date(), { data: { error: { code: 'BAD_INPUT' } } });
}

/** Runs `exec` with the words after it; resolves to the process exit code. */
export async function runExec(argv: readonly string[], io: ExecIo): Promise<number> {
  const emit = (reply: Reply, json: boolean, timezone = 'UTC'): number => {
    if (json) {
      io.stdout.write(`${JSON.stringify(toJsonOutput(reply, renderText(reply, { timezone })))}\n`);
    } else {
      io.stdout.write(`${renderText(reply, { color: shouldUseColor(io.stdout, io.env), timezone })}\n`);
    }
    return exitCodeOf(reply.status);
  };

  const parsed = parseExecArgs(argv);
  if (!parsed.ok) return emit(badInput('exec', 'Bad exec arguments', parsed.message), parsed.json);
  const opts = parsed.value;
  if (opts.help) {
    io.stdout.write(`${execUsage}\n`);
    return 0;
  }
  const text = commandText(opts.words).trim();
  if (text === '')
    return emit(
      badInput('exec', 'No command given', `Give the command to run. ${execUsage.split('\n')[0] ?? ''}`),
      opts.json,
    );

  let config: Config;
  try {
    const env: Record<string, string | undefined> = { ...io.env };
    if (opts.metaServers) env['PEGASUS_META_SERVERS'] = opts.metaServers.join(',');
    config = loadConfig(env, io.readFile ?? ((p) => readFileSync(p, 'utf8')));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return emit(badInput(text, 'Invalid configuration', err.message), opts.json);
  }
  if (opts.timeoutMs !== undefined) config.timeoutMs = Math.min(config.timeoutMs, opts.timeoutMs);
  const tz = config.timezone;

  // An unknown command is answered before anything is opened or started.
  const words = splitCommandLine(text);
  if (!words.ok) return emit(badInput(text, 'Could not read the command', words.error.message), opts.json, tz);
  const catalog = io.catalog ?? buildCatalog(await loadCommandSpecs());
  const name = words.value.name;
  if (!catalog.find(name) && !reservedCommandNames.includes(name)) {
    return emit(
      messageReply(text, 'unknown', 'Unknown command', [unknownCommandMessage(name, catalog)], new Date(), {
        data: { error: { code: 'UNKNOWN_COMMAND' } },
      }),
      opts.json,
      tz,
    );
  }

  const logger = createLogger(nonEmpty(io.env['LOG_LEVEL']) ?? 'warn', io.stderr);
  let sim: SimHandle | undefined;
  let runtime: Runtime | undefined;
  try {
    if (config.simulated) {
      sim = await (io.startSimulator ?? startSimulator)();
      if (!sim) {
        return emit(
          badInput(
            text,
            'No cluster configured',
            'Set PEGASUS_META_SERVERS=host:port,host:port or pass --meta-servers host:port.',
          ),
          opts.json,
          tz,
        );
      }
      config.clusters = [simulatedCluster(sim.metaServers)];
      config.defaultCluster = config.clusters[0]?.name ?? config.defaultCluster;
      io.stderr.write(
        `pegasus-chatops: no cluster configured — started a simulated cluster at ${sim.metaServers.join(',')}\n`,
      );
    }
    runtime = await (io.createRuntime ?? createRuntime)({ config, logger, catalog });
    const cluster = opts.cluster ?? (opts.metaServers ? config.clusters[0]?.name : undefined);
    const user = io.env['USER'] ?? io.env['LOGNAME'];
    const actor: Actor = { platform: 'exec', userId: 'local', ...(user ? { displayName: user } : {}) };
    const command: IncomingCommand = {
      actor,
      channelId: 'exec',
      text: withCluster(text, cluster),
      confirmed: opts.yes,
      interactive: false,
    };
    const reply = await withDeadline(runtime.dispatcher.run(command), opts.timeoutMs, text);
    return emit(reply, opts.json, tz);
  } catch (err) {
    logger.error({ err }, 'exec failed');
    const message = err instanceof Error ? err.message : String(err);
    return emit(badInput(text, 'Could not run the command', message), opts.json, tz);
  } finally {
    await runtime?.close().catch((err: unknown) => {
      logger.warn({ err }, 'closing the runtime failed');
    });
    await sim?.stop().catch((err: unknown) => {
      logger.warn({ err }, 'stopping the simulator failed');
    });
  }
}

async function withDeadline(run: Promise<Reply>, timeoutMs: number | undefined, command: string): Promise<Reply> {
  if (timeoutMs === undefined) return run;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<Reply>((resolve) => {
    timer = setTimeout(() => {
      resolve(
        messageReply(
          command,
          'unknown',
          `Timed out after ${formatDuration(timeoutMs)}`,
          [
            `\`${command}\` did not finish within --timeout ${formatDuration(timeoutMs)}. Check that the cluster answers, or allow more time.`,
          ],
          new Date(),
          { data: { error: { code: 'TIMEOUT' } } },
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([run, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
