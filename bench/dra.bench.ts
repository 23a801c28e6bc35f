// Dynamic Resource Allocation end to end, against a real control plane (scheduler and
// controller-manager included): one agent in its own process (--dra, debugEcho embedded, a
// device only its node reaches), the controller in this process (DeviceClasses), and the DRA
// kubelet stand-in preparing claims as the kubelet does for each scheduled pod.
// - appearToInstanceMs, appearToSliceMs: the device comes up (its availability file flips) ->
//   its Instance exists / its ResourceSlice exists, both from the same moment and each polled
//   every 10 ms (the agent writes the slice on its watch of the Instance it wrote, so the two
//   differ by less than one poll's API round trip on a busy machine).
// - --claims pods (default 50) ask for the device (capacity --capacity, default 40) through a
//   ResourceClaimTemplate; the real scheduler allocates and binds them. podsScheduled,
//   podsPending and podsFailedAdmission (a pod whose claim the node could not prepare: the DRA
//   counterpart of UnexpectedAdmissionError) say what a user would see.
// - prepareP50Ms/prepareP99Ms: NodePrepareResources as the stand-in times it, per scheduled pod;
//   floorPrepareP50Ms/floorPrepareP99Ms: the same call on a do-nothing DRA plugin in its own
//   process (floor-dra-plugin.ts), right after each real one; agentCpuMsPerPrepare.
// npm run bench -- dra [--claims 50] [--capacity 40] [--poll-ms 200] --json
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { ControlPlane } from '../cli/start/control-plane/control-plane.ts';
import { BrokerController } from '../controller/broker-controller.ts';
import { RESOURCE_API, RESOURCE_SLICES_PATH, type ResourceSlice } from '../lib/dra/resource-api.ts';
import { kubeRequest } from '../lib/kube/raw-request.ts';
import { Logger } from '../lib/observability/logger.ts';
import { DraKubeletStandIn } from '../test/kubelet-stand-in/dra-kubelet-stand-in.ts';
import { registerReadyNode, setNodeReady } from '../test/integration/support/nodes.ts';
import { until } from '../test/support/wait.ts';
import { log, type Benchmark } from './benchmark.ts';
import { procCpuMs, startBenchCluster } from './bench-cluster.ts';
const FLOOR_DRIVER = 'floor.bench.example';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const NODE = 'bench-node';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const bench: Benchmark = async (args) => {
  const claims = args.number('claims', 50);
  const capacity = args.number('capacity', 40);
  const pollMs = args.number('poll-ms', 200);
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-dra-'));
  const plane = new ControlPlane({ dir: join(dir, 'cp') });
  const kubeletDir = join(dir, 'kubelet');
  const availability = join(dir, 'availability.txt');
  writeFileSync(availability, 'OFFLINE');
  mkdirSync(join(dir, 'handlers'), { recursive: true });
  const kubelet = new DraKubeletStandIn({ kubeletDir, pollMs: 50 });
  let agent: ReturnType<typeof spawn> | undefined;
  let floor: ReturnType<typeof spawn> | undefined;
  let controller: BrokerController | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    const { ep, kc, ns } = await startBenchCluster(plane);
    await registerReadyNode(kc, NODE);
    // The node's Ready heartbeat, as its kubelet would keep it (else it is tainted unreachable).
    heartbeat = setInterval(() => void setNodeReady(kc, NODE, true).catch(() => undefined), 10_000);
    controller = new BrokerController({ kc, identity: 'bench', logger: new Logger({}, 'warn'), registry: new Registry(), leaseNamespace: ns, dra: true });
    await controller.start();
    kubelet.start();
    agent = spawn(
      process.execPath,
      ['--import', 'tsx', join(root, 'agent/main.ts'), '--node', NODE, '--handlers-dir', join(dir, 'handlers'), '--kubeconfig', ep.kubeconfig,
        '--kubelet-dir', kubeletDir, '--state-dir', join(dir, 'state'), '--dra', '--cdi-dir', join(dir, 'cdi'), '--metrics-port', '0', '--namespace', ns, '--embed', 'debugEcho'],
      { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AKRI_LOG_LEVEL: 'warn', DEBUG_ECHO_AVAILABILITY_FILE: availability, DEBUG_ECHO_POLL_MS: String(pollMs) } },
    );
    agent.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    floor = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/floor-dra-plugin.ts'), '--kubelet-dir', kubeletDir, '--driver', FLOOR_DRIVER], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    await kubelet.waitForDriver('akri.sh', 120_000);
    await kubelet.waitForDriver(FLOOR_DRIVER, 120_000);
    log('agent and do-nothing plugin registered with the DRA kubelet stand-in');

    await kubeRequest(kc, {
      method: 'POST',
      path: `/apis/akri.sh/v0/namespaces/${ns}/configurations`,
      body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'dra' }, spec: { discoveryHandler: { name: 'debugEcho', discoveryDetails: 'descriptions: [bench-device]' }, capacity, deviceAllocation: 'DRA' } },
    });
    await new Promise((r) => setTimeout(r, 2000)); // discovery settles with the device absent
    const upAt = performance.now();
    writeFileSync(availability, 'ONLINE');
    const instances = () => kubeRequest<{ items: Array<{ metadata: { name: string } }> }>(kc, { method: 'GET', path: `/apis/akri.sh/v0/namespaces/${ns}/instances` });
    let appearToInstanceMs = NaN;
    const slice = until('the ResourceSlice', async () => {
      const list = await kubeRequest<{ items: ResourceSlice[] }>(kc, { method: 'GET', path: RESOURCE_SLICES_PATH });
      return list.items.find((s) => s.spec.pool.name.startsWith(`${ns}/dra-`)) ? performance.now() - upAt : undefined;
    }, 60_000, 10);
    const instanceName = await until('the Instance', async () => {
      const [i] = (await instances()).items;
      if (!i) return undefined;
      appearToInstanceMs = performance.now() - upAt;
      return i.metadata.name;
    }, 60_000, 10);
    const appearToSliceMs = await slice;
    log(`Instance after ${appearToInstanceMs.toFixed(0)} ms, ResourceSlice after ${appearToSliceMs.toFixed(0)} ms`);

    await kubeRequest(kc, {
      method: 'POST',
      path: `/apis/${RESOURCE_API}/namespaces/${ns}/resourceclaimtemplates`,
      body: { apiVersion: RESOURCE_API, kind: 'ResourceClaimTemplate', metadata: { name: 'bench' }, spec: { spec: { devices: { requests: [{ name: 'device', exactly: { deviceClassName: 'dra' } }] } } } },
    });
    await until('the DeviceClass', () => kubeRequest(kc, { method: 'GET', path: `/apis/${RESOURCE_API}/deviceclasses/dra` }), 60_000);
    for (let i = 0; i < claims; i++) {
      await kubeRequest(kc, {
        method: 'POST',
        path: `/api/v1/namespaces/${ns}/pods`,
        body: { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}`, labels: { bench: 'dra' } }, spec: { containers: [{ name: 'c', image: 'x', resources: { claims: [{ name: 'd' }] } }], resourceClaims: [{ name: 'd', resourceClaimTemplateName: 'bench' }] } },
      });
    }
    const pods = () => kubeRequest<{ items: V1Pod[] }>(kc, { method: 'GET', path: `/api/v1/namespaces/${ns}/pods`, query: { labelSelector: 'bench=dra' } }).then((l) => l.items);
    const expected = Math.min(claims, capacity);
    const settled = await until(`${expected} pods scheduled and the rest unschedulable`, async () => {
      const list = await pods();
      const scheduled = list.filter((p) => p.spec?.nodeName && p.status?.resourceClaimStatuses?.[0]?.resourceClaimName);
      const unschedulable = list.filter((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.reason === 'Unschedulable'));
      return scheduled.length === expected && unschedulable.length === claims - expected ? list : undefined;
    }, 180_000);
    log(`${expected} pods scheduled; preparing their claims`);

    const realMs: number[] = [];
    const floorMs: number[] = [];
    let failed = 0;
    const cpu0 = procCpuMs(agent.pid ?? 0);
    const scheduled = settled.filter((p) => p.spec?.nodeName);
    for (const p of scheduled) {
      const claimName = p.status?.resourceClaimStatuses?.[0]?.resourceClaimName ?? '';
      const claim = await kubeRequest<{ metadata: { uid: string } }>(kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${ns}/resourceclaims/${claimName}` });
      const ref = { namespace: ns, name: claimName, uid: claim.metadata.uid };
      let t0 = performance.now();
      const res = await kubelet.prepare('akri.sh', [ref]);
      realMs.push(performance.now() - t0);
      if (res.claims[ref.uid]?.error || (res.claims[ref.uid]?.devices.length ?? 0) === 0) failed++;
      t0 = performance.now();
      await kubelet.prepare(FLOOR_DRIVER, [ref]);
      floorMs.push(performance.now() - t0);
    }
    const agentCpuMsPerPrepare = (procCpuMs(agent.pid ?? 0) - cpu0) / scheduled.length;
    for (const p of scheduled) {
      const claimName = p.status?.resourceClaimStatuses?.[0]?.resourceClaimName ?? '';
      const claim = await kubeRequest<{ metadata: { uid: string } }>(kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${ns}/resourceclaims/${claimName}` });
      await kubelet.unprepare('akri.sh', [{ namespace: ns, name: claimName, uid: claim.metadata.uid }]);
    }
    realMs.sort((a, b) => a - b);
    floorMs.sort((a, b) => a - b);
    log(`Instance ${instanceName}: ${scheduled.length} claims prepared`);
    return {
      appearToInstanceMs: Math.round(appearToInstanceMs),
      appearToSliceMs: Math.round(appearToSliceMs),
      discoveryPollMs: pollMs,
      claims,
      capacity,
      podsScheduled: scheduled.length,
      podsPending: settled.length - scheduled.length,
      podsFailedAdmission: failed,
      prepareP50Ms: Number(percentile(realMs, 50).toFixed(2)),
      prepareP99Ms: Number(percentile(realMs, 99).toFixed(2)),
      floorPrepareP50Ms: Number(percentile(floorMs, 50).toFixed(2)),
      floorPrepareP99Ms: Number(percentile(floorMs, 99).toFixed(2)),
      agentCpuMsPerPrepare: Number(agentCpuMsPerPrepare.toFixed(2)),
    };
  } finally {
    clearInterval(heartbeat);
    agent?.kill('SIGKILL');
    floor?.kill('SIGKILL');
    await controller?.stop();
    kubelet.stop();
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
};
export default bench;
