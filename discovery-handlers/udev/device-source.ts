// Where devices come from. Two real sources exist: libudev (udevd's view, with its properties,
// tags and links, and a monitor that reports hotplug as it happens) and a sysfs walk for nodes
// without udevd (kernel properties only; hotplug seen by polling). Tests use an in-memory one.
import type { UdevDevice } from './udev-device.ts';

export type DeviceSourceKind = 'libudev' | 'sysfs' | 'memory';

export interface DeviceSource {
  readonly kind: DeviceSourceKind;
  /**
   * Every device on the node right now, or, given `subsystems`, at least every device of those
   * subsystems (a source may return more; the matcher decides).
   */
  snapshot(subsystems?: readonly string[]): UdevDevice[];
  /**
   * Calls `onChange` whenever devices may have changed (a uevent, or a poll tick); the caller
   * takes a fresh snapshot and compares. Returns a function that stops watching.
   */
  watch(onChange: () => void): () => void;
}
