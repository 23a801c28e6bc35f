// Renders the two CustomResourceDefinitions from the schemas in this folder. crds/generate.ts
// writes them to crds/*.yaml; a test fails when the committed YAML and this rendering differ.
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';
import { ConfigurationSpecSchema, ConfigurationStatusSchema } from './configuration.ts';
import { InstanceSpecSchema } from './instance.ts';
import { AKRI_GROUP, AKRI_VERSION, CONFIGURATION_PLURAL, INSTANCE_PLURAL } from './group.ts';
import { toOpenApi } from './schema-helpers.ts';

export function configurationCrd(): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${CONFIGURATION_PLURAL}.${AKRI_GROUP}` },
    spec: {
      group: AKRI_GROUP,
      scope: 'Namespaced',
      names: {
        plural: CONFIGURATION_PLURAL,
        singular: 'configuration',
        kind: 'Configuration',
        listKind: 'ConfigurationList',
        shortNames: ['akric'],
        categories: ['all', 'akri'],
      },
      versions: [
        {
          name: AKRI_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Handler', type: 'string', jsonPath: '.spec.discoveryHandler.name', description: 'The discovery handler' },
            { name: 'Capacity', type: 'integer', jsonPath: '.spec.capacity', description: 'Pods that may use each Instance at once' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                spec: toOpenApi(ConfigurationSpecSchema),
                status: toOpenApi(ConfigurationStatusSchema),
              },
            },
          },
        },
      ],
    },
  };
}

export function instanceCrd(): V1CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${INSTANCE_PLURAL}.${AKRI_GROUP}` },
    spec: {
      group: AKRI_GROUP,
      scope: 'Namespaced',
      names: {
        plural: INSTANCE_PLURAL,
        singular: 'instance',
        kind: 'Instance',
        listKind: 'InstanceList',
        shortNames: ['akrii'],
        categories: ['all', 'akri'],
      },
      versions: [
        {
          name: AKRI_VERSION,
          served: true,
          storage: true,
          additionalPrinterColumns: [
            { name: 'Config', type: 'string', jsonPath: '.spec.configurationName', description: 'The Configuration that found the device' },
            { name: 'Shared', type: 'boolean', jsonPath: '.spec.shared', description: 'Whether several nodes can reach the device' },
            { name: 'Nodes', type: 'string', jsonPath: '.spec.nodes', description: 'Nodes that can reach the device' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: { spec: toOpenApi(InstanceSpecSchema) },
            },
          },
        },
      ],
    },
  };
}

export function allCrds(): V1CustomResourceDefinition[] {
  return [configurationCrd(), instanceCrd()];
}
