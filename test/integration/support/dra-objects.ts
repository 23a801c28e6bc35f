// DRA objects as a user writes and reads them in tests: ResourceClaimTemplates and pods that use
// them, and what the scheduler and our writers made of them (claims, slices, classes).
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import { DEVICE_CLASSES_PATH, RESOURCE_API, RESOURCE_SLICES_PATH, type DeviceClass, type ResourceClaim, type ResourceClaimTemplate, type ResourceSlice } from '../../../lib/dra/resource-api.ts';
import { kubeRequest } from '../../../lib/kube/raw-request.ts';

interface List<T> {
  items: T[];
}

/** A template asking for one device of `deviceClass`, optionally narrowed by a CEL expression. */
export async function createClaimTemplate(kc: KubeConfig, namespace: string, name: string, deviceClass: string, cel?: string): Promise<void> {
  const template: ResourceClaimTemplate = {
    apiVersion: RESOURCE_API,
    kind: 'ResourceClaimTemplate',
    metadata: { name, namespace },
    spec: { spec: { devices: { requests: [{ name: 'device', exactly: { deviceClassName: deviceClass, ...(cel ? { selectors: [{ cel: { expression: cel } }] } : {}) } }] } } },
  };
  await kubeRequest(kc, { method: 'POST', path: `/apis/${RESOURCE_API}/namespaces/${namespace}/resourceclaimtemplates`, body: template });
}

/** A pod whose one container uses a claim made from `template`; `node` pins it to one node. */
export async function createClaimingPod(kc: KubeConfig, namespace: string, name: string, template: string, labels: Record<string, string> = {}, node?: string): Promise<V1Pod> {
  return kubeRequest<V1Pod>(kc, {
    method: 'POST',
    path: `/api/v1/namespaces/${namespace}/pods`,
    body: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, labels },
      spec: {
        containers: [{ name: 'app', image: 'docker.io/library/busybox:test', resources: { claims: [{ name: 'dev' }] } }],
        resourceClaims: [{ name: 'dev', resourceClaimTemplateName: template }],
        ...(node
          ? { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } } }
          : {}),
      },
    },
  });
}

export async function listPods(kc: KubeConfig, namespace: string, selector: string): Promise<V1Pod[]> {
  return (await kubeRequest<List<V1Pod>>(kc, { method: 'GET', path: `/api/v1/namespaces/${namespace}/pods`, query: { labelSelector: selector } })).items;
}

export async function listClaims(kc: KubeConfig, namespace: string): Promise<ResourceClaim[]> {
  return (await kubeRequest<List<ResourceClaim>>(kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${namespace}/resourceclaims` })).items;
}

export async function listTemplates(kc: KubeConfig, namespace: string): Promise<ResourceClaimTemplate[]> {
  return (await kubeRequest<List<ResourceClaimTemplate>>(kc, { method: 'GET', path: `/apis/${RESOURCE_API}/namespaces/${namespace}/resourceclaimtemplates` })).items;
}

export async function listSlices(kc: KubeConfig, labelSelector?: string): Promise<ResourceSlice[]> {
  return (await kubeRequest<List<ResourceSlice>>(kc, { method: 'GET', path: RESOURCE_SLICES_PATH, query: labelSelector ? { labelSelector } : {} })).items;
}

export async function getDeviceClass(kc: KubeConfig, name: string): Promise<DeviceClass | undefined> {
  return kubeRequest<DeviceClass>(kc, { method: 'GET', path: `${DEVICE_CLASSES_PATH}/${name}` }).catch(() => undefined);
}

/** The scheduler's verdict on a pod: where it went, or why it is still waiting. */
export function schedulingOf(pod: V1Pod): { node?: string; reason?: string; message?: string } {
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
  return { node: pod.spec?.nodeName, reason: cond?.status === 'False' ? cond.reason : undefined, message: cond?.status === 'False' ? cond.message : undefined };
}

/** The allocated (pool, device) of the claim a pod got from its template. */
export function allocationOf(claims: readonly ResourceClaim[], pod: V1Pod): { pool: string; device: string } | undefined {
  const claimName = pod.status?.resourceClaimStatuses?.[0]?.resourceClaimName;
  const claim = claims.find((c) => c.metadata.name === claimName);
  const r = claim?.status?.allocation?.devices?.results?.[0];
  return r ? { pool: r.pool, device: r.device } : undefined;
}
