// Specification of the `ble` handler's stream, with a scripted advertisement source and fake
// timers: which snapshots a user of the agent would receive, and when.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import type { BleAdvertisement } from './advertisement.ts';
import type { AdvertisementSource } from './advertisement-source.ts';
import { BleDiscoveryHandler } from './ble-handler.ts';
import type { BleTransport } from './details.ts';

class ScriptedSource implements AdvertisementSource {
  emit: (advertisement: BleAdvertisement) => void = () => undefined;
  fail: (error: Error) => void = () => undefined;
  running = false;
  transport: BleTransport | undefined;
  private release: () => void = () => undefined;
  private readonly done = new Promise<void>((resolve) => (this.release = resolve));

  async start(
    onAdvertisement: (advertisement: BleAdvertisement) => void,
    onFailure: (error: Error) => void,
    signal: AbortSignal,
  ): Promise<void> {
    this.running = true;
    this.emit = onAdvertisement;
    this.fail = onFailure;
    signal.addEventListener('abort', () => {
      this.running = false;
      this.emit = () => undefined;
      this.release();
    });
  }

  stopped(): Promise<void> {
    return this.done;
  }
}

const sensor = (rssi: number, localName = 'Thermo-1'): BleAdvertisement => ({
  address: 'C0:FF:EE:00:00:01',
  addressType: 'random',
  localName,
  serviceUuids: ['181a'],
  rssi,
});

function run(details: string) {
  const source = new ScriptedSource();
  const handler = new BleDiscoveryHandler({
    createSource: (transport) => {
      source.transport = transport;
      return source;
    },
    firstSnapshotAfterMs: 500,
    minSnapshotIntervalMs: 100,
  });
  const abort = new AbortController();
  const snapshots: DiscoveredDevice[][] = [];
  const finished = (async () => {
    for await (const snapshot of handler.discover({ details, properties: {} }, abort.signal)) snapshots.push(snapshot);
  })();
  return { source, abort, snapshots, finished, ids: (i: number) => snapshots[i]?.map((device) => device.id) };
}

describe('ble discovery handler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is named ble and shared', () => {
    const handler = new BleDiscoveryHandler();
    expect([handler.name, handler.shared]).toEqual(['ble', true]);
  });

  it('bad details throw before anything is yielded and no scan starts', async () => {
    const stream = run('filters: { minRssi: "strong" }');
    await expect(stream.finished).rejects.toBeInstanceOf(InvalidDiscoveryDetails);
    await expect(stream.finished).rejects.toThrow('filters.minRssi');
    expect(stream.source.transport).toBeUndefined();
    expect(stream.snapshots).toEqual([]);
  });

  it('a device appears, RSSI changes send nothing, a rename is sent, silence makes it gone', async () => {
    const stream = run('goneAfterSeconds: 5');
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.source.transport).toEqual({ type: 'hci', deviceId: 0 });
    stream.source.emit(sensor(-50));
    await vi.advanceTimersByTimeAsync(500);
    expect(stream.snapshots).toHaveLength(1);
    expect(stream.ids(0)).toEqual(['c0:ff:ee:00:00:01']);

    for (const rssi of [-40, -70, -55]) {
      stream.source.emit(sensor(rssi));
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(stream.snapshots).toHaveLength(1);

    stream.source.emit(sensor(-55, 'Thermo-renamed'));
    await vi.advanceTimersByTimeAsync(200);
    expect(stream.snapshots).toHaveLength(2);
    expect(stream.snapshots[1]?.[0]?.properties.BLE_LOCAL_NAME).toBe('Thermo-renamed');

    await vi.advanceTimersByTimeAsync(4_700);
    expect(stream.snapshots).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(400);
    expect(stream.snapshots).toHaveLength(3);
    expect(stream.snapshots[2]).toEqual([]);

    stream.abort.abort();
    await stream.finished;
    expect(stream.source.running).toBe(false);
  });

  it('the first snapshot waits for the listening window, so a restart does not report "all gone"', async () => {
    const stream = run('');
    await vi.advanceTimersByTimeAsync(400);
    expect(stream.snapshots).toEqual([]);
    stream.source.emit(sensor(-50));
    await vi.advanceTimersByTimeAsync(100);
    expect(stream.ids(0)).toEqual(['c0:ff:ee:00:00:01']);
    stream.abort.abort();
    await stream.finished;
  });

  it('advertisements that fail the filters never become devices', async () => {
    const stream = run('filters: { localName: "^Hygro" }');
    await vi.advanceTimersByTimeAsync(0);
    stream.source.emit(sensor(-50));
    await vi.advanceTimersByTimeAsync(600);
    expect(stream.snapshots).toEqual([[]]);
    stream.abort.abort();
    await stream.finished;
  });

  it('a lost controller ends the stream with its error instead of reporting every device gone', async () => {
    const stream = run('goneAfterSeconds: 5');
    await vi.advanceTimersByTimeAsync(0);
    stream.source.emit(sensor(-50));
    await vi.advanceTimersByTimeAsync(600);
    const failed = expect(stream.finished).rejects.toThrow('went poweredOff');
    stream.source.fail(new Error('BLE controller hci0 went poweredOff while scanning'));
    await vi.advanceTimersByTimeAsync(10_000);
    await failed;
    expect(stream.snapshots.map((snapshot) => snapshot.length)).toEqual([1]);
    expect(stream.source.running).toBe(false);
  });

  it('a UART transport from the details reaches the source', async () => {
    const stream = run('transport: { type: uart, port: /dev/ttyACM0 }');
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.source.transport).toEqual({ type: 'uart', port: '/dev/ttyACM0', baudRate: 1_000_000 });
    stream.abort.abort();
    await stream.finished;
  });
});
