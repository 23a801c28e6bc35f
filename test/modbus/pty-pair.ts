// A virtual serial cable: socat joins two pseudo-terminals and links them at stable paths, so
// a Modbus RTU server can sit on one end and the handler opens the other as its serial port.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ManagedProcess } from '../../lib/process/managed-process.ts';

export interface PtyPair {
  /** Where the server (the "device") opens the line. */
  deviceEnd: string;
  /** What the handler is told to scan, e.g. in rtu.ports. */
  hostEnd: string;
  stop(): Promise<void>;
}

export async function startPtyPair(dir: string, name: string): Promise<PtyPair> {
  const deviceEnd = join(dir, `${name}-device`);
  const hostEnd = join(dir, `${name}-host`);
  const socat = new ManagedProcess({
    name: `socat ${name}`,
    command: 'socat',
    args: ['-d', '-d', `pty,raw,echo=0,link=${deviceEnd}`, `pty,raw,echo=0,link=${hostEnd}`],
    logFile: join(dir, `${name}-socat.log`),
  });
  socat.start();
  await socat.waitUntil(async () => existsSync(deviceEnd) && existsSync(hostEnd), 5000, 'linked');
  return { deviceEnd, hostEnd, stop: () => socat.stop(1000) };
}
