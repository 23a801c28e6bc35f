// Original file: discovery/v0/discovery.proto

import type { ByteData as _v0_ByteData, ByteData__Output as _v0_ByteData__Output } from '../v0/ByteData.ts';

export interface DiscoverRequest {
  'discoveryDetails'?: (string);
  'discoveryProperties'?: ({[key: string]: _v0_ByteData});
}

export interface DiscoverRequest__Output {
  'discoveryDetails': (string);
  'discoveryProperties': ({[key: string]: _v0_ByteData__Output});
}
