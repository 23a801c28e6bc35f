// Builds the two Services Akri offers: one per Instance (`<instance>-svc`) and one per
// Configuration (`<configuration>-svc`), from the user's service specs.
import type { V1Service, V1ServiceSpec } from '@kubernetes/client-node';
import type { Configuration } from '../lib/crd/configuration.ts';
import type { Instance } from '../lib/crd/instance.ts';
import {
  APP_LABEL,
  CONFIGURATION_LABEL,
  CONTROLLER_LABEL,
  CONTROLLER_LABEL_VALUE,
  INSTANCE_LABEL,
  SPEC_HASH_ANNOTATION,
  serviceName,
} from './broker-names.ts';
import { controllerOwner } from './owner-reference.ts';
import { specHash } from './spec-hash.ts';

function service(
  name: string,
  namespace: string | undefined,
  scopeLabel: Record<string, string>,
  userSpec: V1ServiceSpec,
  owner: ReturnType<typeof controllerOwner>,
): V1Service {
  const labels = { ...scopeLabel, [APP_LABEL]: name, [CONTROLLER_LABEL]: CONTROLLER_LABEL_VALUE };
  // Akri v0.13 selects on the user's selector plus controller=akri.sh only, so an Instance
  // Service would send traffic to every broker of every Instance. akri-ts also selects on the
  // instance (or configuration) label, as Akri ≤0.12 did, so endpoints are the right brokers.
  const spec: V1ServiceSpec = {
    ...structuredClone(userSpec),
    selector: { ...userSpec.selector, ...scopeLabel, [CONTROLLER_LABEL]: CONTROLLER_LABEL_VALUE },
  };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels,
      annotations: { [SPEC_HASH_ANNOTATION]: specHash({ labels, spec }) },
      ownerReferences: [owner],
    },
    spec,
  };
}

export function buildInstanceService(configuration: Configuration, instance: Instance): V1Service | undefined {
  const userSpec = configuration.spec.instanceServiceSpec;
  if (!userSpec) return undefined;
  const name = instance.metadata.name ?? '';
  return service(serviceName(name), instance.metadata.namespace, { [INSTANCE_LABEL]: name }, userSpec, controllerOwner('Instance', instance.metadata));
}

export function buildConfigurationService(configuration: Configuration): V1Service | undefined {
  const userSpec = configuration.spec.configurationServiceSpec;
  if (!userSpec) return undefined;
  const name = configuration.metadata.name ?? '';
  return service(
    serviceName(name),
    configuration.metadata.namespace,
    { [CONFIGURATION_LABEL]: name },
    userSpec,
    controllerOwner('Configuration', configuration.metadata),
  );
}
