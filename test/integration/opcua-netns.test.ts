// OPC UA across a real link: a node-opcua server inside a network namespace registers with
// an LDS on our side of a veth pair, and the handler here finds it through the LDS; after the
// server is killed without unregistering, the liveness check drops it. Needs root.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { OPCUACertificateManager, OPCUADiscoveryServer } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { OpcuaDiscoveryHandler, type OpcuaProblem } from '../../discovery-handlers/opcua/opcua-handler.ts';
import { parseOpcuaDetails } from '../../discovery-handlers/opcua/opcua-details.ts';
import { freePort } from '../../lib/net/free-port.ts';
import { NetnsLab, type LinkedHost } from '../netns/netns-lab.ts';

const lab = new NetnsLab();
let ns: LinkedHost;
let base: string;
let lds: OPCUADiscoveryServer;
let ldsUrl: string;

beforeAll(async () => {
  ns = await lab.addLinkedHost('peer');
  base = mkdtempSync(join(tmpdir(), 'akri-ts-opcua-netns-'));
  const port = await freePort(ns.hostAddress);
  lds = new OPCUADiscoveryServer({
    port,
    hostname: ns.hostAddress,
    serverCertificateManager: new OPCUACertificateManager({ rootFolder: join(base, 'lds'), automaticallyAcceptUnknownCertificate: true }),
  });
  await lds.start();
  ldsUrl = `opc.tcp://${ns.hostAddress}:${port}`;
}, 60_000);

afterAll(async () => {
  await lds?.shutdown();
  await lab.remove();
  if (base) rmSync(base, { recursive: true, force: true });
}, 30_000);

describe('opcua handler and a server in another namespace', () => {
  it('finds the server through the LDS, and drops it after it dies without unregistering', async () => {
    const problems: OpcuaProblem[] = [];
    const handler = new OpcuaDiscoveryHandler({
      logger: new Logger({}, 'warn', new MemorySink()),
      onProblem: (p) => problems.push(p),
    });
    const details = parseOpcuaDetails(JSON.stringify({ opcuaDiscoveryMethod: { standard: { discoveryUrls: [ldsUrl] } }, requestTimeoutSeconds: 3 }));
    const [cmd, ...args] = ns.exec([
      process.execPath,
      '--import',
      'tsx',
      'simulators/opcua/run-opcua-server.ts',
      base,
      'Remote PLC',
      ldsUrl,
      ns.namespaceAddress,
    ]);
    let server: ChildProcess | undefined;
    try {
      server = spawn(cmd ?? 'ip', args, { stdio: ['ignore', 'pipe', 'ignore'] });
      const child = server;
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout ?? process.stdin }).on('line', (line) => {
          if (line.startsWith('READY ')) resolve(line.slice('READY '.length));
        });
        child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      });
      expect(url).toContain(ns.namespaceAddress);
      const found = await handler.round(details);
      expect(found.map((d) => [d.id, d.properties.OPCUA_APPLICATION_NAME])).toEqual([[url, 'Remote PLC']]);
      server.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      expect(await handler.round(details)).toEqual([]);
      expect(problems).toContainEqual(expect.objectContaining({ url, step: 'liveness' }));
    } finally {
      server?.kill('SIGKILL');
    }
  }, 60_000);
});
