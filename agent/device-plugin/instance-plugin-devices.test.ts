// What each Instance plugin tells the kubelet about its slots, and which slots it prefers.
import { describe, expect, it } from 'vitest';
import { instancePluginDevices, preferredSlots } from './instance-plugin-devices.ts';

describe("an Instance plugin's devices", () => {
  const usage = { 'cams-d34504-0': 'node-a', 'cams-d34504-1': 'node-b', 'cams-d34504-2': 'C:cams-0:node-a' };

  it('are Healthy when free or held by this node, Unhealthy when held elsewhere', () => {
    expect(instancePluginDevices('cams-d34504', 4, usage, 'node-a')).toEqual([
      { ID: 'cams-d34504-0', health: 'Healthy' },
      { ID: 'cams-d34504-1', health: 'Unhealthy' },
      { ID: 'cams-d34504-2', health: 'Unhealthy' },
      { ID: 'cams-d34504-3', health: 'Healthy' },
    ]);
  });

  it('prefer the slot this node already holds, then free ones, never one held elsewhere', () => {
    const all = ['cams-d34504-0', 'cams-d34504-1', 'cams-d34504-2', 'cams-d34504-3'];
    expect(preferredSlots(all, [], 1, usage, 'node-a')).toEqual(['cams-d34504-0']);
    expect(preferredSlots(all, [], 2, usage, 'node-a')).toEqual(['cams-d34504-0', 'cams-d34504-3']);
    expect(preferredSlots(all, [], 1, usage, 'node-c')).toEqual(['cams-d34504-3']);
    expect(preferredSlots(['cams-d34504-1'], [], 1, usage, 'node-c')).toEqual([]);
  });

  it('keep the slots the kubelet must include', () => {
    expect(preferredSlots(['cams-d34504-3'], ['cams-d34504-1'], 2, usage, 'node-a')).toEqual(['cams-d34504-1', 'cams-d34504-3']);
  });
});
