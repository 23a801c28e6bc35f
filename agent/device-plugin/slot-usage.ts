// The slot ledger's vocabulary, exactly as Akri v0.13 writes Instance.spec.deviceUsage:
// keys are slots `<instance>-<n>` (n < capacity); values are "" (free), "<node>" (held through
// the Instance's own resource) or "C:<virtual device>:<node>" (held through the
// Configuration-level resource, whose virtual devices are `<configuration>-<m>`).
export type SlotHolder =
  | { kind: 'free' }
  | { kind: 'instance'; node: string }
  | { kind: 'configuration'; virtualDevice: string; node: string };

export function slotId(instanceName: string, n: number): string {
  return `${instanceName}-${n}`;
}

export function slotIds(instanceName: string, capacity: number): string[] {
  return Array.from({ length: capacity }, (_, n) => slotId(instanceName, n));
}

/** The slot number of `<instance>-<n>`, or undefined when the id is not one of its slots. */
export function slotIndex(instanceName: string, slot: string, capacity: number): number | undefined {
  if (!slot.startsWith(`${instanceName}-`)) return undefined;
  const rest = slot.slice(instanceName.length + 1);
  if (!/^\d+$/.test(rest)) return undefined;
  const n = Number(rest);
  return n < capacity ? n : undefined;
}

const FREE: SlotHolder = Object.freeze({ kind: 'free' });

export function parseHolder(value: string | undefined): SlotHolder | { kind: 'invalid'; value: string } {
  if (value === undefined || value === '') return FREE;
  const parts = value.split(':');
  if (parts.length === 1) return { kind: 'instance', node: value };
  if (parts.length === 3 && parts[0] === 'C' && parts[1] && parts[2]) {
    return { kind: 'configuration', virtualDevice: parts[1], node: parts[2] };
  }
  return { kind: 'invalid', value };
}

export function formatHolder(holder: SlotHolder): string {
  switch (holder.kind) {
    case 'free':
      return '';
    case 'instance':
      return holder.node;
    case 'configuration':
      return `C:${holder.virtualDevice}:${holder.node}`;
  }
}

export function heldBy(holder: ReturnType<typeof parseHolder>, node: string): boolean {
  return (holder.kind === 'instance' || holder.kind === 'configuration') && holder.node === node;
}
