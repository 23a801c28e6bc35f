// Bad peers, as a user sees them: an agent with the onvif and opcua handlers embedded faces
// cameras that send malformed XML, an XML bomb, a SOAP fault, an 8 MiB body, or accept and never
// answer, a camera that refuses our credentials, and an OPC UA endpoint that accepts the TCP
// connection and never speaks. Each one costs bounded time, becomes a Warning Event on its
// Configuration with a reason that says what went wrong, and the handler keeps discovering.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from '../../agent/agent.ts';
import { OnvifDiscoveryHandler } from '../../discovery-handlers/onvif/onvif-handler.ts';
import { freeUdpPort } from '../support/discovery-snapshots.ts';
import { OpcuaDiscoveryHandler } from '../../discovery-handlers/opcua/opcua-handler.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { CameraSimulator, type CameraSimulatorOptions } from '../../simulators/onvif-camera/camera-simulator.ts';
import { applyConfiguration, listEvents, listInstances } from './support/agent-nodes.ts';
import { useTestCluster } from './support/cluster.ts';
import { eventually } from '../support/wait.ts';

const cluster = useTestCluster('badpeers');
const PASSWORD = 'the-real-secret';
const WRONG_PASSWORD = 'not-the-secret-9f2c';
let work: string;
let port: number;
let agent: Agent | undefined;
let silentOpcua: Server | undefined;
const heldSockets = new Set<Socket>();
const cameras: CameraSimulator[] = [];
const handlerLogs = new MemorySink();

async function camera(options: Partial<CameraSimulatorOptions>): Promise<CameraSimulator> {
  const cam = new CameraSimulator({ wsDiscoveryPort: port, multicastInterface: '127.0.0.1', username: 'admin', password: PASSWORD, ...options });
  await cam.start();
  cameras.push(cam);
  return cam;
}

const uuidOf = (i: Instance): string | undefined => i.spec.brokerProperties?.ONVIF_DEVICE_UUID;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'akri-ts-bad-peers-'));
  port = await freeUdpPort();
  silentOpcua = createServer((socket) => {
    // Accept and never answer: hold the socket open until the test ends.
    heldSockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => silentOpcua?.listen(0, '127.0.0.1', resolve));
  const logger = new Logger({ test: 'bad-peers' }, 'warn', handlerLogs);
  agent = new Agent({
    nodeName: `${cluster.namespace}-node`,
    handlersDir: join(work, 'handlers'),
    kubeConfig: cluster.kc,
    logger: new Logger({}, 'error'),
    registry: new Registry(),
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    namespace: cluster.namespace,
    defaultGracePeriodSeconds: 2,
    embeddedHandlers: [
      new OnvifDiscoveryHandler({ port, multicastInterface: '127.0.0.1', logger }),
      new OpcuaDiscoveryHandler({ logger }),
    ],
  });
  await agent.start();
}, 60_000);

afterAll(async () => {
  await agent?.stop();
  await Promise.all(cameras.map((c) => c.stop()));
  for (const s of heldSockets) s.destroy();
  await new Promise<void>((resolve) => (silentOpcua ? silentOpcua.close(() => resolve()) : resolve()));
  if (work) rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('bad peers get bounded work and a clear Event, and never stop discovery', () => {
  it('each misbehaving camera becomes a Warning Event naming it and what went wrong; the good camera is still found', async () => {
    const good = await camera({ mac: '02:00:00:00:00:01' });
    const malformed = await camera({ soapMisbehaviour: 'malformed-xml' });
    const bomb = await camera({ soapMisbehaviour: 'xml-bomb' });
    const fault = await camera({ soapMisbehaviour: 'soap-fault' });
    const huge = await camera({ soapMisbehaviour: 'huge-response' });
    const silent = await camera({ soapMisbehaviour: 'never-answer' });
    const locked = await camera({ password: 'another-password' });
    const started = Date.now();
    await applyConfiguration(cluster.kc, cluster.namespace, 'bad-cams', {
      discoveryHandler: {
        name: 'onvif',
        discoveryDetails: JSON.stringify({ discoveryTimeoutSeconds: 0.5, requestTimeoutSeconds: 1, discoveryIntervalSeconds: 30 }),
        discoveryProperties: [
          { name: 'username_default', value: 'admin' },
          { name: 'password_default', value: PASSWORD },
          // The locked camera gets its own (wrong) pair: Akri's per-uuid format.
          { name: `username_${locked.uuid.replaceAll('-', '_')}`, value: 'admin' },
          { name: `password_${locked.uuid.replaceAll('-', '_')}`, value: WRONG_PASSWORD },
        ],
      },
    });

    // The good camera is listed within one round despite a peer that never answers: every
    // call has its deadline and the round does not wait on one camera at a time.
    await eventually(async () => {
      const uuids = (await listInstances(cluster.kc, cluster.namespace, 'bad-cams')).map(uuidOf);
      expect(uuids).toContain(good.uuid);
    }, 20_000, 200);
    expect(Date.now() - started).toBeLessThan(15_000);

    const expected: Array<[CameraSimulator, string]> = [
      [malformed, 'OnvifCameraMalformedResponse'],
      [bomb, 'OnvifCameraMalformedResponse'],
      [fault, 'OnvifCameraSoapFault'],
      [huge, 'OnvifCameraResponseTooLarge'],
      [silent, 'OnvifCameraTimeout'],
      [locked, 'OnvifCameraUnauthorized'],
    ];
    const events = await eventually(async () => {
      const found = (await listEvents(cluster.kc, cluster.namespace, 'bad-cams')).filter((e) => e.type === 'Warning');
      for (const [cam, reason] of expected) {
        expect(found.some((e) => e.reason === reason && e.message.includes(cam.uuid)), `${reason} for ${cam.uuid}`).toBe(true);
      }
      return found;
    }, 30_000, 500);
    for (const e of events) {
      expect(e.message).not.toContain(PASSWORD);
      expect(e.message).not.toContain(WRONG_PASSWORD);
    }
    expect(JSON.stringify(handlerLogs.lines)).not.toContain(WRONG_PASSWORD);
    expect(JSON.stringify(handlerLogs.lines)).toContain(locked.uuid); // the logs did see the problem

    // Cameras whose liveness call failed are not devices; the locked one answers liveness, so
    // (as in Akri) it is listed, only without the IP and MAC it would not tell us.
    const listed = await listInstances(cluster.kc, cluster.namespace, 'bad-cams');
    const byUuid = new Map(listed.map((i) => [uuidOf(i), i]));
    for (const cam of [malformed, bomb, fault, huge, silent]) expect(byUuid.has(cam.uuid)).toBe(false);
    expect(byUuid.get(locked.uuid)?.spec.brokerProperties?.ONVIF_DEVICE_MAC_ADDRESS).toBeUndefined();
    expect(byUuid.get(good.uuid)?.spec.brokerProperties?.ONVIF_DEVICE_MAC_ADDRESS).toBe('02:00:00:00:00:01');

    // Still discovering: a camera that joins now is added from its Hello (polls are 30 s apart).
    const late = await camera({});
    await late.hello();
    await eventually(async () => {
      const uuids = (await listInstances(cluster.kc, cluster.namespace, 'bad-cams')).map(uuidOf);
      expect(uuids).toContain(late.uuid);
    }, 5_000, 100);
  }, 90_000);

  it('an OPC UA endpoint that accepts and never answers costs one request timeout and becomes an Event', async () => {
    const address = silentOpcua?.address();
    const url = `opc.tcp://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    await applyConfiguration(cluster.kc, cluster.namespace, 'silent-plc', {
      discoveryHandler: {
        name: 'opcua',
        discoveryDetails: JSON.stringify({ opcuaDiscoveryMethod: { standard: { discoveryUrls: [url] } }, requestTimeoutSeconds: 1 }),
      },
    });
    await eventually(async () => {
      const events = await listEvents(cluster.kc, cluster.namespace, 'silent-plc');
      const event = events.find((e) => e.reason === 'OpcuaDiscoveryFailed');
      expect(event?.type).toBe('Warning');
      expect(event?.message).toContain(url.replace(/\/$/, ''));
      expect(event?.message).toContain('timeout');
    }, 40_000, 500);
    expect(heldSockets.size).toBeGreaterThan(0);
    expect(await listInstances(cluster.kc, cluster.namespace, 'silent-plc')).toHaveLength(0);
  }, 60_000);
});
