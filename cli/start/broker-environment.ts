// What each Running demo broker says about its device: the broker image (node/node-images.ts)
// prints its environment between two marker lines when it starts, and the agent's Allocate put
// the device's properties there (Akri's broker environment: each Instance brokerProperties entry,
// plain and suffixed `_<HASH>`). The view shows those variables as the container printed them,
// so a property that never reached the container shows as missing. Parsing and the rows are pure;
// BrokerEnvironmentReader reads each container's log once, through the API server.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { Instance } from '../../lib/crd/instance.ts';
import { AKRI_GROUP, AKRI_VERSION, INSTANCE_PLURAL } from '../../lib/crd/group.ts';
import { CONFIGURATION_LABEL, INSTANCE_LABEL } from '../../controller/broker-names.ts';
import { table } from '../status/status-table.ts';
import { BROKER_ENV_BEGIN, BROKER_ENV_END } from './node/node-images.ts';

/** The variables between the markers, or undefined while the end marker has not been printed. */
export function parseBrokerEnvironment(log: string): Record<string, string> | undefined {
  const lines = log.split('\n');
  const begin = lines.indexOf(BROKER_ENV_BEGIN);
  const end = lines.indexOf(BROKER_ENV_END, begin + 1);
  if (begin < 0 || end < 0) return undefined;
  const env: Record<string, string> = {};
  for (const line of lines.slice(begin + 1, end)) {
    // A value with a newline continues on the next line; only NAME=value lines start a variable.
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] !== undefined) env[m[1]] = m[2] ?? '';
  }
  return env;
}

export interface BrokerEnvironment {
  namespace: string;
  pod: string;
  /** The Instance's brokerProperties: what the agent should have put in the environment. */
  expected: Readonly<Record<string, string>>;
  /** What the container printed; undefined until its log has it. */
  printed: Readonly<Record<string, string>> | undefined;
}

export interface BrokerEnvironmentRow {
  namespace: string;
  pod: string;
  variable: string;
  /** As printed, with the suffixed copies named; or why there is no value. */
  value: string;
}

/** The suffixed copies of `name` in `env` that carry the same value (`_BD59F7`). */
function suffixedCopies(env: Readonly<Record<string, string>>, name: string): string[] {
  return Object.keys(env)
    .filter((k) => k.startsWith(`${name}_`) && /^[0-9A-F]{6}$/.test(k.slice(name.length + 1)) && env[k] === env[name])
    .map((k) => k.slice(name.length))
    .sort();
}

export function brokerEnvironmentRows(brokers: readonly BrokerEnvironment[]): BrokerEnvironmentRow[] {
  const rows: BrokerEnvironmentRow[] = [];
  const sorted = [...brokers].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.pod.localeCompare(b.pod));
  for (const b of sorted) {
    const names = Object.keys(b.expected).sort();
    if (!b.printed) {
      rows.push({ namespace: b.namespace, pod: b.pod, variable: '-', value: '(its log has no environment yet)' });
      continue;
    }
    if (names.length === 0) rows.push({ namespace: b.namespace, pod: b.pod, variable: '-', value: '(its Instance has no properties)' });
    for (const name of names) {
      const value = b.printed[name];
      const copies = value === undefined ? [] : suffixedCopies(b.printed, name);
      rows.push({
        namespace: b.namespace,
        pod: b.pod,
        variable: name,
        value: value === undefined ? '(not in its environment)' : `${value}${copies.length ? `  (also as ${copies.join(', ')})` : ''}`,
      });
    }
  }
  return rows;
}

export function formatBrokerEnvironment(brokers: readonly BrokerEnvironment[]): string {
  const title = 'BROKER ENVIRONMENT (printed by each Running broker: its device, as the agent passed it)';
  if (brokers.length === 0) return `${title}\n(no broker Running yet)\n`;
  const rows = brokerEnvironmentRows(brokers);
  return `${[title, ...table(['NAMESPACE', 'POD', 'VARIABLE', 'VALUE'], rows.map((r) => [r.namespace, r.pod, r.variable, r.value]))].join('\n')}\n`;
}

interface Listed<T> {
  items: T[];
}

/** The running container of a broker pod whose environment is worth reading (its first container's). */
function runningContainer(pod: V1Pod): { name: string; id: string } | undefined {
  if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) return undefined;
  const status = pod.status.containerStatuses?.[0];
  if (!status?.state?.running || !status.containerID) return undefined;
  return { name: status.name, id: status.containerID };
}

export class BrokerEnvironmentReader {
  /** By container ID: a container prints its environment once, at its start. */
  private readonly printed = new Map<string, Record<string, string>>();
  private readonly core: CoreV1Api;
  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  async read(): Promise<BrokerEnvironment[]> {
    const [pods, instances] = await Promise.all([
      this.core.listPodForAllNamespaces({ labelSelector: CONFIGURATION_LABEL }),
      this.custom.listClusterCustomObject({ group: AKRI_GROUP, version: AKRI_VERSION, plural: INSTANCE_PLURAL }) as Promise<Listed<Instance>>,
    ]);
    const properties = new Map(instances.items.map((i) => [`${i.metadata.namespace ?? ''}/${i.metadata.name ?? ''}`, i.spec.brokerProperties ?? {}]));
    const running = pods.items.flatMap((pod) => {
      const container = runningContainer(pod);
      return container ? [{ pod, container }] : [];
    });
    const live = new Set(running.map((r) => r.container.id));
    for (const id of this.printed.keys()) if (!live.has(id)) this.printed.delete(id);
    await Promise.all(
      running
        .filter(({ container }) => !this.printed.has(container.id))
        .map(async ({ pod, container }) => {
          const log = await this.core
            .readNamespacedPodLog({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', container: container.name, limitBytes: 65536 })
            .catch(() => '');
          const env = parseBrokerEnvironment(String(log));
          if (env) this.printed.set(container.id, env);
        }),
    );
    return running.map(({ pod, container }) => {
      const namespace = pod.metadata?.namespace ?? '';
      return {
        namespace,
        pod: pod.metadata?.name ?? '',
        expected: properties.get(`${namespace}/${pod.metadata?.labels?.[INSTANCE_LABEL] ?? ''}`) ?? {},
        printed: this.printed.get(container.id),
      };
    });
  }
}
