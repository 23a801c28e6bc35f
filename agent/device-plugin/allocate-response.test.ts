import { describe, expect, it } from 'vitest';
import { brokerEnvironment, containerAllocateResponse } from './allocate-response.ts';

describe('the environment a broker gets', () => {
  it('has every property plain and with the upper-case _<HASH> suffix (Akri PR #710)', () => {
    expect(brokerEnvironment('d46b65', { DEBUG_ECHO_DESCRIPTION: 'bar0', RESOLUTION_WIDTH: '800' })).toEqual({
      DEBUG_ECHO_DESCRIPTION: 'bar0',
      DEBUG_ECHO_DESCRIPTION_D46B65: 'bar0',
      RESOLUTION_WIDTH: '800',
      RESOLUTION_WIDTH_D46B65: '800',
    });
  });

  it('passes mounts and device specs through unchanged, and is identical when asked twice', () => {
    const slot = {
      hash: '92d36d',
      brokerProperties: { UDEV_DEVNODE: '/dev/null' },
      mounts: [{ containerPath: '/data', hostPath: '/var/data', readOnly: true }],
      deviceSpecs: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rw' }],
    };
    const first = containerAllocateResponse([slot]);
    expect(first).toEqual({
      envs: { UDEV_DEVNODE: '/dev/null', UDEV_DEVNODE_92D36D: '/dev/null' },
      mounts: [{ containerPath: '/data', hostPath: '/var/data', readOnly: true }],
      devices: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rw' }],
      annotations: {},
      cdiDevices: [],
    });
    expect(containerAllocateResponse([slot])).toEqual(first);
  });
});
