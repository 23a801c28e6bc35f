// Whether something listens on a TCP port, read from /proc/net/tcp instead of by connecting:
// libmodbus's unit-test server accepts exactly one connection, so a probe would use it up.
import { readFileSync } from 'node:fs';
import { parseIpv4 } from '../../discovery-handlers/modbus/cidr.ts';

export function isListening(host: string, port: number): boolean {
  const ip = parseIpv4(host);
  if (ip === undefined) throw new Error(`isListening needs an IPv4 address, got ${host}`);
  // /proc shows the address as the little-endian hex of the in-memory u32.
  const hexIp = Buffer.from([ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, ip >>> 24]).toString('hex').toUpperCase();
  const wanted = [`${hexIp}:${port.toString(16).toUpperCase().padStart(4, '0')}`, `00000000:${port.toString(16).toUpperCase().padStart(4, '0')}`];
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .some((line) => {
      const cols = line.trim().split(/\s+/);
      return cols[3] === '0A' && wanted.includes(cols[1] ?? '');
    });
}
