// A "plant network" for subnet scans: a network namespace joined to ours by a veth pair, with
// a /24 between them. Device servers run inside the namespace on chosen addresses; every other
// address in the /24 is silent (ARP gets no answer), as on a real LAN, so the scanner pays its
// connect timeout for those hosts instead of a loopback's instant "connection refused".
import { execFileSync } from 'node:child_process';

export interface PlantNetwork {
  namespace: string;
  /** e.g. 10.250.7.0/24 */
  subnet: string;
  address(host: number): string;
  destroy(): void;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

/** A 10.250.X.0/24 that no route on this machine uses yet (other test runs may hold some). */
function freeThirdOctet(): number {
  const routes = execFileSync('ip', ['-4', 'route', 'show', 'table', 'all'], { encoding: 'utf8' });
  for (let i = 0; i < 250; i++) {
    const x = (process.pid + i) % 250;
    if (!routes.includes(`10.250.${x}.`)) return x;
  }
  throw new Error('no free 10.250.X.0/24 for a plant network');
}

export function createPlantNetwork(deviceHosts: number[]): PlantNetwork {
  const x = freeThirdOctet();
  const tag = `${process.pid % 100000}`;
  const namespace = `akri-mb-${tag}`;
  const hostSide = `mbh${tag}`;
  const plantSide = `mbp${tag}`;
  const address = (host: number): string => `10.250.${x}.${host}`;
  const destroy = (): void => {
    // Deleting the namespace removes its veth end, which removes ours too.
    try {
      ip('netns', 'del', namespace);
    } catch {
      // already gone
    }
    try {
      ip('link', 'del', hostSide);
    } catch {
      // already gone with the namespace
    }
  };
  try {
    ip('netns', 'add', namespace);
    ip('link', 'add', hostSide, 'type', 'veth', 'peer', 'name', plantSide);
    ip('link', 'set', plantSide, 'netns', namespace);
    ip('addr', 'add', `${address(1)}/24`, 'dev', hostSide);
    ip('link', 'set', hostSide, 'up');
    for (const host of deviceHosts) ip('netns', 'exec', namespace, 'ip', 'addr', 'add', `${address(host)}/24`, 'dev', plantSide);
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', plantSide, 'up');
    ip('netns', 'exec', namespace, 'ip', 'link', 'set', 'lo', 'up');
  } catch (err) {
    destroy();
    throw err;
  }
  return { namespace, subnet: `10.250.${x}.0/24`, address, destroy };
}
