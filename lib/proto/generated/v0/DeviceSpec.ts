// Original file: discovery/v0/discovery.proto


export interface DeviceSpec {
  'containerPath'?: (string);
  'hostPath'?: (string);
  'permissions'?: (string);
}

export interface DeviceSpec__Output {
  'containerPath': (string);
  'hostPath': (string);
  'permissions': (string);
}
