// The agent's core decision, with no I/O: given a Configuration, the devices its latest
// snapshots hold (device-store records, each with its Instance name and hash), the Instances
// that exist, and when each missing device was last seen,
// which Instances this node must write or leave, and when to look again. A device that
// vanished (or whose stream dropped) is only left after the grace period, so a flapping
// device causes no writes at all.
import type { Instance, InstanceSpec } from '../../lib/crd/instance.ts';
import { cdiName } from '../../lib/naming/instance-name.ts';
import type { StoredDevice } from '../devices/device-store.ts';

export interface PlanConfiguration {
  name: string;
  capacity: number;
  brokerProperties: Record<string, string>;
}

/** The spec fields this node writes (nodes is always [this node]). */
export type DesiredSpec = Omit<InstanceSpec, 'nodes' | 'deviceUsage'> & { brokerProperties: Record<string, string>; shared: boolean };

export type InstanceOp =
  | { kind: 'apply'; name: string; spec: DesiredSpec; addFinalizer: boolean }
  | { kind: 'leave'; name: string; spec: InstanceSpec };

export interface PlanInput {
  node: string;
  configuration: PlanConfiguration;
  /** The devices this node's discovery reports now (discovered-devices.ts). */
  devices: readonly StoredDevice[];
  /** This Configuration's Instances, as cached from the API server. */
  existing: Instance[];
  /** Instance name -> ms since epoch when this node first saw its device missing. */
  missingSince: ReadonlyMap<string, number>;
  now: number;
  graceMs: number;
}

export interface Plan {
  ops: InstanceOp[];
  /** What this node wants each Instance it sees a device for to be. */
  desired: Map<string, DesiredSpec>;
  missingSince: Map<string, number>;
  /** Instances this node is in once the plan is carried out (including those in grace). */
  instanceCount: number;
  /** When a grace period ends and the plan must be made again. */
  wakeAt: number | undefined;
}

export function desiredInstances(configuration: PlanConfiguration, devices: readonly StoredDevice[]): Map<string, DesiredSpec> {
  const desired = new Map<string, DesiredSpec>();
  for (const device of devices) {
    if (desired.has(device.instance.name)) continue;
    desired.set(device.instance.name, {
      configurationName: configuration.name,
      cdiName: cdiName(configuration.name, device.key),
      capacity: configuration.capacity,
      // Configuration brokerProperties override same-named device properties, as in Akri.
      brokerProperties: { ...device.properties, ...configuration.brokerProperties },
      shared: device.shared,
    });
  }
  return desired;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ak = Object.keys(a ?? {});
  return ak.length === Object.keys(b).length && ak.every((k) => a?.[k] === b[k]);
}

/** Whether the Instance's spec already is what this node wants (its finalizer aside). */
export function upToDate(node: string, existing: Instance, want: DesiredSpec): boolean {
  const s = existing.spec;
  return (
    !existing.metadata.deletionTimestamp &&
    (s.nodes ?? []).includes(node) &&
    s.configurationName === want.configurationName &&
    s.cdiName === want.cdiName &&
    s.capacity === want.capacity &&
    (s.shared ?? false) === want.shared &&
    sameMap(s.brokerProperties, want.brokerProperties)
  );
}

/** Whether this node is in the Instance or still holds it with its finalizer. */
export function involves(node: string, i: Instance): boolean {
  return (i.spec.nodes ?? []).includes(node) || (i.metadata.finalizers ?? []).includes(node);
}

export function planInstances(input: PlanInput): Plan {
  const { node, now, graceMs } = input;
  const desired = desiredInstances(input.configuration, input.devices);
  const existingByName = new Map(input.existing.map((i) => [i.metadata.name ?? '', i]));
  const ops: InstanceOp[] = [];
  const missingSince = new Map<string, number>();
  let wakeAt: number | undefined;
  let inGrace = 0;

  for (const [name, spec] of desired) {
    const existing = existingByName.get(name);
    const hasFinalizer = (existing?.metadata.finalizers ?? []).includes(node) && !existing?.metadata.deletionTimestamp;
    if (!existing || !upToDate(node, existing, spec) || !hasFinalizer) {
      ops.push({ kind: 'apply', name, spec, addFinalizer: !hasFinalizer });
    }
  }
  for (const existing of input.existing) {
    const name = existing.metadata.name ?? '';
    if (desired.has(name) || !involves(node, existing)) continue;
    const since = input.missingSince.get(name) ?? now;
    if (now - since >= graceMs) {
      ops.push({ kind: 'leave', name, spec: existing.spec });
    } else {
      missingSince.set(name, since);
      inGrace++;
      wakeAt = Math.min(wakeAt ?? Infinity, since + graceMs);
    }
  }
  return { ops, desired, missingSince, instanceCount: desired.size + inGrace, wakeAt };
}
