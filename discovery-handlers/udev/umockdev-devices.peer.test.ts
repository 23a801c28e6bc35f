// USB cameras, serial adapters and a hub with children, emulated by Debian's umockdev:
// the sysfs walk reads the testbed's tree directly; libudev and its hotplug monitor are
// exercised in a child process under umockdev's preload library, with uevents sent by the
// testbed. Needs the Debian packages umockdev, gir1.2-umockdev-1.0 and python3-gi.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { HandlerProcess, UmockdevTestbed } from '../../test/fixtures/udev/umockdev-testbed.ts';
import { SysfsDeviceSource } from './sysfs-device-source.ts';
import { parseUdevDiscoveryDetails } from './udev-discovery-details.ts';
import { UdevDiscoveryHandler, findDevices } from './udev-discovery-handler.ts';
import { anyRuleMatches } from './udev-rule-matcher.ts';

const USB = '/devices/pci0000:00/0000:00:14.0/usb1';
const FTDI_TTY = `${USB}/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0`;
const FTDI_RULE = 'SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001"';
const HUB_TTYS_RULE = 'SUBSYSTEM=="tty", KERNELS=="1-3"';
const quiet = new Logger({}, 'error', { write: () => undefined });

const devnodes = (devices: DiscoveredDevice[]) => devices.flatMap((device) => device.deviceSpecs.map((spec) => spec.hostPath));
const rulesDetails = (...rules: string[]) => JSON.stringify({ udevRules: rules });

/**
 * Reads snapshots until one satisfies `done`. A sysfs poll can land in the middle of a plug or
 * unplug (the testbed adds and removes devices one at a time), so an intermediate snapshot is
 * legitimate; what matters is that the final state arrives without a restart.
 */
async function snapshotUntil(
  stream: AsyncIterator<DiscoveredDevice[]>,
  done: (devices: DiscoveredDevice[]) => boolean,
  timeoutMs: number,
): Promise<DiscoveredDevice[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`no matching snapshot within ${timeoutMs} ms`);
    const next = await Promise.race([
      stream.next(),
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), left)),
    ]);
    if (next === 'timeout') throw new Error(`no matching snapshot within ${timeoutMs} ms`);
    if (next.done) throw new Error('the stream ended');
    if (done(next.value)) return next.value;
  }
}

let testbed: UmockdevTestbed;
const processes: HandlerProcess[] = [];

beforeEach(async () => {
  testbed = await UmockdevTestbed.start();
  await testbed.load('usb-host.umockdev');
});

afterEach(() => {
  for (const child of processes.splice(0)) child.close();
  // Undefined when the testbed failed to start; that failure is the one worth reading.
  (testbed as UmockdevTestbed | undefined)?.close();
});

describe('udev discovery on an umockdev testbed, through the sysfs walk', () => {
  const find = (details: string) => findDevices(new SysfsDeviceSource({ root: testbed.root }), parseUdevDiscoveryDetails(details));

  beforeEach(async () => {
    for (const file of ['usb-webcam.umockdev', 'usb-serial-ftdi.umockdev', 'usb-hub-with-serial-children.umockdev']) await testbed.load(file);
  });

  it('finds both video4linux nodes of a USB webcam', () => {
    const devices = find(rulesDetails('KERNEL=="video[0-9]*", SUBSYSTEM=="video4linux"'));
    expect(devices.map((device) => device.id)).toEqual([`${USB}/1-1/1-1:1.0/video4linux/video0`, `${USB}/1-1/1-1:1.0/video4linux/video1`]);
    expect(devnodes(devices)).toEqual(['/dev/video0', '/dev/video1']);
  });

  it('finds a ttyUSB by its adapter\'s vendor and product', () => {
    const devices = find(rulesDetails(FTDI_RULE));
    expect(devices).toEqual([
      {
        id: FTDI_TTY,
        properties: { UDEV_DEVPATH: FTDI_TTY, UDEV_DEVNODE: '/dev/ttyUSB0' },
        mounts: [],
        deviceSpecs: [{ containerPath: '/dev/ttyUSB0', hostPath: '/dev/ttyUSB0', permissions: 'rwm' }],
      },
    ]);
  });

  it('finds the serial ports behind a hub, by the hub or by their drivers', () => {
    expect(devnodes(find(rulesDetails(HUB_TTYS_RULE)))).toEqual(['/dev/ttyUSB1', '/dev/ttyACM0']);
    expect(devnodes(find(rulesDetails('SUBSYSTEM=="tty", DRIVERS=="cdc_acm"')))).toEqual(['/dev/ttyACM0']);
    // The hub's vendor with a child's product: no single ancestor has both.
    expect(find(rulesDetails('SUBSYSTEM=="tty", ATTRS{idVendor}=="05e3", ATTRS{idProduct}=="7523"'))).toEqual([]);
  });

  it('reads the driver link as an attribute, as udevd does for ATTR{driver}', () => {
    expect(find(rulesDetails('ATTR{driver}=="uvcvideo"')).map((device) => device.id)).toEqual([`${USB}/1-1/1-1:1.0`]);
  });

  it('with groupRecursive, reports the hub and everything below it as one device', () => {
    const devices = find(JSON.stringify({ udevRules: ['ATTRS{idVendor}=="05e3"'], groupRecursive: true, permissions: 'rw' }));
    expect(devices.map((device) => device.id)).toEqual([`${USB}/1-3`]);
    expect(devices[0]?.properties).toEqual({
      UDEV_DEVPATH: `${USB}/1-3`,
      UDEV_DEVNODE_0: '/dev/bus/usb/001/004',
      UDEV_DEVNODE_1: '/dev/bus/usb/001/005',
      UDEV_DEVNODE_2: '/dev/ttyUSB1',
      UDEV_DEVNODE_3: '/dev/bus/usb/001/006',
      UDEV_DEVNODE_4: '/dev/ttyACM0',
    });
  });

  it('gives the same devices as libudev inside the testbed', async () => {
    const details = rulesDetails('SUBSYSTEM=="usb"', 'SUBSYSTEM=="tty", SUBSYSTEMS=="usb"', 'KERNEL=="video*"');
    const handler = HandlerProcess.start('libudev', details, testbed.env);
    processes.push(handler);
    const viaLibudev = await handler.snapshot(() => true);
    expect(viaLibudev.length).toBe(16);
    expect(find(details)).toEqual(viaLibudev);
  }, 30_000);

  it('finds the same devices when every rule pins its subsystem and only those are listed', async () => {
    const details = rulesDetails('SUBSYSTEM=="usb", ATTR{idVendor}=="?*"', 'SUBSYSTEM=="tty|video4linux", SUBSYSTEMS=="usb"');
    const parsed = parseUdevDiscoveryDetails(details);
    const source = new SysfsDeviceSource({ root: testbed.root });
    const fullScan = source.snapshot().filter((device) => anyRuleMatches(parsed.rules, device));
    const handler = HandlerProcess.start('libudev', details, testbed.env);
    processes.push(handler);
    const viaLibudev = await handler.snapshot(() => true);
    expect(viaLibudev.map((device) => device.id)).toEqual(fullScan.map((device) => device.devpath).sort());
    expect(find(details)).toEqual(viaLibudev);
    expect(viaLibudev).toHaveLength(11);
  }, 30_000);
});

describe('udev hotplug on an umockdev testbed', () => {
  it('the libudev monitor reports a plugged and unplugged adapter and hub within a second', async () => {
    const handler = HandlerProcess.start('libudev', rulesDetails(FTDI_RULE, HUB_TTYS_RULE), testbed.env);
    processes.push(handler);
    expect(await handler.snapshot(() => true)).toEqual([]);

    // The safety-net rescan runs every 30 s: only the monitor explains a change this fast.
    let started = performance.now();
    await testbed.load('usb-serial-ftdi.umockdev');
    expect(devnodes(await handler.snapshot((devices) => devices.length === 1, 1000))).toEqual(['/dev/ttyUSB0']);
    expect(performance.now() - started).toBeLessThan(1000);

    started = performance.now();
    await testbed.load('usb-hub-with-serial-children.umockdev');
    expect(devnodes(await handler.snapshot((devices) => devices.length === 3, 1000))).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB1', '/dev/ttyACM0']);
    expect(performance.now() - started).toBeLessThan(1000);

    started = performance.now();
    await testbed.unload('usb-serial-ftdi.umockdev');
    expect(devnodes(await handler.snapshot((devices) => devices.length === 2, 1000))).toEqual(['/dev/ttyUSB1', '/dev/ttyACM0']);
    await testbed.unload('usb-hub-with-serial-children.umockdev');
    expect(await handler.snapshot((devices) => devices.length === 0, 1000)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  }, 30_000);

  it('the sysfs walk sees a plugged and unplugged webcam on its next poll', async () => {
    const handler = new UdevDiscoveryHandler({
      source: new SysfsDeviceSource({ root: testbed.root, pollIntervalMs: 100 }),
      logger: quiet,
    });
    const controller = new AbortController();
    const stream = handler.discover({ details: rulesDetails('SUBSYSTEM=="video4linux"'), properties: {} }, controller.signal)[Symbol.asyncIterator]();
    expect((await stream.next()).value).toEqual([]);

    await testbed.load('usb-webcam.umockdev');
    const plugged = await snapshotUntil(stream, (d) => devnodes(d).length === 2, 10_000);
    expect(devnodes(plugged)).toEqual(['/dev/video0', '/dev/video1']);

    await testbed.unload('usb-webcam.umockdev');
    expect(await snapshotUntil(stream, (d) => d.length === 0, 10_000)).toEqual([]);
    controller.abort();
  }, 30_000);
});
