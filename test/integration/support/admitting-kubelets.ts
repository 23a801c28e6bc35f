// The kubelet's side of device-plugin scheduling, for several DevicePluginNodes at once: every
// `statusPeriodMs` (the kubelet's nodeStatusUpdateFrequency, 10 s by default) each Node's
// akri.sh/* capacity and allocatable are written from what its plugins report to its kubelet
// stand-in; and every pod the scheduler binds to a node is admitted through that node's
// stand-in (GetPreferredAllocation + Allocate), then marked Running, or Failed with reason
// UnexpectedAdmissionError as the kubelet marks a pod whose Allocate failed.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { kubeRequest } from '../../../lib/kube/raw-request.ts';
import type { DevicePluginNode } from './device-plugin-node.ts';

export class AdmittingKubelets {
  /** Pods that failed admission: `<pod> on <node>: <message>`. */
  readonly failedAdmissions: string[] = [];
  readonly admitted: string[] = [];
  private readonly seen = new Set<string>();
  private readonly lastStatus = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    private readonly nodes: DevicePluginNode[],
    private readonly statusPeriodMs = 10_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), 200);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Writes every node's status now (as after a status period). */
  async syncStatus(): Promise<void> {
    for (const n of this.nodes) await this.writeStatus(n);
  }

  private async writeStatus(n: DevicePluginNode): Promise<void> {
    const resources: Record<string, { capacity: string; allocatable: string }> = {};
    for (const [resource, c] of Object.entries(n.kubelet.capacity())) resources[resource] = { capacity: String(c.capacity), allocatable: String(c.allocatable) };
    await kubeRequest(this.kc, {
      method: 'PATCH',
      path: `/api/v1/nodes/${n.name}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          capacity: Object.fromEntries(Object.entries(resources).map(([r, v]) => [r, v.capacity])),
          allocatable: Object.fromEntries(Object.entries(resources).map(([r, v]) => [r, v.allocatable])),
        },
      },
    });
    this.lastStatus.set(n.name, Date.now());
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      for (const n of this.nodes) if (Date.now() - (this.lastStatus.get(n.name) ?? 0) >= this.statusPeriodMs) await this.writeStatus(n);
      const pods = await kubeRequest<{ items: V1Pod[] }>(this.kc, { method: 'GET', path: `/api/v1/namespaces/${this.namespace}/pods` });
      for (const pod of pods.items) {
        const uid = pod.metadata?.uid ?? '';
        const node = this.nodes.find((n) => n.name === pod.spec?.nodeName);
        if (!node || this.seen.has(uid) || pod.metadata?.deletionTimestamp) continue;
        this.seen.add(uid);
        const containers = (pod.spec?.containers ?? []).map((c) => ({
          name: c.name,
          requests: Object.fromEntries(Object.entries((c.resources?.limits ?? {}) as Record<string, string>).filter(([r]) => r.startsWith('akri.sh/')).map(([r, v]) => [r, Number(v)])),
        }));
        const result = await node.kubelet.admitPod({ uid, name: pod.metadata?.name ?? '', namespace: this.namespace, containers });
        const name = pod.metadata?.name ?? '';
        const status = result.admitted
          ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }
          : { phase: 'Failed', reason: result.reason, message: result.message };
        if (result.admitted) this.admitted.push(`${name} on ${node.name}`);
        else this.failedAdmissions.push(`${name} on ${node.name}: ${result.message}`);
        await kubeRequest(this.kc, { method: 'PATCH', path: `/api/v1/namespaces/${this.namespace}/pods/${name}/status`, contentType: 'application/merge-patch+json', body: { status } });
      }
    } catch {
      // the next tick tries again
    } finally {
      this.busy = false;
    }
  }
}
