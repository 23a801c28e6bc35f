// Reads which device ids the kubelet has given to running pods, from its pod-resources API
// (v1 PodResourcesLister.List on <kubelet-dir>/pod-resources/kubelet.sock): the only source
// that knows whether a slot is still in use.
import { credentials } from '@grpc/grpc-js';
import { podResourcesProto } from '../../lib/proto/load.ts';
import type { PodResourcesListerClient } from '../../lib/proto/generated/v1/PodResourcesLister.ts';
import type { ListPodResourcesResponse__Output } from '../../lib/proto/generated/v1/ListPodResourcesResponse.ts';

export class PodResourcesClient {
  private client: PodResourcesListerClient | undefined;

  constructor(
    private readonly socketPath: string,
    private readonly timeoutMs = 2000,
  ) {}

  /** resource name -> device ids in use; only akri.sh resources are kept. */
  async inUse(): Promise<Map<string, Set<string>>> {
    const Lister = podResourcesProto().PodResourcesLister;
    this.client ??= new Lister(`unix://${this.socketPath}`, credentials.createInsecure()) as PodResourcesListerClient;
    const client = this.client;
    const res = await new Promise<ListPodResourcesResponse__Output>((resolve, reject) =>
      client.List({}, { deadline: new Date(Date.now() + this.timeoutMs) }, (err, r) => (err || !r ? reject(err ?? new Error('empty List response')) : resolve(r))),
    );
    const out = new Map<string, Set<string>>();
    for (const pod of res.podResources) {
      for (const c of pod.containers) {
        for (const d of c.devices) {
          if (!d.resourceName.startsWith('akri.sh/')) continue;
          const set = out.get(d.resourceName) ?? new Set<string>();
          for (const id of d.deviceIds) set.add(id);
          out.set(d.resourceName, set);
        }
      }
    }
    return out;
  }

  close(): void {
    this.client?.close();
    this.client = undefined;
  }
}
