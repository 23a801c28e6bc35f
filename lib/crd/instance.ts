// The Instance resource (instances.akri.sh/v0): one discovered device. The single source for
// its OpenAPI schema (rendered into crds/) and its TypeScript types. Fields are Akri v0.13's.
import { Type, type Static } from '@sinclair/typebox';
import type { V1ObjectMeta } from '@kubernetes/client-node';
import { stringMap } from './schema-helpers.ts';

export const InstanceSpecSchema = Type.Object({
  configurationName: Type.String({ minLength: 1, description: 'The Configuration that discovered this device.' }),
  cdiName: Type.String({ description: 'Fully qualified CDI device name: akri.sh/<configuration>=<hash>.' }),
  capacity: Type.Integer({ minimum: 0, description: 'How many pods may use the device at once (slots).' }),
  brokerProperties: Type.Optional(
    stringMap({ default: {}, description: 'Device properties merged with the Configuration brokerProperties.' }),
  ),
  shared: Type.Optional(Type.Boolean({ default: false, description: 'Whether several nodes can reach the device.' })),
  nodes: Type.Optional(
    Type.Array(Type.String(), {
      default: [],
      'x-kubernetes-list-type': 'set',
      description: 'The nodes that can reach the device.',
    }),
  ),
  deviceUsage: Type.Optional(
    stringMap({
      default: {},
      'x-kubernetes-map-type': 'granular',
      description: 'Slot -> holder: "" (free), "<node>", or "C:<virtual slot>:<node>" (taken through the Configuration resource).',
    }),
  ),
});

export type InstanceSpec = Static<typeof InstanceSpecSchema>;

export interface Instance {
  apiVersion: 'akri.sh/v0';
  kind: 'Instance';
  metadata: V1ObjectMeta;
  spec: InstanceSpec;
}
