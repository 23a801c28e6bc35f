// Class 5 of issue 16: credentials sent where the operator did not mean them. Harvesting peers
// on other loopback addresses: a responder whose ProbeMatch names an XAddr on another host, a
// camera whose GetCapabilities names a media service on another host, a camera outside the
// operator's credentialCidrs, and an https camera with an unverified certificate when
// verifyCertificates is on. The harvester records every username it is sent: none reaches it,
// while a camera that qualifies still gets its credentials. Then generated XAddrs (hosts,
// ports, schemes, userinfo, IPv6, names) checked against the credential rule: only an XAddr
// whose host is exactly the responding address may ever get them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mayReceiveCredentials, urlHost } from '../../discovery-handlers/onvif/credential-policy.ts';
import { OnvifDiscoveryHandler } from '../../discovery-handlers/onvif/onvif-handler.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { CameraSimulator, type CameraSimulatorOptions } from '../../simulators/onvif-camera/camera-simulator.ts';
import { freeUdpPort } from '../support/discovery-snapshots.ts';
import { pick, seededRandom } from './support/seeded-random.ts';
import { StreamWatch } from './support/stream-watch.ts';

const USER = 'harvest-me';
const PASSWORD = 'never-leaves-home';
const credentials = { username_default: USER, password_default: PASSWORD };
const base = mkdtempSync(join(tmpdir(), 'akri-ts-hostile-credentials-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

let port: number;
let cameras: CameraSimulator[];
let watches: StreamWatch[];
beforeEach(async () => {
  port = await freeUdpPort();
  cameras = [];
  watches = [];
});
afterEach(async () => {
  await Promise.all(watches.map((w) => w.stop()));
  await Promise.all(cameras.map((c) => c.stop()));
});

async function camera(options: Partial<CameraSimulatorOptions>): Promise<CameraSimulator> {
  const cam = new CameraSimulator({ wsDiscoveryPort: port, multicastInterface: '127.0.0.1', username: USER, password: PASSWORD, ...options });
  await cam.start();
  cameras.push(cam);
  return cam;
}

function watch(details: object): StreamWatch {
  const handler = new OnvifDiscoveryHandler({ port, multicastInterface: '127.0.0.1', logger: new Logger({}, 'error', new MemorySink()) });
  const w = new StreamWatch(handler, JSON.stringify({ discoveryTimeoutSeconds: 0.5, requestTimeoutSeconds: 2, discoveryIntervalSeconds: 3600, ...details }), credentials);
  watches.push(w);
  return w;
}

describe('credentials stay with the address that answered', () => {
  it('a responder naming an XAddr on another host gets the camera inspected without credentials; the harvester sees none', async () => {
    // The harvester answers no probe itself; it only listens where the responder points.
    const harvester = await camera({ bindAddress: '127.0.0.82', probeMisbehaviour: 'silent' });
    await camera({ bindAddress: '127.0.0.81', advertisedServiceUrl: harvester.serviceUrl, uuid: '11111111-1111-1111-1111-111111111111' });
    const honest = await camera({ bindAddress: '127.0.0.83' });
    const w = watch({});
    await w.firstSnapshot((d) => d.length === 2, 20_000);
    await w.roundsEnded(1, 20_000);
    expect(harvester.requests.length).toBeGreaterThan(0); // it was asked (without credentials)...
    expect(harvester.usernamesSeen).toEqual([]); // ...and never given them
    expect(honest.usernamesSeen).toContain(USER); // the honest camera still is
    const honestDevice = w.snapshots.at(-1)?.devices.find((d) => d.properties.ONVIF_DEVICE_UUID === honest.uuid);
    expect(honestDevice?.properties.ONVIF_DEVICE_MAC_ADDRESS).toBe(honest.mac);
    expect(w.problems).toContainEqual({
      reason: 'OnvifCredentialsWithheld',
      message: expect.stringContaining(`credentials not sent to ${harvester.serviceUrl}: the host 127.0.0.82 is not the address 127.0.0.81 that answered the probe`),
    });
    expect(JSON.stringify(w.problems)).not.toContain(PASSWORD);
  });

  it('a camera whose media service is on another host keeps its credentials off that host', async () => {
    const harvester = await camera({ bindAddress: '127.0.0.85', probeMisbehaviour: 'silent' });
    const cam = await camera({ bindAddress: '127.0.0.84', advertisedMediaUrl: harvester.mediaUrl });
    const w = watch({});
    await w.firstSnapshot((d) => d.length === 1, 20_000);
    await w.roundsEnded(1, 20_000);
    expect(cam.usernamesSeen).toContain(USER); // its own service gets them
    expect(harvester.requests).toContain('GetProfiles'); // the media host was asked...
    expect(harvester.usernamesSeen).toEqual([]); // ...without credentials
  });

  it('credentialCidrs narrow where credentials go: a camera outside them is asked without', async () => {
    const inside = await camera({ bindAddress: '127.0.0.86' });
    const outside = await camera({ bindAddress: '127.0.0.87' });
    const w = watch({ credentialCidrs: ['127.0.0.86/32', 'fd00::/8'] });
    await w.firstSnapshot((d) => d.length === 2, 20_000);
    await w.roundsEnded(1, 20_000);
    expect(inside.usernamesSeen).toContain(USER);
    expect(outside.usernamesSeen).toEqual([]);
    expect(w.problems).toContainEqual({ reason: 'OnvifCredentialsWithheld', message: expect.stringContaining('127.0.0.87 is outside credentialCidrs') });
  });

  it('verifyCertificates: an unverified https camera gets nothing and is reported; with its CA given, it is found and gets them', async () => {
    const dir = mkdtempSync(join(base, 'tls-'));
    const key = join(dir, 'camera.key');
    const cert = join(dir, 'camera.crt');
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=camera', '-addext', 'subjectAltName=IP:127.0.0.88'];
    // node-opcua's PKI code, loaded earlier in the same test process, leaves OPENSSL_CONF set
    // to the string "undefined"; openssl then fails to start.
    const env = { ...process.env };
    delete env.OPENSSL_CONF;
    try {
      execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    } catch (error) {
      throw new Error(`openssl could not make the camera's certificate: ${String((error as { stderr?: Buffer }).stderr ?? error)}`);
    }
    const tls = { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
    const cam = await camera({ bindAddress: '127.0.0.88', tls });
    const plain = await camera({ bindAddress: '127.0.0.89' });

    const strict = watch({ verifyCertificates: true });
    await strict.firstSnapshot((d) => d.length === 1, 20_000); // only the plain http camera
    await strict.roundsEnded(1, 20_000);
    expect(cam.usernamesSeen).toEqual([]);
    expect(plain.usernamesSeen).toEqual([]); // http: credentials would cross the network unprotected
    expect(strict.problems).toContainEqual({ reason: 'OnvifCameraCertificateRejected', message: expect.stringContaining(cam.serviceUrl) });
    expect(strict.problems).toContainEqual({ reason: 'OnvifCredentialsWithheld', message: expect.stringContaining('verifyCertificates is on and the URL is not https') });

    const handler = new OnvifDiscoveryHandler({ port, multicastInterface: '127.0.0.1', logger: new Logger({}, 'error', new MemorySink()) });
    const trusted = new StreamWatch(
      handler,
      JSON.stringify({ discoveryTimeoutSeconds: 0.5, requestTimeoutSeconds: 2, discoveryIntervalSeconds: 3600, verifyCertificates: true }),
      { ...credentials, tls_ca_certificates: tls.cert },
    );
    watches.push(trusted);
    await trusted.firstSnapshot((d) => d.some((x) => x.properties.ONVIF_DEVICE_UUID === cam.uuid && x.properties.ONVIF_DEVICE_MAC_ADDRESS === cam.mac), 20_000);
    expect(cam.usernamesSeen).toContain(USER);
  });
});

describe('generated XAddrs against the credential rule', () => {
  it('10,000 XAddrs: credentials only where the host is exactly the responder, and never otherwise', () => {
    const random = seededRandom(5);
    const responder = '10.1.2.3';
    const hosts = ['10.1.2.3', '10.1.2.4', '10.1.2.30', '110.1.2.3', '[::ffff:10.1.2.3]', '[fd00::3]', 'camera.local', 'localhost', '10.1.2.3.nip.io', '0x0a010203', '10.1.2.3%2f', ''];
    const prefixes = ['http://', 'https://', 'HTTP://', 'ftp://', '//', 'http://user@', `http://${responder}@`, `http://${responder}:80@`];
    const suffixes = ['', ':80', ':8443', '/onvif/device_service', `/?next=${responder}`, `#${responder}`, ':99999', '/../..'];
    let sent = 0;
    for (let i = 0; i < 10_000; i++) {
      const url = `${pick(random, prefixes)}${pick(random, hosts)}${pick(random, suffixes)}`;
      const decision = mayReceiveCredentials(url, responder, { httpsOnly: false });
      if (decision.send) {
        sent += 1;
        expect(urlHost(url), url).toBe(responder);
        expect(new URL(url).protocol, url).toMatch(/^https?:$/);
      }
    }
    expect(sent).toBeGreaterThan(100); // the honest shapes were generated and allowed
  });
});
