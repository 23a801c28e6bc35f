// Starts test/modbus/pymodbus-server.py (Debian's python3-pymodbus) as a Modbus peer: several
// unit ids on one TCP port or serial line, with device identification set.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManagedProcess } from '../../lib/process/managed-process.ts';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'pymodbus-server.py');

export interface PymodbusServerOptions {
  /** host:port, or a serial device path with `rtu: true`. */
  endpoint: string;
  rtu?: boolean;
  baudRate?: number;
  units: number[];
  vendor: string;
  product: string;
  revision: string;
  /** Serve unit 255 as a gateway: unlisted unit ids answer exception 0x0B instead of nothing. */
  gateway?: boolean;
  logDir: string;
  /** Run inside this network namespace (ip netns exec). */
  netns?: string;
}

export async function startPymodbusServer(o: PymodbusServerOptions): Promise<ManagedProcess> {
  const logFile = join(o.logDir, `pymodbus-${o.endpoint.replace(/[^a-zA-Z0-9]+/g, '_')}.log`);
  const server = new ManagedProcess({
    name: `pymodbus server ${o.endpoint}`,
    // Debian's interpreter: the one python3-pymodbus is installed for, whatever PATH says.
    command: o.netns ? 'ip' : '/usr/bin/python3',
    args: [
      ...(o.netns ? ['netns', 'exec', o.netns, '/usr/bin/python3'] : []),
      SCRIPT,
      o.rtu ? '--rtu' : '--tcp',
      o.endpoint,
      '--baud',
      String(o.baudRate ?? 9600),
      '--units',
      o.units.join(','),
      '--vendor',
      o.vendor,
      '--product',
      o.product,
      '--revision',
      o.revision,
      ...(o.gateway ? ['--gateway'] : []),
    ],
    logFile,
  });
  server.start();
  await server.waitUntil(async () => readFileSync(logFile, 'utf8').includes('ready'), 10_000, 'ready');
  return server;
}
