// Pure: how a broker gets its exact device in DRA mode. Each Instance of a DRA Configuration has
// a ResourceClaimTemplate of the same name (owned by the Instance, so it goes with it) asking
// for one device of the Configuration's DeviceClass whose `instance` attribute is this
// Instance; a broker pod names the template, so Kubernetes makes a ResourceClaim per pod (owned
// by the pod) and the scheduler allocates one of the Instance's slots on the pod's node.
import type { V1OwnerReference } from '@kubernetes/client-node';
import { celString } from './device-class.ts';
import { nameAttributeValue } from './device-attributes.ts';
import { CONFIGURATION_NAME_LABEL, DRA_DRIVER, INSTANCE_NAME_LABEL, MANAGED_BY, MANAGED_BY_LABEL } from './driver.ts';
import { RESOURCE_API, type ResourceClaimTemplate } from './resource-api.ts';
import { labelValue } from './slice-plan.ts';

/** The name of the pod's claim entry, which containers list in resources.claims. */
export const BROKER_CLAIM_NAME = 'akri-device';
/** The request inside the claim. */
export const BROKER_REQUEST_NAME = 'device';

export function brokerClaimTemplateName(instance: string): string {
  return instance;
}

export function instanceSelector(instance: string): string {
  return `device.attributes[${celString(DRA_DRIVER)}].instance == ${celString(nameAttributeValue(instance))}`;
}

export function brokerClaimTemplate(i: { namespace: string; name: string; configuration: string; owner: V1OwnerReference }): ResourceClaimTemplate {
  return {
    apiVersion: RESOURCE_API,
    kind: 'ResourceClaimTemplate',
    metadata: {
      name: brokerClaimTemplateName(i.name),
      namespace: i.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY, [CONFIGURATION_NAME_LABEL]: labelValue(i.configuration), [INSTANCE_NAME_LABEL]: labelValue(i.name) },
      ownerReferences: [i.owner],
    },
    spec: {
      spec: {
        devices: {
          requests: [
            {
              name: BROKER_REQUEST_NAME,
              exactly: { deviceClassName: i.configuration, allocationMode: 'ExactCount', count: 1, selectors: [{ cel: { expression: instanceSelector(i.name) } }] },
            },
          ],
        },
      },
    },
  };
}
