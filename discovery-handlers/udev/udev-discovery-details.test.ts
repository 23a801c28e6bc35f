// discoveryDetails parse like Akri's (same fields, defaults and permission check) and every
// mistake names its field, down to the rule, so the Configuration shows where to look.
import { describe, expect, it } from 'vitest';
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { parseUdevDiscoveryDetails, UDEV_LIMITS } from './udev-discovery-details.ts';

function rejection(details: string): InvalidDiscoveryDetails {
  try {
    parseUdevDiscoveryDetails(details);
  } catch (error) {
    if (error instanceof InvalidDiscoveryDetails) return error;
    throw error;
  }
  throw new Error('expected the details to be rejected');
}

describe('udev discoveryDetails', () => {
  it('reads the Helm chart rendering of Akri\'s udev Configuration', () => {
    const details = parseUdevDiscoveryDetails('groupRecursive: false\nudevRules:\n- KERNEL=="video[0-9]*"\npermissions: rwm\n');
    expect(details.groupRecursive).toBe(false);
    expect(details.permissions).toBe('rwm');
    expect(details.rules.map((rule) => rule.source)).toEqual(['KERNEL=="video[0-9]*"']);
  });

  it('defaults groupRecursive to false and permissions to rwm, also when Helm renders them empty', () => {
    for (const text of ['udevRules: [\'KERNEL=="null"\']', 'udevRules: [\'KERNEL=="null"\']\npermissions:\ngroupRecursive:']) {
      const details = parseUdevDiscoveryDetails(text);
      expect(details.groupRecursive).toBe(false);
      expect(details.permissions).toBe('rwm');
    }
  });

  it('accepts JSON, and an empty rule list (which finds nothing)', () => {
    expect(parseUdevDiscoveryDetails('{"udevRules":[],"groupRecursive":true,"permissions":"r"}')).toEqual({
      rules: [],
      groupRecursive: true,
      permissions: 'r',
    });
  });

  it.each(['r', 'w', 'm', 'rw', 'rm', 'rwm', 'wm'])('accepts permissions %s', (permissions) => {
    expect(parseUdevDiscoveryDetails(`udevRules: []\npermissions: ${permissions}`).permissions).toBe(permissions);
  });

  it.each(['mr', 'wr', 'rwx', 'xyz', '""'])('rejects permissions %s with Akri\'s wording', (permissions) => {
    const error = rejection(`udevRules: []\npermissions: ${permissions}`);
    expect(error.field).toBe('permissions');
    expect(error.message).toContain("a valid permission combination ('r', 'w', 'm', 'rw', 'rm', 'rwm', 'wm')");
  });

  it('requires udevRules, as Akri does for empty details', () => {
    expect(rejection('').field).toBe('udevRules');
    expect(rejection('groupRecursive: true').field).toBe('udevRules');
    expect(rejection('udevRules: KERNEL=="x"').field).toBe('udevRules');
  });

  it('names the rule and the column of a bad rule', () => {
    const error = rejection('udevRules:\n- KERNEL=="video0"\n- SUBSYSTEM=="usb", RUN+="/bin/x"\n');
    expect(error.field).toBe('udevRules[1]');
    expect(error.message).toBe(
      'udevRules[1]: column 19: RUN is an action, not a match (in rule "SUBSYSTEM==\\"usb\\", RUN+=\\"/bin/x\\"")',
    );
  });

  it('rejects rules that are not strings, a non-boolean groupRecursive, non-mappings and broken YAML', () => {
    expect(rejection('udevRules: [1]').field).toBe('udevRules[0]');
    expect(rejection('udevRules: []\ngroupRecursive: "yes"').field).toBe('groupRecursive');
    expect(rejection('- KERNEL=="x"').message).toMatch(/must be a mapping/);
    expect(rejection('udevRules: [unclosed').message).toMatch(/not valid YAML/);
  });

  it('refuses a rule longer than the limit, naming the rule, its length and the limit', () => {
    const long = `KERNEL=="${'['.repeat(UDEV_LIMITS.ruleLength)}"`;
    const error = rejection(`udevRules:\n- KERNEL=="null"\n- '${long}'\n`);
    expect(error.field).toBe('udevRules[1]');
    expect(error.message).toContain(`is ${long.length} characters long; the limit is ${UDEV_LIMITS.ruleLength}`);
  });

  it('accepts a rule of exactly the limit, and refuses more rules than the limit', () => {
    const exact = `KERNEL=="${'v'.repeat(UDEV_LIMITS.ruleLength - 10)}"`;
    expect(exact.length).toBe(UDEV_LIMITS.ruleLength);
    expect(parseUdevDiscoveryDetails(JSON.stringify({ udevRules: [exact] })).rules).toHaveLength(1);
    const many = Array.from({ length: UDEV_LIMITS.rules + 1 }, () => 'KERNEL=="null"');
    const error = rejection(JSON.stringify({ udevRules: many }));
    expect(error.field).toBe('udevRules');
    expect(error.message).toContain(`the limit is ${UDEV_LIMITS.rules}`);
  });
});
