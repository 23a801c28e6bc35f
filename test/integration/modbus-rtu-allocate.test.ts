// A Modbus RTU unit (python3-pymodbus behind a socat pty pair) through the agent and the
// kubelet stand-in into Allocate: the broker gets the serial line as a device spec (rw) and the
// MODBUS_* properties in its environment, plain and with the Instance hash.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModbusDiscoveryHandler } from '../../discovery-handlers/modbus/handler.ts';
import { deviceHash } from '../../lib/naming/instance-name.ts';
import { Logger } from '../../lib/observability/logger.ts';
import type { ManagedProcess } from '../../lib/process/managed-process.ts';
import { startPtyPair, type PtyPair } from '../modbus/pty-pair.ts';
import { startPymodbusServer } from '../modbus/pymodbus-server.ts';
import { useTestCluster } from './support/cluster.ts';
import { createConfiguration } from './support/akri-objects.ts';
import { DevicePluginNode, dpNodeNames } from './support/device-plugin-node.ts';

const cluster = useTestCluster('rtu-alloc');
const [nodeName = 'rtu-node'] = dpNodeNames(1, 'rtu');
const dir = mkdtempSync(join(tmpdir(), 'akri-ts-rtu-alloc-'));
let line: PtyPair;
let server: ManagedProcess | undefined;
let node: DevicePluginNode;

beforeAll(async () => {
  line = await startPtyPair(dir, 'rtu-line');
  server = await startPymodbusServer({ endpoint: line.deviceEnd, rtu: true, baudRate: 115200, units: [7], vendor: 'Acme Serial', product: 'RS-485', revision: '0.9', logDir: dir });
  const rtu = new ModbusDiscoveryHandler({ transport: 'rtu', log: new Logger({}, 'error', { write: () => undefined }) });
  node = await new DevicePluginNode(nodeName, cluster.kc, cluster.namespace, { extraHandlers: [rtu] }).start();
}, 60_000);

afterAll(async () => {
  await node?.stop();
  await server?.stop(2000);
  await line?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Modbus RTU through the agent into Allocate', () => {
  it('the broker gets the serial line as a device spec and the unit\'s properties in its environment', async () => {
    await createConfiguration(cluster.kc, cluster.namespace, 'rtu', {
      discoveryHandler: { name: 'modbusRtu', discoveryDetails: `rtu: {ports: ["${line.hostEnd}"], baudRate: 115200, unitIds: [7]}\ndiscoveryIntervalSecs: 2` },
      capacity: 1,
    });
    const hash = deviceHash(`rtu://${line.hostEnd}/7`, false, nodeName);
    const resource = `akri.sh/rtu-${hash}`;
    const response = await node.admitOnceServed('broker', resource);
    expect(response.devices).toEqual([{ containerPath: line.hostEnd, hostPath: line.hostEnd, permissions: 'rw' }]);
    expect(response.envs).toMatchObject({
      MODBUS_TRANSPORT: 'rtu',
      MODBUS_ADDRESS: line.hostEnd,
      MODBUS_UNIT_ID: '7',
      MODBUS_VENDOR_NAME: 'Acme Serial',
      [`MODBUS_UNIT_ID_${hash.toUpperCase()}`]: '7',
    });
  });
});
