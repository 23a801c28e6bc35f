// Host paths the node writes outside its own directory, because containerd 1.6, the kubelet and
// the chart hard-code them: the kubelet's root (its layout, kubelet-layout.ts: /var/lib/kubelet, or
// MicroK8s' snap directory plus the /var/lib/kubelet symlink), /var/log/containers (the kubelet's
// log symlinks), /var/lib/cni (libcni's result cache), /run/containerd (shim sockets and fifos),
// and the chart's hostPath directories, which the kubelet creates for its pods (the handlers'
// sockets in /var/lib/akri, the agent's checkpoint in /var/lib/akri-ts; containerd creates a
// missing /run/udev for the udev handler's mount). A path that did not
// exist before start is removed whole at stop; in one that did, only our entries go.
import { existsSync, lstatSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CNI_NETWORK_NAME } from './containerd-config.ts';
import type { KubeletLayout } from './kubelet-layout.ts';

const FIXED_HOST_PATHS = ['/var/log/containers', '/var/lib/cni', '/run/containerd', '/var/lib/akri', '/var/lib/akri-ts', '/run/udev'] as const;

const exists = (path: string): boolean => {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
};

/** The outermost directory on the way to `path` that does not exist yet (what creating it makes). */
export function outermostMissing(path: string, present: (p: string) => boolean = exists): string | undefined {
  if (present(path)) return undefined;
  let top = path;
  while (dirname(top) !== top && !present(dirname(top))) top = dirname(top);
  return top;
}

/** The host paths that do not exist yet, i.e. that this run will own. */
export function missingHostPaths(layout: KubeletLayout, present: (p: string) => boolean = exists): string[] {
  const candidates = [...FIXED_HOST_PATHS, layout.rootDir, ...(layout.linkDefaultRoot ? ['/var/lib/kubelet'] : [])];
  const missing = candidates.map((p) => outermostMissing(p, present)).filter((p): p is string => p !== undefined);
  return [...new Set(missing)];
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes what a run left in the host paths; `created` are the ones it made (removed whole). */
export function cleanHostPaths(created: readonly string[], runDir: string, devicePluginDir: string): string[] {
  const removed: string[] = [];
  const remove = (path: string): void => {
    // rmSync removes a symlink itself, never what it points to.
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  };
  for (const path of created) if (exists(path)) remove(path);
  // Only one real kubelet runs at a time (the node lock), so its device-plugin dir is ours.
  if (existsSync(devicePluginDir)) remove(devicePluginDir);
  for (const link of entries('/var/log/containers')) {
    const path = join('/var/log/containers', link);
    try {
      if (readlinkSync(path).startsWith(`${runDir}/`)) remove(path);
    } catch {
      // not a symlink
    }
  }
  const results = '/var/lib/cni/results';
  const ours = entries(results).filter((f) => f.startsWith(`${CNI_NETWORK_NAME}-`));
  const sandboxIds = new Set(ours.map((f) => f.slice(CNI_NETWORK_NAME.length + 1).replace(/-eth0$/, '')));
  for (const f of entries(results)) {
    const loopbackOf = /^cni-loopback-(.+)-lo$/.exec(f)?.[1];
    if (f.startsWith(`${CNI_NETWORK_NAME}-`) || (loopbackOf && sandboxIds.has(loopbackOf))) remove(join(results, f));
  }
  return removed;
}
