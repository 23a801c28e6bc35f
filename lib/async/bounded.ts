// The one bounded-concurrency helper: runs an async job per item with at most `limit` in
// flight (a probe answered by hundreds of endpoints opens at most `limit` connections; an
// agent writes at most `limit` Instances at once). With a signal, no new job starts once it
// aborts. Jobs handle their own errors: one failing item must not end the others.

export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  job: (item: T, index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!signal?.aborted && next < items.length) {
      const index = next++;
      await job(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}

/** forEachBounded that keeps each job's result, in the order of the items. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  await forEachBounded(items, limit, async (item, index) => {
    results[index] = await fn(item);
  });
  return results;
}
