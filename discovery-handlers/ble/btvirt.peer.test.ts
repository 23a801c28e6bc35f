// End to end on BlueZ's controller emulator: noble (the `ble` handler's scanner) runs on one
// btvirt LE controller through its UART transport and a socat pty, while a peripheral advertises
// on a second btvirt controller of the same process, driven by raw HCI commands. btvirt always
// reports RSSI as 127 ("not available"), so RSSI behaviour is covered by noble-uart.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { startBtvirt, type Btvirt } from '../../test/ble/btvirt.ts';
import { advertisingData } from '../../test/ble/h4-frames.ts';
import { HciAdvertiser } from '../../test/ble/hci-advertiser.ts';
import { bridgeSocketToPty, type PtyBridge } from '../../test/ble/pty-bridge.ts';
import { BleDiscoveryHandler } from './ble-handler.ts';

let dir: string;
let btvirt: Btvirt;
let bridge: PtyBridge;
const advertisers: HciAdvertiser[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ble-btvirt-'));
  btvirt = await startBtvirt(dir);
  bridge = await bridgeSocketToPty(btvirt.leSocket, join(dir, 'ttyNoble'));
});

afterEach(async () => {
  for (const advertiser of advertisers.splice(0)) advertiser.close();
  await bridge.close();
  await btvirt.close();
  await rm(dir, { recursive: true, force: true });
});

async function peripheral(options: Parameters<HciAdvertiser['start']>[0]): Promise<HciAdvertiser> {
  const advertiser = await HciAdvertiser.connect(btvirt.leSocket);
  advertisers.push(advertiser);
  await advertiser.start(options);
  return advertiser;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const start = Date.now(); !condition(); await sleep(25)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('ble handler on btvirt emulated controllers', () => {
  it('finds the advertising peripheral that matches, with its properties, and drops it when it stops', async () => {
    const thermometer = await peripheral({
      advertising: advertisingData({ flags: 0x06, uuid16: [0x181a], manufacturerData: Buffer.from('ffff0102', 'hex') }),
      scanResponse: advertisingData({ completeLocalName: 'Thermo-1' }),
    });
    const other = await peripheral({ advertising: advertisingData({ flags: 0x04, completeLocalName: 'Lamp' }) });
    expect(thermometer.address).not.toBe(other.address);

    const details = `
goneAfterSeconds: 2
filters: { localName: "^Thermo-" }
transport: { type: uart, port: ${bridge.port} }`;
    const abort = new AbortController();
    const snapshots: DiscoveredDevice[][] = [];
    const finished = (async () => {
      for await (const snapshot of new BleDiscoveryHandler({ firstSnapshotAfterMs: 300 }).discover({ details, properties: {} }, abort.signal)) {
        snapshots.push(snapshot);
      }
    })();

    await until(() => snapshots.some((snapshot) => snapshot.length > 0), 'the thermometer');
    const found = snapshots.find((snapshot) => snapshot.length > 0);
    expect(found).toEqual([
      {
        id: thermometer.address,
        properties: {
          BLE_ADDRESS: thermometer.address,
          BLE_ADDRESS_TYPE: 'public',
          BLE_LOCAL_NAME: 'Thermo-1',
          BLE_SERVICE_UUIDS: '0000181a-0000-1000-8000-00805f9b34fb',
          BLE_MANUFACTURER_DATA: 'ffff0102',
        },
        mounts: [],
        deviceSpecs: [],
      },
    ]);

    // Still advertising: it stays listed without new snapshots past goneAfter.
    const count = snapshots.length;
    await sleep(2_500);
    expect(snapshots).toHaveLength(count);

    await thermometer.stop();
    await until(() => snapshots.length > count, 'the thermometer to go');
    expect(snapshots.at(-1)).toEqual([]);

    abort.abort();
    await finished;
  }, 30_000);
});
