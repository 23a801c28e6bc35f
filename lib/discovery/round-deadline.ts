// One overall deadline per discovery round: a signal that aborts when the discovery stream
// stops (the agent cancelled Discover, the Configuration was deleted, `akri-ts discover
// --timeout` ran out) or when the round has run `ms`, whichever is first. Every request of the
// round takes this signal, so neither a slow peer nor a flood of them can hold a round open.
export interface RoundDeadline {
  signal: AbortSignal;
  /** True when the round ended because its time ran out (not because discovery stopped). */
  expired(): boolean;
  /** Clears the timer; call when the round ends. */
  dispose(): void;
}

export function roundDeadline(stream: AbortSignal, ms: number): RoundDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const stop = (): void => controller.abort(stream.reason);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`discovery round deadline of ${ms} ms passed`));
  }, ms);
  if (stream.aborted) stop();
  else stream.addEventListener('abort', stop, { once: true });
  return {
    signal: controller.signal,
    expired: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      stream.removeEventListener('abort', stop);
    },
  };
}
