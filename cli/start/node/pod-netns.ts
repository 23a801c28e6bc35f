// Pod network namespaces that containerd made (/run/netns/cni-*) for sandboxes on our bridge.
// Normally the kubelet removes them with the sandbox; after a killed run they stay, and the only
// way to tell ours from another runtime's is the veth pair: the pod's eth0 links to an interface
// whose master is our bridge.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';

const run = promisify(execFile);

interface IpLink {
  ifindex: number;
  ifname: string;
  link_index?: number;
}

async function links(args: string[]): Promise<IpLink[]> {
  const { stdout } = await run('ip', ['-j', ...args]);
  return JSON.parse(stdout || '[]') as IpLink[];
}

/** Names under /run/netns whose eth0 is the far end of a veth on `bridge`. */
export async function podNetnsOnBridge(bridge: string): Promise<string[]> {
  let ports: Set<number>;
  try {
    ports = new Set((await links(['link', 'show', 'master', bridge])).map((l) => l.ifindex));
  } catch {
    return []; // no such bridge
  }
  const ours: string[] = [];
  let names: string[];
  try {
    names = readdirSync('/run/netns').filter((n) => n.startsWith('cni-'));
  } catch {
    return [];
  }
  for (const ns of names) {
    const inside = await links(['-n', ns, 'link', 'show']).catch(() => []);
    if (inside.some((l) => l.link_index !== undefined && ports.has(l.link_index))) ours.push(ns);
  }
  return ours;
}

/** Deletes our pods' leftover network namespaces, then the bridge itself. */
export async function removeBridgeAndPodNetns(bridge: string): Promise<string[]> {
  const removed = await podNetnsOnBridge(bridge);
  for (const ns of removed) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
  await run('ip', ['link', 'del', bridge]).catch(() => undefined);
  return removed;
}
