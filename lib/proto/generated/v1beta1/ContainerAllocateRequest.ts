// Original file: deviceplugin/v1beta1/deviceplugin.proto


export interface ContainerAllocateRequest {
  'devicesIds'?: (string)[];
}

export interface ContainerAllocateRequest__Output {
  'devicesIds': (string)[];
}
