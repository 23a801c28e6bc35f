// The soak's users: pods that ask for devices, created and deleted through the fault phase. A
// pod asks for one Instance's resource (the camera, or a node's local debugEcho device) or for
// a Configuration's (the OPC UA server or the Modbus unit, through akri.sh/<configuration>);
// the scheduler places it where the resource is allocatable and that node's kubelet admits it.
// At most one user pod per device, so brokers keep their slots (capacity 3: two brokers and one
// user on a shared device; 2 on a local one). The choices come from the seed's own stream.
import type { V1Pod } from '@kubernetes/client-node';
import { kubeRequest, type KubeEndpoint } from '../../lib/kube/raw-request.ts';
import { pick, seededRandom, type Random } from '../hostile/support/seeded-random.ts';
import { BROKER_IMAGE, SOAK_NAMESPACE, USER_POD_LABEL, type DeviceKey, type NodeId } from './site-plan.ts';

const TARGET_LABEL = 'soak.akri-ts/device';
const MAX_USER_PODS = 3;

export interface UserTarget {
  /** The device's key: one user pod per device. */
  device: string;
  resource: string;
  /** A local device's node: its pod can only go there. */
  node?: NodeId;
}

/** What users may ask for: an Instance resource for the camera and the local devices, a Configuration resource for the others. */
export function userTargets(devices: ReadonlyMap<string, DeviceKey>): UserTarget[] {
  const out: UserTarget[] = [];
  for (const [instance, d] of devices) {
    if (d.echo) out.push({ device: d.key, resource: `akri.sh/${instance}`, node: d.echo.node });
    else if (d.network?.id === 'cam') out.push({ device: d.key, resource: `akri.sh/${instance}` });
    else out.push({ device: d.key, resource: `akri.sh/${d.configuration}` });
  }
  return out.sort((a, b) => a.device.localeCompare(b.device));
}

export class UserWorkload {
  private readonly random: Random;
  private count = 0;
  readonly created: string[] = [];

  constructor(
    private readonly kc: KubeEndpoint,
    private readonly targets: UserTarget[],
    seed: number,
  ) {
    // Its own stream: the fault schedule does not shift when the workload draws more or less.
    this.random = seededRandom((seed ^ 0x5eed5eed) >>> 0);
  }

  private async userPods(): Promise<V1Pod[]> {
    const list = await kubeRequest<{ items: V1Pod[] }>(this.kc, {
      method: 'GET',
      path: `/api/v1/namespaces/${SOAK_NAMESPACE}/pods`,
      query: { labelSelector: USER_POD_LABEL },
      timeoutMs: 5000,
    });
    return list.items;
  }

  /** One step: failed pods are deleted, then a pod is created or deleted at random. */
  async step(): Promise<void> {
    const pods = await this.userPods();
    for (const p of pods.filter((x) => x.status?.phase === 'Failed' && !x.metadata?.deletionTimestamp)) await this.delete(p);
    const live = pods.filter((p) => p.status?.phase !== 'Failed' && !p.metadata?.deletionTimestamp);
    const create = this.random() < 0.55;
    if (create && live.length < MAX_USER_PODS) await this.create(live);
    else if (live.length > 0) await this.delete(pick(this.random, [...live].sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))));
  }

  /** Creates a pod for a device without one (on `node` if given); its name, or undefined when none is free. */
  async create(live?: V1Pod[], node?: NodeId): Promise<string | undefined> {
    const taken = new Set((live ?? (await this.userPods())).filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.labels?.[TARGET_LABEL]));
    const free = this.targets.filter((t) => !taken.has(label(t.device)) && (node === undefined || t.node === node));
    if (free.length === 0) return undefined;
    const target = pick(this.random, free);
    const name = `user-${++this.count}`;
    await kubeRequest(this.kc, {
      method: 'POST',
      path: `/api/v1/namespaces/${SOAK_NAMESPACE}/pods`,
      body: {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, labels: { [USER_POD_LABEL]: 'true', [TARGET_LABEL]: label(target.device) } },
        spec: { containers: [{ name: 'app', image: BROKER_IMAGE, resources: { limits: { [target.resource]: '1' } } }], terminationGracePeriodSeconds: 1 },
      },
      timeoutMs: 5000,
    });
    this.created.push(name);
    return name;
  }

  private async delete(pod: V1Pod): Promise<void> {
    await kubeRequest(this.kc, { method: 'DELETE', path: `/api/v1/namespaces/${SOAK_NAMESPACE}/pods/${pod.metadata?.name ?? ''}`, timeoutMs: 5000 }).catch(() => undefined);
  }
}

/** A device key as a label value ("echo-a@n1" is not one). */
function label(device: string): string {
  return device.replace('@', '.');
}
