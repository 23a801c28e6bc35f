// What the soak sees each second, gathered from where each party keeps its own truth: the API
// server's Instances, Pods, Nodes and the controller Lease (when it answers), each node's
// kubelet (the pods it admitted and their devices, from its state file) and each node's agent
// (its slot ledger, from its checkpoint). Kubelets are read before ledgers: an agent saves a
// claim before the kubelet's Allocate returns, so a pod the kubelet lists is never newer than
// the ledger that was read after it.
import { readFileSync } from 'node:fs';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { LedgerState } from '../../agent/device-plugin/slot-ledger.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { kubeRequest, type KubeEndpoint } from '../../lib/kube/raw-request.ts';
import { readKubeletState, type NodeKubeletState } from './node-kubelet-state.ts';
import { NODE_IDS, SOAK_NAMESPACE, type NodeId } from './site-plan.ts';

export interface ApiView {
  /** When the reads began (ms since the epoch). */
  at: number;
  instances: Instance[];
  pods: V1Pod[];
  nodes: V1Node[];
  leaseHolder: string | undefined;
}

export interface Observation {
  at: number;
  /** Undefined when the API server did not answer within the second. */
  api: ApiView | undefined;
  kubelets: Partial<Record<NodeId, NodeKubeletState>>;
  ledgers: Partial<Record<NodeId, LedgerState>>;
}

/** An agent's checkpoint: only the ledger part is read here. */
export function readLedger(file: string): LedgerState | undefined {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { ledger: LedgerState }).ledger;
  } catch {
    return undefined;
  }
}

export interface ObservationSources {
  kc: KubeEndpoint;
  kubeletStateFile: (node: NodeId) => string;
  checkpointFile: (node: NodeId) => string;
}

/** Reads the API server's view; fails (rather than waits) when it does not answer in time. */
export async function readApi(kc: KubeEndpoint, timeoutMs: number): Promise<ApiView> {
  const at = Date.now();
  const get = <T>(path: string) => kubeRequest<T>(kc, { method: 'GET', path, timeoutMs });
  const [instances, pods, nodes, lease] = await Promise.all([
    get<{ items: Instance[] }>(`/apis/akri.sh/v0/namespaces/${SOAK_NAMESPACE}/instances`),
    get<{ items: V1Pod[] }>(`/api/v1/namespaces/${SOAK_NAMESPACE}/pods`),
    get<{ items: V1Node[] }>('/api/v1/nodes'),
    get<{ spec?: { holderIdentity?: string } }>(`/apis/coordination.k8s.io/v1/namespaces/${SOAK_NAMESPACE}/leases/akri-controller`).catch(() => undefined),
  ]);
  return { at, instances: instances.items, pods: pods.items, nodes: nodes.items, leaseHolder: lease?.spec?.holderIdentity || undefined };
}

export function readLocal(sources: ObservationSources): Pick<Observation, 'kubelets' | 'ledgers'> {
  const kubelets: Observation['kubelets'] = {};
  const ledgers: Observation['ledgers'] = {};
  for (const n of NODE_IDS) {
    const k = readKubeletState(sources.kubeletStateFile(n));
    if (k) kubelets[n] = k;
  }
  for (const n of NODE_IDS) {
    const l = readLedger(sources.checkpointFile(n));
    if (l) ledgers[n] = l;
  }
  return { kubelets, ledgers };
}
