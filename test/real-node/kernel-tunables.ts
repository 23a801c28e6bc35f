// The kubelet writes three sysctls at start-up (vm.overcommit_memory=1, kernel.panic=10,
// kernel.panic_on_oops=1) unless protectKernelDefaults is set, in which case it refuses to
// start when they differ. This machine is shared, so we remember the values and put them back.
import { readFileSync, writeFileSync } from 'node:fs';

const TUNABLES = ['/proc/sys/vm/overcommit_memory', '/proc/sys/kernel/panic', '/proc/sys/kernel/panic_on_oops'];

export type TunableSnapshot = Record<string, string>;

export function snapshotKernelTunables(): TunableSnapshot {
  const snap: TunableSnapshot = {};
  for (const path of TUNABLES) snap[path] = readFileSync(path, 'utf8').trim();
  return snap;
}

export function restoreKernelTunables(snap: TunableSnapshot): string[] {
  const failed: string[] = [];
  for (const [path, value] of Object.entries(snap)) {
    try {
      if (readFileSync(path, 'utf8').trim() !== value) writeFileSync(path, `${value}\n`);
    } catch (err) {
      failed.push(`${path}: ${(err as Error).message}`);
    }
  }
  return failed;
}
