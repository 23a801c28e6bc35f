// Where each Instance's devices live in the DRA API, computed forward from the Instance (never
// parsed back out of a name): one pool per Instance, `<namespace>/<instance>`, whose devices are
// its slots `slot-<n>`, listed in ResourceSlices named `<namespace>.<instance>.<k>` (a slice holds
// at most 128 devices, so a capacity above 128 spreads over several). A pool name is one or more
// DNS subdomains joined by `/` (at most 253 characters); a slice name is a DNS subdomain; a
// device name a DNS label. Namespaces hold no dots, so these forms never collide.
import { bounded } from './bounded-name.ts';

export const MAX_DEVICES_PER_SLICE = 128;
const MAX_NAME = 253;

export interface InstanceRef {
  namespace: string;
  name: string;
}

export function poolName(i: InstanceRef): string {
  return `${i.namespace}/${bounded(i.name, MAX_NAME - i.namespace.length - 1)}`;
}

export function sliceName(i: InstanceRef, index: number): string {
  const suffix = `.${index}`;
  return `${i.namespace}.${bounded(i.name, MAX_NAME - i.namespace.length - 1 - suffix.length)}${suffix}`;
}

export function slotDeviceName(slot: number): string {
  return `slot-${slot}`;
}

export function slicesForCapacity(capacity: number): number {
  return Math.max(1, Math.ceil(capacity / MAX_DEVICES_PER_SLICE));
}
