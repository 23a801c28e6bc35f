// The opcua handler against real node-opcua peers: an LDS with two servers registered, a
// server asked directly, and peers that fail (closed port, accept-and-never-answer).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { OPCUADiscoveryServer, OPCUAServer } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { freePort } from '../../lib/net/free-port.ts';
import { SnapshotReader } from '../../test/support/discovery-snapshots.ts';
import { OpcuaDiscoveryHandler, type OpcuaProblem } from './opcua-handler.ts';
import { parseOpcuaDetails } from './opcua-details.ts';
import { startLds, startServer } from '../../simulators/opcua/opcua-servers.ts';

let base: string;
let lds: OPCUADiscoveryServer;
let ldsUrl: string;
let line1: { server: OPCUAServer; url: string };
let line2: { server: OPCUAServer; url: string };
let handler: OpcuaDiscoveryHandler;
let problems: OpcuaProblem[];

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'akri-ts-opcua-test-'));
  ({ lds, url: ldsUrl } = await startLds(base));
  const [a, b] = await Promise.all([startServer(base, 'Line 1 PLC', ldsUrl), startServer(base, 'Line 2 PLC', ldsUrl)]);
  line1 = a;
  line2 = b;
  await Promise.all([a.registered, b.registered]);
  problems = [];
  handler = new OpcuaDiscoveryHandler({
    pkiFolder: join(base, 'handler-pki'),
    logger: new Logger({}, 'warn', new MemorySink()),
    onProblem: (p) => problems.push(p),
  });
}, 60_000);

afterAll(async () => {
  await Promise.all([line1?.server.shutdown(), line2?.server.shutdown()]);
  await lds?.shutdown();
  rmSync(base, { recursive: true, force: true });
}, 30_000);

const details = (extra: object = {}, urls: string[] = [ldsUrl]): ReturnType<typeof parseOpcuaDetails> =>
  parseOpcuaDetails(JSON.stringify({ opcuaDiscoveryMethod: { standard: { discoveryUrls: urls } }, ...extra }));

describe('opcua discovery', () => {
  it('finds the servers registered with an LDS, not the LDS itself, with Akri and extra properties', async () => {
    const devices = await handler.round(details());
    expect(devices.map((d) => d.id)).toEqual([line1.url, line2.url].sort());
    expect(devices.find((d) => d.id === line1.url)?.properties).toEqual({
      OPCUA_DISCOVERY_URL: line1.url,
      OPCUA_APPLICATION_URI: 'urn:akri-ts:test:Line-1-PLC',
      OPCUA_APPLICATION_NAME: 'Line 1 PLC',
    });
  }, 30_000);

  it('applies the applicationNames filter (Include and Exclude)', async () => {
    const include = await handler.round(details({ applicationNames: { items: ['Line 2 PLC'] } }));
    expect(include.map((d) => d.properties.OPCUA_APPLICATION_NAME)).toEqual(['Line 2 PLC']);
    const exclude = await handler.round(details({ applicationNames: { items: ['Line 2 PLC'], action: 'Exclude' } }));
    expect(exclude.map((d) => d.properties.OPCUA_APPLICATION_NAME)).toEqual(['Line 1 PLC']);
  }, 30_000);

  it('asks a server directly when its own URL is the discovery URL, and dedups across sources', async () => {
    const devices = await handler.round(details({}, [line1.url, ldsUrl]));
    expect(devices.map((d) => d.id)).toEqual([line1.url, line2.url].sort());
  }, 30_000);

  it('with FindServersOnNetwork on, lists the same servers once', async () => {
    const devices = await handler.round(details({ findServersOnNetwork: true }));
    // FindServersOnNetwork answers with what the LDS heard by multicast DNS: other OPC UA
    // servers on this machine (other tests, a real PLC on the network) may be listed too. Ours
    // must each be listed once, and no server twice.
    const ids = devices.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id === line1.url || id === line2.url).sort()).toEqual([line1.url, line2.url].sort());
  }, 30_000);

  it('bounds a peer that accepts TCP and never answers, and still reports the good servers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => sockets.add(s));
    const port = await freePort();
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
    const closedPort = await freePort();
    problems.length = 0;
    try {
      const started = Date.now();
      const devices = await handler.round(
        details({ requestTimeoutSeconds: 1 }, [`opc.tcp://127.0.0.1:${port}/`, `opc.tcp://127.0.0.1:${closedPort}/`, ldsUrl]),
      );
      expect(Date.now() - started).toBeLessThan(4000);
      expect(devices).toHaveLength(2);
      expect(problems).toContainEqual(expect.objectContaining({ url: `opc.tcp://127.0.0.1:${port}/`, step: 'find-servers', kind: 'timeout' }));
      expect(problems).toContainEqual(expect.objectContaining({ url: `opc.tcp://127.0.0.1:${closedPort}/`, step: 'find-servers' }));
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 30_000);

  it('streams snapshots: a server that shuts down leaves the next one', async () => {
    const extra = await startServer(base, 'Line 3 PLC', ldsUrl);
    await extra.registered;
    const reader = new SnapshotReader(
      handler,
      JSON.stringify({ opcuaDiscoveryMethod: { standard: { discoveryUrls: [ldsUrl] } }, discoveryIntervalSeconds: 1, requestTimeoutSeconds: 2 }),
    );
    try {
      await reader.until((d) => d.some((x) => x.id === extra.url), 15_000);
      await extra.server.shutdown();
      const after = await reader.until((d) => !d.some((x) => x.id === extra.url), 15_000);
      expect(after.map((d) => d.id)).toEqual([line1.url, line2.url].sort());
    } finally {
      await reader.stop();
    }
  }, 40_000);

  it('a server that died without unregistering is still listed by the LDS but dropped by the liveness check', async () => {
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'simulators', 'opcua', 'run-opcua-server.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', script, base, 'Crashed PLC', ldsUrl], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line.startsWith('READY ')) resolve(line.slice('READY '.length));
        });
        child.once('exit', (code) => reject(new Error(`test server exited with ${code}`)));
      });
      expect((await handler.round(details())).map((d) => d.id)).toContain(url);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      problems.length = 0;
      // Akri's behaviour (no liveness check) keeps the stale registration...
      expect((await handler.round(details({ livenessCheck: false }))).map((d) => d.id)).toContain(url);
      // ...ours drops it, and says why.
      expect((await handler.round(details({ requestTimeoutSeconds: 2 }))).map((d) => d.id)).toEqual([line1.url, line2.url].sort());
      expect(problems).toContainEqual(expect.objectContaining({ url, step: 'liveness' }));
    } finally {
      child.kill('SIGKILL');
    }
  }, 40_000);

  it('rejects bad details before yielding, naming the field', async () => {
    const first = async (text: string): Promise<void> => {
      for await (const _ of handler.discover({ details: text, properties: {} }, new AbortController().signal)) break;
    };
    await expect(first('')).rejects.toThrow(/empty/);
    await expect(first('{}')).rejects.toThrow(/opcuaDiscoveryMethod: required/);
    await expect(first('opcuaDiscoveryMethod: {standard: {discoveryUrls: ["http://x/"]}}')).rejects.toThrow(
      /opcuaDiscoveryMethod\.standard\.discoveryUrls\[0\]/,
    );
    await expect(first('opcuaDiscoveryMethod: {lds: {}}')).rejects.toThrow(/opcuaDiscoveryMethod\.lds: unknown field/);
  });
});

describe('opcua discoveryDetails', () => {
  it("defaults discoveryUrls to Akri's opc.tcp://localhost:4840/ and reads Akri's serialization", () => {
    expect(parseOpcuaDetails('opcuaDiscoveryMethod: {standard: {}}').discoveryUrls).toEqual(['opc.tcp://localhost:4840/']);
    const akri = parseOpcuaDetails(
      '{"opcuaDiscoveryMethod":{"standard":{"discoveryUrls":["opc.tcp://127.0.0.1:4855/"]}},"applicationNames":{"items":["Some application name"],"action":"Include"}}',
    );
    expect(akri).toMatchObject({
      discoveryUrls: ['opc.tcp://127.0.0.1:4855/'],
      applicationNames: { items: ['Some application name'], action: 'Include' },
      discoveryIntervalSeconds: 10,
      livenessCheck: true,
      findServersOnNetwork: false,
    });
  });
});
