// Host paths the node writes outside its own directory, because containerd 1.6 and the kubelet
// hard-code them: /var/lib/kubelet/device-plugins (device manager), /var/log/containers (the
// kubelet's log symlinks), /var/lib/cni (libcni's result cache), /run/containerd (shim sockets
// and fifos). A directory that did not exist before start is removed whole at stop; in one that
// did, only our entries go.
import { existsSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CNI_NETWORK_NAME } from './containerd-config.ts';
import { DEVICE_PLUGIN_DIR } from './kubelet.ts';

export const HOST_PATHS = ['/var/lib/kubelet', '/var/log/containers', '/var/lib/cni', '/run/containerd'] as const;

/** The host paths that do not exist yet, i.e. that this run will own. */
export function missingHostPaths(): string[] {
  return HOST_PATHS.filter((p) => !existsSync(p));
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Removes what a run left in the host paths; `created` are the ones it made (removed whole). */
export function cleanHostPaths(created: readonly string[], runDir: string): string[] {
  const removed: string[] = [];
  const remove = (path: string): void => {
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  };
  for (const path of created) if (existsSync(path)) remove(path);
  // Only one real kubelet runs at a time (the node lock), so its device-plugin dir is ours.
  if (existsSync(DEVICE_PLUGIN_DIR)) remove(DEVICE_PLUGIN_DIR);
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
