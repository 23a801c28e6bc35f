// The matcher selects devices the way udevd would for the same rule, on a realistic USB tree:
// a hub with an FTDI serial adapter and a UVC webcam behind it.
import { describe, expect, it } from 'vitest';
import { MemoryDeviceSource } from './memory-device-source.ts';
import { anyRuleMatches } from './udev-rule-matcher.ts';
import { parseUdevRule } from './udev-rule-parser.ts';

const XHCI = '/devices/pci0000:00/0000:00:14.0';
const HUB = `${XHCI}/usb1/1-1`;
const FTDI = `${HUB}/1-1.2`;
const CAMERA = `${HUB}/1-1.3`;

const tree = new MemoryDeviceSource([
  { devpath: XHCI, subsystem: 'pci', driver: 'xhci_hcd', attributes: { vendor: '0x8086\n' } },
  { devpath: `${XHCI}/usb1`, subsystem: 'usb', driver: 'usb', attributes: { idVendor: '1d6b\n', idProduct: '0002\n' } },
  {
    devpath: HUB,
    subsystem: 'usb',
    driver: 'usb',
    devnode: '/dev/bus/usb/001/002',
    attributes: { idVendor: '05e3\n', idProduct: '0610\n', bDeviceClass: '09\n' },
    tags: ['seat'],
  },
  {
    devpath: FTDI,
    subsystem: 'usb',
    driver: 'usb',
    devnode: '/dev/bus/usb/001/003',
    attributes: { idVendor: '0403\n', idProduct: '6001\n', serial: 'A10K2DQ9\n' },
  },
  { devpath: `${FTDI}/1-1.2:1.0`, subsystem: 'usb', driver: 'ftdi_sio', properties: { DEVTYPE: 'usb_interface' } },
  { devpath: `${FTDI}/1-1.2:1.0/ttyUSB0`, subsystem: 'usb-serial', driver: 'ftdi_sio' },
  {
    devpath: `${FTDI}/1-1.2:1.0/ttyUSB0/tty/ttyUSB0`,
    subsystem: 'tty',
    devnode: '/dev/ttyUSB0',
    properties: { ID_VENDOR_ID: '0403', MAJOR: '188' },
    tags: ['uaccess', 'systemd'],
    devlinks: ['serial/by-id/usb-FTDI_FT232R_USB_UART_A10K2DQ9-if00-port0'],
  },
  {
    devpath: CAMERA,
    subsystem: 'usb',
    driver: 'usb',
    devnode: '/dev/bus/usb/001/004',
    attributes: { idVendor: '046d\n', idProduct: '0825\n' },
  },
  { devpath: `${CAMERA}/1-1.3:1.0`, subsystem: 'usb', driver: 'uvcvideo' },
  {
    devpath: `${CAMERA}/1-1.3:1.0/video4linux/video0`,
    subsystem: 'video4linux',
    devnode: '/dev/video0',
    attributes: { name: 'UVC Camera (046d:0825)\n', index: '0\n' },
    properties: { ID_V4L_CAPABILITIES: ':capture:' },
  },
  {
    devpath: `${CAMERA}/1-1.3:1.0/video4linux/video1`,
    subsystem: 'video4linux',
    devnode: '/dev/video1',
    attributes: { name: 'UVC Camera (046d:0825)\n', index: '1\n' },
    properties: { ID_V4L_CAPABILITIES: ':' },
  },
]);

/** Sysnames of the devices the rules select, in devpath order. */
function select(...rules: string[]): string[] {
  const parsed = rules.map(parseUdevRule);
  return tree
    .snapshot()
    .filter((device) => anyRuleMatches(parsed, device))
    .map((device) => device.sysname)
    .sort();
}

describe('matching devices against udev rules', () => {
  it('selects video4linux nodes by kernel name', () => {
    expect(select('KERNEL=="video[0-9]*"')).toEqual(['video0', 'video1']);
  });

  it('selects the serial port of an adapter by its USB parent\'s vendor and product', () => {
    expect(select('SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="6001"')).toEqual(['ttyUSB0']);
  });

  it('requires all parent keys of a rule to hold on the same ancestor, as udevd does', () => {
    // The adapter has idVendor 0403, the hub has idProduct 0610: no single device has both.
    expect(select('SUBSYSTEM=="tty", ATTRS{idVendor}=="0403", ATTRS{idProduct}=="0610"')).toEqual([]);
    expect(select('SUBSYSTEM=="tty", ATTRS{idVendor}=="05e3", ATTRS{idProduct}=="0610"')).toEqual(['ttyUSB0']);
  });

  it('lets the device itself be the ancestor that parent keys match', () => {
    expect(select('KERNELS=="1-1.2", SUBSYSTEMS=="usb", ATTRS{serial}=="A10K2DQ9"')).toEqual([
      '1-1.2',
      '1-1.2:1.0',
      'ttyUSB0',
      'ttyUSB0',
    ]);
  });

  it('matches drivers and kernel names up the chain', () => {
    expect(select('SUBSYSTEM=="tty", DRIVERS=="ftdi_sio"')).toEqual(['ttyUSB0']);
    expect(select('SUBSYSTEM=="video4linux", KERNELS=="1-1.3"')).toEqual(['video0', 'video1']);
    expect(select('SUBSYSTEM=="tty", TAGS=="seat"')).toEqual(['ttyUSB0']);
  });

  it('compares attributes without their trailing newline', () => {
    expect(select('ATTR{name}=="UVC Camera (046d:0825)"')).toEqual(['video0', 'video1']);
    expect(select('ATTR{index}=="0"')).toEqual(['video0']);
  });

  it('a missing attribute satisfies only !=', () => {
    expect(select('SUBSYSTEM=="video4linux", ATTR{idVendor}=="*"')).toEqual([]);
    expect(select('SUBSYSTEM=="video4linux", ATTR{idVendor}!="046d"')).toEqual(['video0', 'video1']);
  });

  it('treats an unset property or driver as the empty string', () => {
    expect(select('SUBSYSTEM=="video4linux", ENV{ID_SERIAL}==""')).toEqual(['video0', 'video1']);
    expect(select('SUBSYSTEM=="video4linux", ENV{ID_V4L_CAPABILITIES}==":capture:"')).toEqual(['video0']);
    expect(select('SUBSYSTEM=="video4linux", DRIVER==""')).toEqual(['video0', 'video1']);
    expect(select('ENV{ID_VENDOR_ID}=="?*"')).toEqual(['ttyUSB0']);
  });

  it('matches tags and /dev links as lists: == when any entry matches, != when none does', () => {
    expect(select('TAG=="uaccess"')).toEqual(['ttyUSB0']);
    expect(select('SUBSYSTEM=="tty", TAG!="uaccess"')).toEqual([]);
    expect(select('SUBSYSTEM=="tty", TAG!="video"')).toEqual(['ttyUSB0']);
    expect(select('SYMLINK=="serial/by-id/usb-FTDI_*"')).toEqual(['ttyUSB0']);
  });

  it('negates device keys with !=', () => {
    expect(select('SUBSYSTEM=="usb", DRIVER!="usb"')).toEqual(['1-1.2:1.0', '1-1.3:1.0']);
    expect(select(`SUBSYSTEM=="video4linux", DEVPATH!="${CAMERA}/*/video1"`)).toEqual(['video0']);
  });

  it('ORs separate rules', () => {
    expect(select('KERNEL=="video0"', 'KERNEL=="ttyUSB0", SUBSYSTEM=="tty"')).toEqual(['ttyUSB0', 'video0']);
  });
});
