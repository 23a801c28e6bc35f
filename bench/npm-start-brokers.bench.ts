// How long `npm start` takes to run the demo's brokers on a real kubelet, measured from the spawn
// of `npm start` until every broker Pod is Running and every Instance has a slot taken (read
// from the API server every 250 ms): cold (a new cache directory: the pause and broker images
// are built, the local cluster is new) and warm (npm start again on the same directory after
// Ctrl-C: images cached, the cluster's state kept). The floor is the same start with
// --no-kubelet (the heartbeat Node), until every Instance has its broker Pod, Pending: what the
// kubelet adds is the difference. The Kubernetes binaries come from the machine's cache
// (AKRI_TS_KUBE_BIN), so no figure includes their first build. Needs root and the runtime, and
// waits while another run holds the machine's node lock.
// npm run bench -- npm-start-brokers [--runs 1] --json
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1PodList } from '@kubernetes/client-node';
import { ensureKubeBinaries } from '../cli/start/control-plane/binaries.ts';
import { nodeLockHolder } from '../cli/start/node/node-lock.ts';
import type { Instance } from '../lib/crd/instance.ts';
import { loadKubeConfig } from '../lib/kube/kube-config.ts';
import { kubeRequest } from '../lib/kube/raw-request.ts';
import { log, type Benchmark } from './benchmark.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DEMO_INSTANCES = 5;

interface Sample {
  seconds: number;
  stopSeconds: number;
}

async function waitForTheNodeLock(): Promise<void> {
  for (let holder = nodeLockHolder(); holder !== undefined; holder = nodeLockHolder()) {
    log(`waiting: pid ${holder} runs a real node on this machine`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
}

/** Whether the demo is up: brokers Running with their slots taken, or (no kubelet) brokers created. */
async function demoUp(kubeconfig: string, kubelet: boolean): Promise<boolean> {
  if (!existsSync(kubeconfig)) return false;
  const kc = loadKubeConfig(kubeconfig);
  const [pods, instances] = await Promise.all([
    kubeRequest<V1PodList>(kc, { method: 'GET', path: '/api/v1/namespaces/default/pods', query: { labelSelector: 'akri.sh/configuration' }, timeoutMs: 2000 }),
    kubeRequest<{ items: Instance[] }>(kc, { method: 'GET', path: '/apis/akri.sh/v0/namespaces/default/instances', timeoutMs: 2000 }),
  ]);
  const live = pods.items.filter((p) => !p.metadata?.deletionTimestamp);
  if (instances.items.length < DEMO_INSTANCES || live.length < instances.items.length) return false;
  if (!kubelet) return true;
  return live.every((p) => p.status?.phase === 'Running') && instances.items.every((i) => Object.values(i.spec.deviceUsage ?? {}).some((v) => v !== ''));
}

/** One `npm start` on `cache` until the demo is up, then Ctrl-C (SIGINT to its process group). */
async function oneStart(cache: string, kubeBin: string, kubelet: boolean): Promise<Sample> {
  await waitForTheNodeLock();
  const env: NodeJS.ProcessEnv = { ...process.env, AKRI_TS_CACHE: cache, AKRI_TS_KUBE_BIN: kubeBin, AKRI_TS_KUBELET: kubelet ? 'on' : 'off' };
  delete env.KUBECONFIG;
  const started = performance.now();
  const child = spawn('npm', ['start'], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => (gone = true));
  const kubeconfig = join(cache, 'local-cluster', 'kubeconfig');
  let upAt = 0;
  let stoppedAt = 0;
  try {
    for (;;) {
      if (gone) throw new Error(`npm start ended before the demo was up:\n${stderr}`);
      if (performance.now() - started > 600_000) throw new Error('the demo was not up within 600 s');
      if (await demoUp(kubeconfig, kubelet).catch(() => false)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    upAt = performance.now();
  } finally {
    const ctrlC = performance.now();
    if (child.pid && !gone) process.kill(-child.pid, 'SIGINT');
    await exited;
    stoppedAt = performance.now() - ctrlC;
  }
  const sample = { seconds: (upAt - started) / 1000, stopSeconds: stoppedAt / 1000 };
  log(`  ${kubelet ? 'kubelet' : 'heartbeat'}: up after ${sample.seconds.toFixed(1)} s, stopped ${sample.stopSeconds.toFixed(1)} s after Ctrl-C`);
  return sample;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round = (n: number) => Number(n.toFixed(1));

const bench: Benchmark = async (args) => {
  const runs = args.number('runs', 1);
  const kubeBin = await ensureKubeBinaries(['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kubectl', 'kubelet', 'kube-proxy']);
  const cold: Sample[] = [];
  const warm: Sample[] = [];
  const floor: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    const cache = mkdtempSync(join(tmpdir(), 'akri-ts-bench-npm-start-'));
    try {
      log(`run ${i + 1}/${runs} in ${cache}`);
      cold.push(await oneStart(cache, kubeBin, true));
      warm.push(await oneStart(cache, kubeBin, true));
      floor.push(await oneStart(cache, kubeBin, false));
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }
  return {
    runs,
    coldSecondsToBrokersRunning: round(median(cold.map((s) => s.seconds))),
    warmSecondsToBrokersRunning: round(median(warm.map((s) => s.seconds))),
    floorSecondsToBrokersPending: round(median(floor.map((s) => s.seconds))),
    stopSecondsWithKubelet: round(median([...cold, ...warm].map((s) => s.stopSeconds))),
  };
};
export default bench;
