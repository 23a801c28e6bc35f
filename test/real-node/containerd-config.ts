// containerd's config.toml for a node of our own: every path (root, state, socket, runc state,
// CNI config) lives under one directory, so it never meets a system containerd; cgroupfs
// (no systemd here), the busybox sandbox image we import ourselves, and CNI from Debian.
/** The CNI network's name; libcni's cache files in /var/lib/cni/results start with it. */
export const CNI_NETWORK_NAME = 'akri-ts-pods';

export interface ContainerdPaths {
  dir: string;
  root: string;
  state: string;
  socket: string;
  runcRoot: string;
  cniConfDir: string;
  configFile: string;
  opt: string;
}

export function containerdPaths(dir: string): ContainerdPaths {
  return {
    dir,
    root: `${dir}/root`,
    state: `${dir}/state`,
    socket: `${dir}/containerd.sock`,
    runcRoot: `${dir}/runc`,
    cniConfDir: `${dir}/cni/net.d`,
    configFile: `${dir}/config.toml`,
    opt: `${dir}/opt`,
  };
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  sandboxImage: string;
  cniBinDir: string;
  /** Where the runtime reads CDI spec files; CDI stays off when unset (containerd 1.6 has none). */
  cdiSpecDirs?: string[];
}

const q = (s: string): string => JSON.stringify(s);

export function renderContainerdConfig({ paths, sandboxImage, cniBinDir, cdiSpecDirs }: ContainerdConfigOptions): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${q(paths.root)}`,
    `state = ${q(paths.state)}`,
    // Snapshotters that cannot work here only add start-up errors to the log.
    'disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]',
    '[grpc]',
    `  address = ${q(paths.socket)}`,
    '[ttrpc]',
    `  address = ${q(`${paths.socket}.ttrpc`)}`,
    '[metrics]',
    '  address = ""',
    // The "opt" plugin would otherwise create /opt/containerd.
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(paths.opt)}`,
    `[${cri}]`,
    `  sandbox_image = ${q(sandboxImage)}`,
    '  enable_selinux = false',
    // This machine's capability bounding set lacks CAP_SYS_RESOURCE, so no process here may lower
    // an oom_score_adj: runc died on the sandbox's -998 ("failed to update
    // /proc/self/oom_score_adj: Permission denied"). Restricting clamps scores to containerd's own.
    '  restrict_oom_score_adj = true',
    // containerd 2 reads this version-2 file too, and moves these keys to its runtime plugin.
    ...(cdiSpecDirs ? ['  enable_cdi = true', `  cdi_spec_dirs = [${cdiSpecDirs.map(q).join(', ')}]`] : []),
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    '  SystemdCgroup = false',
    // A wrapper (e.g. one that adds --debug and keeps runc's log) when chasing a runc failure.
    ...(process.env.AKRI_TS_RUNC ? [`  BinaryName = ${q(process.env.AKRI_TS_RUNC)}`] : []),
    `  Root = ${q(paths.runcRoot)}`,
    `[${cri}.cni]`,
    `  bin_dir = ${q(cniBinDir)}`,
    `  conf_dir = ${q(paths.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
  ].join('\n');
}

export interface BridgeNetwork {
  /** Linux bridge device name (at most 15 characters). */
  bridge: string;
  /** Pod subnet for host-local IPAM, e.g. 10.233.7.0/24. */
  subnet: string;
}

/**
 * A CNI bridge network with host-local IPAM; no masquerading, so no iptables rules of ours. The
 * bridge's address is each pod's default route: Service ClusterIPs (the API server's among them)
 * are not on the pod subnet, and reach kube-proxy's rules on the host through it.
 * The pod's loopback is set up by containerd's CRI itself, not by this list.
 */
export function renderBridgeConflist({ bridge, subnet }: BridgeNetwork, ipamDataDir: string): string {
  return JSON.stringify(
    {
      cniVersion: '0.4.0',
      name: CNI_NETWORK_NAME,
      plugins: [
        {
          type: 'bridge',
          bridge,
          isGateway: true,
          isDefaultGateway: true,
          ipMasq: false,
          hairpinMode: false,
          ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: ipamDataDir },
        },
      ],
    },
    null,
    2,
  );
}
