// Addresses in discoveryDetails, checked for what they are rather than taken as any string: an
// IP address (v4 or v6), a MAC address, a CIDR range. A filter item such as "999.1.1.1" or
// "not an ip" can never match anything, so it is a mistake to report, not a value to keep.
import { BlockList, isIP, isIPv4 } from 'node:net';
import { InvalidDiscoveryDetails } from './handler.ts';

/** An IPv4 or IPv6 address as written (no zone, no brackets); throws naming the field. */
export function ipAddress(value: string, field: string): string {
  const text = value.trim();
  if (isIP(text) === 0) throw new InvalidDiscoveryDetails(`expected an IPv4 or IPv6 address, got ${JSON.stringify(value.slice(0, 80))}`, field);
  return text;
}

const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Six hex octets separated by ":" or "-", returned lower case with ":" (how cameras are compared). */
export function macAddress(value: string, field: string): string {
  const text = value.trim();
  if (!MAC.test(text)) throw new InvalidDiscoveryDetails(`expected a MAC address like "aa:bb:cc:dd:ee:ff", got ${JSON.stringify(value.slice(0, 80))}`, field);
  return normaliseMac(text);
}

/** The comparison form of a MAC address: lower case, ":" separated. */
export function normaliseMac(text: string): string {
  return text.trim().toLowerCase().replaceAll('-', ':');
}

export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** "10.1.0.0/16", "fd00::/8", or a single address (a /32 or /128). */
export function cidr(value: string, field: string): Cidr {
  const text = value.trim();
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(address);
  if (family === 0) throw new InvalidDiscoveryDetails(`expected a CIDR range like "10.1.0.0/16" or an address, got ${JSON.stringify(value.slice(0, 80))}`, field);
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) {
    throw new InvalidDiscoveryDetails(`bad prefix length in ${JSON.stringify(value.slice(0, 80))}: expected 0 to ${max}`, field);
  }
  return { address, prefix, family: family === 4 ? 'ipv4' : 'ipv6' };
}

/** True when `address` lies in any of the ranges. */
export function cidrMatcher(ranges: readonly Cidr[]): (address: string) => boolean {
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return (address) => {
    const family = isIP(address);
    if (family === 0) return false;
    return list.check(address, isIPv4(address) ? 'ipv4' : 'ipv6');
  };
}
