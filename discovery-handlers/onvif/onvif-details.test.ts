// onvif discoveryDetails: Akri's defaults and shapes, our bounded additions, and errors that
// name the field.
import { describe, expect, it } from 'vitest';
import { parseOnvifDetails } from './onvif-details.ts';
import { passesScopeFilter } from './ws-discovery-messages.ts';
import { passesFilterOnValue, shouldInclude } from '../../lib/discovery/filter-list.ts';

describe('onvif discoveryDetails', () => {
  it('"{}" and "" give Akri defaults (timeout 1 s, no filters) and our defaults', () => {
    for (const text of ['{}', '']) {
      expect(parseOnvifDetails(text)).toEqual({
        discoveryTimeoutSeconds: 1,
        discoveryIntervalSeconds: 10,
        multicast: true,
        unicastAddresses: [],
        requestTimeoutSeconds: 3,
        maxConcurrentQueries: 8,
        roundTimeoutSeconds: 30,
        maxEndpointsPerResponder: 16,
        maxXAddrsPerEndpoint: 4,
        verifyCertificates: false,
      });
    }
  });

  it("reads Akri's helm template YAML, with action defaulting to Include", () => {
    const details = parseOnvifDetails(
      'ipAddresses:\n  action: Exclude\n  items: ["10.0.0.1"]\nmacAddresses:\n  items: []\nscopes:\n  action: Include\n  items: [a, b]\nuuids:\n  items: [u]\ndiscoveryTimeoutSeconds: 2\n',
    );
    expect(details.ipAddresses).toEqual({ action: 'Exclude', items: ['10.0.0.1'] });
    expect(details.macAddresses).toEqual({ action: 'Include', items: [] });
    expect(details.uuids).toEqual({ action: 'Include', items: ['u'] });
    expect(details.discoveryTimeoutSeconds).toBe(2);
  });

  it('names the field in every error', () => {
    const cases: Array<[string, RegExp]> = [
      ['scopes: {items: [1]}', /scopes\.items\[0\]: expected a string/],
      ['uuids: {action: Include}', /uuids\.items: expected a list/],
      ['ipAddresses: {items: [], action: include}', /ipAddresses\.action/],
      ['discoveryTimeoutSeconds: 600', /discoveryTimeoutSeconds: expected a value from 0.1 to 60/],
      ['discoveryIntervalSeconds: 0', /discoveryIntervalSeconds/],
      ['maxConcurrentQueries: 2.5', /maxConcurrentQueries: expected an integer/],
      ['unicastTargets: ["cam.local"]', /unicastTargets\[0\]: expected an IPv4 address or CIDR/],
      ['unicastTargets: ["10.0.0.0/21"]', /unicastTargets\[0\].*2048 addresses/],
      ['multicast: false', /unicastTargets: with multicast off/],
      ['scope: {items: []}', /scope: unknown field/],
      ['[1, 2]', /expected a mapping/],
      ['{a: [', /not valid YAML or JSON/],
      ['ipAddresses: {items: ["10.0.0.1", "999.1.1.1"]}', /ipAddresses\.items\[1\]: expected an IPv4 or IPv6 address, got "999\.1\.1\.1"/],
      ['ipAddresses: {items: ["not an ip"]}', /ipAddresses\.items\[0\]: expected an IPv4 or IPv6 address/],
      ['ipAddresses: {items: ["10.0.0.0/24"]}', /ipAddresses\.items\[0\]/],
      ['macAddresses: {items: ["aa:bb:cc:dd:ee"]}', /macAddresses\.items\[0\]: expected a MAC address/],
      ['macAddresses: {items: ["aa:bb-cc:dd:ee:ff"]}', /macAddresses\.items\[0\]/],
      ['credentialCidrs: ["10.1.0.0/33"]', /credentialCidrs\[0\]: bad prefix length/],
      ['credentialCidrs: ["cameras.local/24"]', /credentialCidrs\[0\]: expected a CIDR range/],
      ['credentialCidrs: "10.0.0.0/8"', /credentialCidrs: expected a list of strings/],
      ['verifyCertificates: "yes"', /verifyCertificates: expected true or false/],
      ['roundTimeoutSeconds: 0.5', /roundTimeoutSeconds: expected a value from 1 to 600/],
      ['{roundTimeoutSeconds: 2, discoveryTimeoutSeconds: 5}', /roundTimeoutSeconds: must be longer than discoveryTimeoutSeconds/],
      ['maxEndpointsPerResponder: 0', /maxEndpointsPerResponder: expected a value from 1 to 1024/],
      ['maxXAddrsPerEndpoint: 17', /maxXAddrsPerEndpoint: expected a value from 1 to 16/],
    ];
    for (const [text, message] of cases) expect(() => parseOnvifDetails(text), text).toThrow(message);
  });

  it('accepts IPv4 and IPv6 addresses and MACs with either separator, comparing MACs in one form', () => {
    const details = parseOnvifDetails(
      'ipAddresses: {items: ["10.0.0.1", "fd00::7"]}\nmacAddresses: {items: ["AA-BB-CC-DD-EE-01", "aa:bb:cc:dd:ee:02"]}\ncredentialCidrs: ["10.1.0.0/16", "fd00::/8", "192.168.7.9"]',
    );
    expect(details.ipAddresses?.items).toEqual(['10.0.0.1', 'fd00::7']);
    expect(details.macAddresses?.items).toEqual(['aa:bb:cc:dd:ee:01', 'aa:bb:cc:dd:ee:02']);
    const contains = details.credentialCidrs?.contains ?? (() => false);
    expect(['10.1.200.3', 'fd00::1', '192.168.7.9'].map(contains)).toEqual([true, true, true]);
    expect(['10.2.0.1', '192.168.7.10', 'fe80::1', 'not-an-ip'].map(contains)).toEqual([false, false, false, false]);
  });

  it('expands unicast CIDRs without network and broadcast addresses, and dedups hosts', () => {
    const details = parseOnvifDetails('unicastTargets: ["192.168.1.0/30", "192.168.1.1", "192.168.1.9/32"]');
    expect(details.unicastAddresses).toEqual(['192.168.1.1', '192.168.1.2', '192.168.1.9']);
  });
});

describe('filter semantics (Akri)', () => {
  it('Include keeps only listed items; an empty Include keeps nothing; Exclude drops listed ones', () => {
    expect(shouldInclude(undefined, 'x')).toBe(true);
    expect(shouldInclude({ items: ['x'], action: 'Include' }, 'x')).toBe(true);
    expect(shouldInclude({ items: [], action: 'Include' }, 'x')).toBe(false);
    expect(shouldInclude({ items: ['x'], action: 'Exclude' }, 'x')).toBe(false);
    expect(shouldInclude({ items: ['AB'], action: 'Include' }, 'ab', true)).toBe(true);
  });

  it('an unknown IP or MAC fails any filter except an empty Exclude', () => {
    expect(passesFilterOnValue(undefined, undefined)).toBe(true);
    expect(passesFilterOnValue({ items: ['1'], action: 'Exclude' }, undefined)).toBe(false);
    expect(passesFilterOnValue({ items: [], action: 'Exclude' }, undefined)).toBe(true);
  });

  it('a scope filter matches any of the endpoint scopes', () => {
    const scopes = ['onvif://www.onvif.org/name/a', 'onvif://www.onvif.org/location/x'];
    expect(passesScopeFilter({ items: ['onvif://www.onvif.org/location/x'], action: 'Include' }, scopes)).toBe(true);
    expect(passesScopeFilter({ items: ['onvif://www.onvif.org/location/x'], action: 'Exclude' }, scopes)).toBe(false);
    expect(passesScopeFilter({ items: [], action: 'Include' }, scopes)).toBe(false);
  });
});
