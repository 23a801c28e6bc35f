// Installs (or updates) the akri.sh CRDs with server-side apply and waits until the API server
// serves them. Used by the test control plane and `npm start`; Helm installs the same YAML.
import type { KubeConfig, V1CustomResourceDefinition } from '@kubernetes/client-node';
import { allCrds } from '../crd/definitions.ts';
import { kubeRequest, serverSideApply } from './raw-request.ts';
import { sleep } from '../time/sleep.ts';

export const CRD_FIELD_MANAGER = 'akri-ts-crd-installer';

export async function installCrds(kc: KubeConfig, crds: V1CustomResourceDefinition[] = allCrds(), timeoutMs = 30_000): Promise<void> {
  const base = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
  for (const crd of crds) {
    await serverSideApply(kc, `${base}/${crd.metadata?.name ?? ''}`, crd, CRD_FIELD_MANAGER, true);
  }
  const deadline = Date.now() + timeoutMs;
  for (const crd of crds) {
    const name = crd.metadata?.name ?? '';
    for (;;) {
      const current = await kubeRequest<V1CustomResourceDefinition>(kc, { method: 'GET', path: `${base}/${name}` });
      if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} was not Established within ${timeoutMs} ms`);
      await sleep(100);
    }
  }
}
