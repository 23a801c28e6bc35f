// Cleaning up only ever touches mounts under our own directory, deepest first.
import { describe, expect, it } from 'vitest';
import { mountsUnder } from './host-cleanup.ts';

const mountinfo = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '90 22 0:50 / /tmp/n1/kubelet/root rw shared:40 - ext4 /dev/vda rw',
  '91 90 0:51 / /tmp/n1/kubelet/root/pods/uid/volumes/x rw shared:41 - tmpfs tmpfs rw',
  '92 22 0:52 / /tmp/n1/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw',
  '93 22 0:53 / /tmp/n10/other rw - tmpfs tmpfs rw',
  '94 22 0:54 / /tmp/n1/with\\040space rw - tmpfs tmpfs rw',
  '',
].join('\n');

describe('mounts under a directory', () => {
  it('lists ours deepest first, decoding escaped names, and never a sibling with the same prefix', () => {
    expect(mountsUnder('/tmp/n1', mountinfo)).toEqual([
      '/tmp/n1/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs',
      '/tmp/n1/kubelet/root/pods/uid/volumes/x',
      '/tmp/n1/kubelet/root',
      '/tmp/n1/with space',
    ]);
  });
});
