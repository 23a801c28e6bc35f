import { describe, expect, it } from 'vitest';
import { WorkQueue } from './work-queue.ts';
import { FakeClock, settle } from '../../test/support/fake-clock.ts';

describe('WorkQueue', () => {
  it('runs a key added many times while waiting only once', async () => {
    const seen: string[] = [];
    let release: () => void = () => undefined;
    const q = new WorkQueue(
      async (k) => {
        seen.push(k);
        if (k === 'busy') await new Promise<void>((r) => (release = r));
      },
      { workers: 1 },
    );
    q.add('busy'); // occupies the only worker, so the rest wait in the queue
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    expect(q.length).toBe(2);
    await settle();
    release();
    await q.idle();
    expect(seen).toEqual(['busy', 'a', 'b']);
  });

  it('never runs a key inside add(): the caller may still be changing what it reads', async () => {
    const state = { value: 'old' };
    const seen: string[] = [];
    const q = new WorkQueue(async () => void seen.push(state.value));
    q.add('k');
    state.value = 'new';
    await q.idle();
    expect(seen).toEqual(['new']);
  });

  it('never runs one key twice at once, and reruns it if it changed meanwhile', async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    let release: () => void = () => undefined;
    const q = new WorkQueue(
      async () => {
        running++;
        runs++;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await new Promise<void>((r) => (release = r));
        running--;
      },
      { workers: 4 },
    );
    q.add('k');
    await new Promise((r) => setTimeout(r, 5));
    q.add('k');
    q.add('k');
    release();
    await q.idle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  it('retries a failing key with exponential backoff, then forgets the failures on success', async () => {
    const clock = new FakeClock();
    let attempts = 0;
    const errors: number[] = [];
    const q = new WorkQueue(
      async () => {
        attempts++;
        if (attempts < 4) throw new Error('boom');
      },
      { clock, baseDelayMs: 100, onError: (_k, _e, n) => errors.push(n) },
    );
    q.add('x');
    await q.idle();
    expect(attempts).toBe(1);
    await clock.advance(99);
    await q.idle();
    expect(attempts).toBe(1);
    await clock.advance(1);
    await q.idle();
    expect(attempts).toBe(2);
    await clock.advance(200);
    await q.idle();
    expect(attempts).toBe(3);
    await clock.advance(399);
    await q.idle();
    expect(attempts).toBe(3);
    await clock.advance(1);
    await q.idle();
    expect(attempts).toBe(4);
    expect(errors).toEqual([1, 2, 3]);
    expect(clock.pending).toBe(0);
  });
});
