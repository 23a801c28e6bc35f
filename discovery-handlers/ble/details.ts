// Parses and validates the `ble` Configuration's discoveryDetails (YAML). Everything is checked
// before the first scan so a bad Configuration fails once, loudly, naming the field, instead of
// scanning with a silently ignored filter. Every number has a default and an upper bound.
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { readDetailsYaml } from '../../lib/discovery/details-yaml.ts';
import { compileLocalNamePattern, LOCAL_NAME_LIMITS, type LocalNamePattern } from './local-name-pattern.ts';
import { normaliseUuid } from './uuid.ts';

export interface BleFilters {
  /** Matched (RE2, linear time) against the advertised local name; a device without a name never matches. */
  localName?: LocalNamePattern;
  /** Canonical 128-bit UUIDs; the device must advertise at least one of them. */
  serviceUuids?: string[];
  manufacturerId?: number;
  /** Manufacturer data after the 2-byte company id must start with these bytes. */
  manufacturerDataPrefix?: Buffer;
  /** Lower-case colon form; the device address must be one of them. */
  addresses?: string[];
  /** Advertisements weaker than this (dBm) do not count as "heard". */
  minRssi?: number;
}

export type BleTransport =
  | { type: 'hci'; deviceId: number }
  | { type: 'uart'; port: string; baudRate: number };

export interface BleDetails {
  filters: BleFilters;
  goneAfterSeconds: number;
  maxDevices: number;
  transport: BleTransport;
}

export const BLE_LIMITS = {
  localNamePatternLength: LOCAL_NAME_LIMITS.patternLength,
  localNameProgramSize: LOCAL_NAME_LIMITS.programSize,
  serviceUuids: 64,
  addresses: 1024,
  manufacturerDataPrefixBytes: 64,
  goneAfterSeconds: { default: 30, min: 1, max: 3600 },
  maxDevices: { default: 1024, min: 1, max: 10_000 },
  hciDeviceId: 63,
  baudRate: { default: 1_000_000, min: 1200, max: 4_000_000 },
  minRssi: { min: -127, max: 20 },
} as const;

const TOP_LEVEL_KEYS = ['filters', 'goneAfterSeconds', 'maxDevices', 'transport'];
const FILTER_KEYS = ['localName', 'serviceUuids', 'manufacturerId', 'manufacturerDataPrefix', 'addresses', 'minRssi'];

type Fields = Record<string, unknown>;

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, message: string): never {
  throw new InvalidDiscoveryDetails(message, field);
}

/** Unknown keys are errors: a misspelt filter would otherwise match every device. */
function rejectUnknownKeys(fields: Fields, allowed: readonly string[], prefix: string): void {
  for (const key of Object.keys(fields)) {
    if (!allowed.includes(key)) {
      fail(prefix ? `${prefix}.${key}` : key, `unknown field; expected one of ${allowed.join(', ')}`);
    }
  }
}

function integerIn(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(field, `expected an integer, got ${JSON.stringify(value)}`);
  if (value < min || value > max) fail(field, `expected ${min}..${max}, got ${value}`);
  return value;
}

function stringList(value: unknown, field: string, maxItems: number): string[] {
  if (!Array.isArray(value)) fail(field, 'expected a list of strings');
  if (value.length > maxItems) fail(field, `at most ${maxItems} entries, got ${value.length}`);
  return value.map((item, index) => {
    if (typeof item !== 'string') fail(`${field}[${index}]`, 'expected a string');
    return item;
  });
}

function manufacturerId(value: unknown, field: string): number {
  if (typeof value === 'string' && /^0x[0-9a-f]{1,4}$/i.test(value.trim())) return Number.parseInt(value.trim(), 16);
  return integerIn(value, field, 0, 0xffff);
}

function hexBytes(value: unknown, field: string, maxBytes: number): Buffer {
  if (typeof value !== 'string') fail(field, 'expected hex bytes as a string, e.g. "0215"');
  const text = value.replace(/^0x/i, '').replace(/[\s:]/g, '');
  if (!/^([0-9a-f]{2})+$/i.test(text)) fail(field, `expected an even number of hex digits, got ${JSON.stringify(value)}`);
  if (text.length / 2 > maxBytes) fail(field, `at most ${maxBytes} bytes, got ${text.length / 2}`);
  return Buffer.from(text, 'hex');
}

function address(value: string, field: string): string {
  const text = value.trim().toLowerCase().replace(/-/g, ':');
  if (!/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(text)) fail(field, `expected a Bluetooth address like "aa:bb:cc:dd:ee:ff", got ${JSON.stringify(value)}`);
  return text;
}

function parseFilters(value: unknown): BleFilters {
  if (value === undefined || value === null) return {};
  if (!isFields(value)) fail('filters', 'expected a mapping');
  rejectUnknownKeys(value, FILTER_KEYS, 'filters');
  const filters: BleFilters = {};
  if (value.localName !== undefined) filters.localName = compileLocalNamePattern(value.localName, 'filters.localName');
  if (value.serviceUuids !== undefined) {
    filters.serviceUuids = stringList(value.serviceUuids, 'filters.serviceUuids', BLE_LIMITS.serviceUuids).map(
      (raw, index) => normaliseUuid(raw) ?? fail(`filters.serviceUuids[${index}]`, `not a Bluetooth UUID: ${JSON.stringify(raw)}`),
    );
  }
  if (value.manufacturerId !== undefined) filters.manufacturerId = manufacturerId(value.manufacturerId, 'filters.manufacturerId');
  if (value.manufacturerDataPrefix !== undefined) {
    filters.manufacturerDataPrefix = hexBytes(
      value.manufacturerDataPrefix,
      'filters.manufacturerDataPrefix',
      BLE_LIMITS.manufacturerDataPrefixBytes,
    );
  }
  if (value.addresses !== undefined) {
    filters.addresses = stringList(value.addresses, 'filters.addresses', BLE_LIMITS.addresses).map((raw, index) =>
      address(raw, `filters.addresses[${index}]`),
    );
  }
  if (value.minRssi !== undefined) {
    filters.minRssi = integerIn(value.minRssi, 'filters.minRssi', BLE_LIMITS.minRssi.min, BLE_LIMITS.minRssi.max);
  }
  return filters;
}

function parseTransport(value: unknown): BleTransport {
  if (value === undefined || value === null) return { type: 'hci', deviceId: 0 };
  if (!isFields(value)) fail('transport', 'expected a mapping');
  const type = value.type ?? 'hci';
  if (type === 'hci') {
    rejectUnknownKeys(value, ['type', 'deviceId'], 'transport');
    const deviceId = value.deviceId === undefined ? 0 : integerIn(value.deviceId, 'transport.deviceId', 0, BLE_LIMITS.hciDeviceId);
    return { type: 'hci', deviceId };
  }
  if (type === 'uart') {
    rejectUnknownKeys(value, ['type', 'port', 'baudRate'], 'transport');
    const port = value.port;
    if (typeof port !== 'string' || !port.startsWith('/') || port.includes('\0') || port.split('/').includes('..')) {
      fail('transport.port', 'expected an absolute serial device path, e.g. /dev/ttyACM0');
    }
    const { min, max } = BLE_LIMITS.baudRate;
    const baudRate = value.baudRate === undefined ? BLE_LIMITS.baudRate.default : integerIn(value.baudRate, 'transport.baudRate', min, max);
    return { type: 'uart', port, baudRate };
  }
  return fail('transport.type', `expected "hci" or "uart", got ${JSON.stringify(type)}`);
}

/** For log lines and errors: "hci0" or "uart /dev/ttyACM0 @ 1000000 baud". */
export function describeTransport(transport: BleTransport): string {
  return transport.type === 'hci' ? `hci${transport.deviceId}` : `uart ${transport.port} @ ${transport.baudRate} baud`;
}

/** Empty details mean: every advertiser heard on hci0, gone after 30 s of silence. */
export function parseBleDetails(text: string): BleDetails {
  let document = text.trim() === '' ? {} : readDetailsYaml(text);
  if (document === null || document === undefined) document = {};
  if (!isFields(document)) fail('discoveryDetails', 'expected a YAML mapping');
  rejectUnknownKeys(document, TOP_LEVEL_KEYS, '');
  const gone = BLE_LIMITS.goneAfterSeconds;
  const max = BLE_LIMITS.maxDevices;
  return {
    filters: parseFilters(document.filters),
    goneAfterSeconds: document.goneAfterSeconds === undefined ? gone.default : integerIn(document.goneAfterSeconds, 'goneAfterSeconds', gone.min, gone.max),
    maxDevices: document.maxDevices === undefined ? max.default : integerIn(document.maxDevices, 'maxDevices', max.min, max.max),
    transport: parseTransport(document.transport),
  };
}
