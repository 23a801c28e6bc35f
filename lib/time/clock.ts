// The one clock that every long-running part of the agent and the controller takes: the time
// and the timers together, so that a test can move time instead of waiting for it
// (test/support/fake-clock.ts). Production code passes systemClock.
export type TimerHandle = unknown;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
};

/**
 * Runs `fn` every `ms` on the clock until the returned function is called. The next round is
 * timed from the end of the last, so a slow round is never overlapped by the next one.
 */
export function every(clock: Clock, ms: number, fn: () => void | Promise<void>): () => void {
  let stopped = false;
  let timer: TimerHandle | undefined;
  const arm = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      void Promise.resolve()
        .then(fn)
        .catch(() => undefined) // a round reports its own failures; the loop goes on
        .finally(arm);
    }, ms);
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(timer);
  };
}
