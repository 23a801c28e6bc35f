// One agent (its own process, debugEcho embedded) serving 100 Instances to a kubelet stand-in,
// against a real control plane: Allocate latency as the kubelet sees it, and how long after a kubelet restart
// every plugin is registered again. The slot is claimed (written to the API server) during
// GetPreferredAllocation, which the kubelet calls just before Allocate, so the whole admission
// (admitP50Ms/admitP99Ms: GetPreferredAllocation + Allocate) is reported too.
// After every admission a second pod is admitted on a do-nothing device plugin in a process of
// its own (floor-plugin.ts): floorP50Ms/floorP99Ms are what this machine's scheduling costs an
// Allocate that does no work at all, measured right after each real one (so a little after the
// busiest moment, the claim's API write, has passed). agentCpuMsPerAdmission is
// the agent's CPU time (all threads) over the admissions, divided by their number.
// --as-image runs the agent as the image does (compiled to dist/, `node <flags> dist/cli/akri-ts.js`,
// bench/compiled.ts) instead of through tsx; --node-flags="<flags>" sets those flags (and implies
// --as-image), so the CPU a V8 flag costs per admission can be read beside its memory.
// npm run bench -- allocate [--instances 100] [--capacity 2] [--no-floor] [--as-image] [--node-flags="..."] --json
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ControlPlane } from '../cli/start/control-plane/control-plane.ts';
import { freePort } from '../lib/net/free-port.ts';
import { KubeletStandIn } from '../test/kubelet-stand-in/kubelet-stand-in.ts';
import { deviceHash } from '../lib/naming/instance-name.ts';
import { log, type Benchmark } from './benchmark.ts';
import { postConfiguration, procCpuMs, procStatusMiB, startBenchCluster } from './bench-cluster.ts';
import { akriTsCommand, imageNodeFlags } from './compiled.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const FLOOR_RESOURCE = 'bench.example/floor';

const bench: Benchmark = async (args) => {
  const instances = args.number('instances', 100);
  const capacity = args.number('capacity', 2);
  const floor = args.flags['no-floor'] !== true;
  const akriTs = akriTsCommand(args.flags, imageNodeFlags());
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-allocate-'));
  const plane = new ControlPlane({ dir: join(dir, 'cp'), scheduler: false, controllerManager: false });
  const kubeletDir = join(dir, 'kubelet');
  mkdirSync(join(dir, 'handlers'), { recursive: true });
  const kubelet = new KubeletStandIn({ kubeletDir });
  let child: ReturnType<typeof spawn> | undefined;
  let floorPlugin: ReturnType<typeof spawn> | undefined;
  try {
    const { ep, kc, ns } = await startBenchCluster(plane);
    const descriptions = Array.from({ length: instances }, (_, i) => `device-${i}`);
    await postConfiguration(kc, ns, 'alloc', { discoveryHandler: { name: 'debugEcho', discoveryDetails: `descriptions: ${JSON.stringify(descriptions)}` }, capacity });
    await kubelet.start();
    log(`control plane and kubelet stand-in up; starting the agent for ${instances} Instances`);
    const metricsPort = await freePort();
    child = spawn(
      process.execPath,
      akriTs.argv('agent', '--node', 'bench-node', '--handlers-dir', join(dir, 'handlers'), '--kubeconfig', ep.kubeconfig,
        '--kubelet-dir', kubeletDir, '--state-dir', join(dir, 'state'), '--slot-reclaim-grace', '3600', '--metrics-port', String(metricsPort), '--namespace', ns,
        '--embed', 'debugEcho', '--debug-echo-shared'),
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AKRI_LOG_LEVEL: 'warn' } },
    );
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    const resources = descriptions.map((d) => `akri.sh/alloc-${deviceHash(d, true, 'bench-node')}`);
    const all = [...resources, 'akri.sh/alloc'];
    await kubelet.waitFor(() => resources.every((r) => kubelet.capacity()[r]?.allocatable === capacity), 300_000, `${instances} resources`);
    log(`all ${instances} resources registered; allocating ${instances * capacity} slots`);

    if (floor) {
      floorPlugin = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/floor-plugin.ts'), '--plugin-dir', kubelet.devicePluginDir, '--devices', String(instances * capacity), '--resource', FLOOR_RESOURCE], {
        cwd: root,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      await kubelet.waitFor(() => kubelet.capacity()[FLOOR_RESOURCE]?.allocatable === instances * capacity, 60_000, 'the floor plugin registered');
    }

    // Every slot of every Instance, one pod at a time, as a kubelet admits them; each one
    // followed by a pod on the do-nothing plugin.
    const admitMs: number[] = [];
    const agentCpu0 = procCpuMs(child.pid ?? 0);
    for (let round = 0; round < capacity; round++) {
      for (const [i, r] of resources.entries()) {
        const t0 = performance.now();
        const res = await kubelet.admitPod({ uid: `p-${round}-${i}`, name: `p-${round}-${i}`, namespace: ns, containers: [{ name: 'c', requests: { [r]: 1 } }] });
        admitMs.push(performance.now() - t0);
        if (!res.admitted) throw new Error(`pod p-${round}-${i} was refused: ${res.message}`);
        if (floor) {
          const f = await kubelet.admitPod({ uid: `f-${round}-${i}`, name: `f-${round}-${i}`, namespace: ns, containers: [{ name: 'c', requests: { [FLOOR_RESOURCE]: 1 } }] });
          if (!f.admitted) throw new Error(`pod f-${round}-${i} was refused by the floor plugin: ${f.message}`);
        }
      }
    }
    const agentCpuMsPerAdmission = (procCpuMs(child.pid ?? 0) - agentCpu0) / admitMs.length;
    const latencies = (resource: (r: string) => boolean): number[] =>
      kubelet.allocateLatencies.filter((a) => resource(a.resource)).map((a) => a.ms).sort((a, b) => a - b);
    const sorted = latencies((r) => r !== FLOOR_RESOURCE);
    const floorSorted = latencies((r) => r === FLOOR_RESOURCE);
    const admitSorted = admitMs.sort((a, b) => a - b);
    // The agent's own view (its histogram): how much of the latency is the agent's work and how
    // much is getting scheduled on a busy machine.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const bucket = (le: string): number => {
      const line = metrics.split('\n').find((l) => l.startsWith('akri_allocate_latency_seconds_bucket{') && l.includes(`le="${le}"`) && l.includes('kind="instance"'));
      return Number(line?.split(' ').at(-1) ?? NaN);
    };
    const agentUnder5msRatio = bucket('0.005') / bucket('+Inf');
    const agentUnder1msRatio = bucket('0.001') / bucket('+Inf');

    floorPlugin?.kill('SIGTERM');
    log('restarting the kubelet stand-in');
    const restarted = performance.now();
    await kubelet.restart();
    await kubelet.waitFor(() => all.every((r) => kubelet.isRegistered(r)), 60_000, 'every plugin registered again');
    const reregisterSeconds = (performance.now() - restarted) / 1000;
    return {
      agentRunAs: akriTs.runAs,
      agentPeakMiB: Math.round(procStatusMiB(child.pid ?? 0, 'VmHWM')),
      instances,
      allocations: sorted.length,
      p50Ms: Number(percentile(sorted, 50).toFixed(2)),
      p99Ms: Number(percentile(sorted, 99).toFixed(2)),
      maxMs: Number((sorted.at(-1) ?? NaN).toFixed(2)),
      admitP50Ms: Number(percentile(admitSorted, 50).toFixed(2)),
      admitP99Ms: Number(percentile(admitSorted, 99).toFixed(2)),
      agentUnder5msRatio: Number(agentUnder5msRatio.toFixed(3)),
      agentUnder1msRatio: Number(agentUnder1msRatio.toFixed(3)),
      ...(floor ? { floorP50Ms: Number(percentile(floorSorted, 50).toFixed(2)), floorP99Ms: Number(percentile(floorSorted, 99).toFixed(2)) } : {}),
      agentCpuMsPerAdmission: Number(agentCpuMsPerAdmission.toFixed(2)),
      reregisterSeconds: Number(reregisterSeconds.toFixed(3)),
    };
  } finally {
    child?.kill('SIGKILL');
    floorPlugin?.kill('SIGKILL');
    await kubelet.stop();
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;
