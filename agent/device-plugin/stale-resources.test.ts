import { describe, expect, it } from 'vitest';
import { removalPatch, staleResources } from './stale-resources.ts';

const GRACE = 330_000;

describe('staleResources', () => {
  const capacity = { cpu: '2', 'akri.sh/cam-aaaaaa': '0', 'akri.sh/cam-bbbbbb': '2', 'akri.sh/cam': '0', 'example.com/gpu': '0' };

  it('waits the whole grace before an unserved zero entry is stale, and never touches other resources', () => {
    const first = staleResources({ capacity, allocatable: capacity, served: new Set(['akri.sh/cam']), zeroSince: new Map(), now: 1000, graceMs: GRACE });
    expect(first.remove).toEqual([]);
    expect([...first.zeroSince]).toEqual([['akri.sh/cam-aaaaaa', 1000]]);
    const early = staleResources({ capacity, allocatable: capacity, served: new Set(['akri.sh/cam']), zeroSince: first.zeroSince, now: 1000 + GRACE - 1, graceMs: GRACE });
    expect(early.remove).toEqual([]);
    const due = staleResources({ capacity, allocatable: capacity, served: new Set(['akri.sh/cam']), zeroSince: first.zeroSince, now: 1000 + GRACE, graceMs: GRACE });
    expect(due.remove).toEqual(['akri.sh/cam-aaaaaa']);
  });

  it('starts over when the resource is served again or reads non-zero in between', () => {
    const first = staleResources({ capacity, allocatable: capacity, served: new Set(), zeroSince: new Map(), now: 0, graceMs: GRACE });
    const back = staleResources({ capacity, allocatable: capacity, served: new Set(['akri.sh/cam-aaaaaa', 'akri.sh/cam']), zeroSince: first.zeroSince, now: 10, graceMs: GRACE });
    expect(back.zeroSince.has('akri.sh/cam-aaaaaa')).toBe(false);
    const nonZero = { ...capacity, 'akri.sh/cam': '1' };
    const again = staleResources({ capacity: nonZero, allocatable: nonZero, served: new Set(), zeroSince: first.zeroSince, now: GRACE, graceMs: GRACE });
    expect(again.remove).toEqual(['akri.sh/cam-aaaaaa']);
  });
});

describe('removalPatch', () => {
  it('tests each value before removing it, with the slash escaped', () => {
    expect(removalPatch(['akri.sh/cam-aaaaaa'], { capacity: { 'akri.sh/cam-aaaaaa': '0' }, allocatable: {} })).toEqual([
      { op: 'test', path: '/status/capacity/akri.sh~1cam-aaaaaa', value: '0' },
      { op: 'remove', path: '/status/capacity/akri.sh~1cam-aaaaaa' },
    ]);
  });
});
