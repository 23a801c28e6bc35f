// Matched devices become Akri devices: one per devpath, or with groupRecursive one per
// top-most matched device carrying every node below it.
import { describe, expect, it } from 'vitest';
import { toDiscoveredDevices } from './udev-device-grouping.ts';

const USB = '/devices/pci0000:00/0000:00:14.0/usb1/1-1';

describe('udev devices as Akri devices', () => {
  it('gives each matched device its devpath as id and UDEV_DEVPATH, its node as UDEV_DEVNODE and a DeviceSpec', () => {
    expect(toDiscoveredDevices([{ devpath: '/devices/virtual/mem/null', devnode: '/dev/null' }], false, 'rw')).toEqual([
      {
        id: '/devices/virtual/mem/null',
        properties: { UDEV_DEVPATH: '/devices/virtual/mem/null', UDEV_DEVNODE: '/dev/null' },
        mounts: [],
        deviceSpecs: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rw' }],
      },
    ]);
  });

  it('keeps a matched device without a node, with only UDEV_DEVPATH, as Akri does', () => {
    expect(toDiscoveredDevices([{ devpath: `${USB}/1-1:1.0`, devnode: undefined }], false, 'rwm')).toEqual([
      { id: `${USB}/1-1:1.0`, properties: { UDEV_DEVPATH: `${USB}/1-1:1.0` }, mounts: [], deviceSpecs: [] },
    ]);
  });

  it('reports a device matched by two rules once, in devpath order', () => {
    const devices = toDiscoveredDevices(
      [
        { devpath: '/devices/b', devnode: '/dev/b' },
        { devpath: '/devices/a', devnode: '/dev/a' },
        { devpath: '/devices/b', devnode: '/dev/b' },
      ],
      false,
      'rwm',
    );
    expect(devices.map((device) => device.id)).toEqual(['/devices/a', '/devices/b']);
  });

  it('with groupRecursive, merges matched children into their top-most matched parent', () => {
    const devices = toDiscoveredDevices(
      [
        { devpath: `${USB}/1-1:1.0/video4linux/video1`, devnode: '/dev/video1' },
        { devpath: `${USB}/1-1:1.0`, devnode: undefined },
        { devpath: USB, devnode: '/dev/bus/usb/001/002' },
        { devpath: `${USB}/1-1:1.0/video4linux/video0`, devnode: '/dev/video0' },
      ],
      true,
      'r',
    );
    expect(devices).toEqual([
      {
        id: USB,
        properties: {
          UDEV_DEVPATH: USB,
          UDEV_DEVNODE_0: '/dev/bus/usb/001/002',
          UDEV_DEVNODE_1: '/dev/video0',
          UDEV_DEVNODE_2: '/dev/video1',
        },
        mounts: [],
        deviceSpecs: [
          { containerPath: '/dev/bus/usb/001/002', hostPath: '/dev/bus/usb/001/002', permissions: 'r' },
          { containerPath: '/dev/video0', hostPath: '/dev/video0', permissions: 'r' },
          { containerPath: '/dev/video1', hostPath: '/dev/video1', permissions: 'r' },
        ],
      },
    ]);
  });

  it('with groupRecursive, keeps siblings whose names share a prefix apart (1-1 and 1-10)', () => {
    const devices = toDiscoveredDevices(
      [
        { devpath: '/devices/usb1/1-1', devnode: '/dev/bus/usb/001/002' },
        { devpath: '/devices/usb1/1-10', devnode: '/dev/bus/usb/001/009' },
        { devpath: '/devices/usb1/1-1/1-1:1.0/tty/ttyACM0', devnode: '/dev/ttyACM0' },
      ],
      true,
      'rwm',
    );
    expect(devices.map((device) => [device.id, Object.keys(device.properties).length])).toEqual([
      ['/devices/usb1/1-1', 3],
      ['/devices/usb1/1-10', 2],
    ]);
  });
});
