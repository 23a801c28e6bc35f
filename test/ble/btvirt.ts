// Starts BlueZ's controller emulator (btvirt, Debian package bluez-test-tools) with server
// sockets only: each connection to <dir>/bt-server-le becomes a new emulated LE controller
// speaking H4, and all controllers of one btvirt process share the emulated air. The shim
// (btvirt-shim.c, compiled here with gcc) works around the sandbox kernel's missing AF_ALG and
// moves the sockets out of the fixed /tmp paths.
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const SHIM_SOURCE = fileURLToPath(new URL('./btvirt-shim.c', import.meta.url));

export interface Btvirt {
  /** Connect here (or bridge it to a pty) to get a fresh emulated LE-only controller. */
  leSocket: string;
  close(): Promise<void>;
}

export async function startBtvirt(dir: string): Promise<Btvirt> {
  const shim = join(dir, 'btvirt-shim.so');
  await promisify(execFile)('gcc', ['-shared', '-fPIC', '-O2', '-o', shim, SHIM_SOURCE, '-ldl']);
  // -l0: no /dev/vhci controllers (there is no vhci here); -s: the Unix server sockets.
  const child = spawn('btvirt', ['-l0', '-s'], {
    env: { ...process.env, LD_PRELOAD: shim, BTVIRT_SOCKET_DIR: dir },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const leSocket = join(dir, 'bt-server-le');
  for (let waited = 0; !existsSync(leSocket); waited += 20) {
    if (child.exitCode !== null || waited > 5_000) {
      child.kill();
      throw new Error(`btvirt did not create ${leSocket}: ${stderr || `exit ${child.exitCode}`}`);
    }
    await sleep(20);
  }
  return {
    leSocket,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
