// Drives one discover() stream the way the agent does (pulling snapshots as they come) and
// records what a user would see: each snapshot with its time, the problems the handler
// reports, when its rounds end, and how long it takes to stop once aborted.
import type { DiscoveredDevice, DiscoveryHandler, HandlerProblem } from '../../../lib/discovery/handler.ts';

export interface Seen {
  at: number;
  devices: DiscoveredDevice[];
}

export class StreamWatch {
  readonly started = performance.now();
  readonly snapshots: Seen[] = [];
  readonly problems: HandlerProblem[] = [];
  readonly roundEnds: number[] = [];
  private readonly controller = new AbortController();
  private readonly done: Promise<void>;
  private failure: unknown;
  /** Highest resident memory seen while the stream ran (sampled every 100 ms), in MB. */
  peakRssMb = process.memoryUsage().rss / 1024 / 1024;
  private readonly sampler = setInterval(() => {
    this.peakRssMb = Math.max(this.peakRssMb, process.memoryUsage().rss / 1024 / 1024);
  }, 100);

  constructor(handler: DiscoveryHandler, details: string, properties: Record<string, string> = {}) {
    const request = {
      details,
      properties: Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Buffer.from(v)])),
      reportProblem: (p: HandlerProblem) => this.problems.push(p),
      roundEnded: () => this.roundEnds.push(performance.now() - this.started),
    };
    this.done = (async () => {
      try {
        for await (const devices of handler.discover(request, this.controller.signal)) {
          this.snapshots.push({ at: performance.now() - this.started, devices });
        }
      } catch (error) {
        this.failure = error;
      }
    })();
  }

  /** Milliseconds from the start until a snapshot satisfies `match`; throws after `timeoutMs`. */
  async firstSnapshot(match: (devices: DiscoveredDevice[]) => boolean, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (this.failure) throw this.failure;
      const hit = this.snapshots.find((s) => match(s.devices));
      if (hit) return hit.at;
      if (performance.now() > deadline) {
        throw new Error(`no matching snapshot within ${timeoutMs} ms; last: ${JSON.stringify(this.snapshots.at(-1)?.devices.map((d) => d.id))}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Waits for `count` round ends; returns when the last one came (ms from the start). */
  async roundsEnded(count: number, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (this.roundEnds.length < count) {
      if (this.failure) throw this.failure;
      if (performance.now() > deadline) throw new Error(`only ${this.roundEnds.length} of ${count} rounds ended within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return this.roundEnds[count - 1] as number;
  }

  /** Aborts (as a Configuration's deletion or `discover --timeout` does); ms until the stream ended. */
  async stop(): Promise<number> {
    const aborted = performance.now();
    this.controller.abort();
    await this.done;
    clearInterval(this.sampler);
    return performance.now() - aborted;
  }
}
