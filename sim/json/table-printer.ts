/**
 * Pegasus's `table_printer` / `multi_table_printer` in `kJsonCompact` mode (`src/utils/output_utils.cpp`):
 * every value is a string, a body ends with a newline, single-column tables are flat objects, multi-column
 * tables repeat their first column inside each row, sections keep insertion order and an empty table
 * disappears entirely.
 */
import { jsonString } from './json-string.js';

/** A single-column (`add_row_name_and_data`) table. */
export interface SingleColumnTable {
  kind: 'single';
  /** Section name; empty for an unnamed table. */
  name: string;
  rows: (readonly [string, string])[];
}

/** A multi-column (`add_title` + `add_column`) table. */
export interface MultiColumnTable {
  kind: 'multi';
  name: string;
  columns: readonly string[];
  rows: (readonly string[])[];
}

/** One table of a printer. */
export type PrintedTable = SingleColumnTable | MultiColumnTable;

/** Encodes one table's members (without the surrounding braces), or '' when the table prints nothing. */
function encodeTable(table: PrintedTable): string {
  let inner: string;
  if (table.kind === 'single') {
    if (table.rows.length === 0) return '';
    inner = table.rows.map(([k, v]) => jsonString(k) + ':' + jsonString(v)).join(',');
  } else {
    // The title row itself counts as data, so a named multi-column table with no rows prints `"name":{}`.
    inner = table.rows
      .map((row) => {
        const cells = table.columns.map((col, i) => jsonString(col) + ':' + jsonString(row[i] ?? ''));
        return jsonString(row[0] ?? '') + ':{' + cells.join(',') + '}';
      })
      .join(',');
  }
  return table.name === '' ? inner : jsonString(table.name) + ':{' + inner + '}';
}

/** The body of a `multi_table_printer` (or of a single `table_printer` when given one table). */
export function printTables(tables: readonly PrintedTable[]): string {
  return (
    '{' +
    tables
      .map(encodeTable)
      .filter((s) => s !== '')
      .join(',') +
    '}\n'
  );
}

/** The body of an unnamed single-column `table_printer`. */
export function printRows(rows: (readonly [string, string])[]): string {
  return printTables([{ kind: 'single', name: '', rows }]);
}

/** A double as `table_printer::to_string<double>` prints it (fixed, 2 decimals, tiny values as `0.00`). */
export function printDouble(value: number, precision = 2): string {
  if (Math.abs(value) < 1e-6) return (0).toFixed(precision);
  return value.toFixed(precision);
}
