// Decides whether one advertisement counts. All configured filters must hold (AND); within a
// list filter (service UUIDs, addresses) any entry may match (OR). An absent filter holds.
import type { BleAdvertisement } from './advertisement.ts';
import { canonicalServiceUuids, deviceId } from './advertisement.ts';
import type { BleFilters } from './details.ts';

/** GAP caps a device name at 248 bytes; capping the input also caps regex work per packet. */
const MAX_NAME_LENGTH = 248;

export function matchesFilters(filters: BleFilters, advertisement: BleAdvertisement): boolean {
  if (filters.minRssi !== undefined && advertisement.rssi < filters.minRssi) return false;
  if (filters.addresses && !filters.addresses.includes(deviceId(advertisement))) return false;
  if (filters.localName) {
    const name = advertisement.localName;
    if (name === undefined || !filters.localName.test(name.slice(0, MAX_NAME_LENGTH))) return false;
  }
  if (filters.serviceUuids) {
    const advertised = canonicalServiceUuids(advertisement.serviceUuids);
    if (!filters.serviceUuids.some((uuid) => advertised.includes(uuid))) return false;
  }
  if (filters.manufacturerId !== undefined || filters.manufacturerDataPrefix) {
    const data = advertisement.manufacturerData;
    if (!data || data.length < 2) return false;
    if (filters.manufacturerId !== undefined && data.readUInt16LE(0) !== filters.manufacturerId) return false;
    const prefix = filters.manufacturerDataPrefix;
    if (prefix && !data.subarray(2, 2 + prefix.length).equals(prefix)) return false;
  }
  return true;
}
