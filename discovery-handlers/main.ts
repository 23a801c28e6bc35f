// Runs one discovery handler as its own process (a DaemonSet pod, or by hand):
//   tsx discovery-handlers/main.ts <name>        name: debugEcho, onvif, opcua, udev, modbus, modbusRtu, ble
// Environment, as Akri's handlers: DISCOVERY_HANDLERS_DIRECTORY (default /var/lib/akri): where
// the agent's registration socket is and where <name>.sock is served; POD_IP: serve on
// <POD_IP>:DISCOVERY_HANDLER_PORT (default 10000) instead, registered as a NETWORK endpoint.
// Handler settings: see each handler's README (e.g. DEBUG_ECHO_INSTANCES_SHARED).
import { runHandler } from '../lib/discovery/run-handler.ts';
import { Logger } from '../lib/observability/logger.ts';
import { createHandler, HANDLER_NAMES } from './registry.ts';

const name = process.argv[2];
const log = new Logger({ component: 'discovery-handler', handler: name });
if (!name || name === '--help' || name === '-h') {
  process.stdout.write(`usage: akri-ts handler <name>
  Runs one discovery handler as its own process and registers it with the agent on this node.
handlers: ${HANDLER_NAMES.join(', ')}
environment:
  DISCOVERY_HANDLERS_DIRECTORY  where the agent's registration socket is and <name>.sock is served (default /var/lib/akri)
  DISCOVERY_HANDLER_SOCKET_DIRECTORY
                                serve <name>.sock here instead (made 0750): a non-root handler's own
                                directory inside the agent's (the chart: <handlers dir>/<name>)
  POD_IP                        serve on <POD_IP>:DISCOVERY_HANDLER_PORT instead, registered as a network endpoint
  DISCOVERY_HANDLER_PORT        port for POD_IP (default 10000)
  DEBUG_ECHO_INSTANCES_SHARED   debugEcho: report devices as shared (default false)
  DEBUG_ECHO_AVAILABILITY_FILE  debugEcho: "OFFLINE" in this file hides the devices (default /tmp/debug-echo-availability.txt)
  AKRI_LOG_LEVEL                debug, info, warn or error (default info)
`);
  process.exit(name ? 0 : 2);
}
try {
  const handler = await createHandler(name, { logger: log, env: process.env });
  const dir = process.env.DISCOVERY_HANDLERS_DIRECTORY ?? '/var/lib/akri';
  const podIp = process.env.POD_IP;
  const running = await runHandler(handler, {
    dir,
    socketDir: process.env.DISCOVERY_HANDLER_SOCKET_DIRECTORY || undefined,
    tcp: podIp ? { host: podIp, port: Number(process.env.DISCOVERY_HANDLER_PORT ?? 10000) } : undefined,
    onRegistered: () => log.info('registered with the agent', { dir }),
  });
  log.info('serving', { endpoint: running.endpoint, shared: handler.shared });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.on(sig, () => void running.stop().then(() => process.exit(0)));
  }
} catch (err) {
  log.error((err as Error).message);
  process.exit(2);
}
