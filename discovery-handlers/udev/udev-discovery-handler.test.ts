// The handler's contract with the agent: bad details fail before anything is yielded; the
// first snapshot comes at once; a plugged or unplugged device produces a new full snapshot as
// soon as the source reports it; unrelated changes produce nothing; abort ends the stream.
import { describe, expect, it } from 'vitest';
import { InvalidDiscoveryDetails, type DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { MemoryDeviceSource } from './memory-device-source.ts';
import { UdevDiscoveryHandler } from './udev-discovery-handler.ts';

const quiet = new Logger({}, 'error', { write: () => undefined });
const SERIAL = '/devices/pci0000:00/0000:00:14.0/usb1/1-2';
const TTY = `${SERIAL}/1-2:1.0/ttyUSB0/tty/ttyUSB0`;

function source(): MemoryDeviceSource {
  return new MemoryDeviceSource([
    { devpath: '/devices/virtual/mem/null', subsystem: 'mem', devnode: '/dev/null' },
    { devpath: '/devices/virtual/mem/zero', subsystem: 'mem', devnode: '/dev/zero' },
  ]);
}

function serialAdapter() {
  return [
    { devpath: SERIAL, subsystem: 'usb', devnode: '/dev/bus/usb/001/003', attributes: { idVendor: '0403\n', idProduct: '6001\n' } },
    { devpath: `${SERIAL}/1-2:1.0`, subsystem: 'usb', driver: 'ftdi_sio' },
    { devpath: `${SERIAL}/1-2:1.0/ttyUSB0`, subsystem: 'usb-serial', driver: 'ftdi_sio' },
    { devpath: TTY, subsystem: 'tty', devnode: '/dev/ttyUSB0' },
  ];
}

const ids = (devices: DiscoveredDevice[] | undefined) => devices?.map((device) => device.id);

describe('the udev discovery handler', () => {
  it('is the local (not shared) handler named udev', () => {
    const handler = new UdevDiscoveryHandler({ source: source(), logger: quiet });
    expect([handler.name, handler.shared]).toEqual(['udev', false]);
  });

  it('throws InvalidDiscoveryDetails naming the rule before yielding anything', async () => {
    const handler = new UdevDiscoveryHandler({ source: source(), logger: quiet });
    const stream = handler.discover({ details: 'udevRules: [\'KERNEL=="null"\', \'NAME="x"\']', properties: {} }, new AbortController().signal);
    await expect(stream[Symbol.asyncIterator]().next()).rejects.toThrow(InvalidDiscoveryDetails);
    await expect(
      handler.discover({ details: 'udevRules: [\'KERNEL=="null"\', \'NAME="x"\']', properties: {} }, new AbortController().signal)[Symbol.asyncIterator]().next(),
    ).rejects.toMatchObject({ field: 'udevRules[1]' });
  });

  it('yields the matching devices at once, with device specs carrying the permissions', async () => {
    const handler = new UdevDiscoveryHandler({ source: source(), logger: quiet });
    const controller = new AbortController();
    const stream = handler.discover({ details: 'udevRules: [\'KERNEL=="null"\']\npermissions: rw', properties: {} }, controller.signal);
    const first = await stream[Symbol.asyncIterator]().next();
    expect(first.value).toEqual([
      {
        id: '/devices/virtual/mem/null',
        properties: { UDEV_DEVPATH: '/devices/virtual/mem/null', UDEV_DEVNODE: '/dev/null' },
        mounts: [],
        deviceSpecs: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rw' }],
      },
    ]);
    controller.abort();
  });

  it('reports a plugged and an unplugged serial adapter as new full snapshots, skipping unrelated changes', async () => {
    const devices = source();
    const handler = new UdevDiscoveryHandler({ source: devices, logger: quiet, settleMs: 5 });
    const controller = new AbortController();
    const details = 'udevRules:\n- SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001"\n- KERNEL=="null"';
    const stream = handler.discover({ details, properties: {} }, controller.signal)[Symbol.asyncIterator]();

    expect(ids((await stream.next()).value)).toEqual(['/devices/virtual/mem/null']);

    const plugged = stream.next();
    devices.add({ devpath: '/devices/virtual/misc/unrelated', subsystem: 'misc' });
    devices.add(...serialAdapter());
    expect(ids((await plugged).value)).toEqual(['/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0', '/devices/virtual/mem/null']);

    const unplugged = stream.next();
    devices.remove(...serialAdapter().map((device) => device.devpath).reverse());
    expect(ids((await unplugged).value)).toEqual(['/devices/virtual/mem/null']);

    const ended = stream.next();
    controller.abort();
    expect((await ended).done).toBe(true);
  });

  it('with groupRecursive reports the adapter and its tty as one device', async () => {
    const devices = new MemoryDeviceSource(serialAdapter());
    const handler = new UdevDiscoveryHandler({ source: devices, logger: quiet });
    const controller = new AbortController();
    const details = 'groupRecursive: true\nudevRules:\n- ATTRS{idVendor}=="0403"';
    const first = await handler.discover({ details, properties: {} }, controller.signal)[Symbol.asyncIterator]().next();
    expect(first.value).toEqual([
      {
        id: SERIAL,
        properties: { UDEV_DEVPATH: SERIAL, UDEV_DEVNODE_0: '/dev/bus/usb/001/003', UDEV_DEVNODE_1: '/dev/ttyUSB0' },
        mounts: [],
        deviceSpecs: [
          { containerPath: '/dev/bus/usb/001/003', hostPath: '/dev/bus/usb/001/003', permissions: 'rwm' },
          { containerPath: '/dev/ttyUSB0', hostPath: '/dev/ttyUSB0', permissions: 'rwm' },
        ],
      },
    ]);
    controller.abort();
  });

  it('an empty snapshot says every device is gone', async () => {
    const devices = new MemoryDeviceSource(serialAdapter());
    const handler = new UdevDiscoveryHandler({ source: devices, logger: quiet, settleMs: 0 });
    const controller = new AbortController();
    const stream = handler.discover({ details: 'udevRules: [\'SUBSYSTEM=="tty"\']', properties: {} }, controller.signal)[Symbol.asyncIterator]();
    expect(ids((await stream.next()).value)).toEqual([TTY]);
    const next = stream.next();
    devices.remove(TTY);
    expect((await next).value).toEqual([]);
    controller.abort();
  });
});
