// Devices through libudev (the `udev` npm package): udevd's view, with its database's
// properties (ID_VENDOR_ID, ID_SERIAL, ...), tags and /dev links, and a netlink monitor that
// reports hotplug as soon as udevd has processed it.
//
// The package's monitor cannot be closed safely: close() followed by garbage collection of the
// monitor or a normal process exit double-frees its poll handle (abort or segfault, seen with
// udev 1.0.1 on Node 20). So one monitor per process is created on first use and never closed;
// watchers subscribe and unsubscribe from it. It keeps the event loop alive, which a
// long-running agent does anyway; short-lived tools must call process.exit().
import { createRequire } from 'node:module';
import type { DeviceSource } from './device-source.ts';
import { readSysfsAttribute } from './sysfs-attribute.ts';
import { splitDevlinks, splitTags, sysnameOf, type UdevDevice } from './udev-device.ts';

/** One device as the binding returns it: its properties plus `syspath`. */
type LibudevRecord = Record<string, string | null | undefined> & { syspath: string };

interface LibudevMonitor {
  on(action: string, listener: (record: LibudevRecord) => void): void;
}

interface LibudevBinding {
  list(subsystem?: string): LibudevRecord[];
  monitor(subsystem?: string): LibudevMonitor;
  getNodeParentBySyspath(syspath: string): LibudevRecord | null;
}

/** Every action the kernel or udevd can report; the binding emits each as its own event. */
const ACTIONS = ['add', 'remove', 'change', 'move', 'bind', 'unbind', 'online', 'offline'];

let binding: LibudevBinding | undefined;
let sharedMonitor: LibudevMonitor | undefined;
/** Everyone watching, fanned out from one listener per action (no EventEmitter listener cap). */
const subscribers = new Set<() => void>();

/** Loads the native binding; throws when libudev or the compiled addon is missing. */
export function loadLibudev(): LibudevBinding {
  binding ??= createRequire(import.meta.url)('udev') as LibudevBinding;
  return binding;
}

export interface LibudevDeviceSourceOptions {
  /**
   * A full rescan on this interval catches uevents lost by the kernel socket (ENOBUFS under a
   * storm); hotplug itself is reported by the monitor without waiting for it.
   */
  rescanIntervalMs?: number;
}

export class LibudevDeviceSource implements DeviceSource {
  readonly kind = 'libudev' as const;
  private readonly udev: LibudevBinding;
  private readonly rescanIntervalMs: number;

  constructor(options: LibudevDeviceSourceOptions = {}) {
    this.udev = loadLibudev();
    this.rescanIntervalMs = options.rescanIntervalMs ?? 30_000;
  }

  snapshot(subsystems?: readonly string[]): UdevDevice[] {
    // libudev's per-subsystem enumeration skips reading the properties of every other device.
    const records = subsystems === undefined ? this.udev.list() : subsystems.flatMap((subsystem) => this.udev.list(subsystem));
    const cache = new Map<string, LibudevDevice>();
    const deviceFor = (record: LibudevRecord): LibudevDevice => {
      let device = cache.get(record.syspath);
      if (!device) {
        device = new LibudevDevice(record, (syspath) => {
          const parent = this.parentRecord(syspath);
          return parent ? deviceFor(parent) : undefined;
        });
        cache.set(record.syspath, device);
      }
      return device;
    };
    return records.map(deviceFor);
  }

  private parentRecord(syspath: string): LibudevRecord | undefined {
    try {
      return this.udev.getNodeParentBySyspath(syspath) ?? undefined;
    } catch {
      // The device went away since the listing; it then has no parent to match.
      return undefined;
    }
  }

  watch(onChange: () => void): () => void {
    if (!sharedMonitor) {
      sharedMonitor = this.udev.monitor();
      const notifyAll = (): void => {
        for (const subscriber of [...subscribers]) subscriber();
      };
      for (const action of ACTIONS) sharedMonitor.on(action, notifyAll);
    }
    // A distinct function per watch, so the same callback can watch twice and leave once.
    const subscriber = (): void => onChange();
    subscribers.add(subscriber);
    const timer = setInterval(onChange, this.rescanIntervalMs);
    return () => {
      clearInterval(timer);
      subscribers.delete(subscriber);
    };
  }
}

class LibudevDevice implements UdevDevice {
  readonly devpath: string;
  readonly sysname: string;
  readonly tags: readonly string[];
  readonly devlinks: readonly string[];
  private parentDevice: UdevDevice | undefined | null = null;

  constructor(
    private readonly record: LibudevRecord,
    private readonly findParent: (syspath: string) => UdevDevice | undefined,
  ) {
    this.devpath = this.property('DEVPATH') ?? record.syspath.replace(/^\/sys/, '');
    this.sysname = sysnameOf(this.devpath);
    this.tags = splitTags(this.property('TAGS'));
    this.devlinks = splitDevlinks(this.property('DEVLINKS'));
  }

  get subsystem(): string | undefined {
    return this.property('SUBSYSTEM');
  }

  get driver(): string | undefined {
    return this.property('DRIVER');
  }

  get devnode(): string | undefined {
    return this.property('DEVNAME');
  }

  property(name: string): string | undefined {
    if (name === 'syspath') return undefined;
    const value = this.record[name];
    return typeof value === 'string' ? value : undefined;
  }

  attribute(name: string): string | undefined {
    // Read directly: the binding can only read every attribute of a device at once.
    return readSysfsAttribute(this.record.syspath, name);
  }

  parent(): UdevDevice | undefined {
    if (this.parentDevice === null) this.parentDevice = this.findParent(this.record.syspath);
    return this.parentDevice;
  }
}
