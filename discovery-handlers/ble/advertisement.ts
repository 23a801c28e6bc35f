// What the handler knows about one advertiser at one moment, independent of noble, and the
// device it becomes. RSSI is kept for the minimum-RSSI filter but never becomes a property:
// it changes with every packet and would rewrite the Instance (and restart nothing useful).
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { normaliseUuid } from './uuid.ts';

export type BleAddressType = 'public' | 'random';

export interface BleAdvertisement {
  /** Colon-separated, any case; the device id is its lower-case form. */
  address: string;
  addressType: BleAddressType;
  localName?: string;
  /** Any Bluetooth spelling; normalised when it becomes a property. */
  serviceUuids: string[];
  /** Manufacturer Specific Data as advertised: company id (little endian) then payload. */
  manufacturerData?: Buffer;
  rssi: number;
}

export const BLE_PROPERTY = {
  address: 'BLE_ADDRESS',
  addressType: 'BLE_ADDRESS_TYPE',
  localName: 'BLE_LOCAL_NAME',
  serviceUuids: 'BLE_SERVICE_UUIDS',
  manufacturerData: 'BLE_MANUFACTURER_DATA',
} as const;

export function deviceId(advertisement: BleAdvertisement): string {
  return advertisement.address.toLowerCase();
}

/** Canonical, sorted, de-duplicated service UUIDs; unparseable ones are dropped, not guessed at. */
export function canonicalServiceUuids(uuids: readonly string[]): string[] {
  const out = new Set<string>();
  for (const uuid of uuids) {
    const canonical = normaliseUuid(uuid);
    if (canonical) out.add(canonical);
  }
  return [...out].sort();
}

/**
 * Broker environment for one advertiser. Optional facts are omitted rather than set to "",
 * so a broker can tell "no name advertised" from "empty name".
 */
export function advertisementProperties(advertisement: BleAdvertisement): Record<string, string> {
  const properties: Record<string, string> = {
    [BLE_PROPERTY.address]: deviceId(advertisement),
    [BLE_PROPERTY.addressType]: advertisement.addressType,
  };
  if (advertisement.localName !== undefined && advertisement.localName !== '') {
    properties[BLE_PROPERTY.localName] = advertisement.localName;
  }
  const uuids = canonicalServiceUuids(advertisement.serviceUuids);
  if (uuids.length > 0) properties[BLE_PROPERTY.serviceUuids] = uuids.join(',');
  if (advertisement.manufacturerData && advertisement.manufacturerData.length > 0) {
    properties[BLE_PROPERTY.manufacturerData] = advertisement.manufacturerData.toString('hex');
  }
  return properties;
}

export function advertisementDevice(advertisement: BleAdvertisement): DiscoveredDevice {
  return {
    id: deviceId(advertisement),
    properties: advertisementProperties(advertisement),
    mounts: [],
    deviceSpecs: [],
  };
}
