/**
 * `npx pegasus-chatops discord register [--global | --guild ID] [--dry-run]`: registers the `/pegasus`
 * command from the environment (`DISCORD_BOT_TOKEN`, `DISCORD_APPLICATION_ID`, `DISCORD_GUILD_ID`,
 * `DISCORD_API_URL`). Run it once per new bot version, not at every start (Discord limits command creates).
 */
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { buildPegasusCommand, registerCommands } from './command-definitions.js';

/** Where the CLI reads and writes (injected so tests run it in-process). */
export interface RegisterCliIo {
  env?: NodeJS.ProcessEnv;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

const usage = 'usage: pegasus-chatops discord register [--global | --guild <id>] [--dry-run]';

/** Runs `discord register` with the arguments after it; resolves with the exit code (0 done, 1 refused, 2 bad usage). */
export async function runDiscordRegister(args: readonly string[], io: RegisterCliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let global = false;
  let dryRun = false;
  let guild: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--global') global = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg === '--guild' && args[i + 1] && /^\d+$/.test(args[i + 1] ?? '')) guild = args[++i];
    else {
      stderr.write(`discord register: unexpected argument "${arg ?? ''}" (--guild takes a numeric id)\n${usage}\n`);
      return 2;
    }
  }
  if (global && guild) {
    stderr.write(`discord register: --global and --guild exclude each other\n${usage}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const clusters = config.clusters.map((c) => c.name);
  if (dryRun) {
    stdout.write(`${JSON.stringify([buildPegasusCommand({ clusters })], null, 2)}\n`);
    return 0;
  }
  const discord = config.discord;
  const missing = [
    ...(discord?.botToken ? [] : ['DISCORD_BOT_TOKEN']),
    ...(discord?.applicationId ? [] : ['DISCORD_APPLICATION_ID']),
  ];
  if (!discord?.botToken || !discord.applicationId) {
    stderr.write(
      `discord register: set ${missing.join(' and ')} (from the Discord developer portal) and run it again\n`,
    );
    return 2;
  }
  const guildId = global ? undefined : (guild ?? discord.guildId);
  const result = await registerCommands({
    applicationId: discord.applicationId,
    token: discord.botToken,
    apiUrl: discord.apiUrl,
    clusters,
    ...(guildId ? { guildId } : {}),
  });
  if (!result.ok) {
    stderr.write(`discord register: ${result.error.message}\n`);
    return 1;
  }
  stdout.write(
    result.value.scope === 'guild'
      ? `Registered /pegasus in guild ${guildId ?? ''}: usable now.\n`
      : 'Registered /pegasus globally: Discord may take a while to show it in every server.\n',
  );
  return 0;
}
