// The decision for a Configuration's own Service (`<configuration>-svc`): present while any
// broker of the Configuration is Running, in step with the Configuration's service spec.
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { Configuration } from '../lib/crd/configuration.ts';
import { SPEC_HASH_ANNOTATION } from './broker-names.ts';
import { isServingBroker, type BrokerOperation } from './broker-plan.ts';
import { buildConfigurationService } from './broker-services.ts';

export function planConfigurationService(
  configuration: Configuration,
  pods: readonly V1Pod[],
  existing: V1Service | undefined,
): BrokerOperation[] {
  const desired = buildConfigurationService(configuration);
  if (desired && pods.some(isServingBroker)) {
    const same = existing?.metadata?.annotations?.[SPEC_HASH_ANNOTATION] === desired.metadata?.annotations?.[SPEC_HASH_ANNOTATION];
    return same ? [] : [{ kind: 'applyService', service: desired }];
  }
  if (existing && !existing.metadata?.deletionTimestamp) {
    return [{ kind: 'deleteService', name: existing.metadata?.name ?? '', reason: desired ? 'NoBroker' : 'NoBrokerSpec' }];
  }
  return [];
}
