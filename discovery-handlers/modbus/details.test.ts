// discoveryDetails: defaults fill every gap, and anything past a bound is refused with an
// error that names the field, before a single packet is sent.
import { describe, expect, it } from 'vitest';
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { BOUNDS, parseModbusDetails } from './details.ts';

function refusal(yaml: string): InvalidDiscoveryDetails {
  try {
    parseModbusDetails(yaml);
  } catch (err) {
    if (err instanceof InvalidDiscoveryDetails) return err;
    throw err;
  }
  throw new Error('expected InvalidDiscoveryDetails');
}

describe('Modbus discoveryDetails', () => {
  it('fills defaults for a bare host list', () => {
    const d = parseModbusDetails('tcp:\n  hosts: [10.0.0.5]\n');
    expect(d.tcp).toEqual({ hosts: ['10.0.0.5'], ports: [502], unitIds: [1] });
    expect(d.rtu).toBeUndefined();
    expect(d.deviceIdentification).toBe(true);
    expect(d.probeRegister).toEqual({ functionCode: 3, address: 0 });
    expect(d.limits).toEqual({ concurrency: 32, connectTimeoutMs: 1000, requestTimeoutMs: 500, targetTimeoutMs: 15000, roundTimeoutMs: 120000, maxProbes: 4096 });
    expect(d.discoveryIntervalSecs).toBe(30);
  });

  it('expands CIDR ranges and unit-id ranges', () => {
    const d = parseModbusDetails('tcp:\n  hosts: [192.168.1.0/30, plc.local]\n  ports: [502, 1502]\n  unitIds: [1, "3-5", 255]\n');
    expect(d.tcp).toEqual({ hosts: ['192.168.1.1', '192.168.1.2', 'plc.local'], ports: [502, 1502], unitIds: [1, 3, 4, 5, 255] });
  });

  it('reads RTU line settings', () => {
    const d = parseModbusDetails('rtu:\n  ports: [/dev/ttyUSB*]\n  baudRate: 19200\n  parity: even\n  stopBits: 2\n  unitIds: ["1-3"]\nprobeRegister:\n  type: input\n  address: 264\n');
    expect(d.rtu).toEqual({ ports: ['/dev/ttyUSB*'], baudRate: 19200, parity: 'even', dataBits: 8, stopBits: 2, unitIds: [1, 2, 3] });
    expect(d.probeRegister).toEqual({ functionCode: 4, address: 264 });
  });

  it('turns the fallback probe off with probeRegister: null', () => {
    expect(parseModbusDetails('tcp: {hosts: [h]}\nprobeRegister: null\n').probeRegister).toBeNull();
  });

  it('refuses a /24 times 247 unit ids as a probe storm, naming tcp', () => {
    const err = refusal('tcp:\n  hosts: [10.1.2.0/24]\n  unitIds: ["1-247"]\n');
    expect(err.field).toBe('tcp');
    expect(err.message).toMatch(/254 hosts x 1 ports x 247 unit ids = 62738 probes exceeds limits.maxProbes/);
  });

  it('refuses a range larger than the host limit before expanding it', () => {
    const err = refusal('tcp:\n  hosts: [10.0.0.0/8]\n');
    expect(err.field).toBe('tcp.hosts');
    expect(err.message).toMatch(new RegExp(`limit of ${BOUNDS.maxHosts}`));
  });

  it('does not let maxProbes be raised past its hard bound', () => {
    expect(refusal('tcp: {hosts: [h]}\nlimits: {maxProbes: 100000}\n').field).toBe('limits.maxProbes');
  });

  it.each([
    ['', ''],
    ['tcp: {hosts: [10.0.0.300]}', 'tcp.hosts'],
    ['tcp: {hosts: [10.0.0.0/33]}', 'tcp.hosts'],
    ['tcp: {hosts: []}', 'tcp.hosts'],
    ['tcp: {ports: [502]}', 'tcp.hosts'],
    ['tcp: {hosts: [h], ports: [70000]}', 'tcp.ports[0]'],
    ['tcp: {hosts: [h], unitIds: ["5-2"]}', 'tcp.unitIds'],
    ['tcp: {hosts: [h], unitIds: [256]}', 'tcp.unitIds'],
    ['tcp: {hosts: [h], unitID: [1]}', 'tcp.unitID'],
    ['rtu: {ports: [ttyUSB0]}', 'rtu.ports[0]'],
    ['rtu: {ports: ["/dev/*/tty"]}', 'rtu.ports[0]'],
    ['rtu: {ports: [/dev/ttyS0], unitIds: [0]}', 'rtu.unitIds'],
    ['rtu: {ports: [/dev/ttyS0], parity: mark}', 'rtu.parity'],
    ['rtu: {ports: [/dev/ttyS0], baudRate: 5000000}', 'rtu.baudRate'],
    ['rtu: {ports: [/dev/ttyS0], stopBits: 3}', 'rtu.stopBits'],
    ['tcp: {hosts: [h]}\nlimits: {concurrency: 0}', 'limits.concurrency'],
    ['tcp: {hosts: [h]}\nlimits: {requestTimeoutMs: 60000}', 'limits.requestTimeoutMs'],
    ['tcp: {hosts: [h]}\ndiscoveryIntervalSecs: 0', 'discoveryIntervalSecs'],
    ['tcp: {hosts: [h]}\nfilters: {vendorNames: {action: Maybe, items: [x]}}', 'filters.vendorNames.action'],
    ['tcp: {hosts: [h]}\nprobeRegister: {type: coil}', 'probeRegister.type'],
    ['tcp: {hosts: [h]}\ndeviceIdentification: maybe', 'deviceIdentification'],
  ])('refuses %j naming %s', (yaml, field) => {
    expect(refusal(yaml).field ?? '').toBe(field);
  });

  it('reports YAML syntax errors as invalid details', () => {
    expect(refusal('tcp: [unclosed').message).toMatch(/not valid YAML/);
  });
});
