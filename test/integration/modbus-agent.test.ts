// Modbus through the agent against the real control plane, with servers we did not write
// (Debian's python3-pymodbus): TCP units seen by two nodes are one shared Instance listing
// both; an RTU unit behind a socat pty is a local Instance of the node that owns the line, and
// the serial path is the DeviceSpec the agent receives. libmodbus's unit-test server accepts a
// single connection and then exits, so it cannot serve two agents: it stays in the peer tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModbusDiscoveryHandler } from '../../discovery-handlers/modbus/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { freePort } from '../../lib/net/free-port.ts';
import type { ManagedProcess } from '../../lib/process/managed-process.ts';
import { startPtyPair, type PtyPair } from '../modbus/pty-pair.ts';
import { startPymodbusServer } from '../modbus/pymodbus-server.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';
import { applyConfiguration, getConfiguration, listInstances, nodeNames } from './support/agent-nodes.ts';
import { HandlerAgent, instanceName, SnapshotTap } from './support/handler-agents.ts';

const cluster = useTestCluster('modbus');
const names = nodeNames(2, 'modbus');
const quiet = new Logger({}, 'error', { write: () => undefined });
const dir = mkdtempSync(join(tmpdir(), 'akri-ts-modbus-agent-'));
const HOST = '127.0.0.1';
const ports = { pymodbus: 0 };
const peers: ManagedProcess[] = [];
let line: PtyPair;
let agents: HandlerAgent[] = [];

const rtuTap = new SnapshotTap(new ModbusDiscoveryHandler({ transport: 'rtu', log: quiet }));

beforeAll(async () => {
  ports.pymodbus = await freePort();
  line = await startPtyPair(dir, 'rtu-line');
  peers.push(
    ...(await Promise.all([
      startPymodbusServer({ endpoint: `${HOST}:${ports.pymodbus}`, units: [1, 2], vendor: 'Acme Automation', product: 'PX-200', revision: '3.1', logDir: dir }),
      startPymodbusServer({ endpoint: line.deviceEnd, rtu: true, baudRate: 115200, units: [5], vendor: 'Acme Serial', product: 'RS-485', revision: '0.9', logDir: dir }),
    ])),
  );
  // Node a owns the serial line; both nodes reach the TCP network.
  agents = [
    new HandlerAgent(names[0] ?? 'a', cluster.kc, cluster.namespace, { embedded: [new ModbusDiscoveryHandler({ transport: 'tcp', log: quiet }), rtuTap] }),
    new HandlerAgent(names[1] ?? 'b', cluster.kc, cluster.namespace, { embedded: [new ModbusDiscoveryHandler({ transport: 'tcp', log: quiet })] }),
  ];
  await Promise.all(agents.map((a) => a.start()));
}, 60_000);

afterAll(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await Promise.all(peers.map((p) => p.stop(2000)));
  await line?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('Modbus TCP through the agent', () => {
  it('units on a pymodbus server seen by two nodes are shared Instances, each listing both nodes', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'plc', {
      discoveryHandler: { name: 'modbus', discoveryDetails: `tcp: {hosts: [${HOST}], ports: [${ports.pymodbus}], unitIds: ["1-3"]}\ndiscoveryIntervalSecs: 2` },
    });
    await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'plc');
      const ids = [1, 2].map((u) => `tcp://${HOST}:${ports.pymodbus}/${u}`);
      expect(list.map((i) => i.metadata.name).sort()).toEqual(ids.map((id) => instanceName('plc', id)).sort());
      for (const i of list) {
        expect(i.spec.shared).toBe(true);
        expect([...(i.spec.nodes ?? [])].sort()).toEqual([...names].sort());
        expect(i.spec.brokerProperties).toMatchObject({
          MODBUS_TRANSPORT: 'tcp',
          MODBUS_ADDRESS: `${HOST}:${ports.pymodbus}`,
          MODBUS_VENDOR_NAME: 'Acme Automation',
          MODBUS_PRODUCT_CODE: 'PX-200',
          MODBUS_REVISION: '3.1',
        });
      }
      expect(list.map((i) => i.spec.brokerProperties?.MODBUS_UNIT_ID).sort()).toEqual(['1', '2']);
    }, 45_000);
  });
});

describe('Modbus RTU through the agent', () => {
  it('a unit behind a serial line is a local Instance with MODBUS_* properties, and the line is its DeviceSpec', async () => {
    await applyConfiguration(cluster.kc, cluster.namespace, 'meter', {
      discoveryHandler: { name: 'modbusRtu', discoveryDetails: `rtu: {ports: ["${line.hostEnd}"], baudRate: 115200, unitIds: [5]}\ndiscoveryIntervalSecs: 2` },
    });
    const node = names[0] ?? '';
    const id = `rtu://${line.hostEnd}/5`;
    await eventually(async () => {
      const list = await listInstances(cluster.kc, cluster.namespace, 'meter');
      expect(list.map((i) => [i.metadata.name, i.spec.shared, i.spec.nodes])).toEqual([[instanceName('meter', id, node), false, [node]]]);
      expect(list[0]?.spec.brokerProperties).toEqual({
        MODBUS_TRANSPORT: 'rtu',
        MODBUS_ADDRESS: line.hostEnd,
        MODBUS_UNIT_ID: '5',
        MODBUS_VENDOR_NAME: 'Acme Serial',
        MODBUS_PRODUCT_CODE: 'RS-485',
        MODBUS_REVISION: '0.9',
        MODBUS_BAUD_RATE: '115200',
        MODBUS_PARITY: 'none',
        MODBUS_DATA_BITS: '8',
        MODBUS_STOP_BITS: '1',
      });
    }, 45_000);
    // What the agent holds for Allocate: the serial path, read-write, at the same path in the container.
    expect(rtuTap.last?.map((d) => [d.id, d.deviceSpecs])).toEqual([[id, [{ containerPath: line.hostEnd, hostPath: line.hostEnd, permissions: 'rw' }]]]);
    // Node b has no modbusRtu handler: it says so, and lists nothing.
    const c = await getConfiguration(cluster.kc, cluster.namespace, 'meter');
    expect(c?.status?.nodes?.find((n) => n.node === names[1])?.state).toBe('WaitingForHandler');
  });
});
