// The opcua scenario: a node-opcua server registers with a Local Discovery Server when it comes
// up and unregisters when it shuts down; the handler asks the LDS FindServers every interval.
// So the Instance appears at the handler's next round (within one interval) and goes at the
// first round after unregistering, plus the grace period.
// --interval <s> changes the handler's discoveryIntervalSeconds (default 10).
import type { OPCUADiscoveryServer, OPCUAServer } from 'node-opcua';
import { join } from 'node:path';
import { OpcuaDiscoveryHandler } from '../../discovery-handlers/opcua/opcua-handler.ts';
import { startLds, startServer } from '../../simulators/opcua/opcua-servers.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { freePort } from '../../lib/net/free-port.ts';
import type { ScenarioFactory } from './scenario.ts';

const scenario: ScenarioFactory = (args) => {
  const intervalSeconds = args.number('interval', 10);
  let pki = '';
  let lds: OPCUADiscoveryServer | undefined;
  let ldsUrl = '';
  let server: OPCUAServer | undefined;
  let port = 0;
  return {
    handler: 'opcua',
    intervalSeconds,
    configuration: () => ({
      discoveryHandler: {
        name: 'opcua',
        discoveryDetails: JSON.stringify({
          opcuaDiscoveryMethod: { standard: { discoveryUrls: [ldsUrl] } },
          discoveryIntervalSeconds: intervalSeconds,
        }),
      },
    }),
    async setup({ workDir }) {
      pki = join(workDir, 'pki');
      ({ lds, url: ldsUrl } = await startLds(pki));
      // One start and clean stop beforehand, so that the certificates (seconds of RSA key
      // generation on a busy machine) exist when the device comes up: we measure discovery,
      // not the server's first boot. The agent does not run yet, so nothing sees this one.
      port = await freePort();
      const warm = await startServer(pki, 'Bench PLC', ldsUrl, '127.0.0.1', port);
      await warm.registered;
      await warm.server.shutdown();
    },
    async embeddedHandler() {
      return new OpcuaDiscoveryHandler({ logger: new Logger({ component: 'opcua' }, 'warn') });
    },
    async deviceUp() {
      const started = await startServer(pki, 'Bench PLC', ldsUrl, '127.0.0.1', port);
      server = started.server;
      // The device "is up" once the LDS lists it; the clock started before the server did,
      // so its start-up and registration count against the measurement.
      await started.registered;
    },
    async deviceDown() {
      // shutdown() unregisters from the LDS first, as a server going away cleanly does.
      await server?.shutdown();
      server = undefined;
    },
    async teardown() {
      await server?.shutdown();
      await lds?.shutdown();
    },
  };
};
export default scenario;
