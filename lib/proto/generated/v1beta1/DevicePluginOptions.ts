// Original file: deviceplugin/v1beta1/deviceplugin.proto


export interface DevicePluginOptions {
  'preStartRequired'?: (boolean);
  'getPreferredAllocationAvailable'?: (boolean);
}

export interface DevicePluginOptions__Output {
  'preStartRequired': (boolean);
  'getPreferredAllocationAvailable': (boolean);
}
