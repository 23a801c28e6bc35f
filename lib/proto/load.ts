// Loads our .proto files at run time with the same options the generated types were made with
// (lib/proto/generate.sh), so each package object is typed by its generated ProtoGrpcType.
import { loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options } from '@grpc/proto-loader';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProtoGrpcType as DiscoveryProto } from './generated/discovery.ts';
import type { ProtoGrpcType as DevicePluginProto } from './generated/deviceplugin.ts';
import type { ProtoGrpcType as PodResourcesProto } from './generated/podresources.ts';
import type { ProtoGrpcType as DraProto } from './generated/dra.ts';
import type { ProtoGrpcType as PluginRegistrationProto } from './generated/pluginregistration.ts';

const protoDir = dirname(fileURLToPath(import.meta.url));

export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir],
};

function load<T>(file: string): T {
  return loadPackageDefinition(loadSync(join(protoDir, file), PROTO_LOADER_OPTIONS)) as unknown as T;
}

let discovery: DiscoveryProto | undefined;
let devicePlugin: DevicePluginProto | undefined;
let podResources: PodResourcesProto | undefined;
let dra: DraProto | undefined;
let pluginRegistration: PluginRegistrationProto | undefined;

/** Akri's discovery-handler protocol, package v0. */
export function discoveryProto(): DiscoveryProto['v0'] {
  discovery ??= load<DiscoveryProto>('discovery/v0/discovery.proto');
  return discovery.v0;
}

/** The kubelet device-plugin API, package v1beta1. */
export function devicePluginProto(): DevicePluginProto['v1beta1'] {
  devicePlugin ??= load<DevicePluginProto>('deviceplugin/v1beta1/deviceplugin.proto');
  return devicePlugin.v1beta1;
}

/** The kubelet pod-resources API, package v1. */
export function podResourcesProto(): PodResourcesProto['v1'] {
  podResources ??= load<PodResourcesProto>('podresources/v1/podresources.proto');
  return podResources.v1;
}

/** The kubelet's DRA plugin API, v1 (package k8s.io.kubelet.pkg.apis.dra.v1). */
export function draProto(): DraProto['k8s']['io']['kubelet']['pkg']['apis']['dra']['v1'] {
  dra ??= load<DraProto>('dra/v1/dra.proto');
  return dra.k8s.io.kubelet.pkg.apis.dra.v1;
}

/** The kubelet's plugin registration API (plugins_registry/), package pluginregistration. */
export function pluginRegistrationProto(): PluginRegistrationProto['pluginregistration'] {
  pluginRegistration ??= load<PluginRegistrationProto>('pluginregistration/v1/pluginregistration.proto');
  return pluginRegistration.pluginregistration;
}
