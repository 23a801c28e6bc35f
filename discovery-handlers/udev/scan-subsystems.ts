// Which subsystems a scan must list for a set of rules. When every rule requires
// SUBSYSTEM=="a|b" with plain names, devices of other subsystems can never match, and listing
// only /sys/class/a, /sys/bus/a/devices (or libudev's per-subsystem enumeration) is several
// times cheaper than listing every device of the node. The matcher still checks every
// condition, so this only narrows the candidates.
import type { UdevRule } from './udev-rule.ts';

/** The subsystems to list, or undefined when some rule could match any subsystem. */
export function subsystemsToScan(rules: readonly UdevRule[]): string[] | undefined {
  const subsystems = new Set<string>();
  for (const rule of rules) {
    const pinned = rule.conditions.find((c) => c.key === 'SUBSYSTEM' && !c.negated && c.pattern.literals !== undefined);
    if (!pinned?.pattern.literals) return undefined;
    for (const subsystem of pinned.pattern.literals) subsystems.add(subsystem);
  }
  return [...subsystems].sort();
}
