// Every socket akri-ts makes gets its mode explicitly, not from the umask: under umask 000 a
// plain bind would leave 0777 sockets anyone on the node could connect to. The agent's
// registration socket (0660) and its directory (0750), the device-plugin sockets (0600) and the
// handler sockets (0660) are checked here with the process umask at 000.
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Server } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveRegistration } from '../../agent/handlers/registration-server.ts';
import { HandlerRegistry } from '../../agent/handlers/handler-registry.ts';
import { DevicePluginServer } from '../../agent/device-plugin/device-plugin-server.ts';
import { serveHandler } from '../discovery/handler-server.ts';
import { runHandler } from '../discovery/run-handler.ts';
import { Logger } from '../observability/logger.ts';
import type { DiscoveryHandler } from '../discovery/handler.ts';
import { bindUnixSocket } from './unix-socket-access.ts';

const mode = (path: string): string => (statSync(path).mode & 0o7777).toString(8).padStart(4, '0');
const log = new Logger({ test: true }, 'error');
const idle: DiscoveryHandler = {
  name: 'idle',
  shared: false,
  async *discover(_req, signal) {
    yield [];
    await new Promise((r) => signal.addEventListener('abort', () => r(undefined), { once: true }));
  },
};

let root = '';
let saved = 0;
beforeAll(() => {
  saved = process.umask(0);
  root = mkdtempSync(join(tmpdir(), 'akri-ts-modes-'));
});
afterAll(() => {
  process.umask(saved);
  rmSync(root, { recursive: true, force: true });
});

describe('under umask 000', () => {
  it('a control socket bound plainly really is 0777 here, so the checks below mean something', async () => {
    const { createServer } = await import('node:net');
    const path = join(root, 'plain.sock');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(path, r));
    expect(mode(path)).toBe('0777');
    await new Promise<void>((r) => srv.close(() => r()));
  });

  it("the agent's handlers directory is 0750 and its registration socket 0660, even when the directory was 0777", async () => {
    const dir = join(root, 'akri');
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const reg = await serveRegistration(dir, new HandlerRegistry(), log);
    try {
      expect(mode(dir)).toBe('0750');
      expect(mode(reg.socketPath)).toBe('0660');
      expect(lstatSync(reg.socketPath).isSocket()).toBe(true);
    } finally {
      await reg.close();
    }
    expect(() => statSync(reg.socketPath)).toThrow(/ENOENT/);
  });

  it('the registration socket and directory take the socket group when one is given', async () => {
    const dir = join(root, 'grouped');
    const reg = await serveRegistration(dir, new HandlerRegistry(), log, 65532);
    try {
      expect(statSync(dir).gid).toBe(65532);
      expect(statSync(reg.socketPath).gid).toBe(65532);
    } finally {
      await reg.close();
    }
  });

  it('a device-plugin socket is 0600 (only the kubelet connects)', async () => {
    const dir = join(root, 'device-plugins');
    mkdirSync(dir);
    const plugin = new DevicePluginServer({
      resourceName: 'akri.sh/modes-test',
      pluginDir: dir,
      logger: log,
      backend: { devices: () => [], preferred: () => [], allocate: () => Promise.resolve({ envs: {}, mounts: [], devices: [], annotations: {}, cdiDevices: [] }) },
    });
    await plugin.start();
    try {
      expect(mode(plugin.socketPath)).toBe('0600');
    } finally {
      await plugin.stop();
    }
  });

  it("a handler socket is 0660, in the agent's directory or in a 0750 directory of its own", async () => {
    const dir = join(root, 'handlers');
    mkdirSync(dir);
    const served = await serveHandler(idle, { kind: 'uds', dir });
    expect(mode(served.endpoint)).toBe('0660');
    await served.close();
    expect(() => statSync(served.endpoint)).toThrow(/ENOENT/);
    const own = await runHandler(idle, { dir, socketDir: join(dir, 'idle'), pollMs: 60_000 });
    try {
      expect(own.endpoint).toBe(join(dir, 'idle', 'idle.sock'));
      expect(mode(join(dir, 'idle'))).toBe('0750');
      expect(mode(own.endpoint)).toBe('0660');
    } finally {
      await own.stop();
    }
  });

  it('refuses a path too long for a socket address, rather than binding somewhere it cannot be reached', async () => {
    const deep = join(root, 'd'.repeat(60));
    mkdirSync(deep);
    const server = new Server();
    await expect(bindUnixSocket(server, join(deep, `${'x'.repeat(50)}.sock`), { mode: 0o600 })).rejects.toThrow(/bytes; a Unix socket address holds at most 107/);
    server.forceShutdown();
  });

  it('replaces a stale file at the path and leaves no staging directory behind', async () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    writeFileSync(join(dir, 'x.sock'), 'left by a killed process');
    const server = new Server();
    const bound = await bindUnixSocket(server, join(dir, 'x.sock'), { mode: 0o640 });
    expect(lstatSync(bound.path).isSocket()).toBe(true);
    expect(mode(bound.path)).toBe('0640');
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(dir)).toEqual(['x.sock']);
    server.forceShutdown();
    bound.remove();
    expect(readdirSync(dir)).toEqual([]);
  });
});
