// The parts of resource.k8s.io/v1 (GA in Kubernetes 1.34) that akri-ts writes and reads, as
// they are on the wire (client-node's models rename some fields, e.g. `int` to `_int`, so its
// classes cannot be sent as they are).
import type { V1NodeSelector, V1ObjectMeta, V1OwnerReference } from '@kubernetes/client-node';

export const RESOURCE_API = 'resource.k8s.io/v1';
export const RESOURCE_SLICES_PATH = `/apis/${RESOURCE_API}/resourceslices`;
export const DEVICE_CLASSES_PATH = `/apis/${RESOURCE_API}/deviceclasses`;

/** Exactly one field is set. */
export interface DeviceAttribute {
  int?: number;
  bool?: boolean;
  string?: string;
  version?: string;
}

export interface SliceDevice {
  name: string;
  attributes?: Record<string, DeviceAttribute>;
}

export interface ResourceSliceSpec {
  driver: string;
  pool: { name: string; generation: number; resourceSliceCount: number };
  nodeName?: string;
  nodeSelector?: V1NodeSelector;
  allNodes?: boolean;
  devices: SliceDevice[];
}

export interface ResourceSlice {
  apiVersion: typeof RESOURCE_API;
  kind: 'ResourceSlice';
  metadata: V1ObjectMeta & { name: string; ownerReferences?: V1OwnerReference[] };
  spec: ResourceSliceSpec;
}

export interface DeviceSelector {
  cel: { expression: string };
}

export interface DeviceClass {
  apiVersion: typeof RESOURCE_API;
  kind: 'DeviceClass';
  metadata: V1ObjectMeta & { name: string };
  spec: { selectors?: DeviceSelector[] };
}

export interface ExactDeviceRequest {
  deviceClassName: string;
  selectors?: DeviceSelector[];
  allocationMode?: 'ExactCount' | 'All';
  count?: number;
}

export interface DeviceRequest {
  name: string;
  exactly?: ExactDeviceRequest;
}

export interface ResourceClaimSpec {
  devices: { requests: DeviceRequest[] };
}

export interface ResourceClaimTemplate {
  apiVersion: typeof RESOURCE_API;
  kind: 'ResourceClaimTemplate';
  metadata: V1ObjectMeta & { name: string; namespace: string };
  spec: { metadata?: V1ObjectMeta; spec: ResourceClaimSpec };
}

export interface DeviceRequestAllocationResult {
  request: string;
  driver: string;
  pool: string;
  device: string;
}

export interface ResourceClaim {
  apiVersion?: typeof RESOURCE_API;
  kind?: 'ResourceClaim';
  metadata: V1ObjectMeta;
  spec: ResourceClaimSpec;
  status?: {
    allocation?: { devices?: { results?: DeviceRequestAllocationResult[] }; nodeSelector?: V1NodeSelector };
    reservedFor?: Array<{ resource: string; name: string; uid: string }>;
  };
}
