/**
 * A deadline around one read of the cluster, so a call that hangs (or a client bug that throws) becomes a
 * failure value the checks can report while the other reads still count.
 */
import { fail, type Result } from '../result.js';

/** Runs `work`, resolving to a `TIMEOUT` failure after `ms` and to an `INTERNAL` failure if it throws. */
export async function withDeadline<T>(work: () => Promise<Result<T>>, ms: number, what: string): Promise<Result<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Result<T>>((resolve) => {
    timer = setTimeout(() => {
      resolve(fail('TIMEOUT', `${what} did not answer within ${ms} ms`));
    }, ms);
  });
  const attempt = (async (): Promise<Result<T>> => {
    try {
      return await work();
    } catch (err) {
      // A throw from a client is a bug there; the health check still answers with what it has.
      return fail('INTERNAL', `${what} failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`);
    }
  })();
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
