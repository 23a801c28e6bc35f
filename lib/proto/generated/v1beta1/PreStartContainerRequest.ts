// Original file: deviceplugin/v1beta1/deviceplugin.proto


export interface PreStartContainerRequest {
  'devicesIds'?: (string)[];
}

export interface PreStartContainerRequest__Output {
  'devicesIds': (string)[];
}
