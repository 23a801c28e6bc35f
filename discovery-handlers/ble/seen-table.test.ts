// Specification of "seen recently": the injected clock alone decides who is in the snapshot.
import { describe, expect, it } from 'vitest';
import type { BleAdvertisement } from './advertisement.ts';
import { SeenTable } from './seen-table.ts';

function beacon(address: string, extra: Partial<BleAdvertisement> = {}): BleAdvertisement {
  return { address, addressType: 'public', serviceUuids: [], rssi: -50, ...extra };
}

const ids = (table: SeenTable, now: number): string[] => table.snapshot(now).map((device) => device.id);

describe('SeenTable', () => {
  it('a device is present until it has been silent for goneAfter, then gone', () => {
    const table = new SeenTable(10_000, 100);
    table.heard(beacon('AA:00:00:00:00:01'), 0);
    expect(ids(table, 9_999)).toEqual(['aa:00:00:00:00:01']);
    expect(ids(table, 10_000)).toEqual([]);
  });

  it('hearing a device again keeps it present', () => {
    const table = new SeenTable(10_000, 100);
    table.heard(beacon('aa:00:00:00:00:01'), 0);
    table.heard(beacon('aa:00:00:00:00:01'), 8_000);
    expect(ids(table, 17_000)).toEqual(['aa:00:00:00:00:01']);
    expect(table.nextExpiryInMs(17_000)).toBe(1_000);
  });

  it('the snapshot is sorted by id and carries the newest properties', () => {
    const table = new SeenTable(10_000, 100);
    table.heard(beacon('bb:00:00:00:00:02'), 0);
    table.heard(beacon('aa:00:00:00:00:01', { localName: 'old' }), 0);
    table.heard(beacon('aa:00:00:00:00:01', { localName: 'new' }), 1);
    const snapshot = table.snapshot(2);
    expect(snapshot.map((device) => device.id)).toEqual(['aa:00:00:00:00:01', 'bb:00:00:00:00:02']);
    expect(snapshot[0]?.properties.BLE_LOCAL_NAME).toBe('new');
  });

  it('beyond maxDevices the least recently heard device is dropped', () => {
    const table = new SeenTable(10_000, 2);
    table.heard(beacon('aa:00:00:00:00:01'), 0);
    table.heard(beacon('aa:00:00:00:00:02'), 1);
    table.heard(beacon('aa:00:00:00:00:01'), 2);
    table.heard(beacon('aa:00:00:00:00:03'), 3);
    expect(ids(table, 4)).toEqual(['aa:00:00:00:00:01', 'aa:00:00:00:00:03']);
  });

  it('an empty table has no next expiry', () => {
    expect(new SeenTable(1_000, 10).nextExpiryInMs(0)).toBeUndefined();
  });
});
