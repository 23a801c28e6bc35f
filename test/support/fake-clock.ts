// A clock for tests that moves only when told to: timers fire in time order as it is advanced,
// so a test of backoffs, resyncs and lease expiry runs in milliseconds and decides exactly
// what has happened by each moment.
import type { Clock, TimerHandle } from '../../lib/time/clock.ts';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
}

/** Lets every promise continuation (and any I/O already done) run. */
export async function settle(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeClock implements Clock {
  private readonly timers = new Map<number, Timer>();
  private seq = 0;

  constructor(private t = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const seq = ++this.seq;
    this.timers.set(seq, { at: this.t + Math.max(0, ms), seq, fn });
    return seq;
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (typeof handle === 'number') this.timers.delete(handle);
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.timers.size;
  }

  /** When the next timer is due, if any. */
  get nextAt(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.at < next) next = t.at;
    return next;
  }

  /**
   * Moves time forward by `ms`, firing every timer that falls due on the way, in order, and
   * letting promises settle after each (so async code can set its next timer in the window).
   */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.timers.values()].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers.delete(due.seq);
      this.t = due.at;
      due.fn();
    }
    this.t = target;
    await settle();
  }
}
