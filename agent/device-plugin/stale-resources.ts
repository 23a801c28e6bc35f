// Which akri.sh/* entries of this node's capacity are stale and may be removed (Akri #181).
// The kubelet never deletes a device-plugin resource from the Node: when a plugin goes it
// keeps the resource at 0 for its endpoint grace period (5 minutes), then writes it as 0 one
// last time and forgets it, so every device that ever came and went stays listed at 0. An
// entry is stale when no plugin of this agent serves it and it has read 0 for the whole
// grace, which must outlast the kubelet's: removed earlier, the kubelet puts it back at 0.
// Pure: the caller reads the Node and keeps zeroSince between rounds.

export const AKRI_RESOURCE_PREFIX = 'akri.sh/';
/** The kubelet's endpointStopGracePeriod (pkg/kubelet/cm/devicemanager), plus one status sync. */
export const DEFAULT_STALE_RESOURCE_GRACE_MS = 5 * 60_000 + 30_000;

export interface StaleResourceInput {
  capacity: Readonly<Record<string, string>>;
  allocatable: Readonly<Record<string, string>>;
  /** Resources a plugin of this agent serves now (or is about to). */
  served: ReadonlySet<string>;
  /** Resource -> when it was first seen unserved at 0; from the previous round. */
  zeroSince: ReadonlyMap<string, number>;
  now: number;
  graceMs: number;
}

export interface StaleResourceDecision {
  remove: string[];
  zeroSince: Map<string, number>;
}

function isZero(value: string | undefined): boolean {
  return value === undefined || /^0+$/.test(value);
}

export function staleResources(i: StaleResourceInput): StaleResourceDecision {
  const zeroSince = new Map<string, number>();
  const remove: string[] = [];
  const names = new Set([...Object.keys(i.capacity), ...Object.keys(i.allocatable)].filter((r) => r.startsWith(AKRI_RESOURCE_PREFIX)));
  for (const r of [...names].sort()) {
    if (i.served.has(r) || !isZero(i.capacity[r]) || !isZero(i.allocatable[r])) continue;
    const since = i.zeroSince.get(r) ?? i.now;
    if (i.now - since >= i.graceMs) remove.push(r);
    else zeroSince.set(r, since);
  }
  return { remove, zeroSince };
}

/** A JSON patch of nodes/<node>/status that removes the entries only if they still read 0. */
export function removalPatch(resources: readonly string[], status: { capacity: Readonly<Record<string, string>>; allocatable: Readonly<Record<string, string>> }): unknown[] {
  const ops: unknown[] = [];
  for (const r of resources) {
    const key = r.replace(/~/g, '~0').replace(/\//g, '~1');
    for (const field of ['capacity', 'allocatable'] as const) {
      const value = status[field][r];
      if (value === undefined) continue;
      ops.push({ op: 'test', path: `/status/${field}/${key}`, value });
      ops.push({ op: 'remove', path: `/status/${field}/${key}` });
    }
  }
  return ops;
}
