// Snapshots while a round is still running. A round waits for its slowest peer (a request
// timeout at worst), but a device found early must not wait with it: the round calls
// `changed()` whenever what it knows changes, and this yields `snapshot()` at once (bursts
// coalesce into one snapshot; the consumer decides whether it differs from the last). When
// the round ends, one last snapshot is yielded if anything changed since the previous one.
export async function* progressWhile<T>(round: (changed: () => void) => Promise<void>, snapshot: () => T): AsyncGenerator<T> {
  let pending = false;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const changed = (): void => {
    pending = true;
    wake?.();
  };
  const running = round(changed).then(
    () => {
      finished = true;
      wake?.();
    },
    (error: unknown) => {
      failure = { error };
      finished = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      if (!pending && !finished) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (pending) {
        pending = false;
        yield snapshot();
        continue;
      }
      if (finished) break;
    }
  } finally {
    wake = undefined;
  }
  await running;
  if (failure) throw failure.error;
}
