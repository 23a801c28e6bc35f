// The v0 Registration service on `<handlersDir>/agent-registration.sock`: discovery handlers
// (ours or Akri's) announce their name, endpoint and whether their devices are shared.
import { Server, ServerCredentials, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REGISTRATION_SOCKET } from '../../lib/discovery/registration-client.ts';
import type { Empty } from '../../lib/proto/generated/v0/Empty.ts';
import type { RegisterDiscoveryHandlerRequest__Output } from '../../lib/proto/generated/v0/RegisterDiscoveryHandlerRequest.ts';
import { discoveryProto } from '../../lib/proto/load.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import type { HandlerEndpoint, HandlerRegistry } from './handler-registry.ts';
import { shutdownServer } from '../../lib/grpc/shutdown-server.ts';

/** Akri sends NETWORK endpoints as `http://<ip>:<port>`; gRPC wants `<ip>:<port>`. */
export function networkAddress(endpoint: string): string {
  return endpoint.replace(/^[a-z]+:\/\//, '').replace(/\/$/, '');
}

export function endpointFromRequest(req: RegisterDiscoveryHandlerRequest__Output): HandlerEndpoint {
  if (!req.name) throw new Error('name is empty');
  if (!req.endpoint) throw new Error('endpoint is empty');
  if (req.endpointType === 'NETWORK') {
    const address = networkAddress(req.endpoint);
    return { kind: 'network', name: req.name, key: `network:${address}`, shared: req.shared, address };
  }
  return { kind: 'uds', name: req.name, key: `uds:${req.endpoint}`, shared: req.shared, path: req.endpoint };
}

export interface RegistrationServer {
  socketPath: string;
  close(): Promise<void>;
}

export async function serveRegistration(handlersDir: string, registry: HandlerRegistry, log: Logger): Promise<RegistrationServer> {
  mkdirSync(handlersDir, { recursive: true });
  const socketPath = join(handlersDir, REGISTRATION_SOCKET);
  rmSync(socketPath, { force: true }); // left behind by an agent that was killed
  const server = new Server();
  server.addService(discoveryProto().Registration.service, {
    RegisterDiscoveryHandler: (call: ServerUnaryCall<RegisterDiscoveryHandlerRequest__Output, Empty>, callback: sendUnaryData<Empty>) => {
      try {
        const endpoint = endpointFromRequest(call.request);
        log.info('discovery handler registered', { handler: endpoint.name, endpoint: endpoint.key, shared: endpoint.shared });
        registry.add(endpoint);
        callback(null, {});
      } catch (err) {
        callback({ code: status.INVALID_ARGUMENT, details: `bad registration: ${(err as Error).message}` }, null);
      }
    },
  });
  await new Promise<number>((resolve, reject) =>
    server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (err, port) => (err ? reject(err) : resolve(port))),
  );
  return {
    socketPath,
    close: () => shutdownServer(server),
  };
}
