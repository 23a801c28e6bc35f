// Specification of when a new snapshot is worth sending.
import { describe, expect, it } from 'vitest';
import { advertisementDevice } from './advertisement.ts';
import { sameSnapshot } from './snapshot-equality.ts';

const at = (rssi: number, localName = 'Thermo') =>
  advertisementDevice({ address: 'aa:00:00:00:00:01', addressType: 'public', localName, serviceUuids: [], rssi });
const other = advertisementDevice({ address: 'aa:00:00:00:00:02', addressType: 'public', serviceUuids: [], rssi: -50 });

describe('snapshot equality', () => {
  it('an RSSI-only change is the same snapshot', () => {
    expect(sameSnapshot([at(-40), other], [other, at(-90)])).toBe(true);
  });

  it('a changed property, an added or a removed device is a new snapshot', () => {
    expect(sameSnapshot([at(-40)], [at(-40, 'Renamed')])).toBe(false);
    expect(sameSnapshot([at(-40)], [at(-40), other])).toBe(false);
    expect(sameSnapshot([at(-40), other], [other])).toBe(false);
    expect(sameSnapshot([], [])).toBe(true);
  });
});
