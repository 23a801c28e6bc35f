// A /24 subnet scan across network namespaces: pymodbus servers (Debian's python3-pymodbus) on
// three addresses of a plant network behind a veth pair, 251 silent addresses around them.
// Needs no cluster, but lives with the integration tests because it needs root (ip netns) and
// a few seconds of wall time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModbusDiscoveryHandler } from '../../discovery-handlers/modbus/handler.ts';
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import type { ManagedProcess } from '../../lib/process/managed-process.ts';
import { createPlantNetwork, type PlantNetwork } from '../modbus/plant-network.ts';
import { startPymodbusServer } from '../modbus/pymodbus-server.ts';

const DEVICE_HOSTS = [10, 20, 30];
const dir = mkdtempSync(join(tmpdir(), 'akri-ts-modbus-subnet-'));
let plant: PlantNetwork;
const servers: ManagedProcess[] = [];

beforeAll(async () => {
  plant = createPlantNetwork(DEVICE_HOSTS);
  const started = await Promise.all(
    DEVICE_HOSTS.map((host) =>
      startPymodbusServer({
        endpoint: `${plant.address(host)}:502`,
        netns: plant.namespace,
        units: [1],
        vendor: `Vendor ${host}`,
        product: 'PX',
        revision: '1',
        logDir: dir,
      }),
    ),
  );
  servers.push(...started);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop(2000)));
  plant?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('a subnet scan across network namespaces', () => {
  it('finds the three answering hosts of a /24 within the connect-timeout budget', async () => {
    const handler = new ModbusDiscoveryHandler({ transport: 'tcp', log: new Logger({}, 'warn', new MemorySink()) });
    const controller = new AbortController();
    const started = performance.now();
    let devices: DiscoveredDevice[] = [];
    // Units are reported as they are found: the first round's last snapshot holds them all.
    const roundEnded = (): void => controller.abort();
    for await (const snapshot of handler.discover(
      { details: `tcp:\n  hosts: [${plant.subnet}]\nlimits: {connectTimeoutMs: 300, concurrency: 64}\n`, properties: {}, roundEnded },
      controller.signal,
    )) {
      devices = snapshot;
    }
    const seconds = (performance.now() - started) / 1000;
    expect(devices.map((d) => [d.id, d.properties.MODBUS_VENDOR_NAME])).toEqual(
      DEVICE_HOSTS.map((host) => [`tcp://${plant.address(host)}:502/1`, `Vendor ${host}`]),
    );
    // 251 silent hosts, 64 at a time, 300 ms each: 4 waves, about 1.2 s.
    expect(seconds).toBeGreaterThan(0.9);
    expect(seconds).toBeLessThan(5);
  });
});
