// One soak node's kubelet, as its own process inside the node's network namespace, so that
// cutting the node from the API server cuts its kubelet too. The device-plugin side is the
// kubelet stand-in (test/kubelet-stand-in); around it, the API side a kubelet has: it
// registers the Node and keeps it Ready, advertises the akri.sh/* resources of its device
// plugins in the Node's capacity, admits the pods bound to the node through the device
// manager (after a pod worker's delay, from its own cache: a pod it already knows is admitted
// even while the API server is away), reports their phase (Failed with UnexpectedAdmissionError
// when admission fails, as the kubelet does), and confirms the deletion of terminating pods.
// Its allocations survive a restart (the stand-in's checkpoint); SIGKILL and start again is a
// kubelet restart: the device-plugin sockets are deleted and kubelet.sock is made anew.
//   node --import tsx test/soak/node-kubelet.ts --node N --kubeconfig F --kubelet-dir D --state-file S --namespace NS
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { LiteKubeConfig } from '../../lib/kube/lite-kube-config.ts';
import { KubeApiError, kubeRequest } from '../../lib/kube/raw-request.ts';
import { KubeletStandIn, type PodRequest } from '../kubelet-stand-in/kubelet-stand-in.ts';
import { readKubeletState, writeKubeletState, type KubeletPod } from './node-kubelet-state.ts';

const { values } = parseArgs({
  options: {
    node: { type: 'string' },
    kubeconfig: { type: 'string' },
    'kubelet-dir': { type: 'string' },
    'state-file': { type: 'string' },
    namespace: { type: 'string' },
    'admission-delay-ms': { type: 'string', default: '5000' },
    'endpoint-grace-ms': { type: 'string', default: '60000' },
  },
});
const node = values.node ?? '';
const namespace = values.namespace ?? '';
const stateFile = values['state-file'] ?? '';
const kubeletDir = values['kubelet-dir'] ?? '';
if (!node || !values.kubeconfig || !kubeletDir || !stateFile || !namespace) {
  process.stderr.write('usage: node-kubelet.ts --node N --kubeconfig F --kubelet-dir D --state-file S --namespace NS\n');
  process.exit(2);
}
const admissionDelayMs = Number(values['admission-delay-ms']);
const kc = LiteKubeConfig.load(values.kubeconfig);
const log = (msg: string, fields: Record<string, unknown> = {}): void => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), component: 'soak-kubelet', node, msg, ...fields })}\n`);
};

const standIn = new KubeletStandIn({
  kubeletDir,
  endpointGracePeriodMs: Number(values['endpoint-grace-ms']),
  rpcTimeoutMs: 10_000,
  checkpointFile: join(kubeletDir, 'soak-kubelet-checkpoint.json'),
});

// What the stand-in's checkpoint does not keep: each pod's labels and how it was admitted.
const saved = readKubeletState(stateFile);
const extra = new Map<string, Pick<KubeletPod, 'labels' | 'admittedOffline'>>(
  (saved?.node === node ? saved.pods : []).map((p) => [p.uid, { labels: p.labels, admittedOffline: p.admittedOffline }]),
);
/** Pods bound here, by uid, as last listed (the kubelet's own cache of its pods). */
const known = new Map<string, V1Pod>();
const firstSeen = new Map<string, number>();
/** Admission failed: reported as Failed until the pod goes. */
const failed = new Map<string, string>();
/** The phase the API server last accepted from us, by uid. */
const reported = new Map<string, string>();
let apiReachable = false;
let lastHeartbeat = 0;
let advertised = '';
let busy = false;

const TIMEOUT_MS = 4000;

async function api<T>(req: Parameters<typeof kubeRequest>[1]): Promise<T> {
  try {
    const out = await kubeRequest<T>(kc, { timeoutMs: TIMEOUT_MS, ...req });
    apiReachable = true;
    return out;
  } catch (err) {
    if (!(err instanceof KubeApiError)) apiReachable = false;
    throw err;
  }
}

function requests(pod: V1Pod): PodRequest['containers'] {
  return (pod.spec?.containers ?? []).map((c) => {
    const limits = (c.resources?.limits ?? {}) as Record<string, string>;
    const wanted: Record<string, number> = {};
    for (const [k, v] of Object.entries(limits)) if (k.startsWith('akri.sh/')) wanted[k] = Number(v);
    return { name: c.name, requests: wanted };
  });
}

function saveState(): void {
  const pods: KubeletPod[] = standIn.admittedPods().map(({ pod, allocations, admittedAt }) => ({
    uid: pod.uid,
    name: pod.name,
    namespace: pod.namespace,
    labels: extra.get(pod.uid)?.labels ?? {},
    admittedOffline: extra.get(pod.uid)?.admittedOffline ?? false,
    admittedAt,
    allocations: allocations.map((a) => ({ resource: a.resource, deviceIds: a.deviceIds })),
  }));
  const registered = Object.keys(standIn.capacity()).filter((r) => standIn.isRegistered(r));
  const admitted = new Set(pods.map((p) => p.uid));
  const waiting = [...known.keys()].filter((uid) => !admitted.has(uid) && !failed.has(uid));
  writeKubeletState(stateFile, { node, pid: process.pid, writtenAt: Date.now(), apiReachable, registered, pods, waiting });
}

async function heartbeat(): Promise<void> {
  const capacity: Record<string, string> = { cpu: '4', memory: '8Gi', pods: '110' };
  const allocatable: Record<string, string> = { ...capacity };
  for (const [resource, c] of Object.entries(standIn.capacity())) {
    capacity[resource] = String(c.capacity);
    allocatable[resource] = String(c.allocatable);
  }
  const shape = JSON.stringify([capacity, allocatable]);
  if (Date.now() - lastHeartbeat < 10_000 && shape === advertised) return;
  const now = new Date().toISOString();
  // The kubelet never deletes a device-plugin resource from the Node; one it no longer has reads 0.
  const previous = advertised ? (JSON.parse(advertised) as [Record<string, string>, Record<string, string>]) : [{}, {}];
  for (const k of Object.keys(previous[0])) if (!(k in capacity)) capacity[k] = '0';
  for (const k of Object.keys(previous[1])) if (!(k in allocatable)) allocatable[k] = '0';
  await api({
    method: 'PATCH',
    path: `/api/v1/nodes/${node}/status`,
    contentType: 'application/strategic-merge-patch+json',
    body: {
      status: {
        capacity,
        allocatable,
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'soak kubelet', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    },
  });
  lastHeartbeat = Date.now();
  advertised = JSON.stringify([capacity, allocatable]);
}

async function register(): Promise<void> {
  await api({
    method: 'POST',
    path: '/api/v1/nodes',
    body: { apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { 'kubernetes.io/hostname': node } } },
  }).catch((err: unknown) => {
    if (!(err instanceof KubeApiError && err.status === 409)) throw err;
  });
}

async function setPhase(pod: V1Pod, phase: 'Running' | 'Failed', message?: string): Promise<void> {
  const uid = pod.metadata?.uid ?? '';
  if (reported.get(uid) === phase) return;
  const now = new Date().toISOString();
  const ready = phase === 'Running' ? 'True' : 'False';
  await api({
    method: 'PATCH',
    path: `/api/v1/namespaces/${namespace}/pods/${pod.metadata?.name ?? ''}/status`,
    contentType: 'application/merge-patch+json',
    body: {
      status: {
        phase,
        ...(phase === 'Failed' ? { reason: 'UnexpectedAdmissionError', message } : { podIP: '10.244.0.1', hostIP: '127.0.0.1' }),
        startTime: now,
        conditions: [
          { type: 'Ready', status: ready, lastTransitionTime: now },
          { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        ],
      },
    },
  });
  reported.set(uid, phase);
}

/** Pods bound here that waited the pod worker's delay are admitted, whether or not the API server answers. */
async function admitWaiting(): Promise<void> {
  const admitted = new Set(standIn.admittedPods().map((p) => p.pod.uid));
  for (const [uid, pod] of known) {
    if (admitted.has(uid) || failed.has(uid) || pod.metadata?.deletionTimestamp) continue;
    if (Date.now() - (firstSeen.get(uid) ?? Date.now()) < admissionDelayMs) continue;
    const offline = !apiReachable;
    const result = await standIn.admitPod({ uid, name: pod.metadata?.name ?? '', namespace, containers: requests(pod) });
    if (result.admitted) {
      extra.set(uid, { labels: pod.metadata?.labels ?? {}, admittedOffline: offline });
      log('admitted', { pod: pod.metadata?.name, offline, devices: result.allocations.flatMap((a) => a.deviceIds) });
    } else {
      failed.set(uid, result.message);
      log('admission failed', { pod: pod.metadata?.name, message: result.message });
    }
    saveState();
  }
}

async function syncPods(): Promise<void> {
  const list = await api<{ items: V1Pod[] }>({
    method: 'GET',
    path: `/api/v1/namespaces/${namespace}/pods`,
    query: { fieldSelector: `spec.nodeName=${node}` },
  });
  const listed = new Set<string>();
  for (const pod of list.items) {
    const uid = pod.metadata?.uid ?? '';
    listed.add(uid);
    if (pod.metadata?.deletionTimestamp) {
      // Terminating: the containers stop (the devices are free), then the deletion is confirmed.
      standIn.removePod(uid);
      known.delete(uid);
      await api({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}/pods/${pod.metadata.name ?? ''}`, body: { gracePeriodSeconds: 0 } }).catch(() => undefined);
      continue;
    }
    if (pod.status?.phase === 'Failed' || pod.status?.phase === 'Succeeded') continue;
    if (!known.has(uid)) firstSeen.set(uid, Date.now());
    known.set(uid, pod);
  }
  // Gone from the API server altogether (deleted at once, or by the garbage collector).
  for (const uid of [...known.keys()]) if (!listed.has(uid)) known.delete(uid);
  for (const { pod } of standIn.admittedPods()) if (!listed.has(pod.uid)) standIn.removePod(pod.uid);
  for (const uid of [...failed.keys()]) if (!listed.has(uid)) failed.delete(uid);
  for (const uid of [...extra.keys()]) if (!listed.has(uid)) extra.delete(uid);
  saveState();
  const admitted = new Set(standIn.admittedPods().map((p) => p.pod.uid));
  for (const [uid, pod] of known) {
    if (admitted.has(uid)) await setPhase(pod, 'Running');
    else if (failed.has(uid)) await setPhase(pod, 'Failed', failed.get(uid));
  }
}

async function tick(): Promise<void> {
  if (busy) return;
  busy = true;
  try {
    await admitWaiting();
    await heartbeat().catch(() => undefined);
    await syncPods().catch(() => undefined);
    await admitWaiting();
  } catch (err) {
    log('tick failed', { error: (err as Error).message });
  } finally {
    saveState();
    busy = false;
  }
}

await standIn.start();
saveState();
log('started', { kubeletDir, restoredPods: standIn.admittedPods().length });
// Known before the API server answers: the stand-in's restored pods keep their devices.
for (;;) {
  try {
    await register();
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 1000));
  }
}
setInterval(() => void tick(), 1000);
process.on('SIGTERM', () => void standIn.stop().then(() => process.exit(0)));
