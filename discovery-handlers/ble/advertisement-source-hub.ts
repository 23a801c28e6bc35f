// One scan per controller, however many Configurations use it. Two noble instances on one
// controller would each send HCI Reset and Set Scan Enable, and the first to stop would switch
// scanning off under the other; a UART can only be opened once at all. So every discover()
// subscribes here: the first subscriber starts the underlying scan, advertisements and failures
// fan out to all, and the last one to leave stops it.
import type { BleAdvertisement } from './advertisement.ts';
import type { AdvertisementSource, AdvertisementSourceFactory } from './advertisement-source.ts';
import { describeTransport, type BleTransport } from './details.ts';

interface Subscriber {
  onAdvertisement: (advertisement: BleAdvertisement) => void;
  onFailure: (error: Error) => void;
}

interface SharedScan {
  subscribers: Set<Subscriber>;
  stop: AbortController;
  started: Promise<void>;
  stopped: Promise<void>;
}

export class AdvertisementSourceHub {
  private readonly scans = new Map<string, SharedScan>();
  /** Per controller, when the previous scan has fully released it (a UART must be closed first). */
  private readonly released = new Map<string, Promise<void>>();

  constructor(private readonly create: AdvertisementSourceFactory) {}

  /** An AdvertisementSource for one discover() stream; shares the scan of its controller. */
  readonly source: AdvertisementSourceFactory = (transport) => new HubSubscription(this, transport);

  /** @internal Joins (or starts) the scan of `transport`; resolves once it runs. */
  async join(transport: BleTransport, subscriber: Subscriber): Promise<SharedScan> {
    const key = describeTransport(transport);
    let scan = this.scans.get(key);
    if (!scan) scan = this.startScan(key, transport);
    scan.subscribers.add(subscriber);
    try {
      await scan.started;
    } catch (error) {
      scan.subscribers.delete(subscriber);
      throw error;
    }
    return scan;
  }

  /** @internal Leaves a scan; the last subscriber out stops it. Resolves when it is released. */
  leave(transport: BleTransport, scan: SharedScan, subscriber: Subscriber): Promise<void> {
    scan.subscribers.delete(subscriber);
    if (scan.subscribers.size > 0) return Promise.resolve();
    this.end(describeTransport(transport), scan);
    return scan.stopped;
  }

  private startScan(key: string, transport: BleTransport): SharedScan {
    const source: AdvertisementSource = this.create(transport);
    const stop = new AbortController();
    const scan: SharedScan = {
      subscribers: new Set(),
      stop,
      started: Promise.resolve(),
      stopped: Promise.resolve(),
    };
    const previous = this.released.get(key) ?? Promise.resolve();
    scan.started = previous.then(() =>
      source.start(
        (advertisement) => {
          for (const subscriber of scan.subscribers) subscriber.onAdvertisement(advertisement);
        },
        (error) => {
          // A failed scan is finished: the next subscriber gets a fresh one instead of a dead radio.
          this.end(key, scan);
          for (const subscriber of scan.subscribers) subscriber.onFailure(error);
        },
        stop.signal,
      ),
    );
    scan.stopped = scan.started.then(
      () => source.stopped(),
      () => undefined, // a scan that never started holds nothing
    );
    scan.started.catch(() => this.end(key, scan));
    this.scans.set(key, scan);
    this.released.set(key, scan.stopped);
    return scan;
  }

  private end(key: string, scan: SharedScan): void {
    if (this.scans.get(key) === scan) this.scans.delete(key);
    scan.stop.abort();
  }
}

class HubSubscription implements AdvertisementSource {
  private left: Promise<void> = Promise.resolve();

  constructor(
    private readonly hub: AdvertisementSourceHub,
    private readonly transport: BleTransport,
  ) {}

  async start(
    onAdvertisement: (advertisement: BleAdvertisement) => void,
    onFailure: (error: Error) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const subscriber: Subscriber = { onAdvertisement, onFailure };
    const scan = await this.hub.join(this.transport, subscriber);
    const leave = (): void => {
      this.left = this.hub.leave(this.transport, scan, subscriber);
    };
    if (signal.aborted) leave();
    else signal.addEventListener('abort', leave, { once: true });
  }

  stopped(): Promise<void> {
    return this.left;
  }
}
