// Picks where devices come from on this node. "auto" uses libudev when udevd runs (its runtime
// directory /run/udev exists) and the native binding loads, and the sysfs walk otherwise:
// without udevd, libudev would only re-read sysfs and its monitor would never fire.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DeviceSource } from './device-source.ts';
import { LibudevDeviceSource, loadLibudev } from './libudev-device-source.ts';
import { SysfsDeviceSource } from './sysfs-device-source.ts';

export type DeviceSourceChoice = 'auto' | 'libudev' | 'sysfs';

export interface DeviceSourceOptions {
  choice?: DeviceSourceChoice;
  /** "/" on a real node; a prepared tree (sys/, run/) in tests. */
  root?: string;
  /** Poll interval of the sysfs walk. */
  sysfsPollIntervalMs?: number;
  /** Safety-net rescan interval when the libudev monitor reports hotplug. */
  libudevRescanIntervalMs?: number;
}

export function chooseDeviceSource(options: DeviceSourceOptions = {}): DeviceSource {
  const root = options.root ?? '/';
  const choice = options.choice ?? 'auto';
  const sysfs = (): DeviceSource => {
    const sysfsOptions: { root: string; pollIntervalMs?: number } = { root };
    if (options.sysfsPollIntervalMs !== undefined) sysfsOptions.pollIntervalMs = options.sysfsPollIntervalMs;
    return new SysfsDeviceSource(sysfsOptions);
  };
  const libudev = (): DeviceSource =>
    new LibudevDeviceSource(
      options.libudevRescanIntervalMs === undefined ? {} : { rescanIntervalMs: options.libudevRescanIntervalMs },
    );
  if (choice === 'sysfs') return sysfs();
  if (choice === 'libudev') return libudev();
  if (!existsSync(join(root, 'run', 'udev'))) return sysfs();
  try {
    loadLibudev();
  } catch {
    return sysfs();
  }
  return libudev();
}
