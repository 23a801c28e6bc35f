import { describe, expect, it } from 'vitest';
import { brokerEnvironmentRows, formatBrokerEnvironment, parseBrokerEnvironment } from './broker-environment.ts';

const log = [
  'some earlier line',
  '--- environment ---',
  'HOME=/root',
  'OPCUA_DISCOVERY_URL=opc.tcp://127.0.0.1:4840/',
  'OPCUA_DISCOVERY_URL_BD59F7=opc.tcp://127.0.0.1:4840/',
  'MULTI=first line',
  'second line of MULTI',
  'WITH_EQUALS=a=b',
  '--- end ---',
  'httpd started',
].join('\n');

describe('the environment a demo broker prints', () => {
  it('is read between the markers, NAME=value per line, values keeping their "="', () => {
    expect(parseBrokerEnvironment(log)).toEqual({
      HOME: '/root',
      OPCUA_DISCOVERY_URL: 'opc.tcp://127.0.0.1:4840/',
      OPCUA_DISCOVERY_URL_BD59F7: 'opc.tcp://127.0.0.1:4840/',
      MULTI: 'first line',
      WITH_EQUALS: 'a=b',
    });
  });

  it('is not there until the end marker is printed', () => {
    expect(parseBrokerEnvironment('--- environment ---\nHOME=/root\n')).toBeUndefined();
    expect(parseBrokerEnvironment('')).toBeUndefined();
  });

  it("shows each of the Instance's properties as the container printed it, with its suffixed copy", () => {
    const env = parseBrokerEnvironment(log);
    const rows = brokerEnvironmentRows([
      { namespace: 'default', pod: 'b-pod', expected: { OPCUA_DISCOVERY_URL: 'opc.tcp://127.0.0.1:4840/', ABSENT: 'x' }, printed: env },
      { namespace: 'default', pod: 'a-pod', expected: { OPCUA_DISCOVERY_URL: 'x' }, printed: undefined },
    ]);
    expect(rows).toEqual([
      { namespace: 'default', pod: 'a-pod', variable: '-', value: '(its log has no environment yet)' },
      { namespace: 'default', pod: 'b-pod', variable: 'ABSENT', value: '(not in its environment)' },
      { namespace: 'default', pod: 'b-pod', variable: 'OPCUA_DISCOVERY_URL', value: 'opc.tcp://127.0.0.1:4840/  (also as _BD59F7)' },
    ]);
  });

  it('says so when no broker runs yet', () => {
    expect(formatBrokerEnvironment([])).toContain('(no broker Running yet)');
    const text = formatBrokerEnvironment([{ namespace: 'default', pod: 'p', expected: { UDEV_DEVNODE: '/dev/null' }, printed: { UDEV_DEVNODE: '/dev/null' } }]);
    expect(text.split('\n').slice(1, 3)).toEqual(['NAMESPACE  POD  VARIABLE      VALUE', 'default    p    UDEV_DEVNODE  /dev/null']);
  });
});
