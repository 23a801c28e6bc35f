// Leaves the host as we found it: unmounts what containerd and the kubelet mounted under our
// directory, kills containerd shims that serve our socket (they daemonize, so pdeathsig does not
// reach them), and removes the empty cgroups the kubelet made. Each step only touches things
// that name our directory or socket, because other engineers' processes share this machine.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

function unescapeMountPath(p: string): string {
  return p.replace(/\\(\d{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Mount points at or under `dir`, deepest first. */
export function mountsUnder(dir: string, mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => p !== undefined)
    .map(unescapeMountPath)
    .filter((p) => p === dir || p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
}

export async function unmountUnder(dir: string): Promise<string[]> {
  const failed: string[] = [];
  for (const mount of mountsUnder(dir)) {
    try {
      await run('umount', ['--lazy', mount]);
    } catch (err) {
      failed.push(`${mount}: ${(err as { stderr?: string }).stderr?.trim() ?? String(err)}`);
    }
  }
  return failed;
}

/** Pids of containerd-shim processes started for the containerd listening on `socket`. */
export function shimPids(socket: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.includes('containerd-shim')) continue;
    const at = argv.indexOf('-address');
    if (at >= 0 && argv[at + 1] === socket) pids.push(Number(entry));
  }
  return pids;
}

/**
 * containerd 1.6 puts each shim's socket at /run/containerd/s/<sha256(address/namespace/id)>
 * whatever its own state dir is; a killed shim leaves it behind.
 */
export function shimSocketPath(address: string, namespace: string, id: string): string {
  return join('/run/containerd/s', createHash('sha256').update(join(address, namespace, id)).digest('hex'));
}

export function killShims(socket: string): number[] {
  const pids: number[] = [];
  for (const pid of shimPids(socket)) {
    let argv: string[] = [];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      process.kill(pid, 'SIGKILL');
      pids.push(pid);
    } catch {
      // already gone
    }
    const arg = (flag: string): string | undefined => (argv.includes(flag) ? argv[argv.indexOf(flag) + 1] : undefined);
    const [namespace, id] = [arg('-namespace'), arg('-id')];
    if (namespace && id) rmSync(shimSocketPath(socket, namespace, id), { force: true });
  }
  return pids;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

function removeEmptyTree(path: string): void {
  for (const entry of readdirSync(path)) {
    const child = join(path, entry);
    try {
      if (statSync(child).isDirectory()) removeEmptyTree(child);
    } catch {
      // vanished meanwhile
    }
  }
  try {
    rmdirSync(path);
  } catch {
    // still has tasks: left for the kernel to report in the notes, never forced
  }
}

/** SIGKILLs every process in the cgroup v1 `pids` tree `name` (the kubelet's pods, after a crash). */
export function killCgroupTree(name: string): number[] {
  const killed: number[] = [];
  const walk = (path: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(path);
    } catch {
      return;
    }
    for (const pid of readFileSync(join(path, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number)) {
      try {
        process.kill(pid, 'SIGKILL');
        killed.push(pid);
      } catch {
        // already gone
      }
    }
    for (const entry of entries) {
      const child = join(path, entry);
      try {
        if (statSync(child).isDirectory()) walk(child);
      } catch {
        // vanished meanwhile
      }
    }
  };
  walk(join(CGROUP_ROOT, 'pids', name));
  return killed;
}

/** Removes `/sys/fs/cgroup/<controller>/<name>` trees (the kubelet's `kubepods`) once empty. */
export function removeCgroupTrees(name: string): string[] {
  const left: string[] = [];
  if (!existsSync(CGROUP_ROOT)) return left;
  for (const controller of readdirSync(CGROUP_ROOT)) {
    const tree = join(CGROUP_ROOT, controller, name);
    if (!existsSync(tree)) continue;
    removeEmptyTree(tree);
    if (existsSync(tree)) left.push(tree);
  }
  return left;
}
