// The udev handler's node-level settings, read from the environment when it runs as its own
// process or inside the agent (--embed), as Akri's handlers take theirs. Only the device source
// is configurable: "auto" is right on a node with udevd; "sysfs" for pods without /run/udev or
// udevd's netlink group; "libudev" forces the monitor (e.g. inside an umockdev testbed, which
// has no /run/udev but delivers uevents through libudev).
import type { DeviceSourceChoice } from './choose-device-source.ts';

const CHOICES: readonly DeviceSourceChoice[] = ['auto', 'libudev', 'sysfs'];

export function udevDeviceSourceFromEnv(env: NodeJS.ProcessEnv): DeviceSourceChoice {
  const value = env.UDEV_DEVICE_SOURCE ?? 'auto';
  const choice = CHOICES.find((c) => c === value);
  if (!choice) throw new Error(`UDEV_DEVICE_SOURCE must be one of ${CHOICES.join(', ')}, not "${value}"`);
  return choice;
}
