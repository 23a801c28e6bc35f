// Vectors computed independently with Python's hashlib.blake2b(data, digest_size=3); two of
// them also appear in Akri's own docs and tests (akri-debug-echo-foo-8120fe, ..._D46B65).
import { describe, expect, it } from 'vitest';
import { cdiName, deviceHash, instanceName } from './instance-name.ts';

describe('Instance names match Akri byte for byte', () => {
  it.each([
    ['foo0', '8120fe'],
    ['foo1', 'a19705'],
    ['bar0', 'd46b65'],
    ['opc.tcp://127.0.0.1:4840/', 'de72c2'],
    ['http://10.0.0.5:80/onvif/device_service-3fa1fe68-b915-4053-a3e1-ac15a21f5f91', 'd34504'],
    ['', 'cec7ea'],
  ])('a shared device with id %j hashes to %s', (id, hash) => {
    expect(deviceHash(id, true, 'any-node')).toBe(hash);
  });

  it('a local device hashes its id followed directly by the node name', () => {
    expect(deviceHash('foo0', false, 'node-a')).toBe('fbcb99');
    expect(deviceHash('/devices/virtual/mem/null', false, 'node-1')).toBe('92d36d');
  });

  it('the same local device on two nodes gets two names; a shared one gets one', () => {
    expect(deviceHash('foo0', false, 'node-a')).not.toBe(deviceHash('foo0', false, 'node-b'));
    expect(deviceHash('foo0', true, 'node-a')).toBe(deviceHash('foo0', true, 'node-b'));
  });

  it('builds the Instance name and CDI name from the Configuration name and hash', () => {
    expect(instanceName('akri-debug-echo-foo', '8120fe')).toBe('akri-debug-echo-foo-8120fe');
    expect(cdiName('akri-debug-echo-foo', '8120fe')).toBe('akri.sh/akri-debug-echo-foo=8120fe');
  });
});
