// The one bounded-concurrency helper of the discovery handlers: runs an async job per item
// with at most `limit` in flight, so that a probe answered by hundreds of endpoints opens at
// most `limit` connections at a time. Once `signal` aborts (the round's deadline passed, or
// discovery stopped) no further job starts; jobs already running see the same signal.
// Jobs handle their own errors: one bad peer must not end a round.
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  signal: AbortSignal | undefined,
  job: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!signal?.aborted && next < items.length) {
      const item = items[next++] as T;
      await job(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
