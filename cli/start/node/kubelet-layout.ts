// Where a distribution's kubelet keeps its files, as the chart's kubernetesDistro presets assume
// (helm/templates/_helpers.tpl, akri.kubeletDir): k8s and K3s use /var/lib/kubelet; MicroK8s runs
// its kubelet with --root-dir=/var/snap/microk8s/common/var/lib/kubelet and, since 1.21, makes
// /var/lib/kubelet a symlink to it. The symlink matters: the kubelet's device manager hard-codes
// /var/lib/kubelet/device-plugins whatever --root-dir says, so without it the device-plugin socket
// and the pod-resources socket (which follows --root-dir) would live in different trees.
import { join } from 'node:path';

export const KUBERNETES_DISTROS = ['k8s', 'k3s', 'microk8s'] as const;
export type KubernetesDistro = (typeof KUBERNETES_DISTROS)[number];

/** pluginapi.DevicePluginPath in k8s.io/kubelet: the device manager's socket dir, fixed. */
export const FIXED_DEVICE_PLUGIN_DIR = '/var/lib/kubelet/device-plugins';
const DEFAULT_ROOT = '/var/lib/kubelet';

export interface KubeletLayout {
  distro: KubernetesDistro;
  /** The kubelet's --root-dir on the host. */
  rootDir: string;
  /** /var/lib/kubelet is made a symlink to rootDir (MicroK8s). */
  linkDefaultRoot: boolean;
  devicePluginDir: string;
  podResourcesSocket: string;
}

export function kubeletLayout(distro: KubernetesDistro): KubeletLayout {
  const rootDir = distro === 'microk8s' ? '/var/snap/microk8s/common/var/lib/kubelet' : DEFAULT_ROOT;
  return {
    distro,
    rootDir,
    linkDefaultRoot: rootDir !== DEFAULT_ROOT,
    devicePluginDir: join(rootDir, 'device-plugins'),
    podResourcesSocket: join(rootDir, 'pod-resources', 'kubelet.sock'),
  };
}

/** The distribution named by AKRI_TS_NODE_DISTRO (default k8s); anything else is refused. */
export function distroFromEnv(value: string | undefined): KubernetesDistro {
  if (value === undefined || value === '') return 'k8s';
  if ((KUBERNETES_DISTROS as readonly string[]).includes(value)) return value as KubernetesDistro;
  throw new Error(`AKRI_TS_NODE_DISTRO=${value}: expected one of ${KUBERNETES_DISTROS.join(', ')}`);
}
