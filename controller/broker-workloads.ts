// Builds broker Pods and Jobs from a Configuration's brokerSpec for one Instance, as Akri
// names and labels them, with a spec-hash annotation the rollout compares against.
import type { V1Job, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import { deviceAllocationOf, type Configuration } from '../lib/crd/configuration.ts';
import { brokerClaimTemplateName } from '../lib/dra/broker-claim.ts';
import type { Instance } from '../lib/crd/instance.ts';
import {
  APP_LABEL,
  CONFIGURATION_LABEL,
  CONTROLLER_LABEL,
  CONTROLLER_LABEL_VALUE,
  INSTANCE_LABEL,
  SPEC_HASH_ANNOTATION,
  TARGET_NODE_LABEL,
  brokerJobName,
  brokerPodName,
  instanceResourceName,
} from './broker-names.ts';
import { controllerOwner } from './owner-reference.ts';
import { claimForPlaceholder, pinToNode, substitutePlaceholder } from './pod-spec-edits.ts';
import { specHash } from './spec-hash.ts';

export function brokerPodSpecHash(configuration: Configuration): string {
  const spec = configuration.spec.brokerSpec?.brokerPodSpec ?? null;
  // Device-plugin brokers keep the hash they always had; a switch to DRA replaces them.
  return deviceAllocationOf(configuration.spec) === 'DRA' ? specHash({ brokerPodSpec: spec, deviceAllocation: 'DRA' }) : specHash(spec);
}

/** {{PLACEHOLDER}} as the mode asks: the Instance's device-plugin resource, or its claim template (DRA). */
function withDevice(configuration: Configuration, spec: V1PodSpec, instance: string): V1PodSpec {
  return deviceAllocationOf(configuration.spec) === 'DRA'
    ? claimForPlaceholder(spec, brokerClaimTemplateName(instance))
    : substitutePlaceholder(spec, instanceResourceName(instance));
}

/** The broker Pod for `instance` on `node`, or undefined when the Configuration has no brokerPodSpec. */
export function buildBrokerPod(configuration: Configuration, instance: Instance, node: string): V1Pod | undefined {
  const userSpec = configuration.spec.brokerSpec?.brokerPodSpec;
  if (!userSpec) return undefined;
  const instanceName = instance.metadata.name ?? '';
  const name = brokerPodName(instanceName, node, instance.spec.shared ?? false);
  const spec = pinToNode(withDevice(configuration, structuredClone(userSpec), instanceName), node);
  const labels = {
    [APP_LABEL]: name,
    [CONTROLLER_LABEL]: CONTROLLER_LABEL_VALUE,
    [CONFIGURATION_LABEL]: instance.spec.configurationName,
    [INSTANCE_LABEL]: instanceName,
    [TARGET_NODE_LABEL]: node,
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: instance.metadata.namespace,
      labels,
      // The hash is of the user's brokerPodSpec: everything else in the pod follows from its
      // name, so equal hashes mean an up-to-date broker.
      annotations: { [SPEC_HASH_ANNOTATION]: brokerPodSpecHash(configuration) },
      ownerReferences: [controllerOwner('Instance', instance.metadata)],
    },
    spec,
  };
}

/**
 * The broker Job for `instance`, or undefined when the Configuration has no brokerJobSpec.
 * Its name carries the Configuration's generation (Akri's pattern), so an edit means a new Job.
 * akri-ts adds controller=akri.sh to the pod template's labels (Akri adds only the
 * configuration and instance labels) so that the Services' selectors reach Job brokers too.
 */
export function buildBrokerJob(configuration: Configuration, instance: Instance): V1Job | undefined {
  const userSpec = configuration.spec.brokerSpec?.brokerJobSpec;
  if (!userSpec) return undefined;
  const instanceName = instance.metadata.name ?? '';
  const name = brokerJobName(instanceName, configuration.metadata.generation ?? 0);
  const jobSpec = structuredClone(userSpec);
  const template = jobSpec.template;
  template.metadata = {
    ...template.metadata,
    labels: {
      ...template.metadata?.labels,
      [CONFIGURATION_LABEL]: instance.spec.configurationName,
      [INSTANCE_LABEL]: instanceName,
      [CONTROLLER_LABEL]: CONTROLLER_LABEL_VALUE,
    },
  };
  if (template.spec) template.spec = withDevice(configuration, template.spec, instanceName);
  const labels = {
    [APP_LABEL]: name,
    [CONTROLLER_LABEL]: CONTROLLER_LABEL_VALUE,
    [CONFIGURATION_LABEL]: instance.spec.configurationName,
    [INSTANCE_LABEL]: instanceName,
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name,
      namespace: instance.metadata.namespace,
      labels,
      annotations: { [SPEC_HASH_ANNOTATION]: specHash({ labels, jobSpec }) },
      ownerReferences: [controllerOwner('Instance', instance.metadata)],
    },
    spec: jobSpec,
  };
}
