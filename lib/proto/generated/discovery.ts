import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ByteData as _v0_ByteData, ByteData__Output as _v0_ByteData__Output } from './v0/ByteData.ts';
import type { Device as _v0_Device, Device__Output as _v0_Device__Output } from './v0/Device.ts';
import type { DeviceSpec as _v0_DeviceSpec, DeviceSpec__Output as _v0_DeviceSpec__Output } from './v0/DeviceSpec.ts';
import type { DiscoverRequest as _v0_DiscoverRequest, DiscoverRequest__Output as _v0_DiscoverRequest__Output } from './v0/DiscoverRequest.ts';
import type { DiscoverResponse as _v0_DiscoverResponse, DiscoverResponse__Output as _v0_DiscoverResponse__Output } from './v0/DiscoverResponse.ts';
import type { DiscoveryHandlerClient as _v0_DiscoveryHandlerClient, DiscoveryHandlerDefinition as _v0_DiscoveryHandlerDefinition } from './v0/DiscoveryHandler.ts';
import type { Empty as _v0_Empty, Empty__Output as _v0_Empty__Output } from './v0/Empty.ts';
import type { Mount as _v0_Mount, Mount__Output as _v0_Mount__Output } from './v0/Mount.ts';
import type { RegisterDiscoveryHandlerRequest as _v0_RegisterDiscoveryHandlerRequest, RegisterDiscoveryHandlerRequest__Output as _v0_RegisterDiscoveryHandlerRequest__Output } from './v0/RegisterDiscoveryHandlerRequest.ts';
import type { RegistrationClient as _v0_RegistrationClient, RegistrationDefinition as _v0_RegistrationDefinition } from './v0/Registration.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  v0: {
    ByteData: MessageTypeDefinition<_v0_ByteData, _v0_ByteData__Output>
    Device: MessageTypeDefinition<_v0_Device, _v0_Device__Output>
    DeviceSpec: MessageTypeDefinition<_v0_DeviceSpec, _v0_DeviceSpec__Output>
    DiscoverRequest: MessageTypeDefinition<_v0_DiscoverRequest, _v0_DiscoverRequest__Output>
    DiscoverResponse: MessageTypeDefinition<_v0_DiscoverResponse, _v0_DiscoverResponse__Output>
    DiscoveryHandler: SubtypeConstructor<typeof grpc.Client, _v0_DiscoveryHandlerClient> & { service: _v0_DiscoveryHandlerDefinition }
    Empty: MessageTypeDefinition<_v0_Empty, _v0_Empty__Output>
    Mount: MessageTypeDefinition<_v0_Mount, _v0_Mount__Output>
    RegisterDiscoveryHandlerRequest: MessageTypeDefinition<_v0_RegisterDiscoveryHandlerRequest, _v0_RegisterDiscoveryHandlerRequest__Output>
    Registration: SubtypeConstructor<typeof grpc.Client, _v0_RegistrationClient> & { service: _v0_RegistrationDefinition }
  }
}

