// The handler against Modbus servers we did not write, all from Debian: libmodbus's own
// unit-test server (TCP, and RTU through socat ptys) and python3-pymodbus servers with device
// identification and several unit ids per port, plus units that answer only with exceptions
// or never answer at all. Everything runs on loopback; no cluster needed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { freePort } from '../../lib/net/free-port.ts';
import type { ManagedProcess } from '../../lib/process/managed-process.ts';
import { LIBMODBUS_FIRST_HOLDING_REGISTER, LIBMODBUS_RTU_SERVER_ID, libmodbusServerBinary, startLibmodbusRtuServer, startLibmodbusTcpServer } from '../../test/modbus/libmodbus-server.ts';
import { startPtyPair, type PtyPair } from '../../test/modbus/pty-pair.ts';
import { startPymodbusServer } from '../../test/modbus/pymodbus-server.ts';
import { startSilentServer } from '../../test/modbus/silent-server.ts';
import { parseModbusDetails } from './details.ts';
import { ModbusDiscoveryHandler, type ModbusTransport } from './handler.ts';
import { realLinks, scanOnce, withBusyLinesCarriedOver } from './scan.ts';
import { openSerialLine } from './serial-port.ts';
import { discoverOnce } from '../../cli/discover/discover-once.ts';

const HOST = '127.0.0.1';
const dir = mkdtempSync(join(tmpdir(), 'akri-ts-modbus-peers-'));
const stops: Array<() => Promise<void>> = [];

function track(p: ManagedProcess): ManagedProcess {
  stops.push(() => p.stop(2000));
  return p;
}

/**
 * The first round's devices, as `akri-ts discover` shows them (units are reported as they are
 * found, so the first snapshot may hold only some), and how long the round took.
 */
async function firstSnapshot(transport: ModbusTransport, details: string): Promise<{ devices: DiscoveredDevice[]; seconds: number }> {
  const handler = new ModbusDiscoveryHandler({ transport, log: new Logger({}, 'warn', new MemorySink()) });
  const preview = await discoverOnce(handler, { details, properties: {}, node: 'test-node', configuration: 'test', timeoutMs: 60_000 });
  if (!preview.complete) throw new Error('the first round did not finish');
  return { devices: preview.devices.map(({ instance: _instance, ...device }) => device), seconds: preview.seconds };
}

const ports = { acme: 0, other: 0, mute: 0 };
let libmodbusLine: PtyPair;
let pymodbusLine: PtyPair;

beforeAll(async () => {
  // Compile libmodbus's server once up front, outside any test's time.
  libmodbusServerBinary();
  ports.acme = await freePort();
  ports.other = await freePort();
  ports.mute = await freePort();
  libmodbusLine = await startPtyPair(dir, 'line-libmodbus');
  pymodbusLine = await startPtyPair(dir, 'line-pymodbus');
  stops.push(() => libmodbusLine.stop(), () => pymodbusLine.stop());
  // Python peers take a while to import pymodbus: start them all at once.
  const peers = await Promise.all([
    startPymodbusServer({ endpoint: `${HOST}:${ports.acme}`, units: [1, 2], gateway: true, vendor: 'Acme Automation', product: 'PX-200', revision: '3.1', logDir: dir }),
    startPymodbusServer({ endpoint: `${HOST}:${ports.other}`, units: [1], vendor: 'Other', product: 'B', revision: '1', logDir: dir }),
    // Unit 9 only; every other unit id gets no answer at all.
    startPymodbusServer({ endpoint: `${HOST}:${ports.mute}`, units: [9], vendor: 'Mute', product: 'M', revision: '1', logDir: dir }),
    startPymodbusServer({ endpoint: pymodbusLine.deviceEnd, rtu: true, baudRate: 115200, units: [1, 2], vendor: 'Acme Serial', product: 'RS-485', revision: '0.9', logDir: dir }),
    startLibmodbusRtuServer(libmodbusLine.deviceEnd, 115200, dir),
  ]);
  peers.forEach(track);
}, 30_000);

afterAll(async () => {
  await Promise.all(stops.map((stop) => stop()));
  rmSync(dir, { recursive: true, force: true });
});

describe('Modbus TCP discovery against real servers', () => {
  it('finds every unit id served behind one pymodbus gateway port, with vendor, product and revision', async () => {
    const port = ports.acme;
    const { devices, seconds } = await firstSnapshot('tcp', `tcp:\n  hosts: [${HOST}]\n  ports: [${port}]\n  unitIds: ["1-4"]\n`);
    expect(devices).toEqual([1, 2].map((unit) => ({
      id: `tcp://${HOST}:${port}/${unit}`,
      properties: {
        MODBUS_TRANSPORT: 'tcp',
        MODBUS_ADDRESS: `${HOST}:${port}`,
        MODBUS_UNIT_ID: String(unit),
        MODBUS_VENDOR_NAME: 'Acme Automation',
        MODBUS_PRODUCT_CODE: 'PX-200',
        MODBUS_REVISION: '3.1',
      },
      mounts: [],
      deviceSpecs: [],
    })));
    // Units 3 and 4 were ruled out by the gateway's exception: two 500 ms timeouts would take 1 s.
    expect(seconds).toBeLessThan(0.95);
  });

  it('identifies libmodbus, which lacks Read Device Identification, by the fallback register read', async () => {
    const port = await freePort();
    track(await startLibmodbusTcpServer(HOST, port, dir));
    const { devices } = await firstSnapshot('tcp', `tcp:\n  hosts: [${HOST}]\n  ports: [${port}]\n  unitIds: [${LIBMODBUS_RTU_SERVER_ID}]\nprobeRegister:\n  type: holding\n  address: ${LIBMODBUS_FIRST_HOLDING_REGISTER}\n`);
    expect(devices.map((d) => [d.id, d.properties.MODBUS_VENDOR_NAME])).toEqual([[`tcp://${HOST}:${port}/17`, '']]);
  });

  it('does not list a unit that answers every request with an exception', async () => {
    const port = await freePort();
    track(await startLibmodbusTcpServer(HOST, port, dir));
    // Register 0 is outside libmodbus's map: illegal function, then illegal data address.
    const { devices } = await firstSnapshot('tcp', `tcp:\n  hosts: [${HOST}]\n  ports: [${port}]\n  unitIds: [1]\nprobeRegister: {address: 0}\n`);
    expect(devices).toEqual([]);
  });

  it('finishes a scan over silent units in about one request timeout each, and keeps the answering ones', async () => {
    const silentPort = await freePort();
    const silent = await startSilentServer(HOST, silentPort);
    stops.push(() => silent.stop());
    // 3 ports x 3 unit ids, 200 ms per request, one port at a time: the silent port costs
    // 3 x 200 ms, the mute one 3 x 200 ms, so about 1.3 s even on a busy machine.
    const { devices, seconds } = await firstSnapshot(
      'tcp',
      `tcp:\n  hosts: [${HOST}]\n  ports: [${silentPort}, ${ports.mute}, ${ports.acme}]\n  unitIds: [1, 2, 3]\nlimits: {requestTimeoutMs: 200, concurrency: 1}\n`,
    );
    expect(devices.map((d) => d.id)).toEqual([`tcp://${HOST}:${ports.acme}/1`, `tcp://${HOST}:${ports.acme}/2`]);
    expect(seconds).toBeGreaterThan(1.1);
    expect(seconds).toBeLessThan(3);
  });

  it('keeps only the vendors an Include filter names', async () => {
    const [a, b] = [ports.acme, ports.other];
    const { devices } = await firstSnapshot('tcp', `tcp:\n  hosts: [${HOST}]\n  ports: [${a}, ${b}]\nfilters:\n  vendorNames: {action: Include, items: [Acme Automation]}\n`);
    expect(devices.map((d) => d.id)).toEqual([`tcp://${HOST}:${a}/1`]);
  });
});

describe('Modbus RTU discovery through socat pty pairs', () => {
  it('finds units on every line a glob matches, each with the line as a DeviceSpec', async () => {
    const details = [
      'rtu:',
      `  ports: ["${dir}/line-*-host"]`,
      '  baudRate: 115200',
      `  unitIds: [1, 2, ${LIBMODBUS_RTU_SERVER_ID}]`,
      `probeRegister: {address: ${LIBMODBUS_FIRST_HOLDING_REGISTER}}`,
      // libmodbus 3.1.6 reads on for its 500 ms byte timeout after a frame addressed to
      // another unit and swallows whatever arrives meanwhile, so the request to unit 17 must
      // come more than 500 ms after the unanswered ones.
      'limits: {requestTimeoutMs: 600}',
    ].join('\n');
    const { devices } = await firstSnapshot('rtu', details);
    const line = (pair: PtyPair) => ({ containerPath: pair.hostEnd, hostPath: pair.hostEnd, permissions: 'rw' });
    expect(devices.map((d) => ({ id: d.id, vendor: d.properties.MODBUS_VENDOR_NAME, specs: d.deviceSpecs }))).toEqual([
      { id: `rtu://${libmodbusLine.hostEnd}/17`, vendor: '', specs: [line(libmodbusLine)] },
      { id: `rtu://${pymodbusLine.hostEnd}/1`, vendor: 'Acme Serial', specs: [line(pymodbusLine)] },
      { id: `rtu://${pymodbusLine.hostEnd}/2`, vendor: 'Acme Serial', specs: [line(pymodbusLine)] },
    ]);
    expect(devices[1]?.properties).toMatchObject({
      MODBUS_TRANSPORT: 'rtu',
      MODBUS_ADDRESS: pymodbusLine.hostEnd,
      MODBUS_UNIT_ID: '1',
      MODBUS_PRODUCT_CODE: 'RS-485',
      MODBUS_REVISION: '0.9',
      MODBUS_BAUD_RATE: '115200',
      MODBUS_PARITY: 'none',
    });
  });

  it('keeps the units of a line a broker holds locked, instead of dropping them', async () => {
    const details = parseModbusDetails(`rtu:\n  ports: [${pymodbusLine.hostEnd}]\n  baudRate: 115200\n  unitIds: [1, 2]\n`);
    const log = new Logger({}, 'error', new MemorySink());
    const first = await scanOnce(details, realLinks, log, new AbortController().signal);
    expect(first.devices).toHaveLength(2);
    // A broker opening the line the usual way (serialport takes an exclusive lock).
    const broker = await openSerialLine({ path: pymodbusLine.hostEnd, baudRate: 115200, parity: 'none', dataBits: 8, stopBits: 1 });
    try {
      const second = await scanOnce(details, realLinks, log, new AbortController().signal);
      expect(second.busyLines).toEqual([pymodbusLine.hostEnd]);
      expect(withBusyLinesCarriedOver(first.devices, second)).toEqual(first.devices);
    } finally {
      await new Promise((resolve) => broker.close(resolve));
    }
  });
});
