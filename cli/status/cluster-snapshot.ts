// What `akri-ts status` and the `npm start` view show: the Configurations, Instances and
// broker Pods in a cluster, reduced to the rows a user reads; for DRA Configurations also their
// ResourceSlices and the ResourceClaims on their devices. Reading is the thin shell here;
// summarise() is the pure part the table and the JSON output share.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { deviceAllocationOf, type Configuration, type DeviceAllocationMode } from '../../lib/crd/configuration.ts';
import { DRA_DRIVER, MANAGED_BY, MANAGED_BY_LABEL } from '../../lib/dra/driver.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import { RESOURCE_API, RESOURCE_SLICES_PATH, type ResourceClaim, type ResourceSlice } from '../../lib/dra/resource-api.ts';
import { kubeRequest } from '../../lib/kube/raw-request.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { AKRI_GROUP, AKRI_VERSION, CONFIGURATION_PLURAL, INSTANCE_PLURAL } from '../../lib/crd/group.ts';
import { CONFIGURATION_LABEL, INSTANCE_LABEL } from '../../controller/broker-names.ts';

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

export interface InstanceRow {
  namespace: string;
  name: string;
  configuration: string;
  shared: boolean;
  nodes: string[];
  slotsUsed: number;
  slots: number;
  brokers: string[];
}

export interface BrokerRow {
  namespace: string;
  name: string;
  instance: string;
  node: string;
  phase: string;
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
  configurations: ConfigurationRow[];
  instances: InstanceRow[];
  brokers: BrokerRow[];
  /** Only when some Configuration is in DRA mode. */
  slices?: SliceRow[];
  claims?: ClaimRow[];
}

export interface DraObjects {
  slices: ResourceSlice[];
  claims: ResourceClaim[];
}

interface Listed<T> {
  items: T[];
}

export async function readSnapshot(kc: KubeConfig): Promise<ClusterSnapshot> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const core = kc.makeApiClient(CoreV1Api);
  const [configurations, instances, pods] = await Promise.all([
    custom.listClusterCustomObject({ group: AKRI_GROUP, version: AKRI_VERSION, plural: CONFIGURATION_PLURAL }) as Promise<Listed<Configuration>>,
    custom.listClusterCustomObject({ group: AKRI_GROUP, version: AKRI_VERSION, plural: INSTANCE_PLURAL }) as Promise<Listed<Instance>>,
    core.listPodForAllNamespaces({ labelSelector: CONFIGURATION_LABEL }),
  ]);
  const dra = configurations.items.some((c) => deviceAllocationOf(c.spec) === 'DRA') ? await readDra(kc) : undefined;
  return summarise(configurations.items, instances.items, pods.items, dra);
}

/** Our ResourceSlices and every ResourceClaim; none where the cluster has no resource.k8s.io/v1. */
async function readDra(kc: KubeConfig): Promise<DraObjects> {
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

const byName = <T extends { namespace: string; name: string }>(a: T, b: T) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

export function summarise(configurations: Configuration[], instances: Instance[], pods: V1Pod[], dra?: DraObjects): ClusterSnapshot {
  const draKeys = new Set(configurations.filter((c) => deviceAllocationOf(c.spec) === 'DRA').map((c) => `${c.metadata.namespace}/${c.metadata.name}`));
  const draClasses = new Set(configurations.filter((c) => deviceAllocationOf(c.spec) === 'DRA').map((c) => c.metadata.name ?? ''));
  const ours = (dra?.claims ?? []).filter((c) => {
    const results = c.status?.allocation?.devices?.results ?? [];
    if (results.length) return results.some((r) => r.driver === DRA_DRIVER);
    return c.spec.devices.requests.some((r) => draClasses.has(r.exactly?.deviceClassName ?? ''));
  });
  const claimRows: ClaimRow[] = ours
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
  /** Devices allocated per pool: a DRA Instance's slots in use. */
  const allocatedInPool = new Map<string, number>();
  for (const c of claimRows) for (const d of c.devices) {
    const pool = d.slice(0, d.lastIndexOf('/'));
    allocatedInPool.set(pool, (allocatedInPool.get(pool) ?? 0) + 1);
  }
  const brokers: BrokerRow[] = pods
    .filter((p) => p.metadata?.deletionTimestamp === undefined)
    .map((p) => ({
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '',
      instance: p.metadata?.labels?.[INSTANCE_LABEL] ?? '',
      node: p.spec?.nodeName ?? '',
      phase: p.status?.phase ?? 'Pending',
    }))
    .sort(byName);
  const instanceRows: InstanceRow[] = instances
    .map((i) => {
      const usage = Object.values(i.spec.deviceUsage ?? {});
      const ns = i.metadata.namespace ?? '';
      const name = i.metadata.name ?? '';
      if (draKeys.has(`${ns}/${i.spec.configurationName}`)) {
        return {
          namespace: ns,
          name,
          configuration: i.spec.configurationName,
          shared: i.spec.shared ?? false,
          nodes: [...(i.spec.nodes ?? [])].sort(),
          slotsUsed: allocatedInPool.get(poolName({ namespace: ns, name })) ?? 0,
          slots: i.spec.capacity,
          brokers: brokers.filter((b) => b.instance === name && b.namespace === ns).map((b) => b.name),
        };
      }
      return {
        namespace: i.metadata.namespace ?? '',
        name: i.metadata.name ?? '',
        configuration: i.spec.configurationName,
        shared: i.spec.shared ?? false,
        nodes: [...(i.spec.nodes ?? [])].sort(),
        slotsUsed: usage.filter((owner) => owner !== '').length,
        slots: usage.length || i.spec.capacity,
        brokers: brokers.filter((b) => b.instance === i.metadata.name && b.namespace === i.metadata.namespace).map((b) => b.name),
      };
    })
    .sort(byName);
  const configurationRows: ConfigurationRow[] = configurations
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
  if (draKeys.size === 0) return { configurations: configurationRows, instances: instanceRows, brokers };
  const slices: SliceRow[] = (dra?.slices ?? [])
    .map((s) => ({ name: s.metadata.name, pool: s.spec.pool.name, nodes: sliceNodes(s), devices: s.spec.devices.length, generation: s.spec.pool.generation }))
    .sort((a, b) => a.name.localeCompare(b.name));
  return { configurations: configurationRows, instances: instanceRows, brokers, slices, claims: claimRows };
}
