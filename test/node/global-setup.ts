// Global setup of the real-node tier: the akri-ts image (built from its Dockerfile, cached by
// content), a control plane, then containerd + the kubelet + kube-proxy as one Ready node, rooted
// as the distribution in AKRI_TS_NODE_DISTRO roots its kubelet (k8s by default; see
// test/real-node/kubelet-layout.ts), with the image imported into the node's containerd. Specs get
// what they need through inject(); the kubelet can be restarted through a loopback control
// endpoint. When the machine cannot run a node, the run fails here with the reason (see
// test/real-node/prerequisites.ts); nothing is skipped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { installCrds } from '../../lib/kube/install-crds.ts';
import { startClusterWithNode } from '../real-node/cluster-with-node.ts';
import { distroFromEnv, type KubernetesDistro } from '../real-node/kubelet-layout.ts';
import { ensureAkriImage } from './support/akri-image.ts';
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
    /** containerd's socket, for `ctr`. */
    containerdSocket: string;
    /** The distribution whose kubelet layout the node has (the chart's kubernetesDistro). */
    kubernetesDistro: KubernetesDistro;
    /** The akri-ts image built from images/akri-ts.Dockerfile, imported into the node. */
    akriImage: string;
    /** The API server's audit log of writes (test/real-node/audit-policy.ts). */
    auditLog: string;
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
  const distro = distroFromEnv(process.env.AKRI_TS_NODE_DISTRO);
  let t = Date.now();
  const image = await ensureAkriImage('amd64');
  const imageMs = Date.now() - t;
  const dir = mkdtempSync(join(tmpdir(), 'akri-ts-node-'));
  const runtime = containerdBinDir ? { binDir: containerdBinDir, cdiSpecDir: join(dir, 'cdi') } : undefined;
  const cluster = await startClusterWithNode(dir, 'akri-ts-node-0', distro, runtime).catch((err: Error) => {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the real node could not be started: ${err.message}`);
  });
  const { node, endpoints, timings } = cluster;
  t = Date.now();
  try {
    await node.containerd.importImage(image.archive, image.ref);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  const importMs = Date.now() - t;
  process.stderr.write(
    `[real-node] ${node.nodeName} Ready (${distro} layout, kubelet root ${node.kubelet.rootDir}); timings ${JSON.stringify({ ...timings, imageMs, importMs })}; logs in ${join(dir, 'node', 'logs')}\n`,
  );
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
  project.provide('containerdSocket', node.containerd.socket);
  project.provide('kubernetesDistro', distro);
  project.provide('akriImage', image.ref);
  project.provide('auditLog', cluster.auditLog);
  project.provide('cdiSpecDir', runtime?.cdiSpecDir ?? '');
  return async () => {
    await control.close();
    await cluster.stop();
    if (!process.env.AKRI_TS_KEEP_TEST_CLUSTER) rmSync(dir, { recursive: true, force: true });
  };
}
