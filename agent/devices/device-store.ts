// The per-node device store: what this node's discovery last reported for each Configuration,
// one record per device, with everything a backend needs to expose it to a pod (properties,
// mounts, device specs, whether it is shared) and the Instance it belongs to. The reconciler
// publishes each Configuration's latest snapshot here; the device-plugin backends (and any
// later way of exposing devices, e.g. DRA) read it by key and subscribe to its changes. A
// device carries its key (the Instance's hash, computed once from the device id): nothing
// reads a key back out of a name. Records are replaced, never edited, so a reader may keep one.
import type { HandlerDeviceSpec, HandlerMount } from '../../lib/discovery/handler.ts';

export interface StoredDevice {
  /** The Configuration that discovered it: `namespace/name`. */
  readonly configuration: string;
  /** The Instance's device key: the 6-hex-digit hash in its name and cdiName. */
  readonly key: string;
  /** The Instance this device is. */
  readonly instance: { readonly namespace: string; readonly name: string };
  /** The handler's device id. */
  readonly id: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly mounts: readonly HandlerMount[];
  readonly deviceSpecs: readonly HandlerDeviceSpec[];
  /** Several nodes can reach it (the handler's registration said so). */
  readonly shared: boolean;
}

/** What one publish() or forget() changed, by device key. */
export interface DeviceStoreChange {
  configuration: string;
  added: StoredDevice[];
  changed: StoredDevice[];
  removed: StoredDevice[];
}

export type DeviceStoreListener = (change: DeviceStoreChange) => void;

const instanceKey = (namespace: string, name: string): string => `${namespace}/${name}`;

export class DeviceStore {
  /** configuration -> device key -> record */
  private readonly byConfiguration = new Map<string, Map<string, StoredDevice>>();
  /** `namespace/instance` -> record */
  private readonly byInstance = new Map<string, StoredDevice>();
  private readonly listeners = new Set<DeviceStoreListener>();

  /**
   * Replaces a Configuration's devices with `devices`. Devices that are not in it but whose
   * Instance is named in `retain` (in their grace period: a flapping device, or a stream that
   * dropped) keep their last record, so a pod admitted meanwhile still gets its mounts.
   */
  publish(configuration: string, devices: readonly StoredDevice[], retain: ReadonlySet<string> = new Set()): void {
    const before = this.byConfiguration.get(configuration) ?? new Map<string, StoredDevice>();
    const after = new Map<string, StoredDevice>();
    const change: DeviceStoreChange = { configuration, added: [], changed: [], removed: [] };
    for (const device of devices) {
      if (after.has(device.key)) continue;
      const old = before.get(device.key);
      if (old && sameDevice(old, device)) {
        after.set(device.key, old);
      } else {
        const record = freeze(device);
        after.set(device.key, record);
        (old ? change.changed : change.added).push(record);
      }
    }
    for (const [key, old] of before) {
      if (after.has(key)) continue;
      if (retain.has(old.instance.name)) after.set(key, old);
      else change.removed.push(old);
    }
    this.replace(configuration, before, after, change);
  }

  /** Drops a Configuration's devices (it is gone, or this node no longer discovers for it). */
  forget(configuration: string): void {
    const before = this.byConfiguration.get(configuration);
    if (!before) return;
    this.replace(configuration, before, new Map(), { configuration, added: [], changed: [], removed: [...before.values()] });
  }

  /** Keeps only the devices whose Instance is listed (the API server's full list is in). */
  retainInstances(instances: ReadonlySet<string>): void {
    for (const [configuration, devices] of [...this.byConfiguration]) {
      const kept = [...devices.values()].filter((d) => instances.has(instanceKey(d.instance.namespace, d.instance.name)));
      if (kept.length !== devices.size) this.publish(configuration, kept);
    }
  }

  get(configuration: string, key: string): StoredDevice | undefined {
    return this.byConfiguration.get(configuration)?.get(key);
  }

  /** The device an Instance is, if this node knows it. */
  ofInstance(namespace: string, name: string): StoredDevice | undefined {
    return this.byInstance.get(instanceKey(namespace, name));
  }

  devices(configuration: string): StoredDevice[] {
    return [...(this.byConfiguration.get(configuration)?.values() ?? [])];
  }

  /** Every record, for the checkpoint. */
  *all(): Iterable<StoredDevice> {
    for (const devices of this.byConfiguration.values()) yield* devices.values();
  }

  /** Puts back the records of a checkpoint (before discovery has reported anything). */
  restore(records: readonly StoredDevice[]): void {
    const byCfg = new Map<string, StoredDevice[]>();
    for (const r of records) byCfg.set(r.configuration, [...(byCfg.get(r.configuration) ?? []), r]);
    for (const [configuration, devices] of byCfg) this.publish(configuration, devices);
  }

  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: DeviceStoreListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private replace(configuration: string, before: Map<string, StoredDevice>, after: Map<string, StoredDevice>, change: DeviceStoreChange): void {
    for (const d of before.values()) {
      const k = instanceKey(d.instance.namespace, d.instance.name);
      if (this.byInstance.get(k) === d) this.byInstance.delete(k);
    }
    for (const d of after.values()) this.byInstance.set(instanceKey(d.instance.namespace, d.instance.name), d);
    if (after.size === 0) this.byConfiguration.delete(configuration);
    else this.byConfiguration.set(configuration, after);
    if (change.added.length + change.changed.length + change.removed.length === 0) return;
    for (const listener of this.listeners) listener(change);
  }
}

function freeze(d: StoredDevice): StoredDevice {
  return Object.freeze({
    configuration: d.configuration,
    key: d.key,
    instance: Object.freeze({ namespace: d.instance.namespace, name: d.instance.name }),
    id: d.id,
    properties: Object.freeze({ ...d.properties }),
    mounts: Object.freeze(d.mounts.map((m) => Object.freeze({ ...m }))),
    deviceSpecs: Object.freeze(d.deviceSpecs.map((s) => Object.freeze({ ...s }))),
    shared: d.shared,
  });
}

function sameDevice(a: StoredDevice, b: StoredDevice): boolean {
  return JSON.stringify([a.id, a.instance, a.properties, a.mounts, a.deviceSpecs, a.shared]) === JSON.stringify([b.id, b.instance, b.properties, b.mounts, b.deviceSpecs, b.shared]);
}
