// The slot vocabulary and what each Instance plugin tells the kubelet about its slots.
import { describe, expect, it } from 'vitest';
import { formatHolder, parseHolder, slotIds, slotIndex } from './slot-usage.ts';
import { instancePluginDevices, preferredSlots } from './instance-plugin-devices.ts';

describe('deviceUsage values, as Akri writes them', () => {
  it('parses free, instance-held and configuration-held slots, and writes them back unchanged', () => {
    for (const value of ['', 'node-a', 'C:cams-0:node-b']) expect(formatHolder(parseHolder(value) as never)).toBe(value);
    expect(parseHolder('C:cams-3:node-b')).toEqual({ kind: 'configuration', virtualDevice: 'cams-3', node: 'node-b' });
    expect(parseHolder(undefined)).toEqual({ kind: 'free' });
  });

  it('rejects malformed values instead of guessing', () => {
    expect(parseHolder('C::node')).toEqual({ kind: 'invalid', value: 'C::node' });
    expect(parseHolder('a:b')).toEqual({ kind: 'invalid', value: 'a:b' });
  });

  it('names slots <instance>-<n> and recognises only its own, below capacity', () => {
    expect(slotIds('cams-d34504', 3)).toEqual(['cams-d34504-0', 'cams-d34504-1', 'cams-d34504-2']);
    expect(slotIndex('cams-d34504', 'cams-d34504-2', 3)).toBe(2);
    expect(slotIndex('cams-d34504', 'cams-d34504-3', 3)).toBeUndefined();
    expect(slotIndex('cams-d34504', 'cams-d34504-x', 3)).toBeUndefined();
    expect(slotIndex('cams-d34504', 'other-0', 3)).toBeUndefined();
  });
});

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
