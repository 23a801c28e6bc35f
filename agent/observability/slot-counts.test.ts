// The slot-use gauge's arithmetic: every slot of every Instance this node serves is counted once,
// as held here, held by another node, or free, per Configuration.
import { describe, expect, it } from 'vitest';
import { countSlots } from './slot-counts.ts';

describe('slot counts for the slot-use gauge', () => {
  it('sorts each slot into held here, held elsewhere or free, per Configuration', () => {
    const usage: Record<string, Record<string, string>> = {
      'cams-aaaaaa': { 'cams-aaaaaa-0': 'edge-1', 'cams-aaaaaa-1': 'C:cams-0:edge-2' },
      'cams-bbbbbb': { 'cams-bbbbbb-1': 'C:cams-1:edge-1' },
      'usb-cccccc': {},
    };
    const counts = countSlots(
      [
        { name: 'cams-aaaaaa', configurationName: 'cams', capacity: 2 },
        { name: 'cams-bbbbbb', configurationName: 'cams', capacity: 3 },
        { name: 'usb-cccccc', configurationName: 'usb', capacity: 1 },
      ],
      (name) => usage[name] ?? {},
      'edge-1',
    );
    expect(counts).toEqual([
      { configuration: 'cams', state: 'held', slots: 2 },
      { configuration: 'cams', state: 'held_elsewhere', slots: 1 },
      { configuration: 'cams', state: 'free', slots: 2 },
      { configuration: 'usb', state: 'held', slots: 0 },
      { configuration: 'usb', state: 'held_elsewhere', slots: 0 },
      { configuration: 'usb', state: 'free', slots: 1 },
    ]);
  });

  it('ignores deviceUsage keys that are not slots of the Instance (a shrunk capacity)', () => {
    const counts = countSlots([{ name: 'x-aaaaaa', configurationName: 'x', capacity: 1 }], () => ({ 'x-aaaaaa-0': '', 'x-aaaaaa-5': 'edge-1' }), 'edge-1');
    expect(counts.find((c) => c.state === 'held')?.slots).toBe(0);
    expect(counts.find((c) => c.state === 'free')?.slots).toBe(1);
  });
});
