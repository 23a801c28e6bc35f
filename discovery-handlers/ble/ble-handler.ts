// The `ble` discovery handler: validates discoveryDetails, scans through an AdvertisementSource,
// records matching advertisements in a SeenTable and yields a full snapshot whenever the device
// set or a device's properties change, including when a device goes silent for goneAfter.
import type { DiscoveredDevice, DiscoverRequest, DiscoveryHandler } from '../../lib/discovery/handler.ts';
import type { BleAdvertisement } from './advertisement.ts';
import type { AdvertisementSourceFactory } from './advertisement-source.ts';
import { AdvertisementSourceHub } from './advertisement-source-hub.ts';
import { parseBleDetails } from './details.ts';
import { matchesFilters } from './filter.ts';
import { NobleAdvertisementSource } from './noble-source.ts';
import { SeenTable } from './seen-table.ts';
import { sameSnapshot } from './snapshot-equality.ts';
import { sleep } from '../../lib/time/sleep.ts';

export interface BleHandlerOptions {
  /** Opens one scan on a controller; discover() streams on the same controller share it. */
  createSource?: AdvertisementSourceFactory;
  now?: () => number;
  /**
   * Listening time before the first snapshot (capped at goneAfter). Yielding [] the instant a
   * scan starts would tell the agent "all gone" for devices that simply had not spoken yet.
   */
  firstSnapshotAfterMs?: number;
  /** Advertisements arrive many times a second; recompute the snapshot at most this often. */
  minSnapshotIntervalMs?: number;
}

export class BleDiscoveryHandler implements DiscoveryHandler {
  readonly name = 'ble';
  readonly shared = true;
  private readonly sources: AdvertisementSourceHub;
  private readonly now: () => number;
  private readonly firstSnapshotAfterMs: number;
  private readonly minSnapshotIntervalMs: number;

  constructor(options: BleHandlerOptions = {}) {
    this.sources = new AdvertisementSourceHub(options.createSource ?? ((transport) => new NobleAdvertisementSource(transport)));
    this.now = options.now ?? Date.now;
    this.firstSnapshotAfterMs = options.firstSnapshotAfterMs ?? 5_000;
    this.minSnapshotIntervalMs = options.minSnapshotIntervalMs ?? 250;
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const details = parseBleDetails(request.details); // throws before anything is yielded
    const goneAfterMs = details.goneAfterSeconds * 1000;
    const table = new SeenTable(goneAfterMs, details.maxDevices);
    let heardSinceSnapshot = false;
    let failure: Error | undefined;
    let wake: (() => void) | undefined;
    const onAdvertisement = (advertisement: BleAdvertisement): void => {
      if (!matchesFilters(details.filters, advertisement)) return;
      table.heard(advertisement, this.now());
      heardSinceSnapshot = true;
      wake?.();
    };

    const scan = new AbortController();
    const stopScan = (): void => scan.abort(signal.reason);
    signal.addEventListener('abort', stopScan, { once: true });
    const source = this.sources.source(details.transport);
    try {
      const onFailure = (error: Error): void => {
        failure ??= error;
        wake?.();
      };
      await source.start(onAdvertisement, onFailure, scan.signal);
      await sleep(Math.min(this.firstSnapshotAfterMs, goneAfterMs), signal);
      let last: DiscoveredDevice[] | undefined;
      while (!signal.aborted) {
        // A lost controller ends the stream with an error; the agent keeps the Instances and
        // retries, whereas an empty snapshot would delete them all.
        if (failure) throw failure;
        heardSinceSnapshot = false;
        const snapshot = table.snapshot(this.now());
        if (last === undefined || !sameSnapshot(last, snapshot)) {
          last = snapshot;
          yield snapshot;
        }
        await sleep(this.minSnapshotIntervalMs, signal);
        // Sleep until something is heard or the next device is due to go, whichever is first.
        const expiry = table.nextExpiryInMs(this.now());
        const woken = new AbortController();
        wake = () => woken.abort();
        if (heardSinceSnapshot || failure) woken.abort();
        await sleep(expiry === undefined ? undefined : expiry + 1, AbortSignal.any([signal, woken.signal]));
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', stopScan);
      scan.abort();
      await source.stopped();
    }
  }
}
