#!/usr/bin/env node
// The `pegasus-chatops` command. It runs the TypeScript sources directly (no build step): tsx's ESM loader is
// registered first, then the CLI entry is imported. Subcommands: start (default), exec, sim, discord register.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// Our own tsconfig, whatever directory the command runs from.
register({ tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)) });

// Like `npm start`, read ./.env when there is one; variables already set in the environment win.
if (existsSync('.env')) process.loadEnvFile('.env');

const { runCli } = await import('../src/cli/main-cli.ts');
const code = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});
// Exit once stdout is flushed: idle keep-alive sockets of the cluster clients must not hold the process.
process.stdout.write('', () => process.exit(code));
