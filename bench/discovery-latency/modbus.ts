// Modbus TCP: a pymodbus server (Debian's python3-pymodbus) with one unit, started and stopped
// on loopback, found by the embedded `modbus` handler at its default discoveryIntervalSecs (30),
// so appear and vanish are dominated by where in the 30 s round the change falls. deviceUp
// includes pymodbus's own start-up (~1 s of Python imports). scanSeconds is the modbus-scan
// bench (a /24, one unit id per host, 5 hosts answer; --network loopback|netns).
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModbusDiscoveryHandler } from '../../discovery-handlers/modbus/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { freePort } from '../../lib/net/free-port.ts';
import type { ManagedProcess } from '../../lib/process/managed-process.ts';
import { startPymodbusServer } from '../../test/modbus/pymodbus-server.ts';
import modbusScan from '../modbus-scan.bench.ts';
import type { ScenarioFactory } from './scenario.ts';

const DEFAULT_INTERVAL_SECONDS = 30;
const HOST = '127.0.0.1';

const scenario: ScenarioFactory = (args) => {
  let port = 0;
  let server: ManagedProcess | undefined;
  const logDir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-modbus-latency-'));
  return {
    handler: 'modbus',
    intervalSeconds: DEFAULT_INTERVAL_SECONDS,
    configuration: () => ({ discoveryHandler: { name: 'modbus', discoveryDetails: `tcp: {hosts: [${HOST}], ports: [${port}], unitIds: [1]}` } }),
    async setup() {
      port = await freePort();
    },
    async embeddedHandler() {
      return new ModbusDiscoveryHandler({ transport: 'tcp', log: new Logger({ handler: 'modbus' }, 'warn') });
    },
    async deviceUp() {
      server = await startPymodbusServer({ endpoint: `${HOST}:${port}`, units: [1], vendor: 'Bench', product: 'B', revision: '1', logDir });
    },
    async deviceDown() {
      await server?.stop(2000);
      server = undefined;
    },
    async teardown() {
      await server?.stop(2000);
      rmSync(logDir, { recursive: true, force: true });
    },
    async extraFigures() {
      const scan = await modbusScan(args);
      return { scanSeconds: scan.scanSeconds ?? 0, scanNetwork: scan.network ?? 'loopback' };
    },
  };
};
export default scenario;
