// Tooling, not a test: runs noble's UART transport against FakeH4Controller through a socat
// pty and prints every HCI command noble sent, to keep the fake controller's answers honest.
// Usage: npx tsx test/ble/log-noble-init.ts
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NobleAdvertisementSource } from '../../discovery-handlers/ble/noble-source.ts';
import { advertisingData } from './h4-frames.ts';
import { FakeH4Controller } from './fake-h4-controller.ts';
import { bridgeSocketToPty } from './pty-bridge.ts';

const dir = await mkdtemp(join(tmpdir(), 'ble-log-'));
const controller = new FakeH4Controller();
await controller.listen(join(dir, 'controller.sock'));
const bridge = await bridgeSocketToPty(join(dir, 'controller.sock'), join(dir, 'ttyBLE'));
controller.advertise({
  address: 'c0:ff:ee:00:00:01',
  random: true,
  rssi: -50,
  advertising: advertisingData({ flags: 0x06, uuid16: [0x181a] }),
  scanResponse: advertisingData({ completeLocalName: 'Thermo-1' }),
});
const source = new NobleAdvertisementSource({ type: 'uart', port: bridge.port, baudRate: 1_000_000 });
const abort = new AbortController();
let heard = 0;
await source.start(
  (advertisement) => {
    if (heard++ === 0) console.log('first advertisement', advertisement);
  },
  (error) => console.log('controller failed:', error.message),
  abort.signal,
);
await sleep(500);
abort.abort();
await source.stopped();
await sleep(200);
console.log(`advertisements heard: ${heard}`);
for (const command of controller.received) {
  console.log(`0x${command.opcode.toString(16).padStart(4, '0')} ${command.params.toString('hex')}`);
}
await bridge.close();
await controller.close();
await rm(dir, { recursive: true, force: true });
