// What an Instance's device plugin reports to the kubelet: one device per slot, Healthy when
// the slot is free or already held by this node, Unhealthy when another node (or this node's
// Configuration-level resource) holds it, so the kubelet never hands out a slot that is taken.
import { HEALTHY, UNHEALTHY } from './health.ts';
import { parseHolder, slotIds } from './slot-usage.ts';
import { naturalCompare } from '../../lib/naming/natural-order.ts';

export interface PluginDevice {
  ID: string;
  health: typeof HEALTHY | typeof UNHEALTHY;
}

export function instancePluginDevices(
  instanceName: string,
  capacity: number,
  deviceUsage: Readonly<Record<string, string>>,
  node: string,
): PluginDevice[] {
  return slotIds(instanceName, capacity).map((id) => {
    const holder = parseHolder(deviceUsage[id]);
    const usable = holder.kind === 'free' || (holder.kind === 'instance' && holder.node === node);
    return { ID: id, health: usable ? HEALTHY : UNHEALTHY };
  });
}

/**
 * Slots to offer first for GetPreferredAllocation: slots this node already holds through the
 * instance resource (a retried admission gets the same slot back), then free slots, in order.
 * Slots held elsewhere are never preferred even if the kubelet still lists them as available.
 */
export function preferredSlots(
  available: readonly string[],
  mustInclude: readonly string[],
  size: number,
  deviceUsage: Readonly<Record<string, string>>,
  node: string,
): string[] {
  const rank = (id: string): number => {
    const holder = parseHolder(deviceUsage[id]);
    if (holder.kind === 'instance' && holder.node === node) return 0;
    if (holder.kind === 'free') return 1;
    return 2;
  };
  const chosen = [...mustInclude];
  const candidates = available
    .filter((id) => !chosen.includes(id) && rank(id) < 2)
    .sort((a, b) => rank(a) - rank(b) || naturalCompare(a, b));
  for (const id of candidates) {
    if (chosen.length >= size) break;
    chosen.push(id);
  }
  return chosen.slice(0, Math.max(size, mustInclude.length));
}
