// Decides whether a new snapshot differs from the last one sent. The agent rewrites Instances on
// every snapshot it receives, so only a change in the device set or in a property may produce
// one; RSSI and "last heard" are deliberately not part of a device and so can never churn it.
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';

function deviceKey(device: DiscoveredDevice): string {
  const properties = Object.entries(device.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([device.id, properties, device.mounts, device.deviceSpecs]);
}

/** Order-insensitive equality of two full snapshots. */
export function sameSnapshot(a: readonly DiscoveredDevice[], b: readonly DiscoveredDevice[]): boolean {
  if (a.length !== b.length) return false;
  const keys = new Set(a.map(deviceKey));
  return b.every((device) => keys.has(deviceKey(device)));
}
