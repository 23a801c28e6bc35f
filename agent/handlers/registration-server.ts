// The v0 Registration service on `<handlersDir>/agent-registration.sock`: discovery handlers
// (ours or Akri's) announce their name, endpoint and whether their devices are shared. The
// directory is 0750 and the socket 0660, both owned by the socket group when one is given, so
// handlers in that group (and no one else) can register, whatever the umask.
import { Server, status, type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { join } from 'node:path';
import { REGISTRATION_SOCKET } from '../../lib/discovery/registration-client.ts';
import type { Empty } from '../../lib/proto/generated/v0/Empty.ts';
import type { RegisterDiscoveryHandlerRequest__Output } from '../../lib/proto/generated/v0/RegisterDiscoveryHandlerRequest.ts';
import { discoveryProto } from '../../lib/proto/load.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import type { HandlerEndpoint, HandlerRegistry } from './handler-registry.ts';
import { shutdownServer } from '../../lib/grpc/shutdown-server.ts';
import { bindUnixSocket, prepareSocketDir } from '../../lib/grpc/unix-socket-access.ts';

export const HANDLERS_DIR_MODE = 0o750;
export const REGISTRATION_SOCKET_MODE = 0o660;

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

/** socketGroup: the GID handlers run with (chart: podSecurity.socketGroup); unset keeps the agent's own. */
export async function serveRegistration(handlersDir: string, registry: HandlerRegistry, log: Logger, socketGroup?: number): Promise<RegistrationServer> {
  prepareSocketDir(handlersDir, HANDLERS_DIR_MODE, socketGroup);
  const socketPath = join(handlersDir, REGISTRATION_SOCKET);
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
  // Replaces a socket left behind by an agent that was killed.
  const bound = await bindUnixSocket(server, socketPath, { mode: REGISTRATION_SOCKET_MODE, gid: socketGroup });
  return {
    socketPath,
    close: () => shutdownServer(server).then(() => bound.remove()),
  };
}
