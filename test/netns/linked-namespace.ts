// A network namespace joined to the test's own namespace by one veth pair, for peers that
// must be on "another host": onvif-util turns multicast loopback off, so it only hears cameras
// across a real link. Needs root (CAP_NET_ADMIN). Names are random and short (IFNAMSIZ 15).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LinkedNamespace {
  name: string;
  /** Address on our side of the veth (bind peers here). */
  hostAddress: string;
  /** Address inside the namespace. */
  namespaceAddress: string;
  namespaceInterface: string;
  /** argv prefix that runs a command inside the namespace. */
  exec(argv: string[]): string[];
  remove(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

export async function createLinkedNamespace(): Promise<LinkedNamespace> {
  const id = randomBytes(3).toString('hex');
  const name = `akts-${id}`;
  const hostIf = `akh${id}`;
  const nsIf = `akn${id}`;
  // A /30 in 10.250.0.0/16 picked from the id, so concurrent runs rarely collide.
  const n = Number.parseInt(id.slice(0, 4), 16) % 16384;
  const base = `10.250.${Math.floor(n / 64)}.${(n % 64) * 4}`;
  const octets = base.split('.').map(Number);
  const at = (k: number): string => [octets[0], octets[1], octets[2], (octets[3] ?? 0) + k].join('.');
  const hostAddress = at(1);
  const namespaceAddress = at(2);
  await ip('netns', 'add', name);
  try {
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    await ip('link', 'set', nsIf, 'netns', name);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    await ip('-n', name, 'addr', 'add', `${namespaceAddress}/30`, 'dev', nsIf);
    await ip('-n', name, 'link', 'set', nsIf, 'up');
    await ip('-n', name, 'link', 'set', 'lo', 'up');
    // A default route so multicast (239.255.255.250) leaves by the veth.
    await ip('-n', name, 'route', 'add', 'default', 'dev', nsIf);
  } catch (error) {
    await run('ip', ['netns', 'del', name]).catch(() => undefined);
    await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    throw error;
  }
  return {
    name,
    hostAddress,
    namespaceAddress,
    namespaceInterface: nsIf,
    exec: (argv) => ['ip', 'netns', 'exec', name, ...argv],
    remove: async () => {
      await run('ip', ['netns', 'del', name]).catch(() => undefined);
      await run('ip', ['link', 'del', hostIf]).catch(() => undefined);
    },
  };
}
