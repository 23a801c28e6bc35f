// Which slot each running pod is on, as its node sees it. The kubelet gives a pod device ids:
// a slot `<instance>-<n>` of akri.sh/<instance>, or a virtual device `<configuration>-<m>` of
// akri.sh/<configuration>, which the node's own ledger binds to a slot ("C:<m>:<node>"). Pure.
import type { LedgerState } from '../../agent/device-plugin/slot-ledger.ts';
import { parseHolder } from '../../agent/device-plugin/slot-usage.ts';
import type { KubeletPod, NodeKubeletState } from './node-kubelet-state.ts';
import type { NodeId } from './site-plan.ts';

export interface RunningSlot {
  node: NodeId;
  pod: Pick<KubeletPod, 'uid' | 'name' | 'labels' | 'admittedAt' | 'admittedOffline'>;
  resource: string;
  /** The device id the kubelet gave the pod. */
  deviceId: string;
  instance: string;
  slot: string;
  /** The ledger value that means "this node holds it for this pod": "<node>" or "C:<virtual>:<node>". */
  holder: string;
}

/** A pod's device that its node's ledger does not (or no longer) map to a slot. */
export interface UnmappedDevice {
  node: NodeId;
  pod: RunningSlot['pod'];
  resource: string;
  deviceId: string;
}

/** Maps every pod each kubelet runs to its slots; `configurations` tells akri.sh/<configuration> from akri.sh/<instance>. */
export function runningSlots(
  kubelets: Partial<Record<NodeId, NodeKubeletState>>,
  ledgers: Partial<Record<NodeId, LedgerState>>,
  configurations: ReadonlySet<string>,
  nodeName: (n: NodeId) => string,
): { slots: RunningSlot[]; unmapped: UnmappedDevice[] } {
  const slots: RunningSlot[] = [];
  const unmapped: UnmappedDevice[] = [];
  for (const [node, state] of Object.entries(kubelets) as Array<[NodeId, NodeKubeletState]>) {
    const ledger = ledgers[node];
    const name = nodeName(node);
    for (const pod of state.pods) {
      const who = { uid: pod.uid, name: pod.name, labels: pod.labels, admittedAt: pod.admittedAt, admittedOffline: pod.admittedOffline };
      for (const a of pod.allocations) {
        const resourceName = a.resource.slice('akri.sh/'.length);
        for (const deviceId of a.deviceIds) {
          if (!configurations.has(resourceName)) {
            // akri.sh/<instance>: the device id is the slot.
            slots.push({ node, pod: who, resource: a.resource, deviceId, instance: resourceName, slot: deviceId, holder: name });
            continue;
          }
          const bound = boundSlot(ledger, deviceId, name);
          if (bound) slots.push({ node, pod: who, resource: a.resource, deviceId, instance: bound.instance, slot: bound.slot, holder: `C:${deviceId}:${name}` });
          else unmapped.push({ node, pod: who, resource: a.resource, deviceId });
        }
      }
    }
  }
  return { slots, unmapped };
}

function boundSlot(ledger: LedgerState | undefined, virtualDevice: string, node: string): { instance: string; slot: string } | undefined {
  for (const [instance, slots] of Object.entries(ledger?.mine ?? {})) {
    for (const [slot, value] of Object.entries(slots)) {
      const h = parseHolder(value);
      if (h.kind === 'configuration' && h.virtualDevice === virtualDevice && h.node === node) return { instance, slot };
    }
  }
  return undefined;
}

/** Whether the node's ledger holds the slot with exactly this value. */
export function ledgerHolds(ledger: LedgerState | undefined, instance: string, slot: string, holder: string): boolean {
  return ledger?.mine[instance]?.[slot] === holder;
}
