/**
 * `npm run bench`: runs every benchmark in `bench/` that exports a `run…Bench` function and prints its
 * `name value unit` lines (its `format…Bench` function shapes them). Each benchmark runs in a process of its
 * own, one after another, so its peak RSS and CPU figures are its own and the machine is not shared.
 * Run: `tsx bench/run.ts [name…]` (e.g. `health-large`; default: all). The names of the files go to stderr.
 */
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * The benchmark files of `bench/`: those whose source exports a `run…Bench` function (read as text, so that
 * no other file's top level runs), by name.
 */
export function benchmarkFiles(dir = benchDir): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts')
    .sort()
    .map((f) => path.join(dir, f))
    .filter((file) => /export\s+(async\s+)?function\s+run\w*Bench\b/.test(readFileSync(file, 'utf8')));
}

type BenchModule = Record<string, unknown>;

/** The `run…Bench` and `format…Bench` functions a module exports, if it is a benchmark. */
export function benchmarkOf(
  module: BenchModule,
): { run: () => Promise<unknown>; format: ((result: unknown) => string) | undefined } | undefined {
  const runName = Object.keys(module).find((k) => /^run\w*Bench$/.test(k) && typeof module[k] === 'function');
  if (runName === undefined) return undefined;
  const stem = runName.slice('run'.length);
  const format = module[`format${stem}`];
  return {
    run: module[runName] as () => Promise<unknown>,
    format: typeof format === 'function' ? (format as (result: unknown) => string) : undefined,
  };
}

/** Runs one benchmark file in this process and prints its lines. */
async function runOne(file: string): Promise<void> {
  const bench = benchmarkOf((await import(pathToFileURL(file).href)) as BenchModule);
  if (bench === undefined) return;
  const result = await bench.run();
  const text =
    bench.format?.(result) ??
    Object.entries(result as Record<string, unknown>)
      .map(([k, v]) => `${k} ${String(v)} value`)
      .join('\n');
  process.stdout.write(`${text}\n`);
}

/** Runs each benchmark file in a child process, one after another; resolves to the number that failed. */
async function runAll(files: readonly string[]): Promise<number> {
  let failed = 0;
  for (const file of files) {
    process.stderr.write(`# ${path.relative(process.cwd(), file)}\n`);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--one', file], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('exit', (exitCode, signal) => {
        resolve(exitCode ?? (signal === null ? 1 : 128));
      });
    });
    if (code !== 0) {
      failed++;
      process.stderr.write(`# ${path.basename(file)} failed (exit code ${code})\n`);
    }
  }
  return failed;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const oneAt = args.indexOf('--one');
  if (oneAt >= 0) {
    await runOne(args[oneAt + 1] ?? '');
  } else {
    const all = benchmarkFiles();
    const chosen = args.length === 0 ? all : all.filter((f) => args.includes(path.basename(f, '.ts')));
    const unknown = args.filter((a) => !all.some((f) => path.basename(f, '.ts') === a));
    if (unknown.length > 0) {
      process.stderr.write(
        `Unknown benchmark ${unknown.join(', ')}; the benchmarks are ${all.map((f) => path.basename(f, '.ts')).join(', ')}.\n`,
      );
      process.exitCode = 2;
    } else if ((await runAll(chosen)) > 0) {
      process.exitCode = 1;
    }
  }
}
