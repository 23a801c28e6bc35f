// containerd's config for a test node keeps every path under its own directory and carries the
// workarounds this machine needs (cgroupfs, clamped OOM scores); the CNI list is a bridge.
import { describe, expect, it } from 'vitest';
import { containerdPaths, renderBridgeConflist, renderContainerdConfig } from './containerd-config.ts';

describe('containerd config for a test node', () => {
  const paths = containerdPaths('/tmp/n1/containerd');
  const toml = renderContainerdConfig({ paths, sandboxImage: 'docker.io/akri-ts/pause:abc', cniBinDir: '/usr/lib/cni' });

  it('keeps root, state, socket, runc state and CNI config under its own directory', () => {
    expect(toml).toContain('root = "/tmp/n1/containerd/root"');
    expect(toml).toContain('state = "/tmp/n1/containerd/state"');
    expect(toml).toContain('address = "/tmp/n1/containerd/containerd.sock"');
    expect(toml).toContain('Root = "/tmp/n1/containerd/runc"');
    expect(toml).toContain('conf_dir = "/tmp/n1/containerd/cni/net.d"');
    expect(toml).not.toMatch(/\/var\/lib\/containerd|\/run\/containerd\/containerd\.sock/);
  });

  it('uses cgroupfs, our sandbox image, and clamps OOM scores it may not lower here', () => {
    expect(toml).toContain('SystemdCgroup = false');
    expect(toml).toContain('sandbox_image = "docker.io/akri-ts/pause:abc"');
    expect(toml).toContain('restrict_oom_score_adj = true');
  });

  it('turns CDI on, reading spec files from the given directory, only when asked (containerd 1.6 has no CDI)', () => {
    expect(toml).not.toContain('cdi');
    const withCdi = renderContainerdConfig({ paths, sandboxImage: 'p', cniBinDir: '/usr/lib/cni', cdiSpecDirs: ['/tmp/n1/cdi'] });
    expect(withCdi).toContain('enable_cdi = true');
    expect(withCdi).toContain('cdi_spec_dirs = ["/tmp/n1/cdi"]');
  });

  it('renders a bridge network with host-local IPAM, the bridge as default route, and no masquerading', () => {
    const list = JSON.parse(renderBridgeConflist({ bridge: 'akrits1', subnet: '10.233.9.0/24' }, '/tmp/n1/ipam')) as {
      plugins: Array<{ type: string; bridge: string; ipMasq: boolean; isDefaultGateway: boolean; ipam: { type: string; ranges: Array<Array<{ subnet: string }>>; dataDir: string } }>;
    };
    expect(list.plugins).toHaveLength(1);
    expect(list.plugins[0]).toMatchObject({ type: 'bridge', bridge: 'akrits1', ipMasq: false, isDefaultGateway: true });
    expect(list.plugins[0]?.ipam).toEqual({ type: 'host-local', ranges: [[{ subnet: '10.233.9.0/24' }]], dataDir: '/tmp/n1/ipam' });
  });
});
