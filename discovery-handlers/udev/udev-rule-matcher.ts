// Decides whether a device satisfies a parsed rule, with udevd's semantics:
// - device keys (KERNEL, ATTR{}, ...) look at the device; all must hold;
// - parent keys (KERNELS, ATTRS{}, ...) must all hold on ONE device of the chain from the device
//   itself up to the root, which is how udevd lets a rule say "the tty whose USB parent has
//   idVendor X and idProduct Y" without mixing two different parents;
// - an attribute that cannot be read satisfies only `!=`; an unset property, driver or
//   subsystem is the empty string;
// - trailing whitespace of attribute values is ignored unless the pattern itself ends in it.
// A device's list of tags or links matches `==` when any entry matches and `!=` when none does.
import type { UdevDevice } from './udev-device.ts';
import { isParentKey, type UdevCondition, type UdevRule } from './udev-rule.ts';

/** Rules are ORed: a device is selected when any rule matches it. */
export function anyRuleMatches(rules: readonly UdevRule[], device: UdevDevice): boolean {
  return rules.some((rule) => ruleMatches(rule, device));
}

export function ruleMatches(rule: UdevRule, device: UdevDevice): boolean {
  const parentConditions: UdevCondition[] = [];
  for (const condition of rule.conditions) {
    if (isParentKey(condition.key)) parentConditions.push(condition);
    else if (!conditionHolds(condition, device)) return false;
  }
  if (parentConditions.length === 0) return true;
  for (let candidate: UdevDevice | undefined = device; candidate; candidate = candidate.parent()) {
    const current = candidate;
    if (parentConditions.every((condition) => conditionHolds(condition, current))) return true;
  }
  return false;
}

function conditionHolds(condition: UdevCondition, device: UdevDevice): boolean {
  const { pattern, negated } = condition;
  switch (condition.key) {
    case 'DEVPATH':
      return pattern.matches(device.devpath) !== negated;
    case 'KERNEL':
    case 'KERNELS':
      return pattern.matches(device.sysname) !== negated;
    case 'SUBSYSTEM':
    case 'SUBSYSTEMS':
      return pattern.matches(device.subsystem) !== negated;
    case 'DRIVER':
    case 'DRIVERS':
      return pattern.matches(device.driver) !== negated;
    case 'ENV':
      return pattern.matches(device.property(condition.name ?? '')) !== negated;
    case 'ATTR':
    case 'ATTRS': {
      const raw = device.attribute(condition.name ?? '');
      if (raw === undefined) return negated;
      // trimEnd, not /\s+$/: that regex rescans every run of inner whitespace (quadratic).
      const value = pattern.wantsTrailingWhitespace ? raw : raw.trimEnd();
      return pattern.matches(value) !== negated;
    }
    case 'TAG':
    case 'TAGS':
      return device.tags.some((tag) => pattern.matches(tag)) !== negated;
    case 'SYMLINK':
      return device.devlinks.some((link) => pattern.matches(link)) !== negated;
  }
}
