// Original file: discovery/v0/discovery.proto


export interface ByteData {
  'vec'?: (Buffer | Uint8Array | string);
  '_vec'?: "vec";
}

export interface ByteData__Output {
  'vec'?: (Buffer);
  '_vec'?: "vec";
}
