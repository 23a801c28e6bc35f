// The shared pieces every discovery round uses: fair order between peers, one deadline per
// round, snapshots while a round runs, and a concurrency bound that stops at the deadline.
import { describe, expect, it } from 'vitest';
import { forEachBounded } from './bounded-map.ts';
import { fairOrder } from './fair-order.ts';
import { progressWhile } from './progress-while.ts';
import { roundDeadline } from './round-deadline.ts';
import { sleepUnlessAborted } from './abortable-sleep.ts';

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
    await sleepUnlessAborted(5000, deadline.signal);
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

describe('bounded concurrency', () => {
  it('never runs more than the limit at once and starts nothing after the signal aborts', async () => {
    const abort = new AbortController();
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await forEachBounded(Array.from({ length: 20 }, (_, i) => i), 3, abort.signal, async (i) => {
      started.push(i);
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (i === 5) abort.abort();
      running -= 1;
    });
    expect(most).toBe(3);
    expect(started.length).toBeLessThan(10);
  });
});

describe('snapshots while a round runs', () => {
  it('yields when the round reports a change, before the round ends, and once more at the end', async () => {
    let found = 0;
    let finish: (() => void) | undefined;
    const seen: number[] = [];
    const generator = progressWhile(async (changed) => {
      found = 1;
      changed();
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      found = 2;
      changed();
    }, () => found);
    const first = await generator.next();
    expect(first.value).toBe(1); // the round is still waiting
    seen.push(first.value as number);
    finish?.();
    for await (const value of { [Symbol.asyncIterator]: () => generator }) seen.push(value);
    expect(seen).toEqual([1, 2]);
  });

  it('passes the round\'s failure on', async () => {
    const generator = progressWhile(async () => {
      throw new Error('boom');
    }, () => 0);
    await expect(generator.next()).rejects.toThrow('boom');
  });
});
