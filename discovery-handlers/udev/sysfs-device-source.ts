// Devices read straight from sysfs, for nodes without udevd (minimal images, containers
// without /run/udev). Enumerates like libudev does (every entry of /sys/bus/*/devices and
// /sys/class/*, resolved to its /sys/devices directory) and gives the properties the kernel
// provides: the uevent file (DEVNAME, DRIVER, MAJOR, DEVTYPE, ...), DEVPATH and SUBSYSTEM.
// udevd's additions (ID_* properties, tags, /dev links) do not exist here.
// Without udevd there is no uevent stream we can subscribe to from Node, so changes are seen
// by polling. `root` lets tests point it at a prepared tree (umockdev's testbed directory).
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DeviceSource } from './device-source.ts';
import { readSysfsAttribute } from './sysfs-attribute.ts';
import { sysnameOf, type UdevDevice } from './udev-device.ts';

export interface SysfsDeviceSourceOptions {
  /** The directory that holds sys/ (and where dev/ would be): "/" on a real node. */
  root?: string;
  /** How often watch() reports a possible change. */
  pollIntervalMs?: number;
}

export class SysfsDeviceSource implements DeviceSource {
  readonly kind = 'sysfs' as const;
  private readonly root: string;
  private readonly pollIntervalMs: number;

  constructor(options: SysfsDeviceSourceOptions = {}) {
    this.root = options.root ?? '/';
    this.pollIntervalMs = options.pollIntervalMs ?? 2000;
  }

  snapshot(subsystems?: readonly string[]): UdevDevice[] {
    const sysDir = realpathSync(join(this.root, 'sys'));
    const tree = new SysfsTree(sysDir);
    const directories = new Set<string>();
    // Subsystem names come from rules: never let one walk out of /sys/bus or /sys/class.
    const named = subsystems?.filter((name) => name !== '.' && name !== '..' && !name.includes('/'));
    // A subsystem is either a bus or a class; asking both places for it costs one failed readdir.
    for (const bus of named ?? list(join(sysDir, 'bus'))) {
      for (const entry of list(join(sysDir, 'bus', bus, 'devices'))) directories.add(join(sysDir, 'bus', bus, 'devices', entry));
    }
    for (const klass of named ?? list(join(sysDir, 'class'))) {
      for (const entry of list(join(sysDir, 'class', klass))) directories.add(join(sysDir, 'class', klass, entry));
    }
    const devices = new Map<string, UdevDevice>();
    for (const directory of directories) {
      const device = tree.deviceAt(resolve(directory));
      if (device) devices.set(device.devpath, device);
    }
    return [...devices.values()];
  }

  watch(onChange: () => void): () => void {
    const timer = setInterval(onChange, this.pollIntervalMs);
    return () => clearInterval(timer);
  }
}

/** The devices of one snapshot; each directory becomes one memoized device object. */
class SysfsTree {
  private readonly devicesRoot: string;
  private readonly cache = new Map<string, SysfsDevice | undefined>();

  constructor(readonly sysDir: string) {
    this.devicesRoot = join(sysDir, 'devices');
  }

  deviceAt(directory: string | undefined): SysfsDevice | undefined {
    if (directory === undefined || !directory.startsWith(`${this.devicesRoot}/`)) return undefined;
    if (this.cache.has(directory)) return this.cache.get(directory);
    // libudev's definition: a directory is a device when it has a uevent file.
    const device = existsSync(join(directory, 'uevent')) ? new SysfsDevice(this, directory) : undefined;
    this.cache.set(directory, device);
    return device;
  }

  parentOf(directory: string): SysfsDevice | undefined {
    for (let candidate = dirname(directory); candidate.startsWith(`${this.devicesRoot}/`); candidate = dirname(candidate)) {
      const device = this.deviceAt(candidate);
      if (device) return device;
    }
    return undefined;
  }
}

class SysfsDevice implements UdevDevice {
  readonly devpath: string;
  readonly sysname: string;
  private loaded: { properties: Map<string, string>; subsystem?: string; driver?: string } | undefined;
  private parentDevice: SysfsDevice | undefined | null = null;

  constructor(
    private readonly tree: SysfsTree,
    private readonly directory: string,
  ) {
    this.devpath = directory.slice(tree.sysDir.length);
    this.sysname = sysnameOf(this.devpath);
  }

  get subsystem(): string | undefined {
    return this.load().subsystem;
  }

  get driver(): string | undefined {
    return this.load().driver;
  }

  get devnode(): string | undefined {
    return this.load().properties.get('DEVNAME');
  }

  readonly tags: readonly string[] = [];
  readonly devlinks: readonly string[] = [];

  property(name: string): string | undefined {
    return this.load().properties.get(name);
  }

  attribute(name: string): string | undefined {
    return readSysfsAttribute(this.directory, name);
  }

  parent(): UdevDevice | undefined {
    if (this.parentDevice === null) this.parentDevice = this.tree.parentOf(this.directory);
    return this.parentDevice;
  }

  /** Builds the properties libudev would report without udevd's database. */
  private load(): { properties: Map<string, string>; subsystem?: string; driver?: string } {
    if (this.loaded) return this.loaded;
    const properties = new Map<string, string>();
    let text = '';
    try {
      text = readFileSync(join(this.directory, 'uevent'), 'utf8');
    } catch {
      // A device can vanish between listing and reading; it then has no properties.
    }
    for (const line of text.split('\n')) {
      const equals = line.indexOf('=');
      if (equals > 0) properties.set(line.slice(0, equals), line.slice(equals + 1));
    }
    const devname = properties.get('DEVNAME');
    if (devname !== undefined && !devname.startsWith('/')) properties.set('DEVNAME', `/dev/${devname}`);
    const subsystem = linkName(join(this.directory, 'subsystem'));
    const driver = linkName(join(this.directory, 'driver')) ?? properties.get('DRIVER');
    properties.set('DEVPATH', this.devpath);
    if (subsystem !== undefined) properties.set('SUBSYSTEM', subsystem);
    this.loaded = { properties };
    if (subsystem !== undefined) this.loaded.subsystem = subsystem;
    if (driver !== undefined) this.loaded.driver = driver;
    return this.loaded;
  }
}

function list(directory: string): string[] {
  try {
    return readdirSync(directory);
  } catch {
    return [];
  }
}

/**
 * Where a /sys/bus or /sys/class entry points. Entries are symlinks into /sys/devices, whose
 * directories are real, so one readlink replaces realpath's lstat of every path component
 * (this walk runs on every poll). Anything else falls back to realpath.
 */
function resolve(path: string): string | undefined {
  try {
    return join(dirname(path), readlinkSync(path));
  } catch {
    try {
      return realpathSync(path);
    } catch {
      return undefined;
    }
  }
}

/** The last component of a symlink's target ("../../bus/usb" -> "usb"); undefined if no link. */
function linkName(path: string): string | undefined {
  try {
    return basename(readlinkSync(path));
  } catch {
    return undefined;
  }
}
