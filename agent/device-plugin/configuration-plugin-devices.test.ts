import { describe, expect, it } from 'vitest';
import { bindVirtualDevice, configurationPluginDevices, type LedgerInstance } from './configuration-plugin-devices.ts';

const cams = (usageA: Record<string, string>, usageB: Record<string, string>) => [
  { name: 'cams-aaaaaa', capacity: 2, deviceUsage: usageA },
  { name: 'cams-bbbbbb', capacity: 2, deviceUsage: usageB },
];

describe('the Configuration-level resource', () => {
  it('offers at most one free virtual device per Instance, as Akri: two Instances of capacity 2 are 2, not 4', () => {
    expect(configurationPluginDevices('cams', cams({}, {}), 'node-a').map((d) => d.ID)).toEqual(['cams-0', 'cams-1']);
    // An Instance's next slot appears once its first is taken.
    expect(configurationPluginDevices('cams', cams({ 'cams-aaaaaa-0': 'C:cams-0:node-a' }, {}), 'node-a').map((d) => d.ID)).toEqual(['cams-0', 'cams-1', 'cams-2']);
  });

  it('keeps the virtual devices this node holds and does not count slots held elsewhere', () => {
    const instances = cams({ 'cams-aaaaaa-0': 'C:cams-2:node-a', 'cams-aaaaaa-1': 'node-b' }, { 'cams-bbbbbb-0': 'node-a' });
    expect(configurationPluginDevices('cams', instances, 'node-a').map((d) => d.ID)).toEqual(['cams-2', 'cams-0']);
  });

  it('counts only real slots: a slot beyond a lowered capacity, a foreign key and a freed slot change nothing', () => {
    const instances: LedgerInstance[] = [
      { name: 'cams-aaaaaa', capacity: 1, deviceUsage: { 'cams-aaaaaa-1': 'C:cams-7:node-a', 'cams-aaaaaa-0': '', 'cams-bbbbbb-0': 'node-b' } },
      { name: 'cams-bbbbbb', capacity: 2, deviceUsage: { 'cams-bbbbbb-x': 'node-b', 'cams-bbbbbb-1': 'C:cams-1:node-a' } },
    ];
    expect(configurationPluginDevices('cams', instances, 'node-a').map((d) => d.ID)).toEqual(['cams-1', 'cams-0', 'cams-2']);
  });

  it('binds a new virtual device to the least used Instance, lowest free slot first', () => {
    const instances = cams({ 'cams-aaaaaa-0': 'node-b' }, {});
    expect(bindVirtualDevice('cams-0', instances, 'node-a')).toEqual({ virtualDevice: 'cams-0', instance: 'cams-bbbbbb', slot: 'cams-bbbbbb-0' });
  });

  it('never binds to an Instance the same request already has', () => {
    const instances = cams({}, {});
    expect(bindVirtualDevice('cams-1', instances, 'node-a', new Set(['cams-aaaaaa']))).toEqual({ virtualDevice: 'cams-1', instance: 'cams-bbbbbb', slot: 'cams-bbbbbb-0' });
    expect(bindVirtualDevice('cams-2', instances, 'node-a', new Set(['cams-aaaaaa', 'cams-bbbbbb']))).toBeUndefined();
  });

  it('gives a virtual device it already holds the same slot again (idempotent Allocate)', () => {
    const instances = cams({}, { 'cams-bbbbbb-1': 'C:cams-5:node-a' });
    expect(bindVirtualDevice('cams-5', instances, 'node-a')).toEqual({ virtualDevice: 'cams-5', instance: 'cams-bbbbbb', slot: 'cams-bbbbbb-1' });
  });

  it('binds nothing when every slot is taken, so capacity is respected', () => {
    const full = cams({ 'cams-aaaaaa-0': 'x', 'cams-aaaaaa-1': 'y' }, { 'cams-bbbbbb-0': 'x', 'cams-bbbbbb-1': 'C:cams-0:y' });
    expect(bindVirtualDevice('cams-1', full, 'node-a')).toBeUndefined();
    expect(configurationPluginDevices('cams', full, 'node-a')).toEqual([]);
  });
});
