// A control plane plus one real node, started together: what the node test tier's global setup
// and the by-hand script (start-and-wait.ts) both need. The apiserver is told to reach kubelets
// by InternalIP, because the node's name does not resolve on this machine.
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { ensureKubeBinaries } from '../../cli/start/control-plane/binaries.ts';
import { ControlPlane, type ControlPlaneEndpoints } from '../../cli/start/control-plane/control-plane.ts';
import { pkiPaths } from '../../cli/start/control-plane/pki.ts';
import type { ContainerdRuntime } from './containerd.ts';
import { RealNode, type RealNodeTimings } from './real-node.ts';

export interface ClusterWithNode {
  plane: ControlPlane;
  node: RealNode;
  endpoints: ControlPlaneEndpoints;
  kc: KubeConfig;
  timings: RealNodeTimings & { controlPlaneMs: number };
  stop(): Promise<void>;
}

export async function startClusterWithNode(dir: string, nodeName: string, containerdRuntime?: ContainerdRuntime): Promise<ClusterWithNode> {
  const plane = new ControlPlane({
    dir: join(dir, 'control-plane'),
    apiserverArgs: ['--kubelet-preferred-address-types=InternalIP'],
  });
  let node: RealNode | undefined;
  const stop = async (): Promise<void> => {
    await node?.stop();
    await plane.stop();
  };
  try {
    let t = Date.now();
    const binDir = await ensureKubeBinaries(['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kubectl', 'kubelet']);
    const endpoints = await plane.start();
    const controlPlaneMs = Date.now() - t;
    const kc = loadKubeConfig(endpoints.kubeconfig);
    const pki = pkiPaths(join(dir, 'control-plane', 'pki'));
    node = new RealNode({
      dir: join(dir, 'node'),
      runDir: dir,
      nodeName,
      kc,
      server: endpoints.server,
      ca: { cert: pki.caCert, key: pki.caKey },
      kubeletBinary: join(binDir, 'kubelet'),
      containerdRuntime,
    });
    t = Date.now();
    const timings = await node.start();
    return { plane, node, endpoints, kc, timings: { ...timings, controlPlaneMs }, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
