// What the cluster benchmarks share: a control plane of their own with the CRDs and one
// namespace, Configurations posted as a user would, and a process's memory and CPU as the
// kernel reports them.
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../lib/kube/install-crds.ts';
import { loadKubeConfig } from '../lib/kube/kube-config.ts';
import { kubeRequest, type KubeEndpoint } from '../lib/kube/raw-request.ts';
import type { ConfigurationSpec } from '../lib/crd/configuration.ts';
import type { ControlPlane, ControlPlaneEndpoints } from '../cli/start/control-plane/control-plane.ts';

export interface BenchCluster {
  ep: ControlPlaneEndpoints;
  kc: KubeConfig;
  ns: string;
}

/** Starts the plane, installs the CRDs and creates the namespace the benchmark works in. */
export async function startBenchCluster(plane: ControlPlane, ns = 'bench'): Promise<BenchCluster> {
  const ep = await plane.start();
  const kc = loadKubeConfig(ep.kubeconfig);
  await installCrds(kc);
  await kubeRequest(kc, { method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
  return { ep, kc, ns };
}

/** Creates a Configuration in `ns`, as a user's `kubectl create` would. */
export async function postConfiguration(kc: KubeEndpoint, ns: string, name: string, spec: ConfigurationSpec): Promise<void> {
  await kubeRequest(kc, {
    method: 'POST',
    path: `/apis/akri.sh/v0/namespaces/${ns}/configurations`,
    body: { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name }, spec },
  });
}

/** VmHWM (peak) or VmRSS (now) of a process, in MiB; 0 once the process is gone. */
export function procStatusMiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  try {
    const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

/** CPU time (user + system, all threads) a process has used so far, in ms; 0 once it is gone. */
export function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** USER_HZ: Linux reports process times in 1/100 s on every architecture it runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
