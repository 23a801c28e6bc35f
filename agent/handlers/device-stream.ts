// Opens one Discover stream on a handler endpoint and yields its device snapshots. Embedded
// handlers are called in-process; UDS and network ones over gRPC. Either way the caller gets
// the same iterable and the same StreamFailure, so everything downstream is one code path.
import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import { InvalidDiscoveryDetails, type DiscoveredDevice, type DiscoverRequest } from '../../lib/discovery/handler.ts';
import { deviceFromWire, requestToWire } from '../../lib/discovery/wire-convert.ts';
import type { DiscoverResponse__Output } from '../../lib/proto/generated/v0/DiscoverResponse.ts';
import { discoveryProto } from '../../lib/proto/load.ts';
import type { HandlerEndpoint } from './handler-registry.ts';

export class StreamFailure extends Error {
  constructor(
    message: string,
    /** The handler rejected discoveryDetails (gRPC InvalidArgument). */
    readonly invalidDetails: boolean,
    /** The endpoint could not be reached at all. */
    readonly unreachable: boolean,
  ) {
    super(message);
    this.name = 'StreamFailure';
  }
}

export async function* openDeviceStream(endpoint: HandlerEndpoint, request: DiscoverRequest, signal: AbortSignal): AsyncGenerator<DiscoveredDevice[]> {
  if (endpoint.kind === 'embedded') {
    try {
      yield* endpoint.handler.discover(request, signal);
    } catch (err) {
      if (signal.aborted) return;
      throw new StreamFailure((err as Error).message, err instanceof InvalidDiscoveryDetails, false);
    }
    return;
  }
  const target = endpoint.kind === 'uds' ? `unix:${endpoint.path}` : endpoint.address;
  const Client = discoveryProto().DiscoveryHandler;
  const client = new Client(target, credentials.createInsecure());
  const call = client.Discover(requestToWire(request));
  const cancel = (): void => call.cancel();
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for await (const msg of call as AsyncIterable<DiscoverResponse__Output>) {
      yield msg.devices.map(deviceFromWire);
    }
  } catch (err) {
    if (signal.aborted) return;
    const e = err as ServiceError;
    throw new StreamFailure(e.details || e.message, e.code === status.INVALID_ARGUMENT, e.code === status.UNAVAILABLE);
  } finally {
    signal.removeEventListener('abort', cancel);
    call.cancel();
    client.close();
  }
}
