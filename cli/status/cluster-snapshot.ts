// What `akri-ts status` and the `npm start` view show: the Nodes, Configurations, Instances and
// broker Pods in a cluster, reduced to the rows a user reads, and the problems: nodes whose
// discovery is in a bad state, and the latest Warning Events on Configurations and Instances;
// for DRA Configurations also their ResourceSlices and the ResourceClaims on their devices.
// Reading is the thin shell here; summarise() is the pure part the table, the JSON and the
// Graphviz picture share.
import { CoreV1Api, CustomObjectsApi, type CoreV1Event, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { deviceAllocationOf, type Configuration, type DeviceAllocationMode } from '../../lib/crd/configuration.ts';
import { DRA_DRIVER, MANAGED_BY, MANAGED_BY_LABEL } from '../../lib/dra/driver.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import { RESOURCE_API, RESOURCE_SLICES_PATH, type ResourceClaim, type ResourceSlice } from '../../lib/dra/resource-api.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { AKRI_GROUP, AKRI_VERSION, CONFIGURATION_PLURAL, INSTANCE_PLURAL } from '../../lib/crd/group.ts';
import { CONFIGURATION_LABEL, INSTANCE_LABEL, TARGET_NODE_LABEL } from '../../controller/broker-names.ts';

export interface NodeRow {
  name: string;
  /** The Node's Ready condition is True. */
  ready: boolean;
}

export interface ConfigurationRow {
  namespace: string;
  name: string;
  handler: string;
  capacity: number;
  /** DevicePlugin (Akri's way) or DRA. */
  allocation: DeviceAllocationMode;
  instances: number;
  /** Per-node discovery state the agents report, e.g. "vm: Discovering". */
  nodes: string[];
}

export interface GraceRow {
  node: string;
  /** When that node leaves the Instance unless the device comes back (ISO time). */
  leaveAt: string;
}

export interface InstanceRow {
  namespace: string;
  name: string;
  configuration: string;
  shared: boolean;
  nodes: string[];
  slotsUsed: number;
  slots: number;
  brokers: string[];
  /** Nodes that no longer see the device and keep the Instance for their grace period. */
  inGrace: GraceRow[];
}

export interface BrokerRow {
  namespace: string;
  name: string;
  instance: string;
  /** The node it is bound to, else the node the controller meant it for. */
  node: string;
  phase: string;
}

/** A node whose discovery for a Configuration is not working. */
export interface DiscoveryProblemRow {
  namespace: string;
  configuration: string;
  node: string;
  state: string;
  message: string;
}

export interface WarningRow {
  namespace: string;
  kind: string;
  name: string;
  reason: string;
  message: string;
  count: number;
  /** ISO time the Warning was last seen. */
  lastSeen: string;
}

/** A ResourceSlice of ours: one per Instance of a DRA Configuration (more when capacity > 128). */
export interface SliceRow {
  name: string;
  pool: string;
  /** The node of a local device, or the nodes a shared one's selector names. */
  nodes: string[];
  devices: number;
  generation: number;
}

/** A ResourceClaim that holds (or asks for) devices of our driver. */
export interface ClaimRow {
  namespace: string;
  name: string;
  /** `<pool>/<device>` of each allocated device of ours; empty while unallocated. */
  devices: string[];
  /** The pods it is reserved for. */
  pods: string[];
  state: 'allocated' | 'pending';
}

export interface ClusterSnapshot {
  nodes: NodeRow[];
  configurations: ConfigurationRow[];
  instances: InstanceRow[];
  brokers: BrokerRow[];
  discoveryProblems: DiscoveryProblemRow[];
  /** Warning Events on Configurations and Instances, latest first. */
  warnings: WarningRow[];
  /** Only when some Configuration is in DRA mode. */
  slices?: SliceRow[];
  claims?: ClaimRow[];
}

export interface ClusterObjects {
  configurations: Configuration[];
  instances: Instance[];
  pods: V1Pod[];
  nodes?: V1Node[];
  events?: CoreV1Event[];
  /** Our ResourceSlices and the cluster's ResourceClaims (read when a Configuration uses DRA). */
  slices?: ResourceSlice[];
  claims?: ResourceClaim[];
}

interface Listed<T> {
  items: T[];
}

export async function readSnapshot(kc: KubeConfig): Promise<ClusterSnapshot> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const [configurations, instances, pods, nodes, events] = await Promise.all([
    custom.listClusterCustomObject({ group: AKRI_GROUP, version: AKRI_VERSION, plural: CONFIGURATION_PLURAL }) as Promise<Listed<Configuration>>,
    custom.listClusterCustomObject({ group: AKRI_GROUP, version: AKRI_VERSION, plural: INSTANCE_PLURAL }) as Promise<Listed<Instance>>,
    core.listPodForAllNamespaces({ labelSelector: CONFIGURATION_LABEL }),
    core.listNode(),
    core.listEventForAllNamespaces({ fieldSelector: 'type=Warning' }),
  ]);
  const dra = configurations.items.some((c) => deviceAllocationOf(c.spec) === 'DRA') ? await readDra(kc) : {};
  return summarise({ configurations: configurations.items, instances: instances.items, pods: pods.items, nodes: nodes.items, events: events.items, ...dra });
}

/** Our ResourceSlices and every ResourceClaim; none where the cluster has no resource.k8s.io/v1. */
async function readDra(kc: KubeConfig): Promise<{ slices: ResourceSlice[]; claims: ResourceClaim[] }> {
  const list = <T>(path: string, query: Record<string, string> = {}) =>
    kubeRequest<Listed<T>>(kc, { method: 'GET', path, query }).then(
      (l) => l.items,
      () => [] as T[],
    );
  const [slices, claims] = await Promise.all([
    list<ResourceSlice>(RESOURCE_SLICES_PATH, { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY}` }),
    list<ResourceClaim>(`/apis/${RESOURCE_API}/resourceclaims`),
  ]);
  return { slices, claims };
}

function sliceNodes(s: ResourceSlice): string[] {
  if (s.spec.nodeName) return [s.spec.nodeName];
  return (s.spec.nodeSelector?.nodeSelectorTerms ?? []).flatMap((t) => (t.matchExpressions ?? []).flatMap((e) => e.values ?? []));
}

/** The claims on our devices (or asking a DRA Configuration's class), and allocated devices per pool. */
function draClaims(o: ClusterObjects, draClasses: Set<string>): { rows: ClaimRow[]; allocatedInPool: Map<string, number> } {
  const ours = (o.claims ?? []).filter((c) => {
    const results = c.status?.allocation?.devices?.results ?? [];
    if (results.length) return results.some((r) => r.driver === DRA_DRIVER);
    return c.spec.devices.requests.some((r) => draClasses.has(r.exactly?.deviceClassName ?? ''));
  });
  const rows: ClaimRow[] = ours
    .map((c) => {
      const devices = (c.status?.allocation?.devices?.results ?? []).filter((r) => r.driver === DRA_DRIVER).map((r) => `${r.pool}/${r.device}`);
      return {
        namespace: c.metadata.namespace ?? '',
        name: c.metadata.name ?? '',
        devices,
        pods: (c.status?.reservedFor ?? []).filter((r) => r.resource === 'pods').map((r) => r.name),
        state: devices.length ? ('allocated' as const) : ('pending' as const),
      };
    })
    .sort(byName);
  const allocatedInPool = new Map<string, number>();
  for (const c of ours) {
    for (const r of c.status?.allocation?.devices?.results ?? []) {
      if (r.driver === DRA_DRIVER) allocatedInPool.set(r.pool, (allocatedInPool.get(r.pool) ?? 0) + 1);
    }
  }
  return { rows, allocatedInPool };
}

const byName = <T extends { namespace: string; name: string }>(a: T, b: T) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/** client-node turns date-time fields into Dates; objects built by hand carry strings. */
function iso(value: Date | string | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.toISOString();
}

const AKRI_KINDS = new Set(['Configuration', 'Instance']);

export function summarise(o: ClusterObjects): ClusterSnapshot {
  const draConfigurations = o.configurations.filter((c) => deviceAllocationOf(c.spec) === 'DRA');
  const draKeys = new Set(draConfigurations.map((c) => `${c.metadata.namespace}/${c.metadata.name}`));
  const claims = draClaims(o, new Set(draConfigurations.map((c) => c.metadata.name ?? '')));
  const brokers: BrokerRow[] = o.pods
    .filter((p) => p.metadata?.deletionTimestamp === undefined)
    .map((p) => ({
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '',
      instance: p.metadata?.labels?.[INSTANCE_LABEL] ?? '',
      node: p.spec?.nodeName ?? p.metadata?.labels?.[TARGET_NODE_LABEL] ?? '',
      phase: p.status?.phase ?? 'Pending',
    }))
    .sort(byName);
  // Each node's entry on a Configuration lists the Instances it keeps only for the grace period.
  const graceOf = new Map<string, GraceRow[]>();
  for (const c of o.configurations) {
    for (const n of c.status?.nodes ?? []) {
      for (const g of n.instancesInGrace ?? []) {
        const key = `${c.metadata.namespace ?? ''}/${g.instance}`;
        graceOf.set(key, [...(graceOf.get(key) ?? []), { node: n.node, leaveAt: g.leaveAt }]);
      }
    }
  }
  const instanceRows: InstanceRow[] = o.instances
    .map((i) => {
      const usage = Object.values(i.spec.deviceUsage ?? {});
      const namespace = i.metadata.namespace ?? '';
      const name = i.metadata.name ?? '';
      // A DRA Instance's slots in use are the devices of its pool that claims hold.
      const dra = draKeys.has(`${namespace}/${i.spec.configurationName}`);
      return {
        namespace,
        name,
        configuration: i.spec.configurationName,
        shared: i.spec.shared ?? false,
        nodes: [...(i.spec.nodes ?? [])].sort(),
        slotsUsed: dra ? (claims.allocatedInPool.get(poolName({ namespace, name })) ?? 0) : usage.filter((owner) => owner !== '').length,
        slots: dra ? i.spec.capacity : usage.length || i.spec.capacity,
        brokers: brokers.filter((b) => b.instance === name && b.namespace === namespace).map((b) => b.name),
        inGrace: (graceOf.get(`${namespace}/${name}`) ?? []).sort((a, b) => a.node.localeCompare(b.node)),
      };
    })
    .sort(byName);
  const configurationRows: ConfigurationRow[] = o.configurations
    .map((c) => ({
      namespace: c.metadata.namespace ?? '',
      name: c.metadata.name ?? '',
      handler: c.spec.discoveryHandler.name,
      capacity: c.spec.capacity ?? 1,
      allocation: deviceAllocationOf(c.spec),
      instances: instanceRows.filter((i) => i.configuration === c.metadata.name && i.namespace === c.metadata.namespace).length,
      nodes: (c.status?.nodes ?? []).map((n) => `${n.node}: ${n.state}${n.message && n.state !== 'Discovering' ? ` (${n.message})` : ''}`),
    }))
    .sort(byName);
  const discoveryProblems: DiscoveryProblemRow[] = o.configurations
    .flatMap((c) =>
      (c.status?.nodes ?? [])
        .filter((n) => n.state !== 'Discovering')
        .map((n) => ({ namespace: c.metadata.namespace ?? '', configuration: c.metadata.name ?? '', node: n.node, state: n.state, message: n.message ?? '' })),
    )
    .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.configuration.localeCompare(b.configuration) || a.node.localeCompare(b.node));
  const warnings: WarningRow[] = (o.events ?? [])
    .filter((e) => e.type === 'Warning' && AKRI_KINDS.has(e.involvedObject.kind ?? '') && (e.involvedObject.apiVersion ?? '').startsWith(`${AKRI_GROUP}/`))
    .map((e) => ({
      namespace: e.involvedObject.namespace ?? e.metadata.namespace ?? '',
      kind: e.involvedObject.kind ?? '',
      name: e.involvedObject.name ?? '',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
      lastSeen: iso(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp),
    }))
    .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen) || byName(a, b));
  const nodes: NodeRow[] = (o.nodes ?? [])
    .map((n) => ({ name: n.metadata?.name ?? '', ready: (n.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True') }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const snapshot = { nodes, configurations: configurationRows, instances: instanceRows, brokers, discoveryProblems, warnings };
  if (draKeys.size === 0) return snapshot;
  const slices: SliceRow[] = (o.slices ?? [])
    .map((x) => ({ name: x.metadata.name, pool: x.spec.pool.name, nodes: sliceNodes(x), devices: x.spec.devices.length, generation: x.spec.pool.generation }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { ...snapshot, slices, claims: claims.rows };
}
