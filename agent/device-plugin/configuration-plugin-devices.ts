// The Configuration-level resource akri.sh/<configuration>: a pod asks for "any device of this
// Configuration". Its devices are virtual, `<configuration>-<m>`; each one is bound to a real
// Instance slot only when allocated, recorded as "C:<virtual device>:<node>" in that slot.
// Virtual devices this node holds stay listed (the kubelet still counts them as allocated);
// one more is listed per free slot on this node's Instances, using the smallest unused m, so
// the advertised count is exactly what can still be handed out.
import { HEALTHY } from './health.ts';
import type { PluginDevice } from './instance-plugin-devices.ts';
import { parseHolder, slotIds } from './slot-usage.ts';

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
  const held: VirtualBinding[] = [];
  for (const inst of instances) {
    for (const slot of slotIds(inst.name, inst.capacity)) {
      const holder = parseHolder(inst.deviceUsage[slot]);
      if (holder.kind === 'configuration' && holder.node === node) held.push({ virtualDevice: holder.virtualDevice, instance: inst.name, slot });
    }
  }
  return held.sort((a, b) => a.virtualDevice.localeCompare(b.virtualDevice, 'en', { numeric: true }));
}

export function freeSlots(instances: readonly LedgerInstance[]): Array<{ instance: string; slot: string }> {
  const out: Array<{ instance: string; slot: string }> = [];
  for (const inst of instances) {
    for (const slot of slotIds(inst.name, inst.capacity)) {
      if (parseHolder(inst.deviceUsage[slot]).kind === 'free') out.push({ instance: inst.name, slot });
    }
  }
  return out;
}

export function configurationPluginDevices(configurationName: string, instances: readonly LedgerInstance[], node: string): PluginDevice[] {
  const held = heldVirtualDevices(instances, node).map((b) => b.virtualDevice);
  const taken = new Set(held);
  const free: string[] = [];
  const wanted = freeSlots(instances).length;
  for (let m = 0; free.length < wanted; m++) {
    const id = virtualDeviceId(configurationName, m);
    if (!taken.has(id)) free.push(id);
  }
  return [...held, ...free].map((ID) => ({ ID, health: HEALTHY }));
}

/**
 * Binds a virtual device to a slot for Allocate. A virtual device this node already holds
 * keeps its slot (a repeated Allocate is idempotent). Otherwise the least-used Instance with a
 * free slot is chosen (spreading pods across devices), and its lowest free slot; ties go to the
 * Instance name, so every agent decides the same way.
 */
export function bindVirtualDevice(
  virtualDevice: string,
  instances: readonly LedgerInstance[],
  node: string,
): VirtualBinding | undefined {
  const existing = heldVirtualDevices(instances, node).find((b) => b.virtualDevice === virtualDevice);
  if (existing) return existing;
  const candidates = instances
    .map((inst) => {
      const slots = slotIds(inst.name, inst.capacity);
      const free = slots.filter((s) => parseHolder(inst.deviceUsage[s]).kind === 'free');
      return { inst, free, used: slots.length - free.length };
    })
    .filter((c) => c.free.length > 0)
    .sort((a, b) => a.used - b.used || a.inst.name.localeCompare(b.inst.name));
  const best = candidates[0];
  const slot = best?.free[0];
  if (!best || !slot) return undefined;
  return { virtualDevice, instance: best.inst.name, slot };
}
