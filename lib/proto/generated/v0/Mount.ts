// Original file: discovery/v0/discovery.proto


export interface Mount {
  'containerPath'?: (string);
  'hostPath'?: (string);
  'readOnly'?: (boolean);
}

export interface Mount__Output {
  'containerPath': (string);
  'hostPath': (string);
  'readOnly': (boolean);
}
