// What a soak node's kubelet process writes for the soak's checks (and reads back after a
// restart): the pods it admitted with their devices, whether each was admitted while the API
// server could not be reached, and which device-plugin resources are registered. Replaced
// atomically, so a reader never sees half a file.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface KubeletPod {
  uid: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  /** Milliseconds since the epoch. */
  admittedAt: number;
  /** The kubelet's last API call had failed when it admitted the pod. */
  admittedOffline: boolean;
  allocations: Array<{ resource: string; deviceIds: string[] }>;
}

export interface NodeKubeletState {
  node: string;
  pid: number;
  writtenAt: number;
  apiReachable: boolean;
  /** Resources whose plugin is connected now. */
  registered: string[];
  pods: KubeletPod[];
  /** Pods bound here that wait for admission (the pod worker's delay), by uid. */
  waiting: string[];
}

export function writeKubeletState(file: string, state: NodeKubeletState): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(state));
  renameSync(tmp, file);
}

/** The state, or undefined when the file does not exist yet or cannot be read. */
export function readKubeletState(file: string): NodeKubeletState | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as NodeKubeletState;
  } catch {
    return undefined;
  }
}
