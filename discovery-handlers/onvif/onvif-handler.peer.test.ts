// The onvif handler against simulated cameras on loopback: real UDP multicast and HTTP.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { CameraSimulator, type CameraSimulatorOptions } from '../../simulators/onvif-camera/camera-simulator.ts';
import type { CameraProblem } from './camera-inspection.ts';
import { OnvifDiscoveryHandler } from './onvif-handler.ts';
import { freeUdpPort, SnapshotReader } from '../../test/support/discovery-snapshots.ts';
import { eventually, until } from '../../test/support/wait.ts';

let port: number;
let cameras: CameraSimulator[];
let readers: SnapshotReader[];
let problems: CameraProblem[];
let sink: MemorySink;

beforeEach(async () => {
  port = await freeUdpPort();
  cameras = [];
  readers = [];
  problems = [];
  sink = new MemorySink();
});

afterEach(async () => {
  await Promise.all(readers.map((r) => r.stop()));
  await Promise.all(cameras.map((c) => c.stop()));
});

async function camera(options: Partial<CameraSimulatorOptions> = {}): Promise<CameraSimulator> {
  const cam = new CameraSimulator({ wsDiscoveryPort: port, multicastInterface: '127.0.0.1', ...options });
  await cam.start();
  cameras.push(cam);
  return cam;
}

function discover(details: object, properties: Record<string, string> = {}): SnapshotReader {
  const handler = new OnvifDiscoveryHandler({
    port,
    multicastInterface: '127.0.0.1',
    logger: new Logger({}, 'debug', sink),
    onProblem: (p) => problems.push(p),
  });
  const props = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Buffer.from(v)]));
  const reader = new SnapshotReader(handler, JSON.stringify(details), props);
  readers.push(reader);
  return reader;
}

const FAST = { discoveryTimeoutSeconds: 0.3, requestTimeoutSeconds: 1 };
const NO_POLL = { ...FAST, discoveryIntervalSeconds: 3600 };

describe('onvif discovery', () => {
  it('finds a camera by multicast Probe with Akri properties, its id and its RTSP URI', async () => {
    const cam = await camera({ username: 'admin', password: 's3cret', mac: '02:00:00:aa:bb:01' });
    const uuidKey = cam.uuid.replaceAll('-', '_');
    const devices = await discover(FAST, { [`username_${uuidKey}`]: 'admin', [`password_${uuidKey}`]: 's3cret' }).until(
      (d) => d.length === 1,
    );
    expect(devices[0]).toEqual({
      id: `${cam.serviceUrl}-${cam.uuid}`,
      properties: {
        ONVIF_DEVICE_SERVICE_URL: cam.serviceUrl,
        ONVIF_DEVICE_UUID: cam.uuid,
        ONVIF_DEVICE_IP_ADDRESS: '127.0.0.1',
        ONVIF_DEVICE_MAC_ADDRESS: '02:00:00:aa:bb:01',
        ONVIF_DEVICE_RTSP_URL: cam.rtspUrl,
      },
      mounts: [],
      deviceSpecs: [],
    });
  });

  it('uses the default credential when there is none for the uuid, and never logs a password', async () => {
    await camera({ username: 'op', password: 'default-pass-123' });
    const devices = await discover(FAST, { username_default: 'op', password_default: 'default-pass-123' }).until(
      (d) => d.length === 1,
    );
    expect(devices[0]?.properties.ONVIF_DEVICE_MAC_ADDRESS).toBeDefined();
    expect(JSON.stringify(sink.lines)).not.toContain('default-pass-123');
  });

  it('with wrong credentials still lists the camera, without IP and MAC, and reports unauthorized', async () => {
    await camera({ username: 'admin', password: 'right' });
    const devices = await discover(FAST, { username_default: 'admin', password_default: 'wrong-pass-456' }).until(
      (d) => d.length === 1,
    );
    expect(devices[0]?.properties.ONVIF_DEVICE_IP_ADDRESS).toBeUndefined();
    expect(problems.map((p) => [p.step, p.kind])).toContainEqual(['network-interfaces', 'unauthorized']);
    expect(JSON.stringify(sink.lines)).not.toContain('wrong-pass-456');
  });

  it('an ipAddresses Include filter drops a camera whose IP could not be read (Akri semantics)', async () => {
    await camera({ username: 'admin', password: 'right' });
    const reader = discover({ ...FAST, ipAddresses: { items: ['127.0.0.1'] } });
    const first = await reader.until(() => true, 3000);
    expect(first).toEqual([]);
    expect(problems.some((p) => p.kind === 'unauthorized')).toBe(true);
  });

  it('filters by uuid, IP, MAC and scope with Include and Exclude', async () => {
    const a = await camera({ bindAddress: '127.0.0.2', mac: 'AA:AA:AA:AA:AA:01', scopes: ['onvif://www.onvif.org/location/dock'] });
    const b = await camera({ bindAddress: '127.0.0.3', mac: 'aa:aa:aa:aa:aa:02', scopes: ['onvif://www.onvif.org/location/gate'] });
    const ids = (d: { properties: Record<string, string> }[]): string[] => d.map((x) => x.properties.ONVIF_DEVICE_UUID ?? '').sort();
    const both = [a.uuid, b.uuid].sort();
    expect(ids(await discover(FAST).until((d) => d.length === 2))).toEqual(both);
    const only = async (details: object): Promise<string[]> => {
      const reader = discover({ ...FAST, ...details });
      // Two probes' worth of time: a wrong filter would show the other camera by then.
      const snapshot = await reader.until((d) => d.length >= 1, 3000);
      return ids(snapshot);
    };
    expect(await only({ uuids: { items: [a.uuid.toUpperCase()] } })).toEqual([a.uuid]);
    expect(await only({ uuids: { items: [a.uuid], action: 'Exclude' } })).toEqual([b.uuid]);
    expect(await only({ ipAddresses: { items: ['127.0.0.3'] } })).toEqual([b.uuid]);
    expect(await only({ macAddresses: { items: ['aa:aa:aa:aa:aa:01'] } })).toEqual([a.uuid]);
    expect(await only({ scopes: { items: ['onvif://www.onvif.org/location/gate'] } })).toEqual([b.uuid]);
    expect(await only({ scopes: { items: ['onvif://www.onvif.org/location/gate'], action: 'Exclude' } })).toEqual([a.uuid]);
  });

  it('a Hello adds a camera at once and a Bye removes it, with no poll in between', async () => {
    const reader = discover(NO_POLL);
    expect(await reader.until(() => true)).toEqual([]);
    const cam = await camera();
    const started = Date.now();
    await cam.hello();
    const added = await reader.until((d) => d.length === 1, 2000);
    expect(added[0]?.properties.ONVIF_DEVICE_UUID).toBe(cam.uuid);
    expect(Date.now() - started).toBeLessThan(1000);
    await cam.bye();
    expect(await reader.until((d) => d.length === 0, 2000)).toEqual([]);
  });

  it('a camera that vanishes without Bye is dropped at the next poll', async () => {
    const cam = await camera();
    const reader = discover({ ...FAST, discoveryIntervalSeconds: 1 });
    await reader.until((d) => d.length === 1);
    await cam.stop();
    expect(await reader.until((d) => d.length === 0, 4000)).toEqual([]);
  });

  it('a camera that still answers probes but whose web service stopped answering is dropped at the next poll', async () => {
    const cam = await camera();
    const reader = discover({ ...FAST, discoveryIntervalSeconds: 1 });
    await reader.until((d) => d.length === 1);
    cam.soapMisbehaviour = 'never-answer';
    expect(await reader.until((d) => d.length === 0, 5000)).toEqual([]);
    expect(problems).toContainEqual(expect.objectContaining({ step: 'liveness', kind: 'timeout' }));
  });

  it('finds a camera by unicast probe with multicast off', async () => {
    const cam = await camera({ bindAddress: '127.0.0.5' });
    const devices = await discover({ ...FAST, multicast: false, unicastTargets: ['127.0.0.4/30'] }).until(
      (d) => d.length === 1,
    );
    expect(devices[0]?.properties.ONVIF_DEVICE_SERVICE_URL).toBe(cam.serviceUrl);
  });

  it('rejects bad details before yielding, naming the field', async () => {
    const handler = new OnvifDiscoveryHandler({ port });
    const iterate = async (details: string): Promise<void> => {
      for await (const _ of handler.discover({ details, properties: {} }, new AbortController().signal)) break;
    };
    await expect(iterate('{"scopes": {"items": ["x"], "action": "Maybe"}}')).rejects.toThrow(/scopes\.action/);
    await expect(iterate('discoveryTimeoutSeconds: -1')).rejects.toThrow(InvalidDiscoveryDetails);
    await expect(iterate('unicastTargets: ["10.0.0.0/8"]')).rejects.toThrow(/unicastTargets\[0\].*at most 1024/);
  });
});

describe('onvif discovery against misbehaving cameras', () => {
  const cases = [
    { behaviour: 'malformed-xml', kind: 'malformed' },
    { behaviour: 'xml-bomb', kind: 'malformed' },
    { behaviour: 'soap-fault', kind: 'fault' },
    { behaviour: 'never-answer', kind: 'timeout' },
    { behaviour: 'huge-response', kind: 'too-large' },
  ] as const;
  for (const { behaviour, kind } of cases) {
    it(`${behaviour}: bounded work, a "${kind}" problem, and the good camera is still found`, async () => {
      const good = await camera({ bindAddress: '127.0.0.6' });
      await camera({ bindAddress: '127.0.0.7', soapMisbehaviour: behaviour, misbehavingOperations: ['GetNetworkInterfaces'] });
      const started = Date.now();
      const devices = await discover(FAST).until((d) => d.length === 2 && problems.length > 0, 5000);
      // One probe window plus one request timeout, not a hang or a blow-up.
      expect(Date.now() - started).toBeLessThan(3000);
      const bad = devices.find((d) => d.properties.ONVIF_DEVICE_SERVICE_URL !== good.serviceUrl);
      expect(bad?.properties.ONVIF_DEVICE_IP_ADDRESS).toBeUndefined();
      expect(problems).toContainEqual(expect.objectContaining({ step: 'network-interfaces', kind }));
    });
  }

  it('a camera whose liveness check never answers is left out, and discovery carries on', async () => {
    await camera({ bindAddress: '127.0.0.8', soapMisbehaviour: 'never-answer' });
    const good = await camera({ bindAddress: '127.0.0.9' });
    // The good camera is reported as soon as it is inspected, before the silent one times out.
    const devices = await discover(FAST).until((d) => d.length === 1, 5000);
    expect(devices[0]?.properties.ONVIF_DEVICE_SERVICE_URL).toBe(good.serviceUrl);
    await eventually(() => expect(problems).toContainEqual(expect.objectContaining({ step: 'liveness', kind: 'timeout' })), 5000);
  });

  it('a burst of Hellos from a camera that never answers costs one attempt, not one per Hello', async () => {
    const reader = discover(NO_POLL);
    await reader.until(() => true);
    const dead = await camera({ bindAddress: '127.0.0.13', soapMisbehaviour: 'never-answer' });
    // Keep pulling: the generator only runs while its consumer waits for the next snapshot.
    const added = reader.until((d) => d.length === 1, 5000);
    for (let i = 0; i < 4; i++) await dead.hello();
    // The first attempt on it has timed out (1 s); the other Hellos must have cost nothing.
    await until('the silent camera to time out once', () => problems.some((p) => p.uuid === dead.uuid && p.kind === 'timeout'), 5000, 20);
    const good = await camera({ bindAddress: '127.0.0.14' });
    const started = Date.now();
    await good.hello();
    await added;
    // Without the back-off, three more 1 s timeouts would sit ahead of this Hello.
    expect(Date.now() - started).toBeLessThan(1000);
    expect(dead.requests).toEqual(['GetSystemDateAndTime']);
  });

  it('malformed and XML-bomb probe replies are rejected and logged, not fatal', async () => {
    await camera({ bindAddress: '127.0.0.10', probeMisbehaviour: 'malformed-xml' });
    await camera({ bindAddress: '127.0.0.11', probeMisbehaviour: 'xml-bomb' });
    const good = await camera({ bindAddress: '127.0.0.12' });
    const devices = await discover(FAST).until((d) => d.length === 1);
    expect(devices[0]?.properties.ONVIF_DEVICE_UUID).toBe(good.uuid);
    const reasons = sink.lines.filter((l) => l.msg === 'ignored an unreadable WS-Discovery datagram').map((l) => String(l.reason));
    expect(reasons.some((r) => /DOCTYPE/.test(r))).toBe(true);
    expect(reasons.some((r) => /mismatched|unclosed/.test(r))).toBe(true);
  });
});
