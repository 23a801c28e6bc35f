// Serves a DiscoveryHandler over Akri's v0 gRPC protocol, on `<dir>/<name>.sock` (UDS) or on a
// TCP port (NETWORK). Each Discover call becomes one run of handler.discover(); repeated
// identical snapshots are not resent, and InvalidDiscoveryDetails becomes InvalidArgument.
// The socket is 0660 (the agent connects through the group), whatever the umask.
import { Server, ServerCredentials, status, type ServerWritableStream } from '@grpc/grpc-js';
import { join } from 'node:path';
import { discoveryProto } from '../proto/load.ts';
import type { DiscoverRequest__Output } from '../proto/generated/v0/DiscoverRequest.ts';
import type { DiscoverResponse } from '../proto/generated/v0/DiscoverResponse.ts';
import { InvalidDiscoveryDetails, type DiscoveryHandler } from './handler.ts';
import { deviceToWire, requestFromWire, snapshotKey } from './wire-convert.ts';
import { shutdownServer } from '../grpc/shutdown-server.ts';
import { bindUnixSocket, type BoundUnixSocket } from '../grpc/unix-socket-access.ts';

export const HANDLER_SOCKET_MODE = 0o660;

export type HandlerListen = { kind: 'uds'; dir: string } | { kind: 'tcp'; host?: string; port: number };

export interface ServedHandler {
  /** What to register with the agent: a socket path, or `http://host:port`. */
  endpoint: string;
  endpointType: 'UDS' | 'NETWORK';
  close(): Promise<void>;
}

export async function serveHandler(handler: DiscoveryHandler, listen: HandlerListen): Promise<ServedHandler> {
  const server = new Server();
  const active = new Set<AbortController>();
  server.addService(discoveryProto().DiscoveryHandler.service, {
    Discover: (call: ServerWritableStream<DiscoverRequest__Output, DiscoverResponse>) => {
      const abort = new AbortController();
      active.add(abort);
      call.on('cancelled', () => abort.abort());
      call.on('close', () => abort.abort());
      void runDiscover(handler, call, abort).finally(() => active.delete(abort));
    },
  });
  let endpoint: string;
  let bound: BoundUnixSocket | undefined;
  if (listen.kind === 'uds') {
    // Replaces a socket left by a previous run in one step.
    bound = await bindUnixSocket(server, join(listen.dir, `${handler.name}.sock`), { mode: HANDLER_SOCKET_MODE });
    endpoint = bound.path;
  } else {
    const host = listen.host ?? '127.0.0.1';
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${host}:${listen.port}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    endpoint = `http://${host}:${port}`;
  }
  return {
    endpoint,
    endpointType: listen.kind === 'uds' ? 'UDS' : 'NETWORK',
    close: async () => {
      for (const a of active) a.abort();
      await shutdownServer(server);
      bound?.remove();
    },
  };
}

async function runDiscover(
  handler: DiscoveryHandler,
  call: ServerWritableStream<DiscoverRequest__Output, DiscoverResponse>,
  abort: AbortController,
): Promise<void> {
  let last: string | undefined;
  try {
    for await (const devices of handler.discover(requestFromWire(call.request), abort.signal)) {
      if (abort.signal.aborted) break;
      const key = snapshotKey(devices);
      if (key === last) continue;
      last = key;
      call.write({ devices: devices.map(deviceToWire) });
    }
    if (!abort.signal.aborted) call.end();
  } catch (err) {
    if (abort.signal.aborted) return;
    const invalid = err instanceof InvalidDiscoveryDetails;
    // grpc-js turns an 'error' event on a server stream into the call's final status.
    call.emit('error', { code: invalid ? status.INVALID_ARGUMENT : status.UNKNOWN, details: (err as Error).message });
  }
}
