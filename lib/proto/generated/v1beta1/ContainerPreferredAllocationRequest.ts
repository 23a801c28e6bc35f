// Original file: deviceplugin/v1beta1/deviceplugin.proto


export interface ContainerPreferredAllocationRequest {
  'availableDeviceIDs'?: (string)[];
  'mustIncludeDeviceIDs'?: (string)[];
  'allocationSize'?: (number);
}

export interface ContainerPreferredAllocationRequest__Output {
  'availableDeviceIDs': (string)[];
  'mustIncludeDeviceIDs': (string)[];
  'allocationSize': (number);
}
