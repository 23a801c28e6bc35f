// Pure: the ResourceSlices an Instance should have, and the writes that turn what a writer has
// into what it should have. One pool per Instance (pool-names.ts), so one writer per pool:
// - a device only one node reaches: `nodeName` = that node, written by that node's agent (the
//   kubelet also deletes a node's slices when it starts or loses the driver, and the agent
//   writes them again);
// - a shared device: `nodeSelector` with exactly the Instance's nodes (by hostname label),
//   written by the controller, the one leader-elected component that sees every node's view of
//   the Instance.
// Capacity N gives N devices, `slot-0` .. `slot-<N-1>`, so N claims can hold the device at
// once, as N device-plugin slots do; no alpha feature (consumable capacity) is needed.
// Whenever a pool's content changes, every slice of it is written with the next generation,
// as consumers take only the highest generation of a pool as current.
import type { V1NodeSelector, V1OwnerReference } from '@kubernetes/client-node';
import { bounded } from './bounded-name.ts';
import { canonicalJson } from './canonical-json.ts';
import { deviceAttributes, withSlot, type AttributeReport } from './device-attributes.ts';
import {
  CONFIGURATION_NAME_LABEL,
  CONFIGURATION_NAMESPACE_LABEL,
  DRA_DRIVER,
  INSTANCE_NAME_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  WRITER_LABEL,
} from './driver.ts';
import { MAX_DEVICES_PER_SLICE, poolName, sliceName, slicesForCapacity, slotDeviceName } from './pool-names.ts';
import { RESOURCE_API, type ResourceSlice } from './resource-api.ts';

export interface SliceInstance {
  namespace: string;
  name: string;
  configuration: string;
  capacity: number;
  shared: boolean;
  /** Instance.spec.nodes. */
  nodes: readonly string[];
  /** Instance.spec.brokerProperties. */
  properties: Readonly<Record<string, string>>;
}

/**
 * A local device: its node (and the Node as owner). A shared one: its nodes, each selected by its
 * `kubernetes.io/hostname` label (hostnameOf; the node name when unknown), because a slice's
 * selector must be one term and a node field selector (metadata.name) takes one value only.
 */
export type NodeAccess = { nodeName: string; owner?: V1OwnerReference } | { nodes: readonly string[]; hostnameOf?: (node: string) => string | undefined };

export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export interface InstanceSlices {
  pool: string;
  /** Generation 0: planSliceWrites sets the real one. */
  slices: ResourceSlice[];
  report: AttributeReport;
}

const LABEL_VALUE_MAX = 63;

export function labelValue(value: string): string {
  return bounded(value, LABEL_VALUE_MAX);
}

/** Exactly these nodes, by their hostname labels. */
export function nodesSelector(nodes: readonly string[], hostnameOf: (node: string) => string | undefined = () => undefined): V1NodeSelector {
  const values = [...new Set(nodes.map((n) => hostnameOf(n) ?? n))].sort();
  return { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values }] }] };
}

export function instanceSlices(i: SliceInstance, access: NodeAccess, writer: string): InstanceSlices {
  const pool = poolName(i);
  const { common, report } = deviceAttributes({ namespace: i.namespace, configuration: i.configuration, instance: i.name, shared: i.shared, properties: i.properties });
  const count = slicesForCapacity(i.capacity);
  const slices: ResourceSlice[] = [];
  for (let k = 0; k < count; k++) {
    const devices = [];
    for (let slot = k * MAX_DEVICES_PER_SLICE; slot < Math.min(i.capacity, (k + 1) * MAX_DEVICES_PER_SLICE); slot++) {
      devices.push({ name: slotDeviceName(slot), attributes: withSlot(common, slot) });
    }
    const owner = 'nodeName' in access ? access.owner : undefined;
    slices.push({
      apiVersion: RESOURCE_API,
      kind: 'ResourceSlice',
      metadata: {
        name: sliceName(i, k),
        labels: {
          [MANAGED_BY_LABEL]: MANAGED_BY,
          [WRITER_LABEL]: labelValue(writer),
          [CONFIGURATION_NAMESPACE_LABEL]: i.namespace,
          [CONFIGURATION_NAME_LABEL]: labelValue(i.configuration),
          [INSTANCE_NAME_LABEL]: labelValue(i.name),
        },
        ...(owner ? { ownerReferences: [owner] } : {}),
      },
      spec: {
        driver: DRA_DRIVER,
        pool: { name: pool, generation: 0, resourceSliceCount: count },
        ...('nodeName' in access ? { nodeName: access.nodeName } : { nodeSelector: nodesSelector(access.nodes, access.hostnameOf) }),
        devices,
      },
    });
  }
  return { pool, slices, report };
}

export type SliceWrite = { kind: 'apply'; slice: ResourceSlice } | { kind: 'delete'; name: string; uid?: string };

function content(s: ResourceSlice): string {
  const { pool, ...rest } = s.spec;
  return canonicalJson({ spec: { ...rest, pool: { name: pool.name, resourceSliceCount: pool.resourceSliceCount } }, labels: s.metadata.labels ?? {}, owners: s.metadata.ownerReferences ?? [] });
}

/**
 * The writes that make `existing` (every slice this writer wrote, as the watch shows them) into
 * `desired` (instanceSlices() of every Instance this writer is responsible for). A pool that
 * changes at all is written whole with the next generation; pools no longer desired are deleted.
 */
export function planSliceWrites(desired: readonly ResourceSlice[], existing: readonly ResourceSlice[]): SliceWrite[] {
  const byPool = <T extends ResourceSlice>(slices: readonly T[]) => {
    const m = new Map<string, T[]>();
    for (const s of slices) m.set(s.spec.pool.name, [...(m.get(s.spec.pool.name) ?? []), s]);
    return m;
  };
  const want = byPool(desired);
  const have = byPool(existing);
  const writes: SliceWrite[] = [];
  for (const [pool, slices] of want) {
    const current = have.get(pool) ?? [];
    const currentByName = new Map(current.map((s) => [s.metadata.name, s]));
    const generations = current.map((s) => s.spec.pool.generation);
    const topGeneration = generations.length ? Math.max(...generations) : 0;
    const unchanged =
      current.length === slices.length &&
      slices.every((s) => {
        const c = currentByName.get(s.metadata.name);
        return c !== undefined && c.spec.pool.generation === topGeneration && content(c) === content(s);
      });
    if (unchanged) continue;
    const generation = topGeneration + 1;
    for (const s of slices) writes.push({ kind: 'apply', slice: { ...s, spec: { ...s.spec, pool: { ...s.spec.pool, generation } } } });
    const names = new Set(slices.map((s) => s.metadata.name));
    for (const c of current) if (!names.has(c.metadata.name)) writes.push({ kind: 'delete', name: c.metadata.name, uid: c.metadata.uid });
  }
  for (const [pool, slices] of have) {
    if (want.has(pool)) continue;
    for (const c of slices) writes.push({ kind: 'delete', name: c.metadata.name, uid: c.metadata.uid });
  }
  return writes;
}
