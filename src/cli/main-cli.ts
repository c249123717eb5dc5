/**
 * `pegasus-chatops <subcommand>`: `start` (default), `exec …`, `sim …`, `discord register`. The bin calls
 * `runCli`; the bot itself (and with it the chat adapters) is loaded only for the subcommands that need it.
 */
import { editDistance } from '../commands/command-catalog.js';
import { runExec, type ExecIo } from './exec.js';
import { runSimulatorCli } from './late-modules.js';

/** The usage text of the bin. */
export const cliUsage = [
  'Usage: pegasus-chatops [start]                 start the bot (chat, or the console when no chat is configured)',
  '       pegasus-chatops exec [options] "<cmd>"  run one command and exit (see exec --help)',
  '       pegasus-chatops sim [--nodes N] [--tables T] [--scenario NAME]   start a simulated cluster',
  '       pegasus-chatops discord register [--guild <id> | --global] [--dry-run]   register /pegasus with Discord',
].join('\n');

/** What the CLI runs with. */
export interface CliIo extends ExecIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
}

const subcommands = ['start', 'exec', 'sim', 'discord', 'help'];

/** Runs the bin's subcommand; resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case undefined:
    case 'start': {
      const bot = await import('../main.js');
      return bot.main({ ...bot.processIo(), stdin: io.stdin, stdout: io.stdout, stderr: io.stderr, env: io.env });
    }
    case 'exec':
      return runExec(rest, io);
    case 'sim': {
      const code = await runSimulatorCli(rest, io);
      if (code !== undefined) return code;
      io.stderr.write('pegasus-chatops: the simulator CLI is not part of this build.\n');
      return 3;
    }
    case 'discord': {
      if (rest[0] !== 'register') {
        io.stderr.write(
          `pegasus-chatops: unknown discord subcommand. Usage: pegasus-chatops discord register [--guild <id> | --global] [--dry-run]\n`,
        );
        return 3;
      }
      const { registerDiscord } = await import('../main.js');
      return registerDiscord(rest.slice(1), io);
    }
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(`${cliUsage}\n`);
      return 0;
    default: {
      const closest = subcommands.map((s) => ({ s, d: editDistance(sub, s) })).sort((a, b) => a.d - b.d)[0];
      const hint = closest && closest.d <= 2 ? ` Did you mean \`${closest.s}\`?` : '';
      io.stderr.write(`pegasus-chatops: unknown subcommand \`${sub}\`.${hint}\n${cliUsage}\n`);
      return 3;
    }
  }
}
