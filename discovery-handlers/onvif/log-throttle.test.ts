// The log throttle: bounded lines per window, and the suppressed count is reported later.
import { describe, expect, it } from 'vitest';
import { LogThrottle } from './log-throttle.ts';

describe('log throttle', () => {
  it('admits at most N per window and then reports how many it dropped', () => {
    let t = 0;
    const throttle = new LogThrottle(2, 1000, () => t);
    expect(throttle.admit()).toEqual({ suppressedBefore: 0 });
    expect(throttle.admit()).toEqual({ suppressedBefore: 0 });
    expect(throttle.admit()).toBeUndefined();
    expect(throttle.admit()).toBeUndefined();
    t = 1000;
    expect(throttle.admit()).toEqual({ suppressedBefore: 2 });
    expect(throttle.admit()).toEqual({ suppressedBefore: 0 });
  });
});
