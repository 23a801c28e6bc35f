// Creates a Configuration, or replaces the one a previous run left, so `npm start` converges
// on the same demo whatever state the cluster was kept in.
import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Configuration } from '../../lib/crd/configuration.ts';
import { AKRI_GROUP, AKRI_VERSION, CONFIGURATION_PLURAL } from '../../lib/crd/group.ts';

export async function applyConfiguration(kc: KubeConfig, c: Configuration): Promise<void> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const at = { group: AKRI_GROUP, version: AKRI_VERSION, plural: CONFIGURATION_PLURAL, namespace: c.metadata.namespace ?? 'default' };
  try {
    await api.createNamespacedCustomObject({ ...at, body: c });
  } catch (err) {
    if ((err as { code?: number }).code !== 409) throw err;
    const name = c.metadata.name ?? '';
    const existing = (await api.getNamespacedCustomObject({ ...at, name })) as Configuration;
    await api.replaceNamespacedCustomObject({ ...at, name, body: { ...c, metadata: { ...c.metadata, resourceVersion: existing.metadata.resourceVersion } } });
  }
}
