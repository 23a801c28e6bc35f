// Serves a DiscoveryHandler over Akri's v0 gRPC protocol, on `<dir>/<name>.sock` (UDS) or on a
// TCP port (NETWORK). Each Discover call becomes one run of handler.discover(); repeated
// identical snapshots are not resent, and InvalidDiscoveryDetails becomes InvalidArgument.
import { Server, ServerCredentials, status, type ServerWritableStream } from '@grpc/grpc-js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { discoveryProto } from '../proto/load.ts';
import type { DiscoverRequest__Output } from '../proto/generated/v0/DiscoverRequest.ts';
import type { DiscoverResponse } from '../proto/generated/v0/DiscoverResponse.ts';
import { InvalidDiscoveryDetails, type DiscoveryHandler } from './handler.ts';
import { deviceToWire, requestFromWire, snapshotKey } from './wire-convert.ts';
import { shutdownServer } from '../grpc/shutdown-server.ts';

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
  let address: string;
  let endpoint: string;
  if (listen.kind === 'uds') {
    const path = join(listen.dir, `${handler.name}.sock`);
    rmSync(path, { force: true }); // a socket left by a previous run would make bind fail
    address = `unix:${path}`;
    endpoint = path;
  } else {
    address = `${listen.host ?? '127.0.0.1'}:${listen.port}`;
    endpoint = '';
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  if (listen.kind === 'tcp') endpoint = `http://${listen.host ?? '127.0.0.1'}:${port}`;
  return {
    endpoint,
    endpointType: listen.kind === 'uds' ? 'UDS' : 'NETWORK',
    close: () => {
      for (const a of active) a.abort();
      return shutdownServer(server);
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
