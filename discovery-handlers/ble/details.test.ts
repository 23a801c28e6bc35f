// Specification of the `ble` discoveryDetails: defaults, accepted spellings, and errors that
// name the offending field.
import { describe, expect, it } from 'vitest';
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { parseBleDetails } from './details.ts';

function errorOf(yaml: string): InvalidDiscoveryDetails {
  try {
    parseBleDetails(yaml);
  } catch (error) {
    if (error instanceof InvalidDiscoveryDetails) return error;
    throw error;
  }
  throw new Error('expected InvalidDiscoveryDetails');
}

describe('ble discoveryDetails', () => {
  it('empty details scan every advertiser on hci0 and forget them after 30 s', () => {
    expect(parseBleDetails('')).toEqual({
      filters: {},
      goneAfterSeconds: 30,
      maxDevices: 1024,
      transport: { type: 'hci', deviceId: 0 },
    });
  });

  it('accepts every filter and normalises UUIDs, addresses and hex', () => {
    const details = parseBleDetails(`
filters:
  localName: "^Thermo-[0-9]+$"
  serviceUuids: ["180F", "6E400001-B5A3-F393-E0A9-E50E24DCCA9E", "0000181a00001000800000805f9b34fb"]
  manufacturerId: "0x004C"
  manufacturerDataPrefix: "02 15"
  addresses: ["AA-BB-CC-DD-EE-FF"]
  minRssi: -80
goneAfterSeconds: 10
maxDevices: 50
transport: { type: uart, port: /dev/ttyACM0, baudRate: 115200 }
`);
    expect(details.filters.localName?.test('Thermo-12')).toBe(true);
    expect(details.filters.serviceUuids).toEqual([
      '0000180f-0000-1000-8000-00805f9b34fb',
      '6e400001-b5a3-f393-e0a9-e50e24dcca9e',
      '0000181a-0000-1000-8000-00805f9b34fb',
    ]);
    expect(details.filters.manufacturerId).toBe(0x004c);
    expect(details.filters.manufacturerDataPrefix?.toString('hex')).toBe('0215');
    expect(details.filters.addresses).toEqual(['aa:bb:cc:dd:ee:ff']);
    expect(details.filters.minRssi).toBe(-80);
    expect(details.goneAfterSeconds).toBe(10);
    expect(details.maxDevices).toBe(50);
    expect(details.transport).toEqual({ type: 'uart', port: '/dev/ttyACM0', baudRate: 115200 });
  });

  it('a UART transport defaults to 1 Mbaud, as noble does', () => {
    expect(parseBleDetails('transport: { type: uart, port: /dev/ttyUSB0 }').transport).toEqual({
      type: 'uart',
      port: '/dev/ttyUSB0',
      baudRate: 1_000_000,
    });
  });

  it.each([
    ['filters: { localName: "([a-z" }', 'filters.localName', /invalid regular expression \(RE2 syntax\): .*missing closing ]/],
    [`filters: { localName: "${'a'.repeat(257)}" }`, 'filters.localName', /at most 256/],
    ['filters: { localName: "^(?=Thermo)" }', 'filters.localName', /lookahead and lookbehind/],
    ['filters: { localName: "(?<!x)Thermo" }', 'filters.localName', /lookahead and lookbehind/],
    ['filters: { localName: "(a)\\\\1" }', 'filters.localName', /backreferences/],
    ['filters: { localName: "\\\\u0041" }', 'filters.localName', /\\x\{263A\}/],
    ['filters: { localName: "\\\\p{Script=Greek}" }', 'filters.localName', /\\p\{Greek\}/],
    ['filters: { localName: "a{1000}" }', 'filters.localName', /compiles to 1002 instructions; the limit is 128/],
    ['filters: { serviceUuids: ["180f", "xyz"] }', 'filters.serviceUuids[1]', /not a Bluetooth UUID/],
    ['filters: { serviceUuids: "180f" }', 'filters.serviceUuids', /list/],
    ['filters: { manufacturerId: 70000 }', 'filters.manufacturerId', /0\.\.65535/],
    ['filters: { manufacturerDataPrefix: "abc" }', 'filters.manufacturerDataPrefix', /even number/],
    ['filters: { addresses: ["aa:bb:cc"] }', 'filters.addresses[0]', /Bluetooth address/],
    ['filters: { minRssi: -200 }', 'filters.minRssi', /-127\.\.20/],
    ['filters: { localname: "x" }', 'filters.localname', /unknown field/],
    ['goneAfterSeconds: 0', 'goneAfterSeconds', /1\.\.3600/],
    ['goneAfterSeconds: 99999', 'goneAfterSeconds', /1\.\.3600/],
    ['maxDevices: 1000000', 'maxDevices', /1\.\.10000/],
    ['transport: { type: usb }', 'transport.type', /"hci" or "uart"/],
    ['transport: { type: uart }', 'transport.port', /absolute serial device path/],
    ['transport: { type: uart, port: "/dev/../etc/passwd" }', 'transport.port', /absolute/],
    ['transport: { type: uart, port: /dev/ttyS0, baudRate: 9 }', 'transport.baudRate', /1200\.\.4000000/],
    ['transport: { deviceId: 64 }', 'transport.deviceId', /0\.\.63/],
    ['scanSeconds: 5', 'scanSeconds', /unknown field/],
    ['[1, 2]', 'discoveryDetails', /mapping/],
    ['filters: [', undefined, /YAML/],
  ])('rejects %s naming %s', (yaml, field, message) => {
    const error = errorOf(yaml);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});
