// BLE: a peripheral that starts and stops advertising on the fake H4 controller of test/ble,
// reached through noble's UART transport on a socat pty, scanned by the embedded `ble` handler
// with default settings: the first snapshot after 5 s of listening, goneAfterSeconds 30 (a
// device is gone when not heard for that long), so vanishToGoneMs ≈ 30 s + the grace period.
// btvirt would do too (test/ble/btvirt.ts), but needs an LD_PRELOAD shim on kernels without
// AF_ALG and sends one report per enable; the fake controller advertises every 100 ms.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BleDiscoveryHandler } from '../../discovery-handlers/ble/ble-handler.ts';
import { FakeH4Controller } from '../../test/ble/fake-h4-controller.ts';
import { advertisingData } from '../../test/ble/h4-frames.ts';
import { bridgeSocketToPty, type PtyBridge } from '../../test/ble/pty-bridge.ts';
import type { ScenarioFactory } from './scenario.ts';

const ADDRESS = 'c0:ff:ee:00:00:01';
const GONE_AFTER_SECONDS = 30;

const scenario: ScenarioFactory = () => {
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-ble-'));
  const controller = new FakeH4Controller();
  let bridge: PtyBridge | undefined;
  return {
    handler: 'ble',
    // Scanning is continuous; there is no poll.
    intervalSeconds: 0,
    // Past the handler's 5 s first-snapshot window, so the figure is a steady-state appearance.
    settleMs: 7000,
    configuration: () => ({
      discoveryHandler: { name: 'ble', discoveryDetails: `transport: {type: uart, port: ${bridge?.port ?? ''}}\nfilters: {localName: "^Bench-"}` },
    }),
    async setup() {
      await controller.listen(join(dir, 'controller.sock'));
      bridge = await bridgeSocketToPty(join(dir, 'controller.sock'), join(dir, 'ttyBLE'));
    },
    async embeddedHandler() {
      return new BleDiscoveryHandler();
    },
    async deviceUp() {
      controller.advertise({ address: ADDRESS, random: true, rssi: -50, advertising: advertisingData({ flags: 0x06, completeLocalName: 'Bench-1' }) });
    },
    async deviceDown() {
      controller.silence(ADDRESS);
    },
    async teardown() {
      await bridge?.close();
      await controller.close();
      rmSync(dir, { recursive: true, force: true });
    },
    async extraFigures() {
      return { goneAfterSeconds: GONE_AFTER_SECONDS };
    },
  };
};
export default scenario;
