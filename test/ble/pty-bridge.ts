// Bridges a Unix socket that speaks H4 (btvirt's server sockets, or FakeH4Controller) to a
// pseudo-terminal with socat, so the code under test opens a "serial port" exactly as it would
// open a USB/UART Bluetooth dongle.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PtyBridge {
  /** The pty symlink to hand to noble as the UART port. */
  port: string;
  close(): Promise<void>;
}

export async function bridgeSocketToPty(socketPath: string, port: string): Promise<PtyBridge> {
  // raw,echo=0: bytes pass unchanged; wait-slave: do not read before the host opens the port.
  const child: ChildProcess = spawn(
    'socat',
    [`PTY,link=${port},raw,echo=0,wait-slave`, `UNIX-CONNECT:${socketPath}`],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let waited = 0; !existsSync(port); waited += 20) {
    if (child.exitCode !== null || waited > 5_000) {
      child.kill();
      throw new Error(`socat did not create ${port}: ${stderr || `exit ${child.exitCode}`}`);
    }
    await sleep(20);
  }
  return {
    port,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
