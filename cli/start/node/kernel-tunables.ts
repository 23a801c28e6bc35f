// Host-wide sysctls our node changes: the kubelet writes its kernel defaults at start-up
// (vm.overcommit_memory=1, kernel.panic=10, kernel.panic_on_oops=1, ...) unless
// protectKernelDefaults is set, in which case it refuses to start when they differ; the CNI
// bridge plugin (isGateway) turns on net.ipv4.ip_forward; kube-proxy is told to leave conntrack
// alone, and its limits are remembered all the same (when the conntrack module is loaded). This
// machine is shared, so we remember the values before anything starts and put them back.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const TUNABLES = [
  '/proc/sys/vm/overcommit_memory',
  '/proc/sys/vm/panic_on_oom',
  '/proc/sys/kernel/panic',
  '/proc/sys/kernel/panic_on_oops',
  '/proc/sys/kernel/keys/root_maxkeys',
  '/proc/sys/kernel/keys/root_maxbytes',
  '/proc/sys/net/ipv4/ip_forward',
  '/proc/sys/net/ipv4/conf/all/route_localnet',
];
const IF_PRESENT = [
  '/proc/sys/net/netfilter/nf_conntrack_max',
  '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established',
  '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_close_wait',
];

export type TunableSnapshot = Record<string, string>;

export function snapshotKernelTunables(): TunableSnapshot {
  const snap: TunableSnapshot = {};
  for (const path of [...TUNABLES, ...IF_PRESENT.filter((p) => existsSync(p))]) snap[path] = readFileSync(path, 'utf8').trim();
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
