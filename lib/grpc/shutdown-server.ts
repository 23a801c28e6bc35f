// Stops a gRPC server: graceful first, forced after a grace period, so that a long-lived stream
// (ListAndWatch, Discover) that does not end promptly cannot hold shutdown hostage.
import type { Server } from '@grpc/grpc-js';

export function shutdownServer(server: Server, graceMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
