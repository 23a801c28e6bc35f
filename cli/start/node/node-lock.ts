// One real node per machine at a time: two kubelets would share the `kubepods` cgroups and the
// hard-coded /var/lib/kubelet/device-plugins socket. The lock file records the owner's pid and
// what it started, so a run that was killed outright (SIGKILL: containerd and the kubelet die by
// pdeathsig, but containerd's shims and the containers do not) can be swept up by the next one.
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';

export const NODE_LOCK = '/run/akri-ts-real-node.lock';

export interface NodeLockRecord {
  pid: number;
  dir?: string;
  /** Everything the run created on disk, control plane included. */
  runDir?: string;
  containerdSocket?: string;
  bridge?: string;
  /** The kernel sysctls as they were before the kubelet changed them. */
  tunables?: Record<string, string>;
  /** Hard-coded host paths (host-paths.ts) that the run created. */
  createdHostPaths?: string[];
  /** The kubelet's root and device-plugin dirs on the host (its layout). */
  kubeletRootDir?: string;
  devicePluginDir?: string;
  /** kube-proxy ran, so its nftables tables may be left. */
  kubeProxy?: boolean;
}

export interface NodeLock {
  /** What a dead previous owner had recorded, for the caller to sweep up. */
  stale: NodeLockRecord | undefined;
  /** Records what this run has started, so a later run can sweep it up after a crash. */
  record(details: Omit<NodeLockRecord, 'pid'>): void;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRecord(path: string): NodeLockRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(path, 'utf8')) as NodeLockRecord;
    return typeof record.pid === 'number' ? record : undefined;
  } catch {
    return undefined;
  }
}

/** The pid of a live process holding the lock, if any (a dead owner's lock is free to take). */
export function nodeLockHolder(path = NODE_LOCK): number | undefined {
  const owner = readRecord(path);
  return owner && owner.pid !== process.pid && alive(owner.pid) ? owner.pid : undefined;
}

export function acquireNodeLock(path = NODE_LOCK): NodeLock {
  let stale: NodeLockRecord | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid }));
      closeSync(fd);
      return {
        stale,
        record: (details) => writeFileSync(path, JSON.stringify({ pid: process.pid, ...details })),
        release: () => rmSync(path, { force: true }),
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = readRecord(path);
      if (owner && owner.pid !== process.pid && alive(owner.pid)) {
        throw new Error(`another real node (pid ${owner.pid}: the node test tier or npm start) holds ${path}; two kubelets on one host would share the kubepods cgroups`);
      }
      stale = owner;
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take ${path}`);
}
