// The source follows the node: libudev where udevd runs, the sysfs walk where it does not,
// unless the operator forces one.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseDeviceSource } from './choose-device-source.ts';

const roots: string[] = [];
function nodeRoot(withUdevd: boolean): string {
  const root = mkdtempSync(join(tmpdir(), 'udev-root-'));
  roots.push(root);
  if (withUdevd) mkdirSync(join(root, 'run', 'udev'), { recursive: true });
  return root;
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('choosing the device source', () => {
  it('uses libudev when /run/udev exists', () => {
    expect(chooseDeviceSource({ root: nodeRoot(true) }).kind).toBe('libudev');
  });

  it('walks sysfs when udevd is absent', () => {
    expect(chooseDeviceSource({ root: nodeRoot(false) }).kind).toBe('sysfs');
  });

  it('honours a forced choice either way', () => {
    expect(chooseDeviceSource({ root: nodeRoot(true), choice: 'sysfs' }).kind).toBe('sysfs');
    expect(chooseDeviceSource({ root: nodeRoot(false), choice: 'libudev' }).kind).toBe('libudev');
  });
});
