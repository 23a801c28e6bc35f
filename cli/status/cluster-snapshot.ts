// What `akri-ts status` and the `npm start` view show: the Nodes, Configurations, Instances and
// broker Pods in a cluster, reduced to the rows a user reads, and the problems: nodes whose
// discovery is in a bad state, and the latest Warning Events on Configurations and Instances.
// Reading is the thin shell here; summarise() is the pure part the table, the JSON and the
// Graphviz picture share.
import { CoreV1Api, CustomObjectsApi, type CoreV1Event, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { Configuration } from '../../lib/crd/configuration.ts';
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

export interface ClusterSnapshot {
  nodes: NodeRow[];
  configurations: ConfigurationRow[];
  instances: InstanceRow[];
  brokers: BrokerRow[];
  discoveryProblems: DiscoveryProblemRow[];
  /** Warning Events on Configurations and Instances, latest first. */
  warnings: WarningRow[];
}

export interface ClusterObjects {
  configurations: Configuration[];
  instances: Instance[];
  pods: V1Pod[];
  nodes?: V1Node[];
  events?: CoreV1Event[];
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
  return summarise({ configurations: configurations.items, instances: instances.items, pods: pods.items, nodes: nodes.items, events: events.items });
}

const byName = <T extends { namespace: string; name: string }>(a: T, b: T) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/** client-node turns date-time fields into Dates; objects built by hand carry strings. */
function iso(value: Date | string | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'string' ? value : value.toISOString();
}

const AKRI_KINDS = new Set(['Configuration', 'Instance']);

export function summarise(o: ClusterObjects): ClusterSnapshot {
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
      return {
        namespace,
        name,
        configuration: i.spec.configurationName,
        shared: i.spec.shared ?? false,
        nodes: [...(i.spec.nodes ?? [])].sort(),
        slotsUsed: usage.filter((owner) => owner !== '').length,
        // Akri lists every slot in deviceUsage, free ones as ""; our agent writes only the taken ones.
        slots: Math.max(i.spec.capacity, usage.length),
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
  return { nodes, configurations: configurationRows, instances: instanceRows, brokers, discoveryProblems, warnings };
}
