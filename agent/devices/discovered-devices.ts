// Pure: a Configuration's latest discovery snapshots on this node (one per handler endpoint)
// as device-store records. The Instance hash is computed here, once per device, from the
// handler's device id and (for a device only this node can reach) the node name; the Instance
// plan and every backend take it from the record.
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { deviceHash, instanceName } from '../../lib/naming/instance-name.ts';
import type { StoredDevice } from './device-store.ts';

export interface SnapshotEndpoint {
  shared: boolean;
  /** The endpoint's latest snapshot; undefined before the first and after a lost stream. */
  devices: DiscoveredDevice[] | undefined;
}

export function discoveredDevices(node: string, configuration: { namespace: string; name: string }, endpoints: readonly SnapshotEndpoint[]): StoredDevice[] {
  const out = new Map<string, StoredDevice>();
  for (const endpoint of endpoints) {
    for (const device of endpoint.devices ?? []) {
      const key = deviceHash(device.id, endpoint.shared, node);
      if (out.has(key)) continue; // the same device through two endpoints is one Instance
      out.set(key, {
        configuration: `${configuration.namespace}/${configuration.name}`,
        key,
        instance: { namespace: configuration.namespace, name: instanceName(configuration.name, key) },
        id: device.id,
        properties: device.properties,
        mounts: device.mounts,
        deviceSpecs: device.deviceSpecs,
        shared: endpoint.shared,
      });
    }
  }
  return [...out.values()];
}
