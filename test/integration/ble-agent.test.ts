// BLE through the agent against the real control plane: the shipped external `ble` handler
// process (discovery-handlers/main.ts) registers with its node's agent over UDS and scans
// through noble's UART (H4) transport on a socat pty whose other end is the fake controller
// of test/ble, sending LE Advertising Reports as a real controller would. RSSI changes all the
// time and must never rewrite the Instance.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeH4Controller } from '../ble/fake-h4-controller.ts';
import { advertisingData } from '../ble/h4-frames.ts';
import { bridgeSocketToPty, type PtyBridge } from '../ble/pty-bridge.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually, holdsFor } from '../support/wait.ts';
import { applyConfiguration, listInstances, nodeNames } from './support/agent-nodes.ts';
import { ExternalHandlerProcess, HandlerAgent, instanceName } from './support/handler-agents.ts';

const cluster = useTestCluster('ble');
const THERMOMETER = 'c0:ff:ee:00:00:01';
const LAMP = '00:1b:dc:00:00:02';
let dir = '';
let controller: FakeH4Controller;
let bridge: PtyBridge;
let node: HandlerAgent;
let handler: ExternalHandlerProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'akri-ts-ble-agent-'));
  controller = new FakeH4Controller();
  await controller.listen(join(dir, 'controller.sock'));
  bridge = await bridgeSocketToPty(join(dir, 'controller.sock'), join(dir, 'ttyBLE'));
  const [name] = nodeNames(1, 'ble');
  node = await new HandlerAgent(name ?? 'ble', cluster.kc, cluster.namespace, { graceSeconds: 2 }).start();
  handler = new ExternalHandlerProcess('ble', node.dir);
  await eventually(() => expect(node.agent?.handlers.endpoints('ble')).toMatchObject([{ kind: 'uds', shared: true }]), 30_000).catch((err: unknown) => {
    throw new Error(`${(err as Error).message}\nhandler output: ${handler.output}`);
  });
}, 60_000);

afterAll(async () => {
  await handler?.stop();
  await node?.stop();
  await bridge?.close();
  await controller?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('BLE through the agent, with an external handler on a UART controller', () => {
  it('an advertising thermometer is a shared Instance with its BLE_* properties; RSSI changes write nothing; silence removes it', async () => {
    controller.advertise({
      address: THERMOMETER,
      random: true,
      rssi: -48,
      advertising: advertisingData({ flags: 0x06, uuid16: [0x181a], manufacturerData: Buffer.from('ffff0102', 'hex') }),
      scanResponse: advertisingData({ completeLocalName: 'Thermo-1' }),
    });
    controller.advertise({ address: LAMP, random: false, rssi: -60, advertising: advertisingData({ flags: 0x06, completeLocalName: 'Lamp' }) });
    await applyConfiguration(cluster.kc, cluster.namespace, 'thermo', {
      discoveryHandler: {
        name: 'ble',
        discoveryDetails: `goneAfterSeconds: 2\ntransport: {type: uart, port: ${bridge.port}}\nfilters: {localName: "^Thermo-"}`,
      },
    });
    const instance = await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'thermo');
      expect(list.map((i) => i.metadata.name)).toEqual([instanceName('thermo', THERMOMETER)]);
      expect(list[0]?.spec).toMatchObject({ shared: true, nodes: [node.node] });
      // The finalizer is a second write; wait for it so the resourceVersion below is final.
      expect(list[0]?.metadata.finalizers).toContain(node.node);
      expect(list[0]?.spec.brokerProperties).toEqual({
        BLE_ADDRESS: THERMOMETER,
        BLE_ADDRESS_TYPE: 'random',
        BLE_LOCAL_NAME: 'Thermo-1',
        BLE_SERVICE_UUIDS: '0000181a-0000-1000-8000-00805f9b34fb',
        BLE_MANUFACTURER_DATA: 'ffff0102',
      });
      return list[0];
    }, 45_000).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}\nhandler output: ${handler.output}`);
    });

    // RSSI swings on every advertisement; the Instance is not written for it.
    const rv = instance?.metadata.resourceVersion;
    let rssi = -48;
    await holdsFor(async () => {
      rssi = rssi === -30 ? -75 : -30;
      controller.setRssi(THERMOMETER, rssi);
      const list = await listInstances(cluster.kc, cluster.namespace, 'thermo');
      expect(list.map((i) => i.metadata.resourceVersion)).toEqual([rv]);
    }, 3000, 300);

    // Not heard for goneAfterSeconds (2 s), then the grace period (2 s): gone.
    controller.silence(THERMOMETER);
    const silenced = performance.now();
    await eventually(async () => expect(await listInstances(cluster.kc, cluster.namespace, 'thermo')).toEqual([]), 30_000, 100);
    expect(performance.now() - silenced).toBeGreaterThanOrEqual(3500);
  });
});
