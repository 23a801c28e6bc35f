// The one abortable sleep: waits `ms` on a clock, or less when the signal aborts. It never
// rejects, so a loop that sleeps between rounds checks `signal.aborted` itself afterwards.
import { systemClock, type Clock } from './clock.ts';

/** Resolves after `ms` (never, when undefined) or as soon as `signal` aborts. */
export function sleep(ms: number | undefined, signal?: AbortSignal, clock: Clock = systemClock): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clock.clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = ms === undefined ? undefined : clock.setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
