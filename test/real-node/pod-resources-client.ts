// The kubelet's pod-resources API (v1, <kubelet root>/pod-resources/kubelet.sock): which
// container holds which device IDs of which resource, as the kubelet itself sees it.
import { credentials } from '@grpc/grpc-js';
import { podResourcesProto } from '../../lib/proto/load.ts';
import type { PodResources__Output } from '../../lib/proto/generated/v1/PodResources.ts';
import type { PodResourcesListerClient } from '../../lib/proto/generated/v1/PodResourcesLister.ts';

export async function listPodResources(socket: string, timeoutMs = 5000): Promise<PodResources__Output[]> {
  const Lister = podResourcesProto().PodResourcesLister;
  const client = new Lister(`unix://${socket}`, credentials.createInsecure()) as PodResourcesListerClient;
  try {
    return await new Promise((resolve, reject) =>
      client.List({}, { deadline: new Date(Date.now() + timeoutMs) }, (err, res) =>
        err || !res ? reject(new Error(`pod-resources List on ${socket} failed: ${err?.message ?? 'no response'}`)) : resolve(res.podResources),
      ),
    );
  } finally {
    client.close();
  }
}

/** Device IDs of `resource` held by any container, keyed by `<namespace>/<pod>`. */
export function devicesInUse(pods: readonly PodResources__Output[], resource: string): Map<string, string[]> {
  const held = new Map<string, string[]>();
  for (const pod of pods) {
    const ids = pod.containers.flatMap((c) => c.devices.filter((d) => d.resourceName === resource).flatMap((d) => d.deviceIds));
    if (ids.length) held.set(`${pod.namespace}/${pod.name}`, ids.sort());
  }
  return held;
}
