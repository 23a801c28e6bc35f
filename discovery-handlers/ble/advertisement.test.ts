// Specification of the broker environment a BLE advertiser becomes.
import { describe, expect, it } from 'vitest';
import { advertisementDevice } from './advertisement.ts';
import { normaliseUuid } from './uuid.ts';

describe('BLE advertisement to device', () => {
  it('the device id is the lower-case address and RSSI is not a property', () => {
    const device = advertisementDevice({
      address: 'C0:FF:EE:00:00:01',
      addressType: 'random',
      localName: 'Thermo-7',
      serviceUuids: ['181a', '180F', '0000181a-0000-1000-8000-00805f9b34fb'],
      manufacturerData: Buffer.from('4C000215', 'hex'),
      rssi: -42,
    });
    expect(device).toEqual({
      id: 'c0:ff:ee:00:00:01',
      properties: {
        BLE_ADDRESS: 'c0:ff:ee:00:00:01',
        BLE_ADDRESS_TYPE: 'random',
        BLE_LOCAL_NAME: 'Thermo-7',
        BLE_SERVICE_UUIDS: '0000180f-0000-1000-8000-00805f9b34fb,0000181a-0000-1000-8000-00805f9b34fb',
        BLE_MANUFACTURER_DATA: '4c000215',
      },
      mounts: [],
      deviceSpecs: [],
    });
  });

  it('facts that were not advertised are absent, not empty', () => {
    const device = advertisementDevice({ address: 'aa:bb:cc:dd:ee:ff', addressType: 'public', serviceUuids: [], rssi: -70 });
    expect(device.properties).toEqual({ BLE_ADDRESS: 'aa:bb:cc:dd:ee:ff', BLE_ADDRESS_TYPE: 'public' });
  });
});

describe('Bluetooth UUID spellings', () => {
  it.each([
    ['180f', '0000180f-0000-1000-8000-00805f9b34fb'],
    ['0x180F', '0000180f-0000-1000-8000-00805f9b34fb'],
    ['0000180f', '0000180f-0000-1000-8000-00805f9b34fb'],
    ['6E400001B5A3F393E0A9E50E24DCCA9E', '6e400001-b5a3-f393-e0a9-e50e24dcca9e'],
  ])('%s is %s', (raw, canonical) => {
    expect(normaliseUuid(raw)).toBe(canonical);
  });

  it.each(['', '18f', 'zzzz', '6e400001-b5a3f393-e0a9-e50e24dcca9e'])('%j is not a UUID', (raw) => {
    expect(normaliseUuid(raw)).toBeUndefined();
  });
});
