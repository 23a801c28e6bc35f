// The ContainerAllocateResponse for a slot, as Akri v0.13 builds it: every device property and
// every Configuration brokerProperties entry (which win over device properties of the same
// name) as an environment variable, both plain and suffixed `_<HASH>` with the upper-case
// Instance hash, so a pod holding several devices can tell them apart; the handler's mounts
// and device nodes unchanged. Pure and deterministic: asking twice for the same slot gives the
// same answer, which is what makes a repeated Allocate idempotent.
import type { ContainerAllocateResponse } from '../../lib/proto/generated/v1beta1/ContainerAllocateResponse.ts';
import type { HandlerDeviceSpec, HandlerMount } from '../../lib/discovery/handler.ts';

export interface SlotDevice {
  /** The Instance's device key (its 6-hex-digit hash), from the device store's record. */
  hash: string;
  /** Instance.spec.brokerProperties: device properties already merged with the Configuration's. */
  brokerProperties: Readonly<Record<string, string>>;
  mounts: readonly HandlerMount[];
  deviceSpecs: readonly HandlerDeviceSpec[];
}

export function brokerEnvironment(hash: string, properties: Readonly<Record<string, string>>): Record<string, string> {
  const suffix = hash.toUpperCase();
  const env: Record<string, string> = {};
  for (const key of Object.keys(properties).sort()) {
    const value = properties[key] ?? '';
    env[key] = value;
    env[`${key}_${suffix}`] = value;
  }
  return env;
}

export function containerAllocateResponse(devices: readonly SlotDevice[]): ContainerAllocateResponse {
  const envs: Record<string, string> = {};
  for (const d of devices) Object.assign(envs, brokerEnvironment(d.hash, d.brokerProperties));
  return {
    envs,
    mounts: devices.flatMap((d) => d.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readOnly: m.readOnly }))),
    devices: devices.flatMap((d) =>
      d.deviceSpecs.map((s) => ({ containerPath: s.containerPath, hostPath: s.hostPath, permissions: s.permissions })),
    ),
    annotations: {},
    cdiDevices: [],
  };
}
