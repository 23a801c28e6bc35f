// The one call an external handler's main() makes: serve the handler (UDS by default, TCP when
// asked or when POD_IP is set, as Akri does) and keep it registered with the node's agent.
import { serveHandler, type HandlerListen } from './handler-server.ts';
import { prepareSocketDir } from '../grpc/unix-socket-access.ts';
import { registerWithAgent } from './registration-client.ts';
import type { DiscoveryHandler } from './handler.ts';

export interface RunHandlerOptions {
  /** The agent's discovery-handlers directory. */
  dir: string;
  /**
   * Where `<name>.sock` is made (default: dir). A handler that runs as non-root cannot write the
   * agent's directory (0750): it serves from a directory of its own inside it, made 0750 here.
   */
  socketDir?: string;
  /** Serve on TCP instead of `<dir>/<name>.sock`. */
  tcp?: { host?: string; port: number };
  pollMs?: number;
  onRegistered?: () => void;
}

export interface RunningHandler {
  endpoint: string;
  stop(): Promise<void>;
}

export async function runHandler(handler: DiscoveryHandler, options: RunHandlerOptions): Promise<RunningHandler> {
  const socketDir = options.socketDir ?? options.dir;
  if (!options.tcp && socketDir !== options.dir) prepareSocketDir(socketDir, 0o750);
  const listen: HandlerListen = options.tcp ? { kind: 'tcp', ...options.tcp } : { kind: 'uds', dir: socketDir };
  const served = await serveHandler(handler, listen);
  const registration = registerWithAgent({
    dir: options.dir,
    name: handler.name,
    endpoint: served.endpoint,
    endpointType: served.endpointType,
    shared: handler.shared,
    pollMs: options.pollMs,
    onRegistered: options.onRegistered,
  });
  return {
    endpoint: served.endpoint,
    async stop() {
      registration.stop();
      await served.close();
    },
  };
}
