// The Configuration resource (configurations.akri.sh/v0): the single source for both its
// OpenAPI schema (rendered into crds/ by crds/generate.ts) and its TypeScript types.
// Fields are Akri v0.13's. Validation is stricter than Akri's hand-written CRD only where
// Akri's own agent would reject the object anyway; our additions are marked "akri-ts:".
import { Type, type Static } from '@sinclair/typebox';
import type { V1JobSpec, V1ObjectMeta, V1PodSpec, V1ServiceSpec } from '@kubernetes/client-node';
import { cel, embedded, stringEnum, stringMap } from './schema-helpers.ts';

/** Akri's pattern: property names are C identifiers (they end up in environment variables). */
export const PROPERTY_NAME_PATTERN = '^[_A-Za-z][_A-Za-z0-9]*$';

function keySelector(kind: 'Secret' | 'ConfigMap') {
  return Type.Object({
    name: Type.String({ minLength: 1, description: `Name of the ${kind}.` }),
    key: Type.String({ minLength: 1, description: `Key within the ${kind}.` }),
    namespace: Type.Optional(
      Type.String({ description: `Namespace of the ${kind}. As in Akri, it defaults to "default", not the Configuration's namespace.` }),
    ),
    optional: Type.Optional(
      Type.Boolean({ description: `When true, a missing ${kind} or key leaves the property out instead of holding discovery back.` }),
    ),
  });
}

export const DiscoveryPropertySchema = Type.Object(
  {
    name: Type.String({ pattern: PROPERTY_NAME_PATTERN, maxLength: 253, description: 'Property name passed to the discovery handler.' }),
    value: Type.Optional(Type.String({ nullable: true, description: 'A literal value.' })),
    valueFrom: Type.Optional(
      Type.Object(
        { secretKeyRef: Type.Optional(keySelector('Secret')), configMapKeyRef: Type.Optional(keySelector('ConfigMap')) },
        {
          nullable: true,
          description: 'A value read from a Secret or a ConfigMap.',
          ...cel({
            rule: 'has(self.secretKeyRef) != has(self.configMapKeyRef)',
            message: 'valueFrom must set exactly one of secretKeyRef or configMapKeyRef',
          }),
        },
      ),
    ),
  },
  {
    ...cel({ rule: 'has(self.value) != has(self.valueFrom)', message: 'a discovery property must set exactly one of value or valueFrom' }),
  },
);

export const DiscoveryHandlerInfoSchema = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 253, description: 'Name of the discovery handler: onvif, opcua, udev, modbus, ble, debugEcho, or a custom one.' }),
  discoveryDetails: Type.Optional(Type.String({ default: '', description: 'Handler-specific settings, as YAML text.' })),
  discoveryProperties: Type.Optional(
    Type.Array(DiscoveryPropertySchema, {
      nullable: true,
      maxItems: 1024,
      description: 'Values (literal, or read from Secrets and ConfigMaps) passed to the discovery handler.',
    }),
  ),
});

export const BrokerSpecSchema = Type.Object(
  {
    brokerPodSpec: Type.Optional(
      embedded<V1PodSpec>('A Pod spec: a broker Pod runs per Instance (per node, for shared devices).', { nullable: true, required: ['containers'] }),
    ),
    brokerJobSpec: Type.Optional(embedded<V1JobSpec>('A Job spec: a broker Job runs per Instance.', { nullable: true, required: ['template'] })),
  },
  {
    nullable: true,
    ...cel({ rule: 'has(self.brokerPodSpec) != has(self.brokerJobSpec)', message: 'brokerSpec must set exactly one of brokerPodSpec or brokerJobSpec' }),
  },
);

/** akri-ts: how pods get a Configuration's devices. Absent means DevicePlugin, Akri's way. */
export const DEVICE_ALLOCATION_MODES = ['DevicePlugin', 'DRA'] as const;
export type DeviceAllocationMode = (typeof DEVICE_ALLOCATION_MODES)[number];

export const ConfigurationSpecSchema = Type.Object({
  discoveryHandler: DiscoveryHandlerInfoSchema,
  capacity: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1, description: 'How many pods may use one Instance at once.' })),
  brokerSpec: Type.Optional(BrokerSpecSchema),
  instanceServiceSpec: Type.Optional(embedded<V1ServiceSpec>('A Service spec: one Service per Instance, selecting its brokers.', { nullable: true })),
  configurationServiceSpec: Type.Optional(
    embedded<V1ServiceSpec>('A Service spec: one Service for all brokers of this Configuration.', { nullable: true }),
  ),
  brokerProperties: Type.Optional(stringMap({ default: {}, description: 'Extra environment for every broker of this Configuration.' })),
  // akri-ts: Akri removes an Instance as soon as its device is missing from one snapshot.
  instanceGracePeriodSeconds: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 86_400,
      description:
        'akri-ts: how long a device may be missing (or its handler unreachable) before this node leaves its Instance. Unset: the agent default (--instance-grace-period).',
    }),
  ),
  // akri-ts: opt-in Dynamic Resource Allocation (resource.k8s.io/v1, Kubernetes 1.34+).
  deviceAllocation: Type.Optional(
    stringEnum(DEVICE_ALLOCATION_MODES, {
      description:
        'akri-ts: how pods get these devices. DevicePlugin (the default, as Akri): kubelet device plugins, resources akri.sh/<instance> and akri.sh/<configuration>. DRA: ResourceSlices of the driver akri.sh, a DeviceClass named after this Configuration, and ResourceClaims (brokers get one for their exact device); needs Kubernetes 1.34+ and the chart value dra.enabled. See docs/dra.md.',
    }),
  ),
});

/** The Configuration's allocation mode, with Akri's default. */
export function deviceAllocationOf(spec: Pick<ConfigurationSpec, 'deviceAllocation'>): DeviceAllocationMode {
  return spec.deviceAllocation ?? 'DevicePlugin';
}

export const ConditionSchema = Type.Object({
  type: Type.String({ minLength: 1 }),
  status: stringEnum(['True', 'False', 'Unknown'] as const),
  reason: Type.Optional(Type.String()),
  message: Type.Optional(Type.String()),
  lastTransitionTime: Type.Optional(Type.String({ format: 'date-time' })),
  observedGeneration: Type.Optional(Type.Integer()),
});

export const NODE_DISCOVERY_STATES = ['Discovering', 'WaitingForHandler', 'HandlerUnavailable', 'InvalidDiscoveryDetails', 'PropertiesUnresolved'] as const;

/** How many Instances in their grace period one node entry lists (the status must stay small). */
export const MAX_LISTED_IN_GRACE = 50;

export const InstanceInGraceSchema = Type.Object({
  instance: Type.String({ minLength: 1, description: 'The Instance whose device this node no longer sees.' }),
  since: Type.String({ format: 'date-time', description: 'When this node first missed the device.' }),
  leaveAt: Type.String({ format: 'date-time', description: 'When this node leaves the Instance unless the device comes back.' }),
});

/** akri-ts: one entry per node, written by that node's agent under its own field manager. */
export const NodeDiscoveryStatusSchema = Type.Object({
  node: Type.String({ minLength: 1, description: 'The node whose agent wrote this entry.' }),
  state: stringEnum(NODE_DISCOVERY_STATES, { description: 'Where discovery stands on this node.' }),
  message: Type.Optional(Type.String({ description: 'Why, in words.' })),
  instances: Type.Integer({ minimum: 0, description: 'Instances this node is in for this Configuration.' }),
  instancesInGrace: Type.Optional(
    Type.Array(InstanceInGraceSchema, {
      maxItems: MAX_LISTED_IN_GRACE,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['instance'],
      description: `Instances whose device this node stopped seeing and keeps for the grace period, soonest to leave first (at most ${MAX_LISTED_IN_GRACE}; inGrace counts them all).`,
    }),
  ),
  inGrace: Type.Optional(Type.Integer({ minimum: 0, description: 'How many of the instances are in their grace period on this node.' })),
  endpoints: Type.Integer({ minimum: 0, description: 'Registered endpoints of the handler on this node.' }),
  observedGeneration: Type.Optional(Type.Integer({ description: 'The Configuration generation this entry reflects.' })),
  conditions: Type.Optional(Type.Array(ConditionSchema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })),
});

export const ConfigurationStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer()),
    conditions: Type.Optional(Type.Array(ConditionSchema, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })),
    nodes: Type.Optional(
      Type.Array(NodeDiscoveryStatusSchema, {
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['node'],
        description: 'akri-ts: discovery state per node.',
      }),
    ),
  },
  { description: 'akri-ts: discovery state reported by the agents.' },
);

export type DiscoveryProperty = Static<typeof DiscoveryPropertySchema>;
export type DiscoveryHandlerInfo = Static<typeof DiscoveryHandlerInfoSchema>;
export type BrokerSpec = Static<typeof BrokerSpecSchema>;
export type ConfigurationSpec = Static<typeof ConfigurationSpecSchema>;
export type Condition = Static<typeof ConditionSchema>;
export type ConfigurationStatus = Static<typeof ConfigurationStatusSchema>;
export type NodeDiscoveryStatus = Static<typeof NodeDiscoveryStatusSchema>;
export type InstanceInGrace = Static<typeof InstanceInGraceSchema>;

export interface Configuration {
  apiVersion: 'akri.sh/v0';
  kind: 'Configuration';
  metadata: V1ObjectMeta;
  spec: ConfigurationSpec;
  status?: ConfigurationStatus;
}
