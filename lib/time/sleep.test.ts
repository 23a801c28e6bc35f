import { describe, expect, it } from 'vitest';
import { sleep } from './sleep.ts';
import { every } from './clock.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';

describe('sleep', () => {
  it('ends when its time is up on the clock, not before', async () => {
    const clock = new FakeClock();
    let done = false;
    void sleep(1000, undefined, clock).then(() => (done = true));
    await clock.advance(999);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('ends at once when its signal aborts, and leaves no timer behind', async () => {
    const clock = new FakeClock();
    const abort = new AbortController();
    let done = false;
    void sleep(60_000, abort.signal, clock).then(() => (done = true));
    abort.abort();
    await clock.advance(0);
    expect(done).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('without a time, waits for the signal only', async () => {
    const clock = new FakeClock();
    const abort = new AbortController();
    let done = false;
    void sleep(undefined, abort.signal, clock).then(() => (done = true));
    await clock.advance(3_600_000);
    expect(done).toBe(false);
    abort.abort();
    await clock.advance(0);
    expect(done).toBe(true);
  });
});

describe('every', () => {
  it('runs a round per period, timed from the end of the last, until stopped', async () => {
    const clock = new FakeClock();
    const at: number[] = [];
    const t0 = clock.now();
    const stop = every(clock, 100, () => void at.push(clock.now() - t0));
    await clock.advance(350);
    expect(at).toEqual([100, 200, 300]);
    stop();
    await clock.advance(1000);
    expect(at).toHaveLength(3);
    expect(clock.pending).toBe(0);
  });
});
