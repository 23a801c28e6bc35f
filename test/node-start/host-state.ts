// What a real node changes on the host, read before and after a run so a test can say what was
// left: mount points, network namespaces, network links (our bridges and veths), nftables
// tables, the kubelet's cgroups, the host paths the kubelet and containerd hard-code, CNI's
// result cache and the machine-wide node lock. Other engineers' work shares this machine, so a
// test compares against what was there before it started rather than expecting an empty host.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CNI_NETWORK_NAME } from '../../cli/start/node/containerd-config.ts';
import { NODE_LOCK } from '../../cli/start/node/node-lock.ts';

const HOST_PATHS = ['/var/lib/kubelet', '/var/log/containers', '/var/lib/cni/results', '/run/containerd', '/var/lib/akri', '/var/lib/akri-ts', '/run/udev', NODE_LOCK];

export interface HostState {
  mounts: string[];
  netns: string[];
  links: string[];
  nftTables: string[];
  kubeletCgroups: string[];
  hostPaths: string[];
  /** Entries of the CNI result cache (one per pod network attachment). */
  cniResults: string[];
}

const list = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

/**
 * The host state a real node can leave, narrowed to what only a kubelet node makes (other tests on
 * this machine make network namespaces and veths of their own, under other names): mounts under
 * the run's directory and the kubelet's and containerd's fixed paths, CNI's network namespaces,
 * bridges and veths, kube-proxy's tables.
 */
export function readHostState(runDir: string): HostState {
  const roots = [runDir, '/var/lib/kubelet', '/run/containerd', '/run/netns/cni-', '/var/snap/microk8s'];
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined && roots.some((r) => p.startsWith(r)))
    .sort();
  const links = (JSON.parse(execFileSync('ip', ['-j', 'link', 'show'], { encoding: 'utf8' }) || '[]') as Array<{ ifname: string }>)
    .map((l) => l.ifname)
    .filter((n) => n.startsWith('akrits') || n.startsWith('veth'))
    .sort();
  const nftTables = execFileSync('nft', ['list', 'tables'], { encoding: 'utf8' }).split('\n').filter((t) => t.includes('kube-proxy')).sort();
  const kubeletCgroups = list('/sys/fs/cgroup').map((c) => join('/sys/fs/cgroup', c, 'kubepods')).filter((p) => existsSync(p));
  return {
    mounts,
    netns: list('/run/netns').filter((n) => n.startsWith('cni-')),
    links,
    nftTables,
    kubeletCgroups,
    hostPaths: HOST_PATHS.filter((p) => existsSync(p)),
    cniResults: list('/var/lib/cni/results').filter((f) => f.startsWith(`${CNI_NETWORK_NAME}-`) || f.startsWith('cni-loopback-')),
  };
}

/** What `after` holds that `before` did not, per kind; empty lists when the run left nothing. */
export function leftBehind(before: HostState, after: HostState): Record<keyof HostState, string[]> {
  const added = (a: string[], b: string[]) => {
    const seen = new Set(a);
    return b.filter((x) => !seen.has(x));
  };
  return {
    mounts: added(before.mounts, after.mounts),
    netns: added(before.netns, after.netns),
    links: added(before.links, after.links),
    nftTables: added(before.nftTables, after.nftTables),
    kubeletCgroups: added(before.kubeletCgroups, after.kubeletCgroups),
    hostPaths: added(before.hostPaths, after.hostPaths),
    cniResults: added(before.cniResults, after.cniResults),
  };
}
