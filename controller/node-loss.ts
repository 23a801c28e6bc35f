// What a lost node (NotReady, or deleted) means for one Instance, as a pure function: the
// node leaves `spec.nodes`, and the deviceUsage slots it held are freed.
import type { V1Node } from '@kubernetes/client-node';
import type { Instance } from '../lib/crd/instance.ts';

export function isNodeReady(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
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
