// Parses a Modbus Configuration's discoveryDetails (YAML) into a fully defaulted, bounded plan.
// Every option has a default and an upper bound, and a configuration past a bound is refused
// (InvalidDiscoveryDetails naming the field) rather than silently trimmed: a /24 times 247 unit
// ids is 62,738 probes, which would flood a plant network every interval.
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { readDetailsYaml } from '../../lib/discovery/details-yaml.ts';
import { HostSpecError, expandHosts } from './cidr.ts';
import { FC_READ_HOLDING_REGISTERS, FC_READ_INPUT_REGISTERS } from './pdu.ts';
import { UnitIdError, parseUnitIds } from './unit-ids.ts';

export type FilterAction = 'Include' | 'Exclude';
export interface StringFilter {
  action: FilterAction;
  items: string[];
}
export interface UnitIdFilter {
  action: FilterAction;
  items: number[];
}

export interface TcpTargets {
  hosts: string[];
  ports: number[];
  unitIds: number[];
}

export type Parity = 'none' | 'even' | 'odd';
export interface RtuTargets {
  /** Paths or globs (`*`, `?` in the last path segment), e.g. /dev/serial/by-id/usb-FTDI*. */
  ports: string[];
  baudRate: number;
  parity: Parity;
  dataBits: 7 | 8;
  stopBits: 1 | 2;
  unitIds: number[];
}

export interface ProbeRegister {
  functionCode: typeof FC_READ_HOLDING_REGISTERS | typeof FC_READ_INPUT_REGISTERS;
  address: number;
}

export interface ScanLimits {
  /** Targets (host:port pairs, serial lines) probed at once. */
  concurrency: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Time budget for all unit ids of one target; the rest are skipped this round. */
  targetTimeoutMs: number;
  /** Upper bound on requests one round may plan (targets x unit ids). */
  maxProbes: number;
  /** One round ends after this; targets not scanned keep their devices and go first next round. */
  roundTimeoutMs: number;
}

export interface ModbusDiscoveryDetails {
  tcp: TcpTargets | undefined;
  rtu: RtuTargets | undefined;
  /** Ask 0x2B/0x0E first; off for devices known to choke on it. */
  deviceIdentification: boolean;
  /** Fallback when identification is refused or unanswered; null turns the fallback off. */
  probeRegister: ProbeRegister | null;
  filters: { vendorNames?: StringFilter; productCodes?: StringFilter; unitIds?: UnitIdFilter };
  limits: ScanLimits;
  discoveryIntervalSecs: number;
}

/** Defaults and hard bounds, exported so tests and docs quote the same numbers. */
export const BOUNDS = {
  maxHosts: 1024,
  maxPorts: 16,
  maxSerialPorts: 16,
  maxProbesDefault: 4096,
  maxProbesLimit: 16384,
  concurrency: { default: 32, min: 1, max: 256 },
  connectTimeoutMs: { default: 1000, min: 10, max: 10_000 },
  requestTimeoutMs: { default: 500, min: 10, max: 10_000 },
  targetTimeoutMs: { default: 15_000, min: 100, max: 120_000 },
  roundTimeoutMs: { default: 120_000, min: 1000, max: 3_600_000 },
  discoveryIntervalSecs: { default: 30, min: 1, max: 3600 },
  baudRate: { default: 9600, min: 300, max: 921_600 },
} as const;

type Obj = Record<string, unknown>;

function fail(field: string, message: string): never {
  throw new InvalidDiscoveryDetails(message, field);
}

function object(value: unknown, field: string, allowed: readonly string[]): Obj {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(field, 'must be a mapping');
  const obj = value as Obj;
  for (const key of Object.keys(obj)) {
    // Refusing unknown keys turns a typo ("unitID") into an error instead of a silent default.
    if (!allowed.includes(key)) fail(field ? `${field}.${key}` : key, `unknown option; expected one of ${allowed.join(', ')}`);
  }
  return obj;
}

function integer(value: unknown, field: string, bounds: { default: number; min: number; max: number }): number {
  if (value === undefined || value === null) return bounds.default;
  if (typeof value !== 'number' || !Number.isInteger(value)) fail(field, `must be an integer, got ${JSON.stringify(value)}`);
  if (value < bounds.min || value > bounds.max) fail(field, `must lie in ${bounds.min}-${bounds.max}, got ${value}`);
  return value;
}

function stringList(value: unknown, field: string, max: number): string[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) fail(field, 'needs at least one entry');
  if (list.length > max) fail(field, `at most ${max} entries, got ${list.length}`);
  return list.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') fail(`${field}[${i}]`, 'must be a non-empty string');
    return item.trim();
  });
}

function unitIds(value: unknown, field: string, min: number, max: number, fallback: number[]): number[] {
  if (value === undefined || value === null) return fallback;
  try {
    return parseUnitIds(value, min, max);
  } catch (err) {
    if (err instanceof UnitIdError) fail(field, err.message);
    throw err;
  }
}

function parseTcp(value: unknown): TcpTargets {
  const tcp = object(value, 'tcp', ['hosts', 'ports', 'unitIds']);
  if (tcp.hosts === undefined) fail('tcp.hosts', 'is required: addresses, hostnames or CIDR ranges');
  const specs = stringList(tcp.hosts, 'tcp.hosts', BOUNDS.maxHosts);
  let hosts: string[];
  try {
    hosts = expandHosts(specs, BOUNDS.maxHosts);
  } catch (err) {
    if (err instanceof HostSpecError) fail('tcp.hosts', err.message);
    throw err;
  }
  const portList = tcp.ports === undefined ? [502] : Array.isArray(tcp.ports) ? (tcp.ports as unknown[]) : [tcp.ports];
  if (portList.length === 0 || portList.length > BOUNDS.maxPorts) fail('tcp.ports', `needs 1-${BOUNDS.maxPorts} ports`);
  const ports = [
    ...new Set(portList.map((p, i) => integer(p, `tcp.ports[${i}]`, { default: 502, min: 1, max: 65535 }))),
  ];
  // TCP unit ids: 0 and 255 are common for devices that ignore the field; a gateway uses 1-247.
  return { hosts, ports, unitIds: unitIds(tcp.unitIds, 'tcp.unitIds', 0, 255, [1]) };
}

function parseRtu(value: unknown): RtuTargets {
  const rtu = object(value, 'rtu', ['ports', 'baudRate', 'parity', 'dataBits', 'stopBits', 'unitIds']);
  if (rtu.ports === undefined) fail('rtu.ports', 'is required: serial device paths or globs');
  const ports = stringList(rtu.ports, 'rtu.ports', BOUNDS.maxSerialPorts);
  ports.forEach((p, i) => {
    if (!p.startsWith('/')) fail(`rtu.ports[${i}]`, `must be an absolute path, got "${p}"`);
    if (/[*?]/.test(p.slice(0, p.lastIndexOf('/')))) fail(`rtu.ports[${i}]`, 'wildcards are only allowed in the last path segment');
  });
  const parity = rtu.parity ?? 'none';
  if (parity !== 'none' && parity !== 'even' && parity !== 'odd') fail('rtu.parity', `must be none, even or odd, got ${JSON.stringify(parity)}`);
  const dataBits = rtu.dataBits ?? 8;
  if (dataBits !== 7 && dataBits !== 8) fail('rtu.dataBits', `must be 7 or 8, got ${JSON.stringify(dataBits)}`);
  const stopBits = rtu.stopBits ?? 1;
  if (stopBits !== 1 && stopBits !== 2) fail('rtu.stopBits', `must be 1 or 2, got ${JSON.stringify(stopBits)}`);
  return {
    ports,
    baudRate: integer(rtu.baudRate, 'rtu.baudRate', BOUNDS.baudRate),
    parity,
    dataBits,
    stopBits,
    // 0 is broadcast (never answered) and 248-255 are reserved on a serial line.
    unitIds: unitIds(rtu.unitIds, 'rtu.unitIds', 1, 247, [1]),
  };
}

function parseStringFilter(value: unknown, field: string): StringFilter | undefined {
  if (value === undefined || value === null) return undefined;
  const f = object(value, field, ['action', 'items']);
  const action = f.action ?? 'Include';
  if (action !== 'Include' && action !== 'Exclude') fail(`${field}.action`, `must be Include or Exclude, got ${JSON.stringify(action)}`);
  const items = f.items === undefined ? [] : stringList(f.items, `${field}.items`, 1024);
  return { action, items };
}

function parseFilters(value: unknown): ModbusDiscoveryDetails['filters'] {
  if (value === undefined || value === null) return {};
  const f = object(value, 'filters', ['vendorNames', 'productCodes', 'unitIds']);
  const filters: ModbusDiscoveryDetails['filters'] = {};
  const vendorNames = parseStringFilter(f.vendorNames, 'filters.vendorNames');
  if (vendorNames) filters.vendorNames = vendorNames;
  const productCodes = parseStringFilter(f.productCodes, 'filters.productCodes');
  if (productCodes) filters.productCodes = productCodes;
  if (f.unitIds !== undefined && f.unitIds !== null) {
    const u = object(f.unitIds, 'filters.unitIds', ['action', 'items']);
    const action = u.action ?? 'Include';
    if (action !== 'Include' && action !== 'Exclude') fail('filters.unitIds.action', `must be Include or Exclude, got ${JSON.stringify(action)}`);
    filters.unitIds = { action, items: unitIds(u.items, 'filters.unitIds.items', 0, 255, []) };
  }
  return filters;
}

function parseProbeRegister(value: unknown): ProbeRegister | null {
  if (value === null || value === false) return null;
  if (value === undefined) return { functionCode: FC_READ_HOLDING_REGISTERS, address: 0 };
  const p = object(value, 'probeRegister', ['type', 'address']);
  const type = p.type ?? 'holding';
  if (type !== 'holding' && type !== 'input') fail('probeRegister.type', `must be holding or input, got ${JSON.stringify(type)}`);
  return {
    functionCode: type === 'holding' ? FC_READ_HOLDING_REGISTERS : FC_READ_INPUT_REGISTERS,
    address: integer(p.address, 'probeRegister.address', { default: 0, min: 0, max: 65535 }),
  };
}

export function parseModbusDetails(text: string): ModbusDiscoveryDetails {
  const doc = readDetailsYaml(text);
  if (doc === null || doc === undefined) fail('', 'names no targets: give tcp and/or rtu');
  const top = object(doc, '', ['tcp', 'rtu', 'deviceIdentification', 'probeRegister', 'filters', 'limits', 'discoveryIntervalSecs']);
  const tcp = top.tcp === undefined || top.tcp === null ? undefined : parseTcp(top.tcp);
  const rtu = top.rtu === undefined || top.rtu === null ? undefined : parseRtu(top.rtu);
  if (!tcp && !rtu) fail('tcp', 'names no targets: give tcp and/or rtu');

  const l = top.limits === undefined || top.limits === null ? {} : object(top.limits, 'limits', ['concurrency', 'connectTimeoutMs', 'requestTimeoutMs', 'targetTimeoutMs', 'maxProbes', 'roundTimeoutMs']);
  const limits: ScanLimits = {
    concurrency: integer(l.concurrency, 'limits.concurrency', BOUNDS.concurrency),
    connectTimeoutMs: integer(l.connectTimeoutMs, 'limits.connectTimeoutMs', BOUNDS.connectTimeoutMs),
    requestTimeoutMs: integer(l.requestTimeoutMs, 'limits.requestTimeoutMs', BOUNDS.requestTimeoutMs),
    targetTimeoutMs: integer(l.targetTimeoutMs, 'limits.targetTimeoutMs', BOUNDS.targetTimeoutMs),
    maxProbes: integer(l.maxProbes, 'limits.maxProbes', { default: BOUNDS.maxProbesDefault, min: 1, max: BOUNDS.maxProbesLimit }),
    roundTimeoutMs: integer(l.roundTimeoutMs, 'limits.roundTimeoutMs', BOUNDS.roundTimeoutMs),
  };
  if (tcp) {
    const probes = tcp.hosts.length * tcp.ports.length * tcp.unitIds.length;
    if (probes > limits.maxProbes) {
      fail('tcp', `${tcp.hosts.length} hosts x ${tcp.ports.length} ports x ${tcp.unitIds.length} unit ids = ${probes} probes exceeds limits.maxProbes (${limits.maxProbes}, at most ${BOUNDS.maxProbesLimit}); narrow the hosts or unit ids`);
    }
  }
  if (rtu) {
    // Globs are counted as one line here and capped at maxSerialPorts when expanded.
    const probes = rtu.ports.length * rtu.unitIds.length;
    if (probes > limits.maxProbes) fail('rtu', `${probes} probes exceeds limits.maxProbes (${limits.maxProbes})`);
  }
  const deviceIdentification = top.deviceIdentification ?? true;
  if (typeof deviceIdentification !== 'boolean') fail('deviceIdentification', 'must be true or false');
  return {
    tcp,
    rtu,
    deviceIdentification,
    probeRegister: parseProbeRegister(top.probeRegister),
    filters: parseFilters(top.filters),
    limits,
    discoveryIntervalSecs: integer(top.discoveryIntervalSecs, 'discoveryIntervalSecs', BOUNDS.discoveryIntervalSecs),
  };
}
