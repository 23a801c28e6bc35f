// Runs debugEcho as an external handler: `tsx discovery-handlers/debug-echo/main.ts`.
// Environment, as Akri's: DISCOVERY_HANDLERS_DIRECTORY (default /var/lib/akri), and ours:
// DISCOVERY_HANDLER_SOCKET_DIRECTORY (serve the socket there instead, for a non-root handler),
// DEBUG_ECHO_INSTANCES_SHARED (true|false), POD_IP (serve on <POD_IP>:10000 instead of a socket),
// DEBUG_ECHO_AVAILABILITY_FILE (default /tmp/debug-echo-availability.txt; OFFLINE in it = all gone).
import { runHandler } from '../../lib/discovery/run-handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { DebugEchoAvailability } from './availability.ts';
import { DebugEchoHandler } from './debug-echo-handler.ts';

const log = new Logger({ component: 'debug-echo-handler' });
const dir = process.env.DISCOVERY_HANDLERS_DIRECTORY ?? '/var/lib/akri';
const shared = (process.env.DEBUG_ECHO_INSTANCES_SHARED ?? 'false').toLowerCase() === 'true';
const podIp = process.env.POD_IP;
const handler = new DebugEchoHandler({
  shared,
  availability: new DebugEchoAvailability(process.env.DEBUG_ECHO_AVAILABILITY_FILE ?? '/tmp/debug-echo-availability.txt'),
  pollMs: Number(process.env.DEBUG_ECHO_POLL_MS ?? 10_000),
});
const running = await runHandler(handler, {
  dir,
  socketDir: process.env.DISCOVERY_HANDLER_SOCKET_DIRECTORY || undefined,
  tcp: podIp ? { host: podIp, port: Number(process.env.DISCOVERY_HANDLER_PORT ?? 10000) } : undefined,
  onRegistered: () => log.info('registered with the agent', { dir }),
});
log.info('serving', { endpoint: running.endpoint, shared });
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => void running.stop().then(() => process.exit(0)));
}
