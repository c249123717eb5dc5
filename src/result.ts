/** Expected outcomes as values: a success or a failure with a stable code. */
export type Result<T, E = Failure> = { ok: true; value: T } | { ok: false; error: E };

/** An expected failure: a stable code a program can test, and a message a person can act on. */
export interface Failure {
  code: string;
  message: string;
}

/** Wraps a value as a success. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Builds a failure. */
export function fail(code: string, message: string): { ok: false; error: Failure } {
  return { ok: false, error: { code, message } };
}
