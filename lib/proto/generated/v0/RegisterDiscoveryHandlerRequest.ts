// Original file: discovery/v0/discovery.proto


// Original file: discovery/v0/discovery.proto

export const _v0_RegisterDiscoveryHandlerRequest_EndpointType = {
  UDS: 'UDS',
  NETWORK: 'NETWORK',
} as const;

export type _v0_RegisterDiscoveryHandlerRequest_EndpointType =
  | 'UDS'
  | 0
  | 'NETWORK'
  | 1

export type _v0_RegisterDiscoveryHandlerRequest_EndpointType__Output = typeof _v0_RegisterDiscoveryHandlerRequest_EndpointType[keyof typeof _v0_RegisterDiscoveryHandlerRequest_EndpointType]

export interface RegisterDiscoveryHandlerRequest {
  'name'?: (string);
  'endpoint'?: (string);
  'endpointType'?: (_v0_RegisterDiscoveryHandlerRequest_EndpointType);
  'shared'?: (boolean);
}

export interface RegisterDiscoveryHandlerRequest__Output {
  'name': (string);
  'endpoint': (string);
  'endpointType': (_v0_RegisterDiscoveryHandlerRequest_EndpointType__Output);
  'shared': (boolean);
}
