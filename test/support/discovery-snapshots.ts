// Helpers for the onvif tests: a private WS-Discovery port per test, and a reader that pulls
// snapshots from discover() until one matches, with a deadline so a broken handler fails
// the test instead of hanging it.
import { createSocket } from 'node:dgram';
import type { DiscoveredDevice, DiscoveryHandler } from '../../lib/discovery/handler.ts';

export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

export class SnapshotReader {
  readonly controller = new AbortController();
  readonly snapshots: DiscoveredDevice[][] = [];
  private readonly iterator: AsyncIterator<DiscoveredDevice[]>;
  // A next() still in flight after a timeout; the following until() must reuse it, or the
  // snapshot it brings would be lost.
  private pending: Promise<IteratorResult<DiscoveredDevice[]>> | undefined;

  constructor(handler: DiscoveryHandler, details: string, properties: Record<string, Buffer | undefined> = {}) {
    this.iterator = handler.discover({ details, properties }, this.controller.signal)[Symbol.asyncIterator]();
  }

  /** Next snapshot satisfying `match`, or throws after `timeoutMs`. */
  async until(match: (devices: DiscoveredDevice[]) => boolean, timeoutMs = 5000): Promise<DiscoveredDevice[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no matching snapshot within ${timeoutMs} ms; last: ${JSON.stringify(this.snapshots.at(-1))}`);
      let timer: NodeJS.Timeout | undefined;
      const next = await Promise.race([
        (this.pending ??= this.iterator.next()),
        new Promise<'timeout'>((resolve) => {
          timer = setTimeout(() => resolve('timeout'), remaining);
        }),
      ]);
      clearTimeout(timer);
      if (next === 'timeout') throw new Error(`no matching snapshot within ${timeoutMs} ms; last: ${JSON.stringify(this.snapshots.at(-1))}`);
      this.pending = undefined;
      if (next.done) throw new Error('discovery ended');
      this.snapshots.push(next.value);
      if (match(next.value)) return next.value;
    }
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.iterator.return?.();
  }
}
