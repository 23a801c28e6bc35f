// Original file: dra/v1/dra.proto


export interface Device {
  'requestNames'?: (string)[];
  'poolName'?: (string);
  'deviceName'?: (string);
  'cdiDeviceIds'?: (string)[];
}

export interface Device__Output {
  'requestNames': (string)[];
  'poolName': (string);
  'deviceName': (string);
  'cdiDeviceIds': (string)[];
}
