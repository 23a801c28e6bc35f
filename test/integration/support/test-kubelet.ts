// Stands in for the kubelets of registered test nodes: keeps their Ready heartbeat fresh (so
// the node lifecycle controller does not mark them Unknown), advertises akri.sh device-plugin
// resources, marks pods bound to them Running, and finishes the deletion of their pods the
// way a kubelet confirms a graceful termination. A node taken "down" gets none of this.
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { kubeRequest } from '../../../lib/kube/raw-request.ts';
import { deleteNode, registerReadyNode, setNodeReady } from './nodes.ts';

interface PodList {
  items: V1Pod[];
}

export class TestKubelet {
  private readonly down = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private lastHeartbeat = 0;
  private busy = false;
  private podIp = 10;
  private readonly ipOf = new Map<string, string>();
  /** When false, pods stay Pending until runPod() is called. */
  autoRun = true;

  constructor(
    private readonly kc: KubeConfig,
    private readonly namespace: string,
    readonly nodes: string[],
  ) {}

  async register(labels: Record<string, string> = {}): Promise<void> {
    for (const n of this.nodes) await registerReadyNode(this.kc, n, labels);
    this.timer = setInterval(() => void this.tick(), 500);
  }

  async advertise(resources: Record<string, string>): Promise<void> {
    for (const n of this.nodes) {
      await kubeRequest(this.kc, {
        method: 'PATCH',
        path: `/api/v1/nodes/${n}/status`,
        contentType: 'application/merge-patch+json',
        body: { status: { capacity: resources, allocatable: resources } },
      });
    }
  }

  async takeDown(node: string): Promise<void> {
    this.down.add(node);
    await setNodeReady(this.kc, node, false);
  }

  async runPod(pod: V1Pod): Promise<void> {
    // One address per pod, however often it is run (a tick may race a test's own runPod), and two
    // octets, so that a long test file never runs out of valid addresses.
    const uid = pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    let ip = this.ipOf.get(uid);
    if (ip === undefined) {
      const n = this.podIp++;
      ip = `10.244.${Math.floor(n / 250)}.${(n % 250) + 1}`;
      this.ipOf.set(uid, ip);
    }
    const now = new Date().toISOString();
    await kubeRequest(this.kc, {
      method: 'PATCH',
      path: `/api/v1/namespaces/${pod.metadata?.namespace}/pods/${pod.metadata?.name}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          phase: 'Running',
          podIP: ip,
          podIPs: [{ ip }],
          hostIP: '127.0.0.1',
          startTime: now,
          conditions: [
            { type: 'Ready', status: 'True', lastTransitionTime: now },
            { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
            { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          ],
        },
      },
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const n of this.nodes) await deleteNode(this.kc, n);
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (Date.now() - this.lastHeartbeat > 10_000) {
        this.lastHeartbeat = Date.now();
        for (const n of this.nodes) if (!this.down.has(n)) await setNodeReady(this.kc, n, true);
      }
      const pods = await kubeRequest<PodList>(this.kc, { method: 'GET', path: `/api/v1/namespaces/${this.namespace}/pods` });
      for (const pod of pods.items) {
        const node = pod.spec?.nodeName;
        if (!node || !this.nodes.includes(node) || this.down.has(node)) continue;
        if (pod.metadata?.deletionTimestamp) {
          await kubeRequest(this.kc, {
            method: 'DELETE',
            path: `/api/v1/namespaces/${this.namespace}/pods/${pod.metadata.name}`,
            body: { gracePeriodSeconds: 0 },
          }).catch(() => undefined);
        } else if (this.autoRun && pod.status?.phase === 'Pending') {
          await this.runPod(pod).catch(() => undefined);
        }
      }
    } catch {
      // the next tick tries again
    } finally {
      this.busy = false;
    }
  }
}
