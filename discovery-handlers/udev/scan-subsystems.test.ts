// A scan is narrowed to subsystems only when no rule could match a device outside them.
import { describe, expect, it } from 'vitest';
import { subsystemsToScan } from './scan-subsystems.ts';
import { parseUdevRule } from './udev-rule-parser.ts';

const scan = (...rules: string[]) => subsystemsToScan(rules.map(parseUdevRule));

describe('subsystems a scan must list', () => {
  it('lists the plain SUBSYSTEM names every rule requires', () => {
    expect(scan('SUBSYSTEM=="tty", ATTRS{idVendor}=="0403"', 'KERNEL=="video*", SUBSYSTEM=="video4linux|tty"')).toEqual([
      'tty',
      'video4linux',
    ]);
  });

  it('lists everything when a rule does not pin its subsystem to plain names', () => {
    expect(scan('SUBSYSTEM=="tty"', 'KERNEL=="null"')).toBeUndefined();
    expect(scan('SUBSYSTEM=="video*"')).toBeUndefined();
    expect(scan('SUBSYSTEM!="tty"')).toBeUndefined();
    expect(scan('SUBSYSTEM=="tty|"')).toBeUndefined();
    expect(scan('SUBSYSTEMS=="usb"')).toBeUndefined();
  });

  it('lists nothing for no rules', () => {
    expect(scan()).toEqual([]);
  });
});
