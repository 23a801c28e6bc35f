// What a real node needs from this machine, checked before anything starts, so a missing piece
// fails the run with its reason instead of as a kubelet crash loop: root, cgroup v1 controllers
// (or v2), overlayfs, /dev/kmsg (cAdvisor's OOM watcher), containerd, runc, the CNI plugins,
// nft (kube-proxy's nftables mode) and a static busybox. Swap is reported but allowed (failSwapOn: false).
import { accessSync, constants, existsSync, readFileSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { CNI_BIN_DIR } from './containerd.ts';
import { BUSYBOX } from './image-archive.ts';

export interface HostFacts {
  cgroup: 'v1' | 'v2' | 'unknown';
  swapDevices: number;
  kernel: string;
}

export interface PrerequisiteReport {
  facts: HostFacts;
  problems: string[];
}

const CGROUP2_MAGIC = 0x63677270;
const TMPFS_MAGIC = 0x01021994;
const V1_CONTROLLERS = ['cpu', 'cpuacct', 'cpuset', 'memory', 'pids', 'devices', 'freezer'];

function cgroupVersion(): HostFacts['cgroup'] {
  try {
    const type = statfsSync('/sys/fs/cgroup').type;
    if (type === CGROUP2_MAGIC) return 'v2';
    if (type === TMPFS_MAGIC) return 'v1';
  } catch {
    // no /sys/fs/cgroup at all
  }
  return 'unknown';
}

function onPath(name: string): boolean {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      // next
    }
  }
  return false;
}

/** True when the ELF file has no program interpreter, i.e. it is statically linked. */
function isStaticElf(path: string): boolean {
  const elf = readFileSync(path);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  return true;
}

export function checkPrerequisites(): PrerequisiteReport {
  const problems: string[] = [];
  const cgroup = cgroupVersion();
  const swaps = readFileSync('/proc/swaps', 'utf8').trim().split('\n').length - 1;
  const facts: HostFacts = { cgroup, swapDevices: swaps, kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim() };

  if (process.getuid?.() !== 0) problems.push('the kubelet and containerd must run as root (mounts, cgroups, network namespaces)');
  if (cgroup === 'unknown') problems.push('/sys/fs/cgroup is neither a cgroup2 mount nor a tmpfs of cgroup v1 hierarchies');
  if (cgroup === 'v1') {
    const missing = V1_CONTROLLERS.filter((c) => !existsSync(join('/sys/fs/cgroup', c, 'cgroup.procs')));
    if (missing.length) problems.push(`cgroup v1 controllers not mounted under /sys/fs/cgroup: ${missing.join(', ')}`);
  }
  if (!/\boverlay\b/.test(readFileSync('/proc/filesystems', 'utf8'))) {
    problems.push('the kernel has no overlay filesystem, which containerd\'s overlayfs snapshotter needs (modprobe overlay)');
  }
  if (!existsSync('/dev/kmsg')) problems.push('/dev/kmsg is missing; the kubelet\'s OOM watcher (cAdvisor) cannot start without it');
  for (const [bin, pkg] of [['containerd', 'containerd'], ['ctr', 'containerd'], ['runc', 'runc'], ['setpriv', 'util-linux'], ['umount', 'mount'], ['nft', 'nftables']]) {
    if (!onPath(bin as string)) problems.push(`${bin} is not on PATH; install it with: apt-get install ${pkg}`);
  }
  for (const plugin of ['bridge', 'host-local', 'loopback']) {
    if (!existsSync(join(CNI_BIN_DIR, plugin))) {
      problems.push(`CNI plugin ${join(CNI_BIN_DIR, plugin)} is missing; install it with: apt-get install containernetworking-plugins`);
    }
  }
  if (!existsSync(BUSYBOX)) problems.push(`${BUSYBOX} is missing; install it with: apt-get install busybox-static`);
  else if (!isStaticElf(BUSYBOX)) problems.push(`${BUSYBOX} is dynamically linked; the images need busybox-static (apt-get install busybox-static)`);
  return { facts, problems };
}

export function assertPrerequisites(): HostFacts {
  const { facts, problems } = checkPrerequisites();
  if (problems.length) {
    throw new Error(`this machine cannot run a real kubelet node (${JSON.stringify(facts)}):\n- ${problems.join('\n- ')}`);
  }
  return facts;
}
