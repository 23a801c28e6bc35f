// The Configuration-level resource akri.sh/<configuration>: a pod asks for "any device of this
// Configuration". Its devices are virtual, `<configuration>-<m>`; each one is bound to a real
// Instance slot only when allocated, recorded as "C:<virtual device>:<node>" in that slot.
// Virtual devices this node holds stay listed (the kubelet still counts them as allocated);
// one more is listed per free slot on this node's Instances, using the smallest unused m, so
// the advertised count is exactly what can still be handed out.
import { HEALTHY } from './health.ts';
import type { PluginDevice } from './instance-plugin-devices.ts';
import { parseHolder, slotId, slotIds } from './slot-usage.ts';
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
  return scanSlots(instances, node).held;
}

export function freeSlots(instances: readonly LedgerInstance[]): Array<{ instance: string; slot: string }> {
  return scanSlots(instances, '').free;
}

/**
 * One pass over every slot of the Configuration's Instances: the virtual devices `node` holds
 * (sorted), and the free slots. Runs on every claim of any of the Instances (the resource's
 * snapshot changes with each), so it walks the slots once and allocates only what it returns.
 */
function scanSlots(instances: readonly LedgerInstance[], node: string): { held: VirtualBinding[]; free: Array<{ instance: string; slot: string }> } {
  const held: VirtualBinding[] = [];
  const free: Array<{ instance: string; slot: string }> = [];
  for (const inst of instances) {
    for (let n = 0; n < inst.capacity; n++) {
      const slot = slotId(inst.name, n);
      const holder = parseHolder(inst.deviceUsage[slot]);
      if (holder.kind === 'free') free.push({ instance: inst.name, slot });
      else if (holder.kind === 'configuration' && holder.node === node) held.push({ virtualDevice: holder.virtualDevice, instance: inst.name, slot });
    }
  }
  held.sort((a, b) => naturalCompare(a.virtualDevice, b.virtualDevice));
  return { held, free };
}

export function configurationPluginDevices(configurationName: string, instances: readonly LedgerInstance[], node: string): PluginDevice[] {
  const scan = scanSlots(instances, node);
  const devices: PluginDevice[] = scan.held.map((b) => ({ ID: b.virtualDevice, health: HEALTHY }));
  const taken = new Set(scan.held.map((b) => b.virtualDevice));
  for (let m = 0, added = 0; added < scan.free.length; m++) {
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
