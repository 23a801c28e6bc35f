// When a node counts as lost, and what a lost node means for one Instance, as pure functions:
// the node leaves `spec.nodes`, and the deviceUsage slots it held are freed.
import type { V1Node } from '@kubernetes/client-node';
import type { Instance } from '../lib/crd/instance.ts';

/** The Ready condition's status: 'True', 'False', 'Unknown', or undefined when there is none yet. */
export function readyStatus(node: V1Node): string | undefined {
  return (node.status?.conditions ?? []).find((c) => c.type === 'Ready')?.status;
}

export function isNodeReady(node: V1Node): boolean {
  return readyStatus(node) === 'True';
}

/**
 * Whether a node is lost: deleted; or its Ready condition is Unknown (the node controller's
 * verdict that its kubelet stopped reporting); or it is NotReady after this controller has
 * seen it Ready. As in Akri, a node that has never been Ready (a node joining while its CNI
 * is not up yet) is not lost: its agent is there and adds itself to its Instances, and
 * removing it would only start a fight.
 */
export function isNodeLost(node: V1Node | undefined, seenReady: boolean): boolean {
  if (!node) return true;
  const ready = readyStatus(node);
  if (ready === 'True') return false;
  if (ready === 'Unknown') return true;
  return seenReady;
}

/** The node holding a deviceUsage slot: "" (free), "<node>", or "C:<virtual slot>:<node>". */
export function slotHolder(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.startsWith('C:')) {
    const parts = value.split(':');
    return parts.length === 3 ? parts[2] : undefined;
  }
  return value;
}

/**
 * A JSON merge patch that removes lost nodes from `spec.nodes` and their slots from
 * `spec.deviceUsage`, or undefined when the Instance names no lost node.
 *
 * Why a merge patch and not server-side apply: the entries belong to the agents (field
 * managers `<node>` and `dp-<node>`). An apply by our own manager that leaves an entry out
 * only gives up *our* claim to it, so the entry would stay. Forcing an apply that lists
 * them would take ownership of every other node's entries, and the next apply by those agents
 * would fight back (Akri's issue #801 hot loop). A merge patch is an update: removed entries go,
 * and the entries left unchanged keep their owners. `metadata.resourceVersion` makes it a
 * compare-and-swap: if an agent wrote in between, the API answers 409 and we decide again.
 */
export function nodeLossPatch(instance: Instance, lost: (node: string) => boolean): Record<string, unknown> | undefined {
  const nodes = instance.spec.nodes ?? [];
  const remaining = nodes.filter((n) => !lost(n));
  const freed: Record<string, null> = {};
  for (const [slot, value] of Object.entries(instance.spec.deviceUsage ?? {})) {
    const holder = slotHolder(value);
    if (holder !== undefined && lost(holder)) freed[slot] = null;
  }
  const nodesChanged = remaining.length !== nodes.length;
  const slotsFreed = Object.keys(freed).length > 0;
  if (!nodesChanged && !slotsFreed) return undefined;
  return {
    metadata: { resourceVersion: instance.metadata.resourceVersion },
    spec: { ...(nodesChanged ? { nodes: remaining } : {}), ...(slotsFreed ? { deviceUsage: freed } : {}) },
  };
}
