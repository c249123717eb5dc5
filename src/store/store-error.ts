/** Why opening or migrating the store failed: stable codes a program can test, messages a person can act on. */

/** The stable codes of `StoreError`. */
export const StoreErrorCode = {
  /** The database could not be reached or opened (server down, wrong URL, unwritable directory). */
  Unreachable: 'store_unreachable',
  /** A migration failed; nothing of it was applied. */
  MigrationFailed: 'store_migration_failed',
  /** The database was migrated by a newer build than this one. */
  SchemaNewer: 'store_schema_newer',
  /** A store option is invalid (schema name, migration list). */
  BadOption: 'store_bad_option',
} as const;

/** One of the stable codes of `StoreError`. */
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

/** Thrown when the store cannot start; the bot cannot run without it, so this stops the start. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;
  /** The underlying cause in a few words (driver message), for callers that phrase their own message. */
  readonly reason: string;

  constructor(code: StoreErrorCode, message: string, options: { cause?: unknown; reason?: string } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = options.reason ?? message;
  }
}
