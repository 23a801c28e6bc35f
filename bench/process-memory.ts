// A process's memory as the kernel accounts it (/proc/<pid>/smaps_rollup and status), and the
// total of a group of processes counted as it would be on a node where only they run Node.js.
import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** Resident set: every page the process has in memory, shared ones included. */
  rssMiB: number;
  /** Proportional set: each shared page divided by the number of processes mapping it. */
  pssMiB: number;
  /** Pages only this process maps (USS). */
  privateMiB: number;
  /** Pages mapped by this process and at least one other (the node binary, libc...). */
  sharedMiB: number;
  /** VmHWM: the largest the resident set has been. */
  peakMiB: number;
}

const KIB_PER_MIB = 1024;

function field(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) / KIB_PER_MIB : 0;
}

/** The memory of a live process; undefined once it is gone. */
export function processMemory(pid: number): ProcessMemory | undefined {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      rssMiB: field(rollup, 'Rss'),
      pssMiB: field(rollup, 'Pss'),
      privateMiB: field(rollup, 'Private_Clean') + field(rollup, 'Private_Dirty'),
      sharedMiB: field(rollup, 'Shared_Clean') + field(rollup, 'Shared_Dirty'),
      peakMiB: field(status, 'VmHWM'),
    };
  } catch {
    return undefined;
  }
}

/**
 * What a group of Node.js processes costs a node on which they are the only ones: the pages
 * each maps alone, plus the shared pages once (taken from the member that maps the most; they
 * are the same node binary and libraries in every member). The kernel's own PSS sum is lower
 * on a machine where other Node.js processes share those pages too, as on this one.
 */
export function groupOnItsOwnMiB(members: ProcessMemory[]): number {
  return members.reduce((sum, m) => sum + m.privateMiB, 0) + Math.max(0, ...members.map((m) => m.sharedMiB));
}

export const round1 = (n: number): number => Math.round(n * 10) / 10;
