// Real node-opcua peers for the opcua tests: a Local Discovery Server and servers that
// register with it, on 127.0.0.1 with free ports, each with its own PKI under a temp dir.
// The LDS trusts registrants automatically: in a test there is no administrator to do it.
import { join } from 'node:path';
import { OPCUACertificateManager, OPCUADiscoveryServer, OPCUAServer, RegisterServerMethod } from 'node-opcua';
import { freePort } from '../../lib/net/free-port.ts';

export async function startLds(pkiBase: string): Promise<{ lds: OPCUADiscoveryServer; url: string }> {
  const port = await freePort();
  const lds = new OPCUADiscoveryServer({
    port,
    hostname: '127.0.0.1',
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: join(pkiBase, `lds-${port}`),
      automaticallyAcceptUnknownCertificate: true,
    }),
  });
  await lds.start();
  return { lds, url: `opc.tcp://127.0.0.1:${port}` };
}

export async function startServer(
  pkiBase: string,
  applicationName: string,
  ldsUrl?: string,
  host = '127.0.0.1',
  /** A fixed port reuses the PKI (and certificate) of an earlier server on that port. */
  fixedPort?: number,
): Promise<{ server: OPCUAServer; url: string; registered: Promise<void> }> {
  const port = fixedPort ?? (await freePort(host));
  const server = new OPCUAServer({
    port,
    hostname: host,
    alternateHostname: [],
    serverCertificateManager: new OPCUACertificateManager({
      rootFolder: join(pkiBase, `server-${port}`),
      automaticallyAcceptUnknownCertificate: true,
    }),
    registerServerMethod: ldsUrl ? RegisterServerMethod.LDS : RegisterServerMethod.HIDDEN,
    ...(ldsUrl ? { discoveryServerEndpointUrl: ldsUrl } : {}),
    buildInfo: { productName: applicationName },
    serverInfo: {
      applicationName: { text: applicationName },
      applicationUri: `urn:akri-ts:test:${applicationName.replaceAll(' ', '-')}`,
    },
  });
  const registered = ldsUrl
    ? new Promise<void>((resolve) => server.once('serverRegistered', () => resolve()))
    : Promise.resolve();
  await server.start();
  return { server, url: server.getEndpointUrl(), registered };
}
