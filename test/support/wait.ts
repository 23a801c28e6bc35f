// The one set of waits for tests, each saying what it waits for instead of sleeping:
//   eventually(check)        retries an assertion until it passes; the last failure is what shows
//   until(what, probe)       retries a probe until it returns a value (not undefined or false)
//   holdsFor(check, period)  asserts that something stays true for the whole period
// All poll (every 250 ms unless told), so they work across processes and the API server.
import { sleep } from '../../lib/time/sleep.ts';

export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(intervalMs);
    }
  }
}

/**
 * Retries `probe` until it returns something other than undefined or false, and returns that.
 * A probe that throws is retried too, unless its error is marked `fatal`; on timeout the error
 * names `what` and the probe's last error.
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 30_000, intervalMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(intervalMs);
  }
}

/** Asserts that `check` passes throughout `periodMs` (e.g. "nothing is written"). */
export async function holdsFor(check: () => Promise<void> | void, periodMs: number, intervalMs = 250): Promise<void> {
  const end = Date.now() + periodMs;
  do {
    await check();
    await sleep(intervalMs);
  } while (Date.now() < end);
  await check();
}
