// What one node's share of akri-ts costs in memory, measured as the image runs it (tsc to dist/,
// `node <flags> dist/cli/akri-ts.js`, no tsx: bench/compiled.ts), against a real control plane,
// a kubelet stand-in (so device plugins are served), and real devices: four Configurations
// (debugEcho with 2 devices, udev `null` and `zero`, an OPC UA server behind a Local Discovery
// Server, a simulated ONVIF camera), 6 Instances, each with a broker Pod.
//   phase 1: the agent with the four handlers inside, beside the controller;
//   phase 2: the agent and the four handlers as separate processes.
// Each phase waits until every device is served to the kubelet, then --quiet-seconds (120) at
// rest, sampling memory every 5 s; figures are the median of the last 30 s of samples (the GC's
// sawtooth), peaks are VmHWM. A bare `node` with the same flags, idling, is the floor.
// The controller gets its kubeconfig as JSON: in a pod it reads its service account and loads no
// YAML parser, and a JSON kubeconfig is read the same way (lib/kube/lite-kube-config.ts).
// Node flags: the image's (the Dockerfile's ENTRYPOINT), or --node-flags="<flags>" to weigh others.
// npm run bench -- footprint [--quiet-seconds 120] [--node-flags="<node and v8 flags>"] [--no-separate] --json
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ControlPlane } from '../cli/start/control-plane/control-plane.ts';
import { freePort } from '../lib/net/free-port.ts';
import { kubeRequest, type KubeEndpoint } from '../lib/kube/raw-request.ts';
import { sleep } from '../lib/time/sleep.ts';
import { KubeletStandIn } from '../test/kubelet-stand-in/kubelet-stand-in.ts';
import { CameraSimulator } from '../simulators/onvif-camera/camera-simulator.ts';
import { log, type Benchmark } from './benchmark.ts';
import { postConfiguration, procCpuMs, startBenchCluster } from './bench-cluster.ts';
import { compileAsImage, imageNodeFlags, repoRoot } from './compiled.ts';
import { groupOnItsOwnMiB, processMemory, round1, type ProcessMemory } from './process-memory.ts';

const NODE = 'footprint-node';
const HANDLERS = ['debugEcho', 'udev', 'opcua', 'onvif'] as const;
const SAMPLE_MS = 5000;
const SETTLED_WINDOW_MS = 30_000;

interface Sampled {
  pid: number;
  samples: ProcessMemory[];
  cpuAtQuietStart: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : ((s[Math.floor((s.length - 1) / 2)] ?? NaN) + (s[Math.ceil((s.length - 1) / 2)] ?? NaN)) / 2;
};

/** The median of each figure over the last window of samples, and the peak as last read. */
function settled(s: Sampled): ProcessMemory {
  const last = s.samples.slice(-Math.max(1, Math.round(SETTLED_WINDOW_MS / SAMPLE_MS)));
  const pick = (k: keyof ProcessMemory) => median(last.map((m) => m[k]));
  return { rssMiB: pick('rssMiB'), pssMiB: pick('pssMiB'), privateMiB: pick('privateMiB'), sharedMiB: pick('sharedMiB'), peakMiB: s.samples.at(-1)?.peakMiB ?? NaN };
}

/** Samples the processes' memory every 5 s for `seconds`, failing if one of them exits. */
async function quiet(procs: Map<string, ChildProcess>, seconds: number): Promise<Map<string, Sampled>> {
  const out = new Map<string, Sampled>();
  for (const [name, p] of procs) out.set(name, { pid: p.pid ?? 0, samples: [], cpuAtQuietStart: procCpuMs(p.pid ?? 0) });
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    await sleep(Math.min(SAMPLE_MS, Math.max(0, end - performance.now())));
    for (const [name, s] of out) {
      const m = processMemory(s.pid);
      if (!m) throw new Error(`${name} (pid ${s.pid}) exited during the quiet period`);
      s.samples.push(m);
    }
  }
  return out;
}

const cpuMsPerMinute = (s: Sampled, seconds: number): number => ((procCpuMs(s.pid) - s.cpuAtQuietStart) * 60) / seconds;

async function discoveredDevices(metricsPort: number): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    return [...text.matchAll(/^akri_discovered_device_count\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  } catch {
    return 0;
  }
}

/** Every device discovered by the agent, and every Instance served to the kubelet with all its slots. */
async function untilServed(kc: KubeEndpoint, ns: string, kubelet: KubeletStandIn, metricsPort: number, devices: number, procs: Map<string, ChildProcess>): Promise<number> {
  const started = performance.now();
  for (;;) {
    for (const [name, p] of procs) if (p.exitCode !== null) throw new Error(`${name} exited with code ${p.exitCode}`);
    const found = await discoveredDevices(metricsPort);
    const list = await kubeRequest<{ items: Array<{ metadata: { name: string }; spec: { capacity: number; nodes?: string[] } }> }>(kc, {
      method: 'GET',
      path: `/apis/akri.sh/v0/namespaces/${ns}/instances`,
    });
    const capacity = kubelet.capacity();
    const served = list.items.filter((i) => i.spec.nodes?.includes(NODE) && capacity[`akri.sh/${i.metadata.name}`]?.allocatable === i.spec.capacity).length;
    if (found === devices && served === devices) return (performance.now() - started) / 1000;
    if (performance.now() - started > 180_000) throw new Error(`after 180 s: ${found} of ${devices} devices discovered, ${served} Instances served to the kubelet`);
    await sleep(500);
  }
}

async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
  p.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000).then(() => p.kill('SIGKILL'))]);
}

const bench: Benchmark = async (args) => {
  const quietSeconds = args.number('quiet-seconds', 120);
  const nodeFlags = typeof args.flags['node-flags'] === 'string' ? args.flags['node-flags'].split(/\s+/).filter(Boolean) : imageNodeFlags();
  const separate = args.flags['no-separate'] !== true;
  log(`compiling as the image does (images/tsconfig.build.json → dist/); node flags: ${nodeFlags.join(' ') || '(none)'}`);
  const entry = compileAsImage();

  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-footprint-'));
  const handlersDir = join(dir, 'handlers');
  mkdirSync(handlersDir, { recursive: true });
  const plane = new ControlPlane({ dir: join(dir, 'cp'), scheduler: false, controllerManager: false });
  const kubelet = new KubeletStandIn({ kubeletDir: join(dir, 'kubelet') });
  const procs: ChildProcess[] = [];
  const stops: Array<() => Promise<unknown>> = [];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AKRI_LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    DISCOVERY_HANDLERS_DIRECTORY: handlersDir,
    DEBUG_ECHO_AVAILABILITY_FILE: join(dir, 'debug-echo-availability.txt'),
  };
  delete env.NODE_OPTIONS;
  const run = (name: string, argv: string[]): ChildProcess => {
    const p = spawn(process.execPath, [...nodeFlags, ...argv], { cwd: repoRoot, env, stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (d: Buffer) => process.stderr.write(`[${name}] ${d.toString()}`));
    procs.push(p);
    return p;
  };
  try {
    const { ep, kc, ns } = await startBenchCluster(plane);
    await kubeRequest(kc, { method: 'POST', path: `/api/v1/namespaces/${ns}/serviceaccounts`, body: { metadata: { name: 'default' } } });
    await kubeRequest(kc, { method: 'POST', path: '/api/v1/nodes', body: { metadata: { name: NODE } } });
    await kubeRequest(kc, {
      method: 'PATCH',
      path: `/api/v1/nodes/${NODE}/status`,
      contentType: 'application/merge-patch+json',
      body: { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() }] } },
    });
    await kubelet.start();
    stops.push(() => kubelet.stop());

    // The devices: node-opcua's LDS and a server registered with it; a camera on a loopback
    // address of its own (port 3702 on 127.0.0.42 may be the demo's of a running npm start).
    const { startLds, startServer } = await import('../simulators/opcua/opcua-servers.ts');
    const { lds, url: ldsUrl } = await startLds(join(dir, 'opcua-pki'));
    stops.push(() => lds.shutdown());
    const opcua = await startServer(join(dir, 'opcua-pki'), 'akri-ts footprint OPC UA server', ldsUrl);
    stops.push(() => opcua.server.shutdown());
    await opcua.registered;
    const cameraAddress = `127.0.${20 + Math.floor(Math.random() * 200)}.${2 + Math.floor(Math.random() * 250)}`;
    const camera = new CameraSimulator({ bindAddress: cameraAddress, wsDiscoveryPort: 3702, scopes: ['onvif://www.onvif.org/name/footprint-camera'] });
    await camera.start();
    stops.push(() => camera.stop());
    const broker = { brokerPodSpec: { containers: [{ name: 'broker', image: 'registry.k8s.io/pause:3.10' }] } };
    await postConfiguration(kc, ns, 'fp-debug-echo', { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: [foo0, foo1]\n' }, capacity: 1, brokerSpec: broker });
    await postConfiguration(kc, ns, 'fp-udev', { discoveryHandler: { name: 'udev', discoveryDetails: "udevRules:\n  - 'KERNEL==\"null\"'\n  - 'KERNEL==\"zero\"'\n" }, capacity: 2, brokerSpec: broker });
    await postConfiguration(kc, ns, 'fp-opcua', { discoveryHandler: { name: 'opcua', discoveryDetails: `opcuaDiscoveryMethod:\n  standard:\n    discoveryUrls: ["${ldsUrl}/"]\n` }, capacity: 1, brokerSpec: broker });
    await postConfiguration(kc, ns, 'fp-onvif', { discoveryHandler: { name: 'onvif', discoveryDetails: `multicast: false\nunicastTargets: ["${cameraAddress}"]\ndiscoveryTimeoutSeconds: 1\n` }, capacity: 1, brokerSpec: broker });
    const devices = 6;

    const controllerKubeconfig = join(dir, 'controller-kubeconfig.json');
    writeFileSync(controllerKubeconfig, JSON.stringify(parseYaml(readFileSync(ep.kubeconfig, 'utf8'))));
    const floor = run('floor', ['-e', 'setInterval(() => {}, 1 << 30)']);
    const agentArgs = (metricsPort: number, embed: boolean) => [
      entry, 'agent', '--node', NODE, '--handlers-dir', handlersDir, '--kubelet-dir', join(dir, 'kubelet'), '--state-dir', join(dir, 'state'),
      '--kubeconfig', ep.kubeconfig, '--metrics-port', String(metricsPort), '--namespace', ns, ...(embed ? ['--embed', HANDLERS.join(',')] : []),
    ];

    log('phase 1: the agent with debugEcho, udev, opcua and onvif inside, and the controller');
    const embeddedPort = await freePort();
    const controller = run('controller', [entry, 'controller', '--kubeconfig', controllerKubeconfig, '--identity', 'footprint', '--namespace', ns, '--lease-namespace', ns, '--metrics-port', String(await freePort())]);
    const embedded = run('agent', agentArgs(embeddedPort, true));
    const phase1 = new Map([['floor', floor], ['controller', controller], ['agent', embedded]]);
    const embeddedReadySeconds = await untilServed(kc, ns, kubelet, embeddedPort, devices, phase1);
    log(`all ${devices} devices served after ${embeddedReadySeconds.toFixed(1)} s; ${quietSeconds} s at rest`);
    const at1 = await quiet(phase1, quietSeconds);
    const pods = await kubeRequest<{ items: unknown[] }>(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods` });
    if (pods.items.length !== devices) throw new Error(`expected ${devices} broker pods, found ${pods.items.length}`);
    const floorM = settled(at1.get('floor') as Sampled);
    const agentM = settled(at1.get('agent') as Sampled);
    const controllerM = settled(at1.get('controller') as Sampled);
    const figures: Record<string, number | string> = {
      nodeFlags: nodeFlags.join(' '),
      quietSeconds,
      floorRssMiB: round1(floorM.rssMiB),
      floorPssMiB: round1(floorM.pssMiB),
      floorPrivateMiB: round1(floorM.privateMiB),
      embeddedAgentRssMiB: round1(agentM.rssMiB),
      embeddedAgentPeakMiB: round1(agentM.peakMiB),
      embeddedAgentPssMiB: round1(agentM.pssMiB),
      embeddedAgentPrivateMiB: round1(agentM.privateMiB),
      embeddedAgentCpuMsPerMinute: Math.round(cpuMsPerMinute(at1.get('agent') as Sampled, quietSeconds)),
      controllerRssMiB: round1(controllerM.rssMiB),
      controllerPeakMiB: round1(controllerM.peakMiB),
      controllerPrivateMiB: round1(controllerM.privateMiB),
      controllerCpuMsPerMinute: Math.round(cpuMsPerMinute(at1.get('controller') as Sampled, quietSeconds)),
    };
    log(`phase 1: ${JSON.stringify(figures)}`);
    await stopProcess(embedded);
    await stopProcess(controller);

    if (separate) {
      log('phase 2: the agent and the four handlers as separate processes');
      const separatePort = await freePort();
      const agent = run('agent', agentArgs(separatePort, false));
      const phase2 = new Map<string, ChildProcess>([['agent', agent], ['floor', floor]]);
      for (const h of HANDLERS) phase2.set(h, run(h, [entry, 'handler', h]));
      const separateReadySeconds = await untilServed(kc, ns, kubelet, separatePort, devices, phase2);
      log(`all ${devices} devices served after ${separateReadySeconds.toFixed(1)} s; ${quietSeconds} s at rest`);
      const at2 = await quiet(phase2, quietSeconds);
      const members = ['agent', ...HANDLERS].map((n) => settled(at2.get(n) as Sampled));
      figures.separateTotalMiB = round1(groupOnItsOwnMiB(members));
      figures.separateTotalPssMiB = round1(members.reduce((s, m) => s + m.pssMiB, 0));
      figures.separateTotalRssMiB = round1(members.reduce((s, m) => s + m.rssMiB, 0));
      figures.separateAgentRssMiB = round1(members[0]?.rssMiB ?? NaN);
      for (const [i, h] of HANDLERS.entries()) {
        const m = members[i + 1] as ProcessMemory;
        figures[`${h}HandlerRssMiB`] = round1(m.rssMiB);
        figures[`${h}HandlerPeakMiB`] = round1(m.peakMiB);
        figures[`${h}HandlerCpuMsPerMinute`] = Math.round(cpuMsPerMinute(at2.get(h) as Sampled, quietSeconds));
      }
      figures.separateFloorPssMiB = round1(settled(at2.get('floor') as Sampled).pssMiB);
    }
    return figures;
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;
