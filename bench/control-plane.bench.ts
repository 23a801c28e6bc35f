// How long the test control plane takes to come up with the CRDs installed (binaries already
// built), and how much memory it holds at rest. Every integration run pays this once.
// npm run bench -- control-plane [--runs 3] --json
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane } from '../cli/start/control-plane/control-plane.ts';
import { installCrds } from '../lib/kube/install-crds.ts';
import { loadKubeConfig } from '../lib/kube/kube-config.ts';
import { log, type Benchmark } from './benchmark.ts';
import { procStatusMiB } from './bench-cluster.ts';


const bench: Benchmark = async (args) => {
  const runs = args.number('runs', 3);
  const times: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-bench-cp-'));
    const plane = new ControlPlane({ dir });
    const start = performance.now();
    try {
      const ep = await plane.start();
      await installCrds(loadKubeConfig(ep.kubeconfig));
      times.push((performance.now() - start) / 1000);
      await new Promise((r) => setTimeout(r, 3000));
      rss = Math.max(rss, plane.pids().reduce((sum, pid) => sum + procStatusMiB(pid, 'VmRSS'), 0));
      log(`run ${i + 1}: ready in ${times.at(-1)?.toFixed(2)} s`);
    } finally {
      await plane.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  times.sort((a, b) => a - b);
  return {
    runs,
    medianSecondsToReady: Number((times[Math.floor(times.length / 2)] ?? 0).toFixed(2)),
    maxSecondsToReady: Number((times.at(-1) ?? 0).toFixed(2)),
    restRssMiB: Math.round(rss),
  };
};
export default bench;
