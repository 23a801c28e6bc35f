// CIDR expansion: hosts only (no network or broadcast address), ranges with host bits set
// mean their network, and the bound is checked before anything is allocated.
import { describe, expect, it } from 'vitest';
import { HostSpecError, expandHostSpec, expandHosts, hostCount } from './cidr.ts';

describe('host specs', () => {
  it('expands a /29 to its six hosts', () => {
    expect(expandHostSpec('10.0.0.0/29')).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });

  it('reads 10.0.0.77/30 as the network 10.0.0.76/30', () => {
    expect(expandHostSpec('10.0.0.77/30')).toEqual(['10.0.0.77', '10.0.0.78']);
  });

  it('keeps both addresses of a /31 and the one of a /32', () => {
    expect(expandHostSpec('10.0.0.4/31')).toEqual(['10.0.0.4', '10.0.0.5']);
    expect(expandHostSpec('10.0.0.4/32')).toEqual(['10.0.0.4']);
  });

  it('counts a /24 as 254 hosts and a /0 without expanding it', () => {
    expect(hostCount('127.0.1.0/24')).toBe(254);
    expect(hostCount('0.0.0.0/0')).toBe(2 ** 32 - 2);
  });

  it('deduplicates overlapping specs and refuses a total past the limit', () => {
    expect(expandHosts(['10.0.0.1', '10.0.0.0/30', 'plc-1'], 10)).toEqual(['10.0.0.1', '10.0.0.2', 'plc-1']);
    expect(() => expandHosts(['10.0.0.0/24', '10.0.1.0/24'], 300)).toThrow(HostSpecError);
  });

  it.each(['10.0.0', '10.0.0.256', '10.0.0.0/x', '::1', 'bad host', '-leading.dash'])('refuses %j', (spec) => {
    expect(() => hostCount(spec)).toThrow(HostSpecError);
  });
});
