// What `akri-ts status` and the `npm start` view show: the Configurations, Instances and
// broker Pods in a cluster, reduced to the rows a user reads. Reading is the thin shell here;
// summarise() is the pure part the table and the JSON output share.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Configuration } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { AKRI_GROUP, AKRI_VERSION, CONFIGURATION_PLURAL, INSTANCE_PLURAL } from '../../lib/crd/group.ts';
import { CONFIGURATION_LABEL, INSTANCE_LABEL } from '../../controller/broker-names.ts';

export interface ConfigurationRow {
  namespace: string;
  name: string;
  handler: string;
  capacity: number;
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

export interface ClusterSnapshot {
  configurations: ConfigurationRow[];
  instances: InstanceRow[];
  brokers: BrokerRow[];
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
  return summarise(configurations.items, instances.items, pods.items);
}

const byName = <T extends { namespace: string; name: string }>(a: T, b: T) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

export function summarise(configurations: Configuration[], instances: Instance[], pods: V1Pod[]): ClusterSnapshot {
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
      instances: instanceRows.filter((i) => i.configuration === c.metadata.name && i.namespace === c.metadata.namespace).length,
      nodes: (c.status?.nodes ?? []).map((n) => `${n.node}: ${n.state}${n.message && n.state !== 'Discovering' ? ` (${n.message})` : ''}`),
    }))
    .sort(byName);
  return { configurations: configurationRows, instances: instanceRows, brokers };
}
