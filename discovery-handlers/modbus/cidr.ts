// Expands the host list of a TCP target (addresses, hostnames, IPv4 CIDR ranges) into the
// hosts to probe, refusing before it allocates anything when the result would pass a bound.

export class HostSpecError extends Error {}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
// RFC 1123 labels; a name we cannot resolve simply does not answer, so this only catches typos.
const HOSTNAME = /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;

export function parseIpv4(text: string): number | undefined {
  const m = IPV4.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((acc, o) => acc * 256 + o, 0);
}

export function formatIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff].join('.');
}

/** How many hosts a spec stands for, without expanding it. */
export function hostCount(spec: string): number {
  const slash = spec.indexOf('/');
  if (slash < 0) {
    if (parseIpv4(spec) !== undefined) return 1;
    // An all-numeric last label is a mistyped address (top-level domains are never numeric).
    if (HOSTNAME.test(spec) && !/(^|\.)\d+$/.test(spec)) return 1;
    throw new HostSpecError(`"${spec}" is neither an IPv4 address, a hostname nor a CIDR range`);
  }
  const base = parseIpv4(spec.slice(0, slash));
  const prefixText = spec.slice(slash + 1);
  const prefix = Number(prefixText);
  if (base === undefined || !/^\d{1,2}$/.test(prefixText) || prefix > 32) {
    throw new HostSpecError(`"${spec}" is not an IPv4 CIDR range like 10.0.0.0/24`);
  }
  const size = 2 ** (32 - prefix);
  // Network and broadcast addresses are not hosts, except in /31 and /32 (RFC 3021).
  return size > 2 ? size - 2 : size;
}

/** The hosts of one spec; call hostCount first to bound the size. */
export function expandHostSpec(spec: string): string[] {
  const slash = spec.indexOf('/');
  if (slash < 0) return [spec];
  const base = parseIpv4(spec.slice(0, slash)) ?? 0;
  const prefix = Number(spec.slice(slash + 1));
  const size = 2 ** (32 - prefix);
  // A range written with host bits set (10.0.0.7/24) means its network, as `ip route` reads it.
  const network = size === 2 ** 32 ? 0 : base - (base % size);
  const first = size > 2 ? network + 1 : network;
  const last = size > 2 ? network + size - 2 : network + size - 1;
  const hosts: string[] = [];
  for (let v = first; v <= last; v++) hosts.push(formatIpv4(v));
  return hosts;
}

/** Expands all specs, deduplicated in order; throws HostSpecError naming the bound. */
export function expandHosts(specs: string[], maxHosts: number): string[] {
  let total = 0;
  for (const spec of specs) {
    total += hostCount(spec);
    if (total > maxHosts) throw new HostSpecError(`${total}+ hosts exceed the limit of ${maxHosts}`);
  }
  return [...new Set(specs.flatMap(expandHostSpec))];
}
