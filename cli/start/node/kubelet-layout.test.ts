// The kubelet layouts the node tier runs, one per chart preset: where the kubelet's root, its
// device-plugin socket dir and its pod-resources socket are on the host.
import { describe, expect, it } from 'vitest';
import { distroFromEnv, FIXED_DEVICE_PLUGIN_DIR, kubeletLayout } from './kubelet-layout.ts';

describe('kubelet layouts of the distribution presets', () => {
  it('k8s and k3s keep everything under /var/lib/kubelet, where the device manager looks anyway', () => {
    for (const distro of ['k8s', 'k3s'] as const) {
      expect(kubeletLayout(distro)).toEqual({
        distro,
        rootDir: '/var/lib/kubelet',
        linkDefaultRoot: false,
        devicePluginDir: FIXED_DEVICE_PLUGIN_DIR,
        podResourcesSocket: '/var/lib/kubelet/pod-resources/kubelet.sock',
      });
    }
  });

  it('microk8s roots the kubelet in the snap and links /var/lib/kubelet to it', () => {
    expect(kubeletLayout('microk8s')).toEqual({
      distro: 'microk8s',
      rootDir: '/var/snap/microk8s/common/var/lib/kubelet',
      linkDefaultRoot: true,
      devicePluginDir: '/var/snap/microk8s/common/var/lib/kubelet/device-plugins',
      podResourcesSocket: '/var/snap/microk8s/common/var/lib/kubelet/pod-resources/kubelet.sock',
    });
  });

  it('AKRI_TS_NODE_DISTRO defaults to k8s and refuses a name it does not know', () => {
    expect(distroFromEnv(undefined)).toBe('k8s');
    expect(distroFromEnv('microk8s')).toBe('microk8s');
    expect(() => distroFromEnv('k0s')).toThrow('AKRI_TS_NODE_DISTRO=k0s: expected one of k8s, k3s, microk8s');
  });
});
