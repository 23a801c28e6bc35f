// The handler SDK over real gRPC on a Unix socket: snapshots arrive in order with repeats
// dropped, bad discoveryDetails become InvalidArgument, and registration reaches an agent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { credentials, Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { discoveryProto } from '../proto/load.ts';
import type { DiscoverResponse__Output } from '../proto/generated/v0/DiscoverResponse.ts';
import type { RegisterDiscoveryHandlerRequest__Output } from '../proto/generated/v0/RegisterDiscoveryHandlerRequest.ts';
import { InvalidDiscoveryDetails, type DiscoveredDevice, type DiscoveryHandler } from './handler.ts';
import { runHandler } from './run-handler.ts';

const dir = mkdtempSync(join(tmpdir(), 'akri-ts-sdk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const dev = (id: string): DiscoveredDevice => ({ id, properties: { P: id }, mounts: [{ containerPath: '/c', hostPath: '/h', readOnly: true }], deviceSpecs: [] });

const scripted: DiscoveryHandler = {
  name: 'scripted',
  shared: true,
  async *discover(req) {
    if (req.details === 'bad') throw new InvalidDiscoveryDetails('expected a list', 'items');
    yield [dev('a')];
    yield [dev('a')]; // a repeat: not resent
    yield [dev('a'), dev('b')];
    yield [];
  },
};

function startFakeAgent(): Promise<{ requests: RegisterDiscoveryHandlerRequest__Output[]; server: Server }> {
  const requests: RegisterDiscoveryHandlerRequest__Output[] = [];
  const server = new Server();
  server.addService(discoveryProto().Registration.service, {
    RegisterDiscoveryHandler: (call: { request: RegisterDiscoveryHandlerRequest__Output }, cb: (e: null, r: object) => void) => {
      requests.push(call.request);
      cb(null, {});
    },
  });
  return new Promise((resolve, reject) =>
    server.bindAsync(`unix:${join(dir, 'agent-registration.sock')}`, ServerCredentials.createInsecure(), (err) =>
      err ? reject(err) : resolve({ requests, server }),
    ),
  );
}

describe('the handler SDK', () => {
  it('registers with the agent and streams full snapshots, dropping repeats; bad details are InvalidArgument', async () => {
    const agent = await startFakeAgent();
    const running = await runHandler(scripted, { dir, pollMs: 100 });
    try {
      await expect.poll(() => agent.requests.length, { timeout: 5000 }).toBe(1);
      expect(agent.requests[0]).toEqual({ name: 'scripted', endpoint: join(dir, 'scripted.sock'), endpointType: 'UDS', shared: true });
      const client = new (discoveryProto().DiscoveryHandler)(`unix:${running.endpoint}`, credentials.createInsecure());
      const got: string[][] = [];
      for await (const msg of client.Discover({ discoveryDetails: 'ok' }) as AsyncIterable<DiscoverResponse__Output>) {
        got.push(msg.devices.map((d) => d.id));
      }
      expect(got).toEqual([['a'], ['a', 'b'], []]);
      const err = await new Promise<ServiceError>((resolve) => {
        const call = client.Discover({ discoveryDetails: 'bad' });
        call.on('data', () => undefined);
        call.on('error', resolve);
      });
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toBe('items: expected a list');
      client.close();
    } finally {
      await running.stop();
      agent.server.forceShutdown();
    }
  });
});
