// WS-Discovery and ONVIF against peers we did not write, across a real link (a veth pair into
// a network namespace): Debian's onvif-util (libonvif) as a client of the camera simulator,
// and Debian's wsdd as a WS-Discovery peer of the handler. Also the handler seeing a camera
// in another namespace come (Hello) and go (Bye) without a poll. Needs root, onvif-tools, wsdd.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger, MemorySink } from '../../lib/observability/logger.ts';
import { OnvifDiscoveryHandler } from '../../discovery-handlers/onvif/onvif-handler.ts';
import { SnapshotReader } from '../support/discovery-snapshots.ts';
import { AnnouncementListener, probeOnce, type Announcement } from '../../discovery-handlers/onvif/ws-discovery-transport.ts';
import { NetnsLab, type LinkedHost } from '../netns/netns-lab.ts';
import { CameraSimulator } from '../../simulators/onvif-camera/camera-simulator.ts';
import { until } from '../support/wait.ts';

const run = promisify(execFile);
const lab = new NetnsLab();
let ns: LinkedHost;

beforeAll(async () => {
  ns = await lab.addLinkedHost('peer');
});
afterAll(async () => {
  await lab.remove();
});

async function inNamespace(script: string): Promise<{ stdout: string; code: number }> {
  const [cmd, ...args] = ns.exec(['sh', '-c', script]);
  try {
    const { stdout } = await run(cmd ?? 'ip', args, { timeout: 20_000 });
    return { stdout, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; code?: number };
    return { stdout: e.stdout ?? '', code: e.code ?? -1 };
  }
}

describe('camera simulator, seen by onvif-util from another namespace', () => {
  let cam: CameraSimulator;
  beforeAll(async () => {
    // onvif-util always probes 239.255.255.250:3702, so the simulator listens on 3702 here.
    cam = new CameraSimulator({ bindAddress: ns.hostAddress, wsDiscoveryPort: 3702, username: 'admin', password: 'pa55' });
    await cam.start();
  });
  afterAll(async () => {
    await cam?.stop();
  });

  it('onvif-util -a finds it by WS-Discovery and reads its name', async () => {
    const { stdout } = await inNamespace('timeout 15 onvif-util -a');
    // "<ip> <hostname>(<name>)": the hostname comes from GetHostname, the name from scopes.
    expect(stdout).toMatch(new RegExp(`${ns.hostAddress.replaceAll('.', '\\.')} simcam-[0-9a-f]{8}\\(SimCam\\)`));
  });

  it('onvif-util logs in with a UsernameToken digest and reads the RTSP URI', async () => {
    const { stdout, code } = await inNamespace(`printf 'get rtsp\\nquit\\n' | timeout 15 onvif-util -u admin -p pa55 ${ns.hostAddress}`);
    expect(stdout).toContain('successfully connected to host');
    expect(stdout).toContain(cam.rtspUrl);
    expect(code).toBe(0);
  });

  it('onvif-util with a wrong password gets NotAuthorized', async () => {
    const { stdout, code } = await inNamespace(`printf 'quit\\n' | timeout 15 onvif-util -u admin -p wrong ${ns.hostAddress}`);
    expect(stdout).toContain('ter:NotAuthorized');
    expect(code).not.toBe(0);
  });
});

describe('WS-Discovery with wsdd as the peer', () => {
  it("reads wsdd's Hello and Bye, and wsdd does not answer a camera Probe", async () => {
    const heard: Announcement[] = [];
    const rejected: string[] = [];
    const listener = await AnnouncementListener.start((a) => heard.push(a), {
      multicastInterface: ns.hostAddress,
      onRejected: (_from, reason) => rejected.push(reason),
    });
    const uuid = '0a0b0c0d-1111-2222-3333-444455556666';
    const [cmd, ...args] = ns.exec(['wsdd', '-i', ns.namespaceInterface, '-4', '-t', '-n', 'wsdd-peer', '-U', uuid]);
    const wsdd = spawn(cmd ?? 'ip', args, { stdio: 'ignore' });
    try {
      await until("wsdd's Hello", () => heard.some((a) => a.kind === 'hello' && a.endpoint.uuid === uuid), 10_000, 50);
      const probe = { windowMs: 1000, multicast: true, unicastAddresses: [], maxEndpointsPerResponder: 16, maxXAddrsPerEndpoint: 4 };
      const { endpoints: cameras } = await probeOnce(probe, { multicastInterface: ns.hostAddress });
      expect(cameras.map((c) => c.uuid)).not.toContain(uuid);
      wsdd.kill('SIGTERM');
      await until("wsdd's Bye", () => heard.some((a) => a.kind === 'bye' && a.uuid === uuid), 10_000, 50);
      expect(rejected).toEqual([]);
    } finally {
      wsdd.kill('SIGKILL');
      listener.close();
    }
  }, 30_000);
});

describe('onvif handler and a camera in another namespace', () => {
  it('adds the camera on its Hello and removes it on its Bye, with polling effectively off', async () => {
    const handler = new OnvifDiscoveryHandler({
      multicastInterface: ns.hostAddress,
      logger: new Logger({}, 'warn', new MemorySink()),
    });
    // Only the camera this test starts counts: another WS-Discovery responder on the machine's
    // network (a camera, a printer, another test's peer) must not answer for it.
    const reader = new SnapshotReader(
      handler,
      JSON.stringify({ discoveryTimeoutSeconds: 0.5, discoveryIntervalSeconds: 3600, ipAddresses: { action: 'Include', items: [ns.namespaceAddress] } }),
    );
    let camera: ChildProcess | undefined;
    // A responder this test did not start for this purpose, on the same link: it answers the
    // handler's Probe (as a camera on a developer's network would) and must be filtered out.
    const stranger = new CameraSimulator({ bindAddress: ns.hostAddress, wsDiscoveryPort: 3702, username: 'admin', password: 'pa55' });
    await stranger.start();
    try {
      expect(await reader.until(() => true, 5000)).toEqual([]);
      const [cmd, ...args] = ns.exec([
        process.execPath,
        '--import',
        'tsx',
        'simulators/onvif-camera/run-camera.ts',
        '--bind',
        ns.namespaceAddress,
        '--hello',
      ]);
      camera = spawn(cmd ?? 'ip', args, { stdio: ['ignore', 'pipe', 'inherit'] });
      const line = await new Promise<string>((resolve) => createInterface({ input: camera?.stdout ?? process.stdin }).once('line', resolve));
      const { serviceUrl, uuid } = JSON.parse(line) as { serviceUrl: string; uuid: string };
      const added = await reader.until((d) => d.length === 1, 3000);
      expect(added[0]?.id).toBe(`${serviceUrl}-${uuid}`);
      camera.kill('SIGTERM');
      expect(await reader.until((d) => d.length === 0, 3000)).toEqual([]);
    } finally {
      camera?.kill('SIGKILL');
      await reader.stop();
      await stranger.stop();
    }
  }, 30_000);
});
