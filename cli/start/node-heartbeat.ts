// Registers this machine as a Node and keeps it Ready. On a real node the kubelet does this;
// the local control plane has no kubelet, so without a heartbeat the node lifecycle controller
// would mark the node NotReady after ~40 s and the controller would treat its Instances as lost.
// The node lifecycle controller counts a changed Ready heartbeat in the status as a sign of
// life, so no kube-node-lease Lease is kept (client-node also cannot write its MicroTime).
// Pods scheduled here stay Pending all the same: nothing runs containers.
import { CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';

const HEARTBEAT_MS = 10_000;

export class NodeHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  private readonly core: CoreV1Api;

  constructor(
    kc: KubeConfig,
    readonly nodeName: string,
    private readonly onError: (message: string) => void,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async start(): Promise<void> {
    await this.register();
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch((err: Error) => this.onError(`node heartbeat: ${err.message}`)), HEARTBEAT_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async register(): Promise<void> {
    const node: V1Node = {
      metadata: { name: this.nodeName, labels: { 'kubernetes.io/hostname': this.nodeName, 'kubernetes.io/os': 'linux', 'akri-ts/local': 'true' } },
    };
    try {
      await this.core.createNode({ body: node });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }

  /**
   * A Node just created is also written by the controller manager (taints, its CIDR), so a status
   * written over a stale read may conflict: read again and retry.
   */
  private async beat(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.writeReady();
        return;
      } catch (err) {
        if ((err as { code?: number }).code !== 409 || attempt >= 5) throw err;
      }
    }
  }

  private async writeReady(): Promise<void> {
    const now = new Date();
    const node = await this.core.readNode({ name: this.nodeName });
    node.status = {
      ...node.status,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'AkriTsLocalHeartbeat',
          message: 'npm start keeps this node Ready; no kubelet runs here, so pods stay Pending',
          lastHeartbeatTime: now,
          lastTransitionTime: node.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime ?? now,
        },
      ],
      nodeInfo: node.status?.nodeInfo,
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    };
    await this.core.replaceNodeStatus({ name: this.nodeName, body: node });
  }
}
