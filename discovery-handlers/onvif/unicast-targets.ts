// Expands the unicast probe targets (IPv4 hosts and CIDRs) into addresses, with a hard cap:
// a typo like 10.0.0.0/8 must fail validation, not send sixteen million probes.
import { isIPv4 } from 'node:net';
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';

export const MAX_UNICAST_ADDRESSES = 1024;

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function toIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function expandUnicastTargets(targets: string[], field: string, max = MAX_UNICAST_ADDRESSES): string[] {
  const out = new Set<string>();
  targets.forEach((target, index) => {
    const where = `${field}[${index}]`;
    const [base, prefixText] = target.split('/');
    if (base === undefined || !isIPv4(base)) throw new InvalidDiscoveryDetails(`expected an IPv4 address or CIDR, got "${target}"`, where);
    if (prefixText === undefined) {
      out.add(base);
    } else {
      const prefix = Number(prefixText);
      if (!/^\d+$/.test(prefixText) || prefix < 0 || prefix > 32) throw new InvalidDiscoveryDetails(`bad prefix length in "${target}"`, where);
      const size = 2 ** (32 - prefix);
      if (out.size + size > max + 2) throw new InvalidDiscoveryDetails(`"${target}" has ${size} addresses; at most ${max} in all`, where);
      const network = toInt(base) - (toInt(base) % size);
      // Skip the network and broadcast addresses of real subnets (/31 and /32 have none).
      const first = size > 2 ? network + 1 : network;
      const last = size > 2 ? network + size - 2 : network + size - 1;
      for (let n = first; n <= last; n++) out.add(toIp(n));
    }
    if (out.size > max) throw new InvalidDiscoveryDetails(`more than ${max} addresses in all`, where);
  });
  return [...out];
}
