// A device source held in memory, for tests of the matcher and the handler: devices are plain
// descriptions, parents are found by devpath like libudev finds them, and add/remove notify
// watchers the way the udev monitor does.
import type { DeviceSource } from './device-source.ts';
import { sysnameOf, type UdevDevice } from './udev-device.ts';

export interface DeviceDescription {
  devpath: string;
  subsystem?: string;
  driver?: string;
  devnode?: string;
  properties?: Record<string, string>;
  attributes?: Record<string, string>;
  tags?: string[];
  devlinks?: string[];
}

export class MemoryDeviceSource implements DeviceSource {
  readonly kind = 'memory' as const;
  private readonly devices = new Map<string, DeviceDescription>();
  private readonly watchers = new Set<() => void>();

  constructor(devices: DeviceDescription[] = []) {
    for (const device of devices) this.devices.set(device.devpath, device);
  }

  add(...devices: DeviceDescription[]): void {
    for (const device of devices) this.devices.set(device.devpath, device);
    this.notify();
  }

  remove(...devpaths: string[]): void {
    for (const devpath of devpaths) this.devices.delete(devpath);
    this.notify();
  }

  snapshot(subsystems?: readonly string[]): UdevDevice[] {
    return [...this.devices.values()]
      .filter((d) => subsystems === undefined || (d.subsystem !== undefined && subsystems.includes(d.subsystem)))
      .map((d) => this.device(d.devpath))
      .filter((d) => d !== undefined);
  }

  /** One device by devpath, e.g. to test the matcher directly. */
  device(devpath: string): UdevDevice | undefined {
    const description = this.devices.get(devpath);
    if (!description) return undefined;
    return {
      devpath,
      sysname: sysnameOf(devpath),
      subsystem: description.subsystem,
      driver: description.driver,
      devnode: description.devnode,
      tags: description.tags ?? [],
      devlinks: description.devlinks ?? [],
      property: (name) => description.properties?.[name],
      attribute: (name) => description.attributes?.[name],
      parent: () => {
        for (let path = devpath.slice(0, devpath.lastIndexOf('/')); path !== ''; ) {
          if (this.devices.has(path)) return this.device(path);
          path = path.slice(0, path.lastIndexOf('/'));
        }
        return undefined;
      },
    };
  }

  watch(onChange: () => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }

  private notify(): void {
    for (const watcher of this.watchers) watcher();
  }
}
