// What a parsed udev rule is: a list of conditions that must all hold for one device.
// Keys come in two families, as in udevd: device keys look at the device itself; parent keys
// (the plural forms) look for one device on the chain from the device up to the root on which
// every parent key of the rule holds at once.
import type { UdevPattern } from './udev-pattern.ts';

/** Keys evaluated against the device itself. SYMLINK matches its /dev links (udev's DEVLINKS). */
export const DEVICE_KEYS = ['DEVPATH', 'KERNEL', 'SUBSYSTEM', 'DRIVER', 'ATTR', 'ENV', 'TAG', 'SYMLINK'] as const;
/** Keys evaluated on the device or one of its ancestors, all of them on the same one. */
export const PARENT_KEYS = ['KERNELS', 'SUBSYSTEMS', 'DRIVERS', 'ATTRS', 'TAGS'] as const;

export type DeviceKey = (typeof DEVICE_KEYS)[number];
export type ParentKey = (typeof PARENT_KEYS)[number];
export type MatchKey = DeviceKey | ParentKey;

export interface UdevCondition {
  key: MatchKey;
  /** The name in braces for ATTR{name}, ATTRS{name} and ENV{name}. */
  name?: string;
  /** True for `!=`. */
  negated: boolean;
  pattern: UdevPattern;
  /** 1-based column of the key in the rule, for messages. */
  column: number;
}

export interface UdevRule {
  /** The rule as the user wrote it. */
  source: string;
  conditions: UdevCondition[];
}

export function isParentKey(key: MatchKey): key is ParentKey {
  return (PARENT_KEYS as readonly string[]).includes(key);
}

/** A rule that cannot be used, with the 1-based column where the problem starts. */
export class UdevRuleError extends Error {
  constructor(
    readonly reason: string,
    readonly rule: string,
    readonly column: number,
  ) {
    super(`column ${column}: ${reason} (in rule ${JSON.stringify(rule)})`);
    this.name = 'UdevRuleError';
  }
}
