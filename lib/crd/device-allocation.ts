// How a Configuration's devices reach pods (spec.deviceAllocation): the modes and the default.
// Kept apart from the schema (configuration.ts) so the agent and the controller, which read the
// field on every Configuration but never build a schema, do not load TypeBox at run time.

export const DEVICE_ALLOCATION_MODES = ['DevicePlugin', 'DRA'] as const;
export type DeviceAllocationMode = (typeof DEVICE_ALLOCATION_MODES)[number];

/** The Configuration's allocation mode, with Akri's default (absent means device plugins). */
export function deviceAllocationOf(spec: { deviceAllocation?: DeviceAllocationMode | undefined }): DeviceAllocationMode {
  return spec.deviceAllocation ?? 'DevicePlugin';
}
