// Which of this node's slots to give back: a slot is freed only when the kubelet's
// pod-resources List has not shown it for a whole grace period. The grace covers the moment
// between Allocate and the pod appearing in pod-resources, and a kubelet that restarts; a
// slot still listed is never freed. Pure: the caller polls the kubelet and writes the ledger.
import { parseHolder } from './slot-usage.ts';

export interface HeldSlot {
  instance: string;
  slot: string;
  /** The deviceUsage value this node wrote: "<node>" or "C:<vdev>:<node>". */
  value: string;
}

/** The kubelet device id and resource a held slot shows up under in pod-resources. */
export function kubeletView(held: HeldSlot, configurationOf: (instance: string) => string | undefined): { resource: string; deviceId: string } | undefined {
  const holder = parseHolder(held.value);
  if (holder.kind === 'instance') return { resource: `akri.sh/${held.instance}`, deviceId: held.slot };
  if (holder.kind === 'configuration') {
    const cfg = configurationOf(held.instance);
    return cfg === undefined ? undefined : { resource: `akri.sh/${cfg}`, deviceId: holder.virtualDevice };
  }
  return undefined;
}

export interface ReclaimInput {
  held: readonly HeldSlot[];
  /** resource -> device ids in use, from pod-resources List. */
  inUse: ReadonlyMap<string, ReadonlySet<string>>;
  /** slot -> when it was first seen unused (ms); entries for slots in use are dropped. */
  unusedSince: ReadonlyMap<string, number>;
  configurationOf: (instance: string) => string | undefined;
  now: number;
  graceMs: number;
}

export function reclaimSlots(input: ReclaimInput): { free: HeldSlot[]; unusedSince: Map<string, number> } {
  const unusedSince = new Map<string, number>();
  const free: HeldSlot[] = [];
  for (const h of input.held) {
    const view = kubeletView(h, input.configurationOf);
    if (!view) continue;
    if (input.inUse.get(view.resource)?.has(view.deviceId)) continue;
    const since = input.unusedSince.get(h.slot) ?? input.now;
    if (input.now - since >= input.graceMs) free.push(h);
    else unusedSince.set(h.slot, since);
  }
  return { free, unusedSince };
}
