/**
 * The Pegasus Shell grammar: shell-like words (quotes, backslash escapes), getopt-style flags (`-d`,
 * `-a table`, `-atable`, `--flag value`, `--flag=value`, `--` ends the flags) and positionals. Which flags take
 * a value is the command spec's `valueFlags`; `--cluster NAME` is global and taken out before the spec sees it.
 */
import { fail, ok, type Result } from '../result.js';
import type { ParsedArgs } from './command-spec.js';

/** The global flag that chooses the cluster. */
export const clusterFlag = 'cluster';

/** A command line split into its name and the words after it. */
export interface CommandWords {
  /** The command name as typed, lower-cased (`nodes`, `set_meta_level`). */
  name: string;
  /** The words after the name, unquoted. */
  rest: string[];
}

/** A command line parsed against its spec's flags. */
export interface ParsedCommandLine {
  name: string;
  args: ParsedArgs;
  /** `--cluster NAME` when given. */
  cluster?: string;
  /** The command line re-quoted without `--cluster`, as stored and shown (`app_stat -a temp`). */
  normalized: string;
}

// Phones and Slack/Discord clients turn straight quotes into typographic ones; treat them as the same.
const doubleQuotes = new Set(['"', '\u201c', '\u201d', '\u201e']);
const singleQuotes = new Set(["'", '\u2018', '\u2019', '\u201a']);

/** Splits a line into words like a POSIX shell does (no expansion); an unterminated quote is bad input. */
export function splitWords(line: string): Result<string[]> {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: 'single' | 'double' | undefined;
  const chars = Array.from(line);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i] ?? '';
    if (quote === 'single') {
      if (singleQuotes.has(c)) quote = undefined;
      else current += c;
      continue;
    }
    if (quote === 'double') {
      if (doubleQuotes.has(c)) quote = undefined;
      else if (c === '\\' && (chars[i + 1] === '"' || chars[i + 1] === '\\')) current += chars[++i] ?? '';
      else current += c;
      continue;
    }
    if (/\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (singleQuotes.has(c)) quote = 'single';
    else if (doubleQuotes.has(c)) quote = 'double';
    else if (c === '\\' && i + 1 < chars.length) current += chars[++i] ?? '';
    else current += c;
  }
  if (quote) {
    return fail(
      'BAD_INPUT',
      `The ${quote} quote is not closed. Close it, or escape the quote with a backslash, e.g. reason "it's late".`,
    );
  }
  if (inWord) words.push(current);
  return ok(words);
}

/** Splits a line into the command name and the words after it; an empty line is bad input. */
export function splitCommandLine(line: string): Result<CommandWords> {
  const words = splitWords(line);
  if (!words.ok) return words;
  const [first, ...rest] = words.value;
  if (first === undefined || first === '') {
    return fail('BAD_INPUT', 'No command given. Type `help` to see the commands, e.g. `health` or `nodes -d`.');
  }
  return ok({ name: first.toLowerCase(), rest });
}

function isFlagWord(word: string): boolean {
  // `-5` and `-0.5` are numbers, and a lone `-` is a positional, as in the shell.
  return word.startsWith('-') && word.length > 1 && !/^-\d/.test(word);
}

/** Parses the words after a command name into flags and positionals (getopt style). */
export function parseArgs(words: readonly string[], valueFlags: readonly string[] = []): Result<ParsedArgs> {
  const takesValue = new Set([...valueFlags, clusterFlag]);
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '--') {
      positionals.push(...words.slice(i + 1));
      break;
    }
    if (!isFlagWord(word)) {
      positionals.push(word);
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq === -1 ? word.slice(2) : word.slice(2, eq);
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(name)) {
        return fail('BAD_INPUT', `"${word}" is not a flag. Flags look like --name, --name value or --name=value.`);
      }
      if (eq !== -1) {
        flags[name] = word.slice(eq + 1);
      } else if (takesValue.has(name)) {
        const value = words[i + 1];
        if (value === undefined) return fail('BAD_INPUT', `--${name} needs a value, e.g. --${name} <value>.`);
        flags[name] = value;
        i++;
      } else {
        flags[name] = true;
      }
      continue;
    }
    // Short options bundle like getopt: `-dq` is `-d -q`; a value flag takes the rest of the word or the next word.
    const letters = Array.from(word.slice(1));
    for (let j = 0; j < letters.length; j++) {
      const letter = letters[j] ?? '';
      if (!/^[A-Za-z0-9]$/.test(letter)) {
        return fail('BAD_INPUT', `"${word}" is not a flag. Short flags are single letters, e.g. -d or -a <table>.`);
      }
      if (!takesValue.has(letter)) {
        flags[letter] = true;
        continue;
      }
      const attached = letters.slice(j + 1).join('');
      if (attached !== '') {
        flags[letter] = attached;
      } else {
        const value = words[i + 1];
        if (value === undefined) return fail('BAD_INPUT', `-${letter} needs a value, e.g. -${letter} <value>.`);
        flags[letter] = value;
        i++;
      }
      break;
    }
  }
  return ok({ positionals, flags });
}

/** Quotes a word so `splitWords` gives it back unchanged. */
export function quoteWord(word: string): string {
  if (word === '') return "''";
  if (/^[A-Za-z0-9_\-.,:/=@%+]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Removes `--cluster X`, `--cluster=X` (and the long-only form) from a list of words. */
function withoutClusterWords(words: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (word === '--') {
      out.push(...words.slice(i));
      break;
    }
    if (word === `--${clusterFlag}`) {
      i++;
      continue;
    }
    if (word.startsWith(`--${clusterFlag}=`)) continue;
    out.push(word);
  }
  return out;
}

/** Parses a whole command line against the value flags of its command (the caller looks the spec up by `name`). */
export function parseCommandLine(words: CommandWords, valueFlags: readonly string[] = []): Result<ParsedCommandLine> {
  const parsed = parseArgs(words.rest, valueFlags);
  if (!parsed.ok) return parsed;
  const { [clusterFlag]: cluster, ...flags } = parsed.value.flags;
  if (cluster === true) return fail('BAD_INPUT', '--cluster needs a cluster name, e.g. --cluster prod.');
  const normalized = [words.name, ...withoutClusterWords(words.rest)].map(quoteWord).join(' ');
  return ok({
    name: words.name,
    args: { positionals: parsed.value.positionals, flags },
    ...(cluster !== undefined ? { cluster } : {}),
    normalized,
  });
}

/**
 * Checks that only the given flags were used; for spec `parse` functions, so a typo such as `-x` is answered
 * with the accepted flags instead of being ignored.
 */
export function checkFlags(args: ParsedArgs, allowed: readonly string[], usage: string): Result<void> {
  const unknown = Object.keys(args.flags).filter((f) => !allowed.includes(f));
  if (unknown.length === 0) return ok(undefined);
  const shown = unknown.map((f) => (f.length === 1 ? `-${f}` : `--${f}`)).join(', ');
  const accepted = allowed.length > 0 ? allowed.map((f) => (f.length === 1 ? `-${f}` : `--${f}`)).join(', ') : 'none';
  return fail('BAD_INPUT', `Unknown flag ${shown}. Accepted flags: ${accepted}. Usage: ${usage}`);
}
