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
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-node-'));
  const cluster = await startClusterWithNode(dir, 'akri-ts-node-0').catch((err: Error) => {
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
  return async () => {
    await control.close();
    await cluster.stop();
    if (!process.env.AKRI_TS_KEEP_TEST_CLUSTER) rmSync(dir, { recursive: true, force: true });
  };
}
