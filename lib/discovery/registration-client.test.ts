// Registering with the agent leaves no connection open, even when the handler started while the
// agent was down and its socket file was left behind (found by the soak, seed 4: the handler,
// restarted while its agent was killed, held one socket more for good). Linux: sockets are
// counted in /proc/self/fd.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server, ServerCredentials, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { afterEach, expect, it } from 'vitest';
import { discoveryProto } from '../proto/load.ts';
import { REGISTRATION_SOCKET, registerWithAgent, type Registration } from './registration-client.ts';

const openSockets = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;

async function until(what: string, ok: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A socket file whose listener is gone, as a SIGKILLed agent leaves it. */
async function staleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  child.stdout.destroy();
}

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

it('a handler that started while the agent was down registers once it is back, and keeps no connection open', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-registration-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const socket = join(dir, REGISTRATION_SOCKET);
  await staleSocket(socket);

  let registered = 0;
  const reg: Registration = registerWithAgent({ dir, name: 'debugEcho', endpoint: join(dir, 'h.sock'), endpointType: 'UDS', shared: false, pollMs: 100 });
  cleanup.push(() => reg.stop());
  await new Promise((r) => setTimeout(r, 500)); // several refused attempts

  // The agent comes back: a new socket at the same path.
  rmSync(socket, { force: true });
  const server = new Server();
  server.addService(discoveryProto().Registration.service, {
    RegisterDiscoveryHandler: (_call: ServerUnaryCall<unknown, unknown>, done: sendUnaryData<object>) => {
      registered++;
      done(null, {});
    },
  });
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socket}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  cleanup.push(() => server.forceShutdown());
  const serving = openSockets();

  await until('the registration', () => registered === 1);
  // Past grpc-js's first reconnect backoff (1 s): a refused channel would have reconnected by now.
  await new Promise((r) => setTimeout(r, 2500));
  expect(registered).toBe(1);
  expect(openSockets()).toBe(serving);
});
