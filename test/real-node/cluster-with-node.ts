// A control plane plus one real node, started together: what the node test tier's global setup
// and the by-hand script (start-and-wait.ts) both need. Pods reach the API server as on K3s: it
// listens on the node's address too and advertises it, so the `kubernetes` Service has that
// endpoint (the lease reconciler writes it), and the node's kube-proxy routes the Service's
// ClusterIP to it. The apiserver reaches kubelets by InternalIP (the node's name does not resolve
// here), and audits every write to akri.sh objects, Pods, Services and Node status (audit-policy.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../../lib/kube/kube-config.ts';
import { ensureKubeBinaries } from '../../cli/start/control-plane/binaries.ts';
import { ControlPlane, type ControlPlaneEndpoints } from '../../cli/start/control-plane/control-plane.ts';
import { pkiPaths } from '../../cli/start/control-plane/pki.ts';
import { renderAuditPolicy } from './audit-policy.ts';
import { kubeletLayout, type KubernetesDistro } from './kubelet-layout.ts';
import type { ContainerdRuntime } from './containerd.ts';
import { hostAddress, RealNode, type RealNodeTimings } from './real-node.ts';

export interface ClusterWithNode {
  plane: ControlPlane;
  node: RealNode;
  endpoints: ControlPlaneEndpoints;
  kc: KubeConfig;
  /** The API server's audit log (JSON lines), see audit-policy.ts. */
  auditLog: string;
  timings: RealNodeTimings & { controlPlaneMs: number };
  stop(): Promise<void>;
}

export async function startClusterWithNode(dir: string, nodeName: string, distro: KubernetesDistro = 'k8s', containerdRuntime?: ContainerdRuntime): Promise<ClusterWithNode> {
  const nodeIp = hostAddress();
  const auditPolicy = join(dir, 'audit-policy.yaml');
  const auditLog = join(dir, 'control-plane', 'logs', 'audit.log');
  writeFileSync(auditPolicy, renderAuditPolicy());
  // Later flags win: these replace the loopback-only defaults of cli/start's control plane.
  const plane = new ControlPlane({
    dir: join(dir, 'control-plane'),
    apiserverArgs: [
      '--kubelet-preferred-address-types=InternalIP',
      '--bind-address=0.0.0.0',
      `--advertise-address=${nodeIp}`,
      '--endpoint-reconciler-type=lease',
      `--audit-policy-file=${auditPolicy}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-format=json',
    ],
  });
  let node: RealNode | undefined;
  const stop = async (): Promise<void> => {
    await node?.stop();
    await plane.stop();
  };
  try {
    let t = Date.now();
    const binDir = await ensureKubeBinaries(['kube-apiserver', 'kube-scheduler', 'kube-controller-manager', 'kubectl', 'kubelet', 'kube-proxy']);
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
      kubeProxyBinary: join(binDir, 'kube-proxy'),
      kubeconfig: endpoints.kubeconfig,
      adminCert: pki.adminCert,
      adminKey: pki.adminKey,
      layout: kubeletLayout(distro),
      containerdRuntime,
    });
    t = Date.now();
    const timings = await node.start();
    return { plane, node, endpoints, kc, auditLog, timings: { ...timings, controlPlaneMs }, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
