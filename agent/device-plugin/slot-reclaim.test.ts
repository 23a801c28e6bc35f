// Freeing slots the kubelet no longer uses, only after the grace period.
import { describe, expect, it } from 'vitest';
import { reclaimSlots } from './slot-reclaim.ts';

const held = [
  { instance: 'cams-aaaaaa', slot: 'cams-aaaaaa-0', value: 'node-a' },
  { instance: 'cams-aaaaaa', slot: 'cams-aaaaaa-1', value: 'C:cams-3:node-a' },
];
const configurationOf = (): string => 'cams';

describe('reclaiming slots', () => {
  it('never frees a slot that pod-resources still lists, through either resource', () => {
    const inUse = new Map([
      ['akri.sh/cams-aaaaaa', new Set(['cams-aaaaaa-0'])],
      ['akri.sh/cams', new Set(['cams-3'])],
    ]);
    const r = reclaimSlots({ held, inUse, unusedSince: new Map([['cams-aaaaaa-0', 0]]), configurationOf, now: 1e9, graceMs: 1000 });
    expect(r.free).toEqual([]);
    expect(r.unusedSince.size).toBe(0);
  });
  it('frees an unused slot only once the grace period has passed', () => {
    const first = reclaimSlots({ held, inUse: new Map(), unusedSince: new Map(), configurationOf, now: 1000, graceMs: 5000 });
    expect(first.free).toEqual([]);
    const later = reclaimSlots({ held, inUse: new Map(), unusedSince: first.unusedSince, configurationOf, now: 5999, graceMs: 5000 });
    expect(later.free).toEqual([]);
    const due = reclaimSlots({ held, inUse: new Map(), unusedSince: later.unusedSince, configurationOf, now: 6000, graceMs: 5000 });
    expect(due.free.map((h) => h.slot)).toEqual(['cams-aaaaaa-0', 'cams-aaaaaa-1']);
  });
  it('starts the grace period again when a slot is seen in use in between', () => {
    const a = reclaimSlots({ held, inUse: new Map(), unusedSince: new Map(), configurationOf, now: 0, graceMs: 5000 });
    const b = reclaimSlots({ held, inUse: new Map([['akri.sh/cams-aaaaaa', new Set(['cams-aaaaaa-0'])]]), unusedSince: a.unusedSince, configurationOf, now: 4000, graceMs: 5000 });
    const c = reclaimSlots({ held, inUse: new Map(), unusedSince: b.unusedSince, configurationOf, now: 6000, graceMs: 5000 });
    expect(c.free.map((h) => h.slot)).toEqual(['cams-aaaaaa-1']);
  });
});
