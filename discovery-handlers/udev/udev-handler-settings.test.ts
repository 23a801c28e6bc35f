import { describe, expect, it } from 'vitest';
import { udevDeviceSourceFromEnv } from './udev-handler-settings.ts';

describe('UDEV_DEVICE_SOURCE', () => {
  it('defaults to auto and accepts the three sources', () => {
    expect(udevDeviceSourceFromEnv({})).toBe('auto');
    expect(udevDeviceSourceFromEnv({ UDEV_DEVICE_SOURCE: 'libudev' })).toBe('libudev');
    expect(udevDeviceSourceFromEnv({ UDEV_DEVICE_SOURCE: 'sysfs' })).toBe('sysfs');
  });

  it('refuses anything else, naming the variable and the choices', () => {
    expect(() => udevDeviceSourceFromEnv({ UDEV_DEVICE_SOURCE: 'udevd' })).toThrow('UDEV_DEVICE_SOURCE must be one of auto, libudev, sysfs, not "udevd"');
  });
});
