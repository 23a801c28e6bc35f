// A process's footprint as the kernel reports it: resident memory, open file descriptors, and
// how many of those are sockets. Read from /proc, so it works for processes in any network
// namespace; undefined once the process is gone.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { procStatusMiB } from '../../bench/bench-cluster.ts';

export interface ProcessSample {
  at: number;
  pid: number;
  rssMiB: number;
  fds: number;
  sockets: number;
}

export function sampleProcess(pid: number, at = Date.now()): ProcessSample | undefined {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return undefined;
  }
  let sockets = 0;
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:')) sockets++;
    } catch {
      // closed while we looked
    }
  }
  const rssMiB = procStatusMiB(pid, 'VmRSS');
  return rssMiB > 0 ? { at, pid, rssMiB, fds: fds.length, sockets } : undefined;
}

/** "a.b.c.d:port" from /proc/net/tcp's little-endian hex form (IPv4 only; IPv6 kept as hex). */
function endpoint(hex: string): string {
  const [addr = '', port = ''] = hex.split(':');
  const p = Number.parseInt(port, 16);
  if (addr.length !== 8) return `[${addr}]:${p}`;
  const bytes = (addr.match(/../g) ?? []).map((b) => Number.parseInt(b, 16)).reverse();
  return `${bytes.join('.')}:${p}`;
}

const TCP_STATES: Record<string, string> = { '01': 'ESTABLISHED', '02': 'SYN_SENT', '06': 'TIME_WAIT', '08': 'CLOSE_WAIT', '0A': 'LISTEN' };

/**
 * What each of a process's sockets is: "tcp <local> -> <remote> <state>" or "unix <path>", from
 * the tables of its own network namespace (/proc/<pid>/net); for telling which socket stayed open.
 */
export function socketDetails(pid: number): string[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m?.[1]) inodes.add(m[1]);
      } catch {
        // closed while we looked
      }
    }
  } catch {
    return [];
  }
  const found = new Map<string, string>();
  for (const table of ['tcp', 'tcp6']) {
    let text = '';
    try {
      text = readFileSync(`/proc/${pid}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const inode = f[9];
      if (inode && inodes.has(inode)) found.set(inode, `tcp ${endpoint(f[1] ?? '')} -> ${endpoint(f[2] ?? '')} ${TCP_STATES[f[3] ?? ''] ?? f[3]}`);
    }
  }
  try {
    for (const line of readFileSync(`/proc/${pid}/net/unix`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      const inode = f[6];
      if (inode && inodes.has(inode) && !found.has(inode)) found.set(inode, `unix ${f[7] ?? '(unnamed)'}`);
    }
  } catch {
    // no unix table
  }
  return [...inodes].map((i) => found.get(i) ?? 'other').sort();
}
