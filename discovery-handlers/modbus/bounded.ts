// Runs one async job per item with at most `concurrency` in flight; stops starting new jobs
// once the signal aborts. Jobs handle their own errors: one bad target must not end a scan.

export async function forEachBounded<T>(items: readonly T[], concurrency: number, signal: AbortSignal, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (!signal.aborted && next < items.length) {
      const item = items[next++] as T;
      await job(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
