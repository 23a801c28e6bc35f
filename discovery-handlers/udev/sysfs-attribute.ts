// Reads one sysfs attribute the way libudev's sysattr lookup does: a file's content, or, for
// the links udev exposes as attributes (driver, subsystem, module), the name they point to,
// so ATTR{driver}=="usb" works as it does in udevd. Unreadable means undefined.
import { readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';

const LINK_ATTRIBUTES = new Set(['driver', 'subsystem', 'module']);

export function readSysfsAttribute(deviceDirectory: string, name: string): string | undefined {
  const path = join(deviceDirectory, name);
  if (LINK_ATTRIBUTES.has(basename(name))) {
    try {
      return basename(readlinkSync(path));
    } catch {
      // Not a link after all: read it as a file below.
    }
  }
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
