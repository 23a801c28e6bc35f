// Global setup of the real-node tier: a control plane, then containerd + the kubelet as one
// Ready node. Specs get what they need through inject(); the kubelet can be restarted through
// a loopback control endpoint. When the machine cannot run a node, the run fails here with
// the reason (see test/real-node/prerequisites.ts); nothing is skipped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installCrds } from '../../lib/kube/install-crds.ts';
import { startClusterWithNode } from '../real-node/cluster-with-node.ts';
import { serveNodeControl } from './support/node-control.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubeBinDir: string;
    nodeName: string;
    kubeletRootDir: string;
    devicePluginDir: string;
    brokerImage: string;
    nodeControlUrl: string;
    /** containerd's state dir, where each container's OCI bundle (config.json) lives. */
    containerdStateDir: string;
    /** Where containerd reads CDI spec files; empty when it has no CDI (Debian's 1.6). */
    cdiSpecDir: string;
  }
}

export default function setup(project: TestProject): Promise<() => Promise<void>> {
  return startNodeTier(project);
}

/**
 * The tier's node, on Debian's containerd, or on the containerd in `containerdBinDir` with CDI
 * reading spec files from a directory of this run (the DRA tier: containerd 2).
 */
export async function startNodeTier(project: TestProject, containerdBinDir?: string): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-node-'));
  const runtime = containerdBinDir ? { binDir: containerdBinDir, cdiSpecDir: join(dir, 'cdi') } : undefined;
  const cluster = await startClusterWithNode(dir, 'akri-ts-node-0', runtime).catch((err: Error) => {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the real node could not be started: ${err.message}`);
  });
  const { node, endpoints, timings } = cluster;
  process.stderr.write(`[real-node] ${node.nodeName} Ready; timings ${JSON.stringify(timings)}; logs in ${join(dir, 'node', 'logs')}\n`);
  const control = await serveNodeControl({
    async restartKubelet() {
      await node.restartKubelet();
      return { pid: node.kubelet.pid };
    },
  });
  try {
    await installCrds(cluster.kc);
  } catch (err) {
    await control.close();
    await cluster.stop();
    throw err;
  }
  project.provide('kubeconfig', endpoints.kubeconfig);
  project.provide('kubeBinDir', endpoints.binDir);
  project.provide('nodeName', node.nodeName);
  project.provide('kubeletRootDir', node.kubelet.rootDir);
  project.provide('devicePluginDir', node.kubelet.devicePluginDir);
  project.provide('brokerImage', node.images?.broker.ref ?? '');
  project.provide('nodeControlUrl', control.url);
  project.provide('containerdStateDir', node.containerd.paths.state);
  project.provide('cdiSpecDir', runtime?.cdiSpecDir ?? '');
  return async () => {
    await control.close();
    await cluster.stop();
    if (!process.env.AKRI_TS_KEEP_TEST_CLUSTER) rmSync(dir, { recursive: true, force: true });
  };
}
