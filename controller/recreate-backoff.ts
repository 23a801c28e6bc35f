// Remembers when each broker pod was last created, so that a broker that keeps dying is
// recreated with exponential backoff instead of in a hot loop, while a broker that ran for a
// while comes back at once. Times are passed in; nothing here reads a clock.
export interface RecreateBackoffOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A broker that lived at least this long starts again from no delay. */
  resetAfterMs?: number;
}

interface Entry {
  lastCreated: number;
  attempts: number;
}

export class RecreateBackoff {
  private readonly entries = new Map<string, Entry>();
  private readonly base: number;
  private readonly max: number;
  private readonly reset: number;

  constructor(options: RecreateBackoffOptions = {}) {
    this.base = options.baseDelayMs ?? 1_000;
    this.max = options.maxDelayMs ?? 300_000;
    this.reset = options.resetAfterMs ?? 60_000;
  }

  recordCreate(name: string, now: number): void {
    const prev = this.entries.get(name);
    const attempts = prev && now - prev.lastCreated < this.reset ? prev.attempts + 1 : 0;
    this.entries.set(name, { lastCreated: now, attempts });
  }

  createdBefore(name: string): boolean {
    return this.entries.has(name);
  }

  notBefore(name: string, now: number): number {
    const e = this.entries.get(name);
    if (!e || e.attempts === 0 || now - e.lastCreated >= this.reset) return e ? e.lastCreated : 0;
    return e.lastCreated + Math.min(this.max, this.base * 2 ** (e.attempts - 1));
  }

  forget(name: string): void {
    this.entries.delete(name);
  }
}
