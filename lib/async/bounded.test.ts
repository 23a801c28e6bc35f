import { describe, expect, it } from 'vitest';
import { BoundedQueue, forEachBounded, mapBounded } from './bounded.ts';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('bounded concurrency', () => {
  it('never has more than the limit in flight, and keeps the results in item order', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapBounded([5, 1, 4, 2, 3], 2, async (n) => {
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < n; i++) await tick();
      inFlight--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it('starts no new job once its signal aborts', async () => {
    const abort = new AbortController();
    const started: number[] = [];
    await forEachBounded(
      [0, 1, 2, 3, 4],
      1,
      async (n) => {
        started.push(n);
        if (n === 1) abort.abort();
        await tick();
      },
      abort.signal,
    );
    expect(started).toEqual([0, 1]);
  });
});

describe('BoundedQueue', () => {
  it('runs pushed jobs in order, at most the limit at once, and a failing job stops none', async () => {
    const q = new BoundedQueue(2);
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    for (let i = 0; i < 6; i++) {
      q.push(async () => {
        most = Math.max(most, ++inFlight);
        await tick();
        inFlight--;
        done.push(i);
        if (i === 1) throw new Error('boom');
      });
    }
    for (let i = 0; i < 20 && done.length < 6; i++) await tick();
    expect(done).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });
});
