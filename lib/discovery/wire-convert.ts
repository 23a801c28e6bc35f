// Converts between the v0 wire messages and the DiscoveryHandler interface's plain types, so
// handlers and the agent never see protobuf shapes (Buffers, optional-presence wrappers).
import type { Device, Device__Output } from '../proto/generated/v0/Device.ts';
import type { DiscoverRequest as WireRequest, DiscoverRequest__Output as WireRequestOut } from '../proto/generated/v0/DiscoverRequest.ts';
import type { DiscoveredDevice, DiscoverRequest } from './handler.ts';

export function deviceToWire(d: DiscoveredDevice): Device {
  return {
    id: d.id,
    properties: d.properties,
    mounts: d.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readOnly: m.readOnly })),
    deviceSpecs: d.deviceSpecs.map((s) => ({ containerPath: s.containerPath, hostPath: s.hostPath, permissions: s.permissions })),
  };
}

export function deviceFromWire(d: Device__Output): DiscoveredDevice {
  return {
    id: d.id,
    properties: { ...d.properties },
    mounts: d.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readOnly: m.readOnly })),
    deviceSpecs: d.deviceSpecs.map((s) => ({ containerPath: s.containerPath, hostPath: s.hostPath, permissions: s.permissions })),
  };
}

export function requestToWire(r: DiscoverRequest): WireRequest {
  const discoveryProperties: NonNullable<WireRequest['discoveryProperties']> = {};
  // An absent value is sent as ByteData with no `vec`, which Akri reads as "no value".
  for (const [k, v] of Object.entries(r.properties)) discoveryProperties[k] = v === undefined ? {} : { vec: v };
  return { discoveryDetails: r.details, discoveryProperties };
}

export function requestFromWire(r: WireRequestOut): DiscoverRequest {
  const properties: Record<string, Buffer | undefined> = {};
  for (const [k, v] of Object.entries(r.discoveryProperties ?? {})) properties[k] = v.vec;
  return { details: r.discoveryDetails, properties };
}

/** A canonical string for a snapshot, order-independent, used to drop repeats. */
export function snapshotKey(devices: DiscoveredDevice[]): string {
  const sorted = [...devices].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return JSON.stringify(
    sorted.map((d) => [d.id, Object.entries(d.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)), d.mounts, d.deviceSpecs]),
  );
}
