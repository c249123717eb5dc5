/**
 * rapidjson's `PrettyWriter` (4-space indent, `": "` after keys, empty containers as `{}` / `[]`, no final
 * newline), which Pegasus uses for `/metrics`. Integers only: every Pegasus metric is an int64, and
 * `timestamp_ns` exceeds 2^53, so numbers may be given as bigint.
 */
import { jsonString } from './json-string.js';

interface Level {
  array: boolean;
  count: number;
}

const indents: string[] = [];

/** The indentation of a line at `depth` open containers (4 spaces each). */
export function indent(depth: number): string {
  let s = indents[depth];
  if (s === undefined) {
    s = '    '.repeat(depth);
    indents[depth] = s;
  }
  return s;
}

/** Writes one JSON document. */
export class PrettyWriter {
  private out = '';
  private readonly levels: Level[] = [];
  private afterKey = false;

  /** Starts an object (as a value). */
  startObject(): this {
    this.prefix();
    this.out += '{';
    this.levels.push({ array: false, count: 0 });
    return this;
  }

  /** Ends the current object. */
  endObject(): this {
    return this.end('}');
  }

  /** Starts an array (as a value). */
  startArray(): this {
    this.prefix();
    this.out += '[';
    this.levels.push({ array: true, count: 0 });
    return this;
  }

  /** Ends the current array. */
  endArray(): this {
    return this.end(']');
  }

  /** Writes an object key; the next call writes its value. */
  key(name: string): this {
    const level = this.levels[this.levels.length - 1];
    if (level === undefined || level.array) throw new Error('PrettyWriter: key outside an object');
    this.out += (level.count > 0 ? ',\n' : '\n') + indent(this.levels.length) + jsonString(name) + ': ';
    level.count++;
    this.afterKey = true;
    return this;
  }

  /** Writes a string value. */
  string(value: string): this {
    this.prefix();
    this.out += jsonString(value);
    return this;
  }

  /** Writes an integer value. */
  int(value: number | bigint): this {
    this.prefix();
    this.out += typeof value === 'bigint' ? value.toString() : String(Math.trunc(value));
    return this;
  }

  /**
   * Writes a value already formatted for the current depth (`indentOf(depth + 1)` inside it), e.g. a metric
   * object from a template: the caller guarantees it is exactly what the other calls would have written.
   */
  raw(text: string): this {
    this.prefix();
    this.out += text;
    return this;
  }

  /** How many containers are open (the depth a `raw` value is written at). */
  get depth(): number {
    return this.levels.length;
  }

  /** Writes `"name": "value"`. */
  stringField(name: string, value: string): this {
    return this.key(name).string(value);
  }

  /** Writes `"name": 123`. */
  intField(name: string, value: number | bigint): this {
    return this.key(name).int(value);
  }

  /** The document written so far. */
  toString(): string {
    return this.out;
  }

  private prefix(): void {
    if (this.afterKey) {
      this.afterKey = false;
      return;
    }
    const level = this.levels[this.levels.length - 1];
    if (level === undefined) return;
    if (!level.array) throw new Error('PrettyWriter: value without a key inside an object');
    this.out += (level.count > 0 ? ',\n' : '\n') + indent(this.levels.length);
    level.count++;
  }

  private end(close: string): this {
    const level = this.levels.pop();
    if (level === undefined) throw new Error('PrettyWriter: nothing to end');
    if (level.count > 0) this.out += '\n' + indent(this.levels.length);
    this.out += close;
    return this;
  }
}
