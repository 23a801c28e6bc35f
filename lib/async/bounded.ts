// The one bounded-concurrency mechanism: async jobs with at most `limit` in flight, in order.
// forEachBounded runs a known list (a probe answered by hundreds of endpoints opens at most
// `limit` connections; an agent writes at most `limit` Instances at once); BoundedQueue takes
// jobs as they come (the controller's Events: a burst of a thousand must not open a thousand
// TLS requests). Jobs handle their own errors: one failing item must not end the others.

/** Runs pushed jobs in order, at most `limit` at a time; none is dropped. */
export class BoundedQueue {
  private readonly waiting: Array<() => Promise<unknown>> = [];
  private inFlight = 0;

  constructor(private readonly limit: number) {}

  push(job: () => Promise<unknown>): void {
    this.waiting.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.limit && this.waiting.length > 0) {
      const job = this.waiting.shift() as () => Promise<unknown>;
      this.inFlight++;
      void job()
        .catch(() => undefined)
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

/** Runs `job` for every item, at most `limit` at once; with a signal, none starts once it aborts. */
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
