// The kubelet device manager's choice of devices for one container, as a pure function:
// which devices are free, whether the request can be met at all, and how a plugin's
// GetPreferredAllocation answer is used (only when it is a valid subset of the free devices;
// the rest is filled from the remaining free devices).
export type ChoiceResult = { ok: true; devices: string[] } | { ok: false; reason: string };

export function freeHealthyDevices(healthy: Iterable<string>, allocated: ReadonlySet<string>): string[] {
  return [...healthy].filter((id) => !allocated.has(id)).sort();
}

export function checkAvailability(resource: string, needed: number, available: readonly string[]): ChoiceResult | undefined {
  if (needed <= available.length) return undefined;
  return {
    ok: false,
    reason: `requested number of devices unavailable for ${resource}. Requested: ${needed}, Available: ${available.length}`,
  };
}

export function applyPreference(available: readonly string[], needed: number, preferred: readonly string[] | undefined): string[] {
  const chosen: string[] = [];
  const free = new Set(available);
  for (const id of preferred ?? []) {
    if (chosen.length === needed) break;
    if (free.has(id) && !chosen.includes(id)) chosen.push(id);
  }
  for (const id of available) {
    if (chosen.length === needed) break;
    if (!chosen.includes(id)) chosen.push(id);
  }
  return chosen;
}
