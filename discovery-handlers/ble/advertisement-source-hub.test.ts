// Specification of controller sharing: several discover() streams, one scan per controller.
import { describe, expect, it } from 'vitest';
import type { BleAdvertisement } from './advertisement.ts';
import type { AdvertisementSource } from './advertisement-source.ts';
import { AdvertisementSourceHub } from './advertisement-source-hub.ts';
import type { BleTransport } from './details.ts';
import { settle } from '../../test/support/fake-clock.ts';

class CountingSource implements AdvertisementSource {
  emit: (advertisement: BleAdvertisement) => void = () => undefined;
  fail: (error: Error) => void = () => undefined;
  running = false;
  /** Resolves stopped(); a UART-like source only calls it once the port is closed. */
  release: () => void = () => undefined;
  private readonly done = new Promise<void>((resolve) => (this.release = resolve));
  static holdStop = false;

  constructor(readonly transport: BleTransport) {}

  async start(onAdvertisement: (a: BleAdvertisement) => void, onFailure: (e: Error) => void, signal: AbortSignal) {
    this.running = true;
    this.emit = onAdvertisement;
    this.fail = onFailure;
    signal.addEventListener('abort', () => {
      this.running = false;
      if (!CountingSource.holdStop) this.release();
    });
  }

  stopped(): Promise<void> {
    return this.done;
  }
}

const hci0: BleTransport = { type: 'hci', deviceId: 0 };
const uart: BleTransport = { type: 'uart', port: '/dev/ttyACM0', baudRate: 1_000_000 };
const beacon: BleAdvertisement = { address: 'aa:00:00:00:00:01', addressType: 'public', serviceUuids: [], rssi: -50 };

function setup() {
  const created: CountingSource[] = [];
  const hub = new AdvertisementSourceHub((transport) => {
    const source = new CountingSource(transport);
    created.push(source);
    return source;
  });
  const subscribe = async (transport: BleTransport) => {
    const heard: BleAdvertisement[] = [];
    const failures: Error[] = [];
    const abort = new AbortController();
    const source = hub.source(transport);
    await source.start((a) => heard.push(a), (e) => failures.push(e), abort.signal);
    return { heard, failures, leave: async () => (abort.abort(), await source.stopped()) };
  };
  return { created, subscribe };
}

describe('AdvertisementSourceHub', () => {
  it('two streams on one controller share one scan and both hear every advertisement', async () => {
    const { created, subscribe } = setup();
    const a = await subscribe(hci0);
    const b = await subscribe({ type: 'hci', deviceId: 0 });
    expect(created).toHaveLength(1);
    created[0]?.emit(beacon);
    expect([a.heard.length, b.heard.length]).toEqual([1, 1]);
  });

  it('the scan stops only when the last stream leaves', async () => {
    const { created, subscribe } = setup();
    const a = await subscribe(hci0);
    const b = await subscribe(hci0);
    await a.leave();
    expect(created[0]?.running).toBe(true);
    created[0]?.emit(beacon);
    expect([a.heard.length, b.heard.length]).toEqual([0, 1]);
    await b.leave();
    expect(created[0]?.running).toBe(false);
  });

  it('different controllers get separate scans', async () => {
    const { created, subscribe } = setup();
    await subscribe(hci0);
    await subscribe(uart);
    expect(created.map((source) => source.transport.type)).toEqual(['hci', 'uart']);
  });

  it('a failure reaches every stream, and the next stream gets a fresh scan', async () => {
    const { created, subscribe } = setup();
    const a = await subscribe(hci0);
    const b = await subscribe(hci0);
    created[0]?.fail(new Error('went poweredOff'));
    expect([a.failures.length, b.failures.length]).toEqual([1, 1]);
    expect(created[0]?.running).toBe(false);
    await subscribe(hci0);
    expect(created).toHaveLength(2);
    expect(created[1]?.running).toBe(true);
  });

  it('a new scan on a controller waits until the previous one has released it', async () => {
    const { created, subscribe } = setup();
    const a = await subscribe(uart);
    CountingSource.holdStop = true;
    const leaving = a.leave();
    const next = subscribe(uart);
    await settle();
    expect(created.map((source) => source.running)).toEqual([false, false]);
    CountingSource.holdStop = false;
    created[0]?.release();
    await leaving;
    await next;
    expect(created.map((source) => source.running)).toEqual([false, true]);
  });
});
