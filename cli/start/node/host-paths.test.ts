// Which host paths a node run owns: only those it creates, counted from the outermost missing
// directory, so stopping removes exactly what starting made and nothing that was there before.
import { describe, expect, it } from 'vitest';
import { missingHostPaths, outermostMissing } from './host-paths.ts';
import { kubeletLayout } from './kubelet-layout.ts';

const present = (paths: string[]) => (p: string): boolean => paths.includes(p);
const debianHost = present(['/', '/var', '/var/lib', '/var/log', '/run']);

describe('host paths a node run owns', () => {
  it('counts a nested path from its outermost missing directory', () => {
    expect(outermostMissing('/var/snap/microk8s/common/var/lib/kubelet', debianHost)).toBe('/var/snap');
    expect(outermostMissing('/var/lib/kubelet', debianHost)).toBe('/var/lib/kubelet');
    expect(outermostMissing('/var/lib', debianHost)).toBeUndefined();
  });

  it('owns /var/lib/kubelet on a k8s layout, and the snap tree plus the /var/lib/kubelet link on microk8s', () => {
    const fixed = ['/var/log/containers', '/var/lib/cni', '/run/containerd', '/var/lib/akri', '/var/lib/akri-ts', '/run/udev'];
    expect(missingHostPaths(kubeletLayout('k8s'), debianHost)).toEqual([...fixed, '/var/lib/kubelet']);
    expect(missingHostPaths(kubeletLayout('microk8s'), debianHost)).toEqual([...fixed, '/var/snap', '/var/lib/kubelet']);
  });

  it('owns nothing that was already there', () => {
    const busy = present(['/', '/var', '/var/lib', '/var/log', '/run', '/var/log/containers', '/var/lib/cni', '/run/containerd', '/var/lib/akri', '/var/lib/akri-ts', '/run/udev', '/var/lib/kubelet']);
    expect(missingHostPaths(kubeletLayout('k8s'), busy)).toEqual([]);
  });
});
