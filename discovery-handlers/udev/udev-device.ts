// One device as the rule matcher sees it, whichever source (libudev or a sysfs walk) found it.
// Reads that cost a syscall (attributes, the parent) are methods, so a rule only pays for the
// keys it uses; sources memoize them for the life of one snapshot.

export interface UdevDevice {
  /** The kernel devpath, without the /sys prefix: "/devices/virtual/mem/null". */
  readonly devpath: string;
  /** The last devpath component, udev's KERNEL: "null". */
  readonly sysname: string;
  readonly subsystem: string | undefined;
  readonly driver: string | undefined;
  /** The device node, "/dev/null", when the device has one. */
  readonly devnode: string | undefined;
  /** Tags set by udevd rules (empty without udevd). */
  readonly tags: readonly string[];
  /** /dev links without the /dev/ prefix, e.g. "serial/by-id/usb-FTDI_..." (empty without udevd). */
  readonly devlinks: readonly string[];
  /** udev properties (ENV{}): the uevent file's, plus udevd's database when udevd runs. */
  property(name: string): string | undefined;
  /** A sysfs attribute's content, undefined when it cannot be read. */
  attribute(name: string): string | undefined;
  /** The nearest ancestor that is itself a device, as libudev defines it. */
  parent(): UdevDevice | undefined;
}

/** "a/b/c" -> "c". */
export function sysnameOf(devpath: string): string {
  return devpath.slice(devpath.lastIndexOf('/') + 1);
}

/** Splits udev's ":tag1:tag2:" TAGS property. */
export function splitTags(tags: string | undefined): string[] {
  return (tags ?? '').split(':').filter((tag) => tag !== '');
}

/** Splits udev's space-separated DEVLINKS property and drops the /dev/ prefix. */
export function splitDevlinks(devlinks: string | undefined): string[] {
  return (devlinks ?? '')
    .split(' ')
    .filter((link) => link !== '')
    .map((link) => (link.startsWith('/dev/') ? link.slice('/dev/'.length) : link));
}
