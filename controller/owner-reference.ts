// The ownerReference Akri puts on everything it creates, so the garbage collector removes
// brokers and Services together with the Instance (or Configuration) they serve.
import type { V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';
import { AKRI_API_VERSION } from '../lib/crd/group.ts';

export function controllerOwner(kind: 'Instance' | 'Configuration', metadata: V1ObjectMeta): V1OwnerReference {
  return {
    apiVersion: AKRI_API_VERSION,
    kind,
    name: metadata.name ?? '',
    uid: metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
