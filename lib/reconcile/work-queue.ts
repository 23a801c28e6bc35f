// A work queue in the controller-runtime mould: keys are deduplicated while waiting, a key is
// never processed by two workers at once (a re-add while processing runs it again afterwards),
// and failures requeue with per-key exponential backoff. The clock and timers are injected.
import { systemClock, type Clock } from '../time/clock.ts';

export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  workers?: number;
  clock?: Clock;
  /** Called when a reconcile throws; the key is retried after a backoff. */
  onError?: (key: string, err: unknown, attempt: number) => void;
}

export class WorkQueue {
  private readonly queued = new Set<string>();
  private readonly order: string[] = [];
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, unknown>();
  private active = 0;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly workers: number;
  private readonly clock: Clock;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.baseDelayMs = options.baseDelayMs ?? 200;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.workers = options.workers ?? 4;
    this.clock = options.clock ?? systemClock;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Adds the key after `ms`, unless it is added sooner (the earlier time wins). */
  addAfter(key: string, ms: number): void {
    if (this.stopped || this.delayed.has(key)) return;
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, handle);
  }

  /** Forgets a key's failure count (call when its object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.order.length;
  }

  /** Resolves when nothing is queued or processing (delayed keys do not count). */
  idle(): Promise<void> {
    if (this.order.length === 0 && this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const handle of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.order.length = 0;
    this.queued.clear();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.workers && this.order.length > 0) {
      const key = this.order.shift() as string;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      // Never inside add(): the caller may be in the middle of changing what the key reads.
      queueMicrotask(() => void this.run(key));
    }
    if (this.order.length === 0 && this.active === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.reconcile(key);
      this.failures.delete(key);
    } catch (err) {
      const attempt = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, attempt);
      this.options.onError?.(key, err, attempt);
      const delay = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
      this.addAfter(key, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      if (this.dirtyWhileProcessing.delete(key)) this.add(key);
      this.pump();
    }
  }
}
