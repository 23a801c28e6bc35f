// The shared pieces every discovery round uses: fair order between peers, one deadline per
// round, and snapshots while a round runs (the concurrency bound: lib/async/bounded.test.ts).
import { describe, expect, it } from 'vitest';
import { fairOrder } from './fair-order.ts';
import { progressWhile } from './progress-while.ts';
import { roundDeadline } from './round-deadline.ts';
import { sleep } from '../time/sleep.ts';

describe('fair order between peers', () => {
  it('takes one item per peer per turn, in the order peers first appeared', () => {
    const items = ['h1', 'h2', 'h3', 'h4', 'g1', 'k1', 'k2'];
    expect(fairOrder(items, (s) => s[0] ?? '').ordered).toEqual(['h1', 'g1', 'k1', 'h2', 'k2', 'h3', 'h4']);
  });

  it('a healthy peer listed after a thousand hostile items still comes second', () => {
    const items = [...Array.from({ length: 1000 }, (_, i) => ({ peer: 'hostile', i })), { peer: 'healthy', i: 0 }];
    expect(fairOrder(items, (x) => x.peer).ordered.findIndex((x) => x.peer === 'healthy')).toBe(1);
  });

  it('drops and counts what a peer contributes past its cap', () => {
    const { ordered, dropped } = fairOrder(['a1', 'a2', 'a3', 'b1'], (s) => s[0] ?? '', 2);
    expect(ordered).toEqual(['a1', 'b1', 'a2']);
    expect(dropped).toEqual(new Map([['a', 1]]));
  });
});

describe('round deadline', () => {
  it('aborts when its time runs out, and says so', async () => {
    const stream = new AbortController();
    const deadline = roundDeadline(stream.signal, 30);
    await sleep(5000, deadline.signal);
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired()).toBe(true);
    deadline.dispose();
  });

  it('aborts at once when discovery stops, and that is not an expiry', () => {
    const stream = new AbortController();
    const deadline = roundDeadline(stream.signal, 60_000);
    stream.abort();
    expect(deadline.signal.aborted).toBe(true);
    expect(deadline.expired()).toBe(false);
    deadline.dispose();
  });
});
