// Original file: discovery/v0/discovery.proto

import type { Device as _v0_Device, Device__Output as _v0_Device__Output } from '../v0/Device.ts';

export interface DiscoverResponse {
  'devices'?: (_v0_Device)[];
}

export interface DiscoverResponse__Output {
  'devices': (_v0_Device__Output)[];
}
