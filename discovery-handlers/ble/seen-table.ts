// Remembers which matching advertisers were heard recently. The clock is passed in (no
// Date.now() inside), so tests move time instead of sleeping. The table alone decides the
// snapshot: a device is present while now - lastHeard < goneAfter, then it is forgotten.
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import type { BleAdvertisement } from './advertisement.ts';
import { advertisementDevice } from './advertisement.ts';

interface SeenEntry {
  device: DiscoveredDevice;
  lastHeardMs: number;
}

export class SeenTable {
  private readonly entries = new Map<string, SeenEntry>();

  constructor(
    private readonly goneAfterMs: number,
    /** Random (privacy) addresses rotate; without a cap a busy room grows the table forever. */
    private readonly maxDevices: number,
  ) {}

  /** Records a matching advertisement heard at `nowMs`; the newest facts replace older ones. */
  heard(advertisement: BleAdvertisement, nowMs: number): void {
    const device = advertisementDevice(advertisement);
    this.entries.delete(device.id); // re-insert so Map order is least recently heard first
    this.entries.set(device.id, { device, lastHeardMs: nowMs });
    while (this.entries.size > this.maxDevices) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  /** Devices heard within goneAfter of `nowMs`, sorted by id; forgets the rest. */
  snapshot(nowMs: number): DiscoveredDevice[] {
    for (const [id, entry] of this.entries) {
      if (nowMs - entry.lastHeardMs >= this.goneAfterMs) this.entries.delete(id);
    }
    return [...this.entries.values()].map((entry) => entry.device).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Milliseconds from `nowMs` until the next device would go, or undefined when empty. */
  nextExpiryInMs(nowMs: number): number | undefined {
    let next: number | undefined;
    for (const entry of this.entries.values()) {
      const due = entry.lastHeardMs + this.goneAfterMs - nowMs;
      if (next === undefined || due < next) next = due;
    }
    return next === undefined ? undefined : Math.max(0, next);
  }
}
