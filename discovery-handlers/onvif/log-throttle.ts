// Caps how many lines one noisy source may log per window, so a flood of junk datagrams
// cannot flood the node's logs too. The first line after a quiet window reports how many
// were suppressed, so nothing is dropped silently.
export class LogThrottle {
  private windowStart = 0;
  private count = 0;
  private suppressed = 0;

  constructor(
    private readonly maxPerWindow: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Returns undefined when this line must be dropped, else how many were dropped before it. */
  admit(): { suppressedBefore: number } | undefined {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      this.windowStart = t;
      this.count = 0;
    }
    if (this.count >= this.maxPerWindow) {
      this.suppressed++;
      return undefined;
    }
    this.count++;
    const suppressedBefore = this.suppressed;
    this.suppressed = 0;
    return { suppressedBefore };
  }
}
