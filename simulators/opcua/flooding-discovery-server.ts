// A hostile OPC UA discovery server for tests: a real node-opcua Local Discovery Server whose
// FindServers answer lists `count` servers besides itself, as an attacker who can register
// with (or impersonate) a plant's LDS could make it do. Each listed server's discovery URL
// points at `target` (a different path per entry, so each is its own device): a tarpit that
// accepts and never answers, a closed port, or anything else the test wants behind them.
import { join } from 'node:path';
import { ApplicationDescription, ApplicationType, OPCUACertificateManager, OPCUADiscoveryServer } from 'node-opcua';
import { freePort } from '../../lib/net/free-port.ts';

export interface FloodingDiscoveryServer {
  url: string;
  shutdown(): Promise<void>;
}

class FloodingLds extends OPCUADiscoveryServer {
  flood: ApplicationDescription[] = [];
  override getServers(channel: Parameters<OPCUADiscoveryServer['getServers']>[0]): ApplicationDescription[] {
    return [...super.getServers(channel), ...this.flood];
  }
}

export async function startFloodingDiscoveryServer(pkiBase: string, count: number, target: string): Promise<FloodingDiscoveryServer> {
  const port = await freePort();
  const lds = new FloodingLds({
    port,
    hostname: '127.0.0.1',
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: join(pkiBase, `flooding-lds-${port}`),
      automaticallyAcceptUnknownCertificate: true,
    }),
  });
  lds.flood = Array.from(
    { length: count },
    (_, i) =>
      new ApplicationDescription({
        applicationUri: `urn:akri-ts:test:flood:${i}`,
        applicationName: { text: `Flood ${i}` },
        applicationType: ApplicationType.Server,
        discoveryUrls: [`${target.replace(/\/$/, '')}/flood/${i}`],
      }),
  );
  await lds.start();
  return { url: `opc.tcp://127.0.0.1:${port}`, shutdown: () => lds.shutdown() };
}
