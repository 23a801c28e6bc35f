// The udev handler's discoveryDetails, as Akri v0.13 defines them:
//   udevRules: [string]   required; each a udev rule, parsed here so a bad rule is reported up
//                         front (Akri only finds out inside its discovery loop, and panics);
//                         at most UDEV_LIMITS.rules rules of UDEV_LIMITS.ruleLength characters
//   groupRecursive: bool  default false
//   permissions: string   one of r, w, m, rw, rm, rwm, wm; default rwm
// YAML or JSON. Unknown fields are ignored, as serde does for Akri.
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { readDetailsYaml } from '../../lib/discovery/details-yaml.ts';
import { parseUdevRule } from './udev-rule-parser.ts';
import { type UdevRule, UdevRuleError } from './udev-rule.ts';

/**
 * Every node's agent matches every rule against every device, in its event loop: a bound on
 * the rules bounds that work. Real rules are under 100 characters and come one to three a
 * Configuration; matching one rule against one sysfs value costs at most length × 4096 steps.
 */
export const UDEV_LIMITS = { rules: 64, ruleLength: 1024 } as const;

export const PERMISSION_COMBINATIONS = ['r', 'w', 'm', 'rw', 'rm', 'rwm', 'wm'] as const;
export type Permissions = (typeof PERMISSION_COMBINATIONS)[number];

export interface UdevDiscoveryDetails {
  rules: UdevRule[];
  groupRecursive: boolean;
  permissions: Permissions;
}

export function parseUdevDiscoveryDetails(details: string): UdevDiscoveryDetails {
  const document = readDetailsYaml(details);
  if (document === null || document === undefined) {
    throw new InvalidDiscoveryDetails('is required: a list of udev rules, e.g. ["KERNEL==\\"video[0-9]*\\""]', 'udevRules');
  }
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw new InvalidDiscoveryDetails('discoveryDetails must be a mapping with udevRules, groupRecursive and permissions');
  }
  const fields = document as Record<string, unknown>;
  return {
    rules: parseRules(fields.udevRules),
    groupRecursive: parseGroupRecursive(fields.groupRecursive),
    permissions: parsePermissions(fields.permissions),
  };
}

function parseRules(value: unknown): UdevRule[] {
  if (value === undefined || value === null) {
    throw new InvalidDiscoveryDetails('is required: a list of udev rules, e.g. ["KERNEL==\\"video[0-9]*\\""]', 'udevRules');
  }
  if (!Array.isArray(value)) throw new InvalidDiscoveryDetails('must be a list of strings', 'udevRules');
  if (value.length > UDEV_LIMITS.rules) {
    throw new InvalidDiscoveryDetails(`${value.length} rules; the limit is ${UDEV_LIMITS.rules}`, 'udevRules');
  }
  return value.map((rule: unknown, index) => {
    const field = `udevRules[${index}]`;
    if (typeof rule !== 'string') throw new InvalidDiscoveryDetails(`must be a string, got ${JSON.stringify(rule).slice(0, 80)}`, field);
    if (rule.length > UDEV_LIMITS.ruleLength) {
      throw new InvalidDiscoveryDetails(
        `the rule is ${rule.length} characters long; the limit is ${UDEV_LIMITS.ruleLength} (it starts ${JSON.stringify(rule.slice(0, 40))})`,
        field,
      );
    }
    try {
      return parseUdevRule(rule);
    } catch (error) {
      if (error instanceof UdevRuleError) throw new InvalidDiscoveryDetails(error.message, field);
      throw error;
    }
  });
}

function parseGroupRecursive(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    throw new InvalidDiscoveryDetails(`must be true or false, got ${JSON.stringify(value)}`, 'groupRecursive');
  }
  return value;
}

function parsePermissions(value: unknown): Permissions {
  if (value === undefined || value === null) return 'rwm';
  const valid = (PERMISSION_COMBINATIONS as readonly unknown[]).includes(value);
  if (!valid) {
    throw new InvalidDiscoveryDetails(
      `${JSON.stringify(value)} is not a valid permission combination ('r', 'w', 'm', 'rw', 'rm', 'rwm', 'wm')`,
      'permissions',
    );
  }
  return value as Permissions;
}
