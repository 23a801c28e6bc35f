// The Configuration-level resource akri.sh/<configuration>: a pod asks for "any device of this
// Configuration". Its devices are virtual, `<configuration>-<m>`; each one is bound to a real
// Instance slot only when allocated, recorded as "C:<virtual device>:<node>" in that slot.
// Virtual devices this node holds stay listed (the kubelet still counts them as allocated);
// as in Akri, at most one more is listed per Instance that has a free slot, using the smallest
// unused m: a pod asking for two gets two different devices, never two slots of one camera,
// and an Instance's further slots appear as the earlier ones are taken.
import { HEALTHY } from './health.ts';
import type { PluginDevice } from './instance-plugin-devices.ts';
import { parseHolder, slotIds, slotIndex } from './slot-usage.ts';
import { naturalCompare } from '../../lib/naming/natural-order.ts';

export interface LedgerInstance {
  name: string;
  capacity: number;
  deviceUsage: Readonly<Record<string, string>>;
}

export interface VirtualBinding {
  virtualDevice: string;
  instance: string;
  slot: string;
}

export function virtualDeviceId(configurationName: string, m: number): string {
  return `${configurationName}-${m}`;
}

/** Virtual devices this node already holds, and the slots they are bound to. */
export function heldVirtualDevices(instances: readonly LedgerInstance[], node: string): VirtualBinding[] {
  return usedSlots(instances, node).held;
}

/**
 * What is in use across the Configuration's Instances, read from their usage maps, which list
 * only slots somebody holds: the virtual devices `node` holds (sorted) and how many Instances
 * still have a free slot. The snapshot is rebuilt on every claim of any of the Instances, so
 * this touches only the held slots and allocates only what it returns.
 */
function usedSlots(instances: readonly LedgerInstance[], node: string): { held: VirtualBinding[]; free: number } {
  const held: VirtualBinding[] = [];
  let free = 0;
  for (const inst of instances) {
    let used = 0;
    for (const slot in inst.deviceUsage) {
      const value = inst.deviceUsage[slot];
      if (!value || slotIndex(inst.name, slot, inst.capacity) === undefined) continue;
      used++;
      const holder = parseHolder(value);
      if (holder.kind === 'configuration' && holder.node === node) held.push({ virtualDevice: holder.virtualDevice, instance: inst.name, slot });
    }
    if (used < inst.capacity) free++;
  }
  held.sort((a, b) => naturalCompare(a.virtualDevice, b.virtualDevice));
  return { held, free };
}

export function configurationPluginDevices(configurationName: string, instances: readonly LedgerInstance[], node: string): PluginDevice[] {
  const { held, free } = usedSlots(instances, node);
  const devices: PluginDevice[] = held.map((b) => ({ ID: b.virtualDevice, health: HEALTHY }));
  const taken = new Set(held.map((b) => b.virtualDevice));
  for (let m = 0, added = 0; added < free; m++) {
    const ID = virtualDeviceId(configurationName, m);
    if (taken.has(ID)) continue;
    devices.push({ ID, health: HEALTHY });
    added++;
  }
  return devices;
}

/**
 * Binds a virtual device to a slot for Allocate. A virtual device this node already holds
 * keeps its slot (a repeated Allocate is idempotent). Otherwise the least-used Instance with a
 * free slot is chosen (spreading pods across devices), and its lowest free slot; ties go to the
 * Instance name, so every agent decides the same way. Instances in `exclude` (those the same
 * request already got) are not chosen: one request gets each device at most once.
 */
export function bindVirtualDevice(
  virtualDevice: string,
  instances: readonly LedgerInstance[],
  node: string,
  exclude: ReadonlySet<string> = new Set(),
): VirtualBinding | undefined {
  const existing = heldVirtualDevices(instances, node).find((b) => b.virtualDevice === virtualDevice);
  if (existing) return existing;
  const candidates = instances
    .filter((inst) => !exclude.has(inst.name))
    .map((inst) => {
      const slots = slotIds(inst.name, inst.capacity);
      const free = slots.filter((s) => parseHolder(inst.deviceUsage[s]).kind === 'free');
      return { inst, free, used: slots.length - free.length };
    })
    .filter((c) => c.free.length > 0)
    .sort((a, b) => a.used - b.used || naturalCompare(a.inst.name, b.inst.name));
  const best = candidates[0];
  const slot = best?.free[0];
  if (!best || !slot) return undefined;
  return { virtualDevice, instance: best.inst.name, slot };
}
