// Pure: what preparing one ResourceClaim on this node means, from the claim's allocation (the
// devices the scheduler picked), the Instances this node knows (by pool, computed forward from
// each Instance) and the device store's records (mounts, device specs, device key). Either every
// akri.sh device of the claim is served by this node, or the claim is refused with the reason;
// devices of other drivers are theirs to prepare.
import { DRA_DRIVER } from '../../lib/dra/driver.ts';
import { slotDeviceName } from '../../lib/dra/pool-names.ts';
import type { DeviceRequestAllocationResult } from '../../lib/dra/resource-api.ts';
import { cdiDevice, cdiQualifiedName, cdiSpec, type CdiDevice, type CdiSpec } from './cdi-spec.ts';
import type { DraDevice } from './device-source.ts';

export interface ClaimRef {
  namespace: string;
  name: string;
  uid: string;
}

/** What the plan needs of an Instance. */
export interface PoolInstance {
  namespace: string;
  name: string;
  capacity: number;
  nodes: readonly string[];
  brokerProperties: Readonly<Record<string, string>>;
}

export interface PreparedDevice {
  requestNames: string[];
  poolName: string;
  deviceName: string;
  cdiDeviceIds: string[];
  instance: { namespace: string; name: string };
}

export interface PreparedClaim {
  claim: ClaimRef;
  devices: PreparedDevice[];
  /** The CDI spec file's content; undefined when the claim has no akri.sh device. */
  spec: CdiSpec | undefined;
}

export interface PrepareInputs {
  node: string;
  claim: ClaimRef;
  /** status.allocation.devices.results; undefined when the claim is not allocated. */
  results: readonly DeviceRequestAllocationResult[] | undefined;
  instanceOfPool: (pool: string) => PoolInstance | undefined;
  deviceOf: (namespace: string, name: string) => DraDevice | undefined;
}

export type PreparePlan = { ok: true; prepared: PreparedClaim } | { ok: false; error: string };

export function planPreparation(p: PrepareInputs): PreparePlan {
  const claimName = `ResourceClaim ${p.claim.namespace}/${p.claim.name}`;
  if (!p.results) return { ok: false, error: `${claimName} is not allocated` };
  const devices: PreparedDevice[] = [];
  const cdi: CdiDevice[] = [];
  for (const r of p.results) {
    if (r.driver !== DRA_DRIVER) continue;
    const instance = p.instanceOfPool(r.pool);
    if (!instance) return { ok: false, error: `${claimName}: pool ${r.pool} is no Instance that node ${p.node} knows` };
    const name = `Instance ${instance.namespace}/${instance.name}`;
    if (!instance.nodes.includes(p.node)) return { ok: false, error: `${claimName}: ${name} does not list node ${p.node}` };
    let slot = -1;
    for (let n = 0; n < instance.capacity; n++) if (slotDeviceName(n) === r.device) slot = n;
    if (slot < 0) return { ok: false, error: `${claimName}: ${r.device} is not a slot of ${name} (capacity ${instance.capacity})` };
    const device = p.deviceOf(instance.namespace, instance.name);
    if (!device) return { ok: false, error: `${claimName}: the device of ${name} has not been discovered on node ${p.node} (yet)` };
    const cdiName = `${p.claim.uid}-${cdi.length}`;
    cdi.push(cdiDevice({ name: cdiName, key: device.key, brokerProperties: instance.brokerProperties, mounts: device.mounts, deviceSpecs: device.deviceSpecs }));
    devices.push({
      requestNames: [r.request],
      poolName: r.pool,
      deviceName: r.device,
      cdiDeviceIds: [cdiQualifiedName(cdiName)],
      instance: { namespace: instance.namespace, name: instance.name },
    });
  }
  return { ok: true, prepared: { claim: p.claim, devices, spec: cdi.length ? cdiSpec(cdi) : undefined } };
}
