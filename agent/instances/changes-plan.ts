// Whether a watched change of an Instance can change its Configuration's plan on this node.
// The plan reads the Instance's name, spec (all but deviceUsage), finalizers and deletion
// mark; every slot claim of every node rewrites deviceUsage alone, and re-planning (and
// re-hashing every device) for each of those would put that work in the way of Allocate.
import type { Instance } from '../../lib/crd/instance.ts';

function planView(i: Instance): string {
  const { deviceUsage: _usage, ...spec } = i.spec;
  return JSON.stringify([spec, i.metadata.finalizers ?? [], i.metadata.deletionTimestamp ?? null]);
}

export function changesPlan(type: 'ADDED' | 'MODIFIED' | 'DELETED', current: Instance, old: Instance | undefined): boolean {
  if (type !== 'MODIFIED' || !old) return true;
  return planView(old) !== planView(current);
}
