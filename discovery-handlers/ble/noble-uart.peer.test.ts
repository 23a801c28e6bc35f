// End to end through the real radio path minus the radio: the `ble` handler with noble's UART
// (H4) transport opens a socat pty whose other end is a fake controller (test/ble) that answers
// noble's init commands and sends LE Advertising Reports for scripted peripherals. It covers
// what btvirt (btvirt.test.ts) cannot script: RSSI (btvirt always reports 127, "not
// available"), RSSI changes, and a controller that disappears. See test/ble/README.md.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { FakeH4Controller, OPCODE } from '../../test/ble/fake-h4-controller.ts';
import { advertisingData } from '../../test/ble/h4-frames.ts';
import { bridgeSocketToPty, type PtyBridge } from '../../test/ble/pty-bridge.ts';
import { BleDiscoveryHandler } from './ble-handler.ts';

const THERMOMETER = 'c0:ff:ee:00:00:01';
const BEACON = '00:1b:dc:00:00:02';

let dir: string;
let controller: FakeH4Controller;
let bridge: PtyBridge;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ble-uart-'));
  controller = new FakeH4Controller();
  await controller.listen(join(dir, 'controller.sock'));
  bridge = await bridgeSocketToPty(join(dir, 'controller.sock'), join(dir, 'ttyBLE'));
});

afterEach(async () => {
  await bridge.close();
  await controller.close();
  await rm(dir, { recursive: true, force: true });
});

// goneAfter is 20 advertising intervals, so a busy test machine does not make a device "go".
function discover(filters: string, handler = new BleDiscoveryHandler({ firstSnapshotAfterMs: 300 })) {
  const details = `
goneAfterSeconds: 2
transport: { type: uart, port: ${bridge.port} }
${filters}`;
  const abort = new AbortController();
  const snapshots: DiscoveredDevice[][] = [];
  const finished = (async () => {
    for await (const snapshot of handler.discover({ details, properties: {} }, abort.signal)) {
      snapshots.push(snapshot);
    }
  })();
  return { abort, snapshots, finished };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const start = Date.now(); !condition(); await sleep(25)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('ble handler over noble UART transport and a pty', () => {
  it('lists a matching peripheral with its advertised properties, ignores RSSI churn, and drops it when silent', async () => {
    controller.advertise({
      address: THERMOMETER,
      random: true,
      rssi: -48,
      advertising: advertisingData({ flags: 0x06, uuid16: [0x181a], manufacturerData: Buffer.from('ffff0102', 'hex') }),
      scanResponse: advertisingData({ completeLocalName: 'Thermo-1' }),
    });
    controller.advertise({
      address: BEACON,
      random: false,
      rssi: -60,
      advertising: advertisingData({ flags: 0x04, manufacturerData: Buffer.from('4c000215', 'hex') }),
    });
    const stream = discover('filters: { serviceUuids: ["0000181A-0000-1000-8000-00805F9B34FB"] }');

    await until(() => stream.snapshots.length > 0, 'the first snapshot');
    expect(stream.snapshots[0]).toEqual([
      {
        id: THERMOMETER,
        properties: {
          BLE_ADDRESS: THERMOMETER,
          BLE_ADDRESS_TYPE: 'random',
          BLE_LOCAL_NAME: 'Thermo-1',
          BLE_SERVICE_UUIDS: '0000181a-0000-1000-8000-00805f9b34fb',
          BLE_MANUFACTURER_DATA: 'ffff0102',
        },
        mounts: [],
        deviceSpecs: [],
      },
    ]);

    for (const rssi of [-30, -70, -55]) {
      controller.setRssi(THERMOMETER, rssi);
      await sleep(300);
    }
    expect(stream.snapshots).toHaveLength(1);

    controller.silence(THERMOMETER);
    await until(() => stream.snapshots.length > 1, 'the device to go');
    expect(stream.snapshots[1]).toEqual([]);

    stream.abort.abort();
    await stream.finished;
    // A clean stop: scanning was switched off on the controller before the port closed.
    const lastScanEnable = controller.received.filter((command) => command.opcode === OPCODE.leSetScanEnable).at(-1);
    expect(lastScanEnable?.params[0]).toBe(0);
    expect(controller.isScanning).toBe(false);
  }, 30_000);

  it('an unplugged controller ends the stream with an error naming it, not with an empty snapshot', async () => {
    controller.advertise({
      address: BEACON,
      random: false,
      rssi: -60,
      advertising: advertisingData({ flags: 0x04, completeLocalName: 'Beacon' }),
    });
    const stream = discover('');
    await until(() => stream.snapshots.length > 0, 'the first snapshot');
    expect(stream.snapshots[0]?.map((device) => device.id)).toEqual([BEACON]);
    let error: unknown;
    stream.finished.catch((caught: unknown) => (error = caught));
    await controller.close(); // socat loses its peer and closes the pty under noble
    await until(() => error !== undefined, 'the stream to fail');
    expect(String(error)).toContain(`BLE controller uart ${bridge.port} @ 1000000 baud went poweredOff`);
    expect(stream.snapshots).toHaveLength(1);
  }, 30_000);

  it('two Configurations on one UART controller share its scan, each with its own filter', async () => {
    controller.advertise({
      address: THERMOMETER,
      random: true,
      rssi: -48,
      advertising: advertisingData({ flags: 0x06, completeLocalName: 'Thermo-1' }),
    });
    controller.advertise({
      address: BEACON,
      random: false,
      rssi: -60,
      advertising: advertisingData({ flags: 0x04, completeLocalName: 'Beacon' }),
    });
    const handler = new BleDiscoveryHandler({ firstSnapshotAfterMs: 300 });
    const thermometers = discover('filters: { localName: "^Thermo" }', handler);
    const beacons = discover('filters: { localName: "^Beacon" }', handler);
    await until(() => thermometers.snapshots.length > 0 && beacons.snapshots.length > 0, 'both first snapshots');
    expect(thermometers.snapshots[0]?.map((device) => device.id)).toEqual([THERMOMETER]);
    expect(beacons.snapshots[0]?.map((device) => device.id)).toEqual([BEACON]);
    // The controller was brought up once: one HCI Reset burst, not one per stream.
    const resets = controller.received.filter((command) => command.opcode === OPCODE.reset).length;

    thermometers.abort.abort();
    await thermometers.finished;
    expect(controller.isScanning).toBe(true);
    await sleep(2_500); // longer than goneAfter: the beacon stays because it is still heard
    expect(beacons.snapshots).toHaveLength(1);
    beacons.abort.abort();
    await beacons.finished;
    expect(controller.isScanning).toBe(false);
    expect(controller.received.filter((command) => command.opcode === OPCODE.reset).length).toBe(resets);
  }, 30_000);

  it('a peripheral weaker than minRssi appears only once it comes closer', async () => {
    controller.advertise({
      address: BEACON,
      random: false,
      rssi: -90,
      advertising: advertisingData({ flags: 0x04, completeLocalName: 'Beacon' }),
    });
    const stream = discover('filters: { minRssi: -70 }');
    await until(() => stream.snapshots.length > 0, 'the first snapshot');
    expect(stream.snapshots[0]).toEqual([]);

    controller.setRssi(BEACON, -65);
    await until(() => stream.snapshots.length > 1, 'the beacon to appear');
    expect(stream.snapshots[1]?.map((device) => [device.id, device.properties.BLE_LOCAL_NAME])).toEqual([[BEACON, 'Beacon']]);

    stream.abort.abort();
    await stream.finished;
  }, 30_000);
});
