// The handler against this machine's own sysfs, as Akri's e2e test does with KERNEL=="null":
// every Linux node has /dev/null at /devices/virtual/mem/null, with or without udevd.
import { describe, expect, it } from 'vitest';
import { Logger } from '../../lib/observability/logger.ts';
import type { DeviceSource } from './device-source.ts';
import { LibudevDeviceSource } from './libudev-device-source.ts';
import { SysfsDeviceSource } from './sysfs-device-source.ts';
import { parseUdevDiscoveryDetails } from './udev-discovery-details.ts';
import { UdevDiscoveryHandler, findDevices } from './udev-discovery-handler.ts';

const NULL_DEVICE = {
  id: '/devices/virtual/mem/null',
  properties: { UDEV_DEVPATH: '/devices/virtual/mem/null', UDEV_DEVNODE: '/dev/null' },
  mounts: [],
  deviceSpecs: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rwm' }],
};

const sources: [string, () => DeviceSource][] = [
  ['the sysfs walk', () => new SysfsDeviceSource()],
  // Listing only: the monitor is never created in this process (see libudev-device-source.ts).
  ['libudev', () => new LibudevDeviceSource()],
];

describe.each(sources)('this machine\'s devices through %s', (_name, makeSource) => {
  it('KERNEL=="null" finds /dev/null at /devices/virtual/mem/null', () => {
    expect(findDevices(makeSource(), parseUdevDiscoveryDetails('udevRules: [\'KERNEL=="null"\']'))).toEqual([NULL_DEVICE]);
  });

  it('matches the mem subsystem\'s nodes by subsystem and name alternatives', () => {
    const details = parseUdevDiscoveryDetails('udevRules: [\'SUBSYSTEM=="mem", KERNEL=="null|zero|full"\']\npermissions: r');
    const devices = findDevices(makeSource(), details);
    expect(devices.map((device) => device.properties.UDEV_DEVNODE)).toEqual(['/dev/full', '/dev/null', '/dev/zero']);
    expect(devices.every((device) => device.deviceSpecs[0]?.permissions === 'r')).toBe(true);
  });

  it('lists at least every device of the subsystems it is asked for', () => {
    const source = makeSource();
    const everything = source.snapshot().filter((device) => device.subsystem === 'mem' || device.subsystem === 'tty');
    const narrowed = source.snapshot(['mem', 'tty']);
    expect(narrowed.map((device) => device.devpath).sort()).toEqual(everything.map((device) => device.devpath).sort());
  });

  it('reads attributes: the dev attribute of /dev/null is 1:3', () => {
    const details = parseUdevDiscoveryDetails('udevRules: [\'SUBSYSTEM=="mem", ATTR{dev}=="1:3"\']');
    expect(findDevices(makeSource(), details).map((device) => device.id)).toEqual(['/devices/virtual/mem/null']);
  });
});

describe('both sources on this machine', () => {
  it('list the same devices with the same properties', () => {
    const viaSysfs = new Map(new SysfsDeviceSource().snapshot().map((device) => [device.devpath, device]));
    const viaLibudev = new LibudevDeviceSource().snapshot();
    expect(viaLibudev.map((device) => device.devpath).sort()).toEqual([...viaSysfs.keys()].sort());
    for (const device of viaLibudev.filter((d) => d.subsystem === 'mem' || d.subsystem === 'tty')) {
      const twin = viaSysfs.get(device.devpath);
      expect([twin?.subsystem, twin?.driver, twin?.devnode, twin?.property('MAJOR')]).toEqual([
        device.subsystem,
        device.driver,
        device.devnode,
        device.property('MAJOR'),
      ]);
    }
  });
});

describe('the handler on this machine', () => {
  it('streams /dev/null as its first snapshot', async () => {
    const handler = new UdevDiscoveryHandler({ logger: new Logger({}, 'error', { write: () => undefined }), choice: 'sysfs' });
    const controller = new AbortController();
    const first = await handler.discover({ details: 'udevRules: [\'KERNEL=="null"\']', properties: {} }, controller.signal)[Symbol.asyncIterator]().next();
    expect(first.value).toEqual([NULL_DEVICE]);
    controller.abort();
  });
});
