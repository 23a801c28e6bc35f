// Specification of which advertisements count: every configured filter must hold.
import { describe, expect, it } from 'vitest';
import type { BleAdvertisement } from './advertisement.ts';
import { parseBleDetails } from './details.ts';
import { matchesFilters } from './filter.ts';

const thermometer: BleAdvertisement = {
  address: 'C0:FF:EE:00:00:01',
  addressType: 'random',
  localName: 'Thermo-7',
  serviceUuids: ['181a'],
  manufacturerData: Buffer.from('4c000215aabb', 'hex'),
  rssi: -60,
};

function matches(filtersYaml: string, advertisement: BleAdvertisement = thermometer): boolean {
  return matchesFilters(parseBleDetails(filtersYaml).filters, advertisement);
}

describe('BLE filters', () => {
  it('no filters let every advertiser through', () => {
    expect(matches('')).toBe(true);
  });

  it('local name is a regex; an advertiser without a name never matches it', () => {
    expect(matches('filters: { localName: "^Thermo-\\\\d$" }')).toBe(true);
    expect(matches('filters: { localName: "^Hygro" }')).toBe(false);
    expect(matches('filters: { localName: "." }', { ...thermometer, localName: undefined })).toBe(false);
  });

  it('a service UUID filter matches the 16-bit form against its 128-bit spelling and back', () => {
    expect(matches('filters: { serviceUuids: ["0000181A-0000-1000-8000-00805F9B34FB"] }')).toBe(true);
    expect(
      matches('filters: { serviceUuids: ["181a"] }', { ...thermometer, serviceUuids: ['0000181a00001000800000805f9b34fb'] }),
    ).toBe(true);
    expect(matches('filters: { serviceUuids: ["180f", "181a"] }')).toBe(true);
    expect(matches('filters: { serviceUuids: ["180f"] }')).toBe(false);
  });

  it('manufacturer id is the little-endian company id; the prefix applies to the bytes after it', () => {
    expect(matches('filters: { manufacturerId: 0x004c }')).toBe(true);
    expect(matches('filters: { manufacturerId: 76, manufacturerDataPrefix: "0215" }')).toBe(true);
    expect(matches('filters: { manufacturerId: 0x0059 }')).toBe(false);
    expect(matches('filters: { manufacturerDataPrefix: "0216" }')).toBe(false);
    expect(matches('filters: { manufacturerDataPrefix: "0215aabbcc" }')).toBe(false);
    expect(matches('filters: { manufacturerId: 76 }', { ...thermometer, manufacturerData: undefined })).toBe(false);
  });

  it('addresses compare case-insensitively', () => {
    expect(matches('filters: { addresses: ["c0:ff:ee:00:00:01"] }')).toBe(true);
    expect(matches('filters: { addresses: ["c0:ff:ee:00:00:02"] }')).toBe(false);
  });

  it('an advertisement weaker than minRssi is not heard; one exactly at it is', () => {
    expect(matches('filters: { minRssi: -60 }')).toBe(true);
    expect(matches('filters: { minRssi: -59 }')).toBe(false);
  });

  it('all filters must hold together', () => {
    expect(matches('filters: { localName: "^Thermo", addresses: ["c0:ff:ee:00:00:02"] }')).toBe(false);
  });

  it('the local-name filter is RE2: patterns that backtrack in JavaScript answer at once', () => {
    const hostileName = `${'a'.repeat(60)}!`;
    for (const pattern of ['^(a|a)*$', '^([a-z]|[a-m])*$', '^(a+)+$', '(x+x+)+y']) {
      const started = performance.now();
      const matched = matches(`filters: { localName: ${JSON.stringify(pattern)} }`, { ...thermometer, localName: hostileName });
      expect(matched).toBe(false);
      // JavaScript's engine needs longer than the age of the universe for some of these.
      expect(performance.now() - started).toBeLessThan(1000);
    }
    expect(matches('filters: { localName: "(?i)^thermo-\\\\d$" }')).toBe(true);
  });
});

