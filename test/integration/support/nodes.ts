// Node objects for tests that have no kubelet: a registered, Ready node with some capacity,
// whose status the test then owns (as a kubelet would).
import type { KubeConfig, V1Node } from '@kubernetes/client-node';
import { kubeRequest } from '../../../lib/kube/raw-request.ts';

export async function registerReadyNode(kc: KubeConfig, name: string, labels: Record<string, string> = {}): Promise<V1Node> {
  await kubeRequest(kc, {
    method: 'POST',
    path: '/api/v1/nodes',
    body: { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } } },
  });
  return setNodeReady(kc, name, true);
}

export function setNodeReady(kc: KubeConfig, name: string, ready: boolean): Promise<V1Node> {
  const now = new Date().toISOString();
  return kubeRequest<V1Node>(kc, {
    method: 'PATCH',
    path: `/api/v1/nodes/${name}/status`,
    contentType: 'application/strategic-merge-patch+json',
    body: {
      status: {
        capacity: { cpu: '2', memory: '4Gi', pods: '110' },
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        conditions: [
          {
            type: 'Ready',
            status: ready ? 'True' : 'False',
            reason: ready ? 'KubeletReady' : 'KubeletNotReady',
            message: 'set by the test, acting as kubelet',
            lastHeartbeatTime: now,
            lastTransitionTime: now,
          },
        ],
      },
    },
  });
}

export async function deleteNode(kc: KubeConfig, name: string): Promise<void> {
  await kubeRequest(kc, { method: 'DELETE', path: `/api/v1/nodes/${name}` }).catch(() => undefined);
}
