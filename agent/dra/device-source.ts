// What the DRA backend needs from the agent's per-node device store: the latest discovery record
// of the device an Instance is (properties, mounts, device specs and the device key the Instance
// is named by, carried in the record), and a signal when a Configuration's devices change. The
// device store (agent/devices/device-store.ts) satisfies this interface as it is.
import type { HandlerDeviceSpec, HandlerMount } from '../../lib/discovery/handler.ts';

export interface DraDevice {
  /** The Configuration that discovered it: `namespace/name`. */
  readonly configuration: string;
  /** The Instance's device key: the six hex digits in its name; the suffix of `_<HASH>` variables. */
  readonly key: string;
  readonly instance: { readonly namespace: string; readonly name: string };
  readonly properties: Readonly<Record<string, string>>;
  readonly mounts: readonly HandlerMount[];
  readonly deviceSpecs: readonly HandlerDeviceSpec[];
  readonly shared: boolean;
}

export interface DraDeviceSource {
  ofInstance(namespace: string, name: string): DraDevice | undefined;
  /** Calls `listener` after each change of a Configuration's devices; returns the unsubscribe function. */
  subscribe(listener: (change: { configuration: string }) => void): () => void;
}
