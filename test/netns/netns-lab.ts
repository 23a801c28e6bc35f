// A small lab of network namespaces for end-to-end discovery tests: a "switch" namespace holds
// one Linux bridge per network segment, and every host (a node, a camera, a PLC) is its own
// namespace plugged into one or more segments by a veth pair. Which node can reach which device
// is then decided by the cabling, exactly as on a real site, and a test can pull a cable.
// Nothing is created in the caller's own namespace, so cleanup is deleting the namespaces
// (the veths go with them). A host can instead be linked straight to the caller's own
// namespace (addLinkedHost), for peers that must sit across a real link from this process:
// onvif-util turns multicast loopback off, so it only hears cameras across one. Needs root
// (CAP_NET_ADMIN). Names are short (IFNAMSIZ is 15).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

export interface LabHost {
  /** The namespace's name, for `ip netns exec`. */
  namespace: string;
  /** Address on each segment the host is plugged into, by segment name. */
  addresses: Record<string, string>;
  /** argv prefix that runs a command inside the host's namespace. */
  exec(argv: string[]): string[];
}

/** A second link of a lab host: a veth pair to the caller's namespace, beside its segments (see addUplink). */
export interface Uplink {
  /** Address on the caller's side (a relay or server of this process binds here). */
  hostAddress: string;
  /** The host's address on the uplink. */
  namespaceAddress: string;
  /** The veth end in the caller's namespace: setting it down cuts the host off, packets dropped. */
  link: string;
}

/** A host linked by one veth pair to the caller's namespace (see addLinkedHost). */
export interface LinkedHost extends LabHost {
  /** Address on the caller's side of the veth (bind peers of this process here). */
  hostAddress: string;
  /** Address inside the host's namespace. */
  namespaceAddress: string;
  namespaceInterface: string;
}

interface Segment {
  bridge: string;
  subnet: number; // third octet of 10.<lab>.<subnet>.0/24
  nextHost: number;
}

export class NetnsLab {
  readonly id = randomBytes(2).toString('hex');
  private readonly switchNs = `aks-${this.id}`;
  private readonly namespaces: string[] = [];
  private readonly segments = new Map<string, Segment>();
  private readonly ports = new Map<string, string>(); // "<host>/<segment>" -> switch-side port
  /** Veth ends in the caller's own namespace (addLinkedHost), deleted with the lab. */
  private readonly hereLinks: string[] = [];
  private readonly labOctet = 200 + (Number.parseInt(this.id, 16) % 50);
  private portCount = 0;

  async start(segmentNames: string[]): Promise<void> {
    await ip('netns', 'add', this.switchNs);
    this.namespaces.push(this.switchNs);
    let subnet = 1;
    for (const name of segmentNames) {
      const bridge = `br${subnet}`;
      await ip('-n', this.switchNs, 'link', 'add', bridge, 'type', 'bridge');
      // Without a multicast querier, IGMP snooping can drop the WS-Discovery group's traffic.
      await run('ip', ['netns', 'exec', this.switchNs, 'sh', '-c', `echo 0 > /sys/class/net/${bridge}/bridge/multicast_snooping`]);
      await ip('-n', this.switchNs, 'link', 'set', bridge, 'up');
      this.segments.set(name, { bridge, subnet, nextHost: 10 });
      subnet += 1;
    }
  }

  /** A host namespace plugged into the given segments; its default route uses the first. */
  async addHost(name: string, segmentNames: string[]): Promise<LabHost> {
    const namespace = `ak${name}-${this.id}`.slice(0, 30);
    await ip('netns', 'add', namespace);
    this.namespaces.push(namespace);
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    const addresses: Record<string, string> = {};
    for (const [i, segName] of segmentNames.entries()) {
      const seg = this.segments.get(segName);
      if (!seg) throw new Error(`no segment "${segName}" in this lab`);
      const port = `p${this.portCount++}`;
      const inside = `eth${i}`;
      const address = `10.${this.labOctet}.${seg.subnet}.${seg.nextHost++}`;
      await ip('-n', this.switchNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', inside, 'netns', namespace);
      await ip('-n', this.switchNs, 'link', 'set', port, 'master', seg.bridge);
      await ip('-n', this.switchNs, 'link', 'set', port, 'up');
      await ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', inside);
      await ip('-n', namespace, 'link', 'set', inside, 'up');
      // Multicast (239.255.255.250) leaves by the default route's interface.
      if (i === 0) await ip('-n', namespace, 'route', 'add', 'default', 'dev', inside);
      addresses[segName] = address;
      this.ports.set(`${name}/${segName}`, port);
    }
    return { namespace, addresses, exec: (argv) => ['ip', 'netns', 'exec', namespace, ...argv] };
  }

  /** Pulls (or plugs back) the cable between a host and a segment, at the switch. */
  async setLink(host: string, segment: string, up: boolean): Promise<void> {
    const port = this.ports.get(`${host}/${segment}`);
    if (!port) throw new Error(`host "${host}" is not plugged into "${segment}"`);
    await ip('-n', this.switchNs, 'link', 'set', port, up ? 'up' : 'down');
  }

  /**
   * A host namespace joined to the caller's own namespace by one veth pair, on a /30 of
   * 10.250.0.0/16 picked from the lab's id (concurrent runs rarely collide); its default route
   * (and so multicast to 239.255.255.250) leaves by the veth.
   */
  async addLinkedHost(name: string): Promise<LinkedHost> {
    const namespace = `ak${name}-${this.id}`.slice(0, 30);
    const here = `akh${this.id}${this.hereLinks.length}`;
    const inside = `akn${this.id}${this.hereLinks.length}`;
    const n = (Number.parseInt(this.id, 16) * 4 + this.hereLinks.length) % 16384;
    const base = [10, 250, Math.floor(n / 64), (n % 64) * 4];
    const at = (k: number): string => [base[0], base[1], base[2], (base[3] ?? 0) + k].join('.');
    const [hostAddress, namespaceAddress] = [at(1), at(2)];
    await ip('netns', 'add', namespace);
    this.namespaces.push(namespace);
    this.hereLinks.push(here);
    await ip('link', 'add', here, 'type', 'veth', 'peer', 'name', inside, 'netns', namespace);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', here);
    await ip('link', 'set', here, 'up');
    await ip('-n', namespace, 'addr', 'add', `${namespaceAddress}/30`, 'dev', inside);
    await ip('-n', namespace, 'link', 'set', inside, 'up');
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    await ip('-n', namespace, 'route', 'add', 'default', 'dev', inside);
    return {
      namespace,
      addresses: { here: namespaceAddress },
      hostAddress,
      namespaceAddress,
      namespaceInterface: inside,
      exec: (argv) => ['ip', 'netns', 'exec', namespace, ...argv],
    };
  }

  /**
   * Links an existing lab host to the caller's namespace by one more veth pair, on a /30 of
   * 10.250.0.0/16 (as addLinkedHost), without touching its default route: the host keeps its
   * segments for devices (and multicast) and gains a path to servers of this namespace, e.g.
   * an API server relay. setUplink() pulls that cable.
   */
  async addUplink(host: LabHost): Promise<Uplink> {
    const k = this.hereLinks.length;
    const here = `akh${this.id}${k}`;
    const inside = `akn${this.id}${k}`;
    const n = (Number.parseInt(this.id, 16) * 4 + k) % 16384;
    const base = [10, 250, Math.floor(n / 64), (n % 64) * 4];
    const at = (j: number): string => [base[0], base[1], base[2], (base[3] ?? 0) + j].join('.');
    const [hostAddress, namespaceAddress] = [at(1), at(2)];
    this.hereLinks.push(here);
    await ip('link', 'add', here, 'type', 'veth', 'peer', 'name', inside, 'netns', host.namespace);
    await ip('addr', 'add', `${hostAddress}/30`, 'dev', here);
    await ip('link', 'set', here, 'up');
    await ip('-n', host.namespace, 'addr', 'add', `${namespaceAddress}/30`, 'dev', inside);
    await ip('-n', host.namespace, 'link', 'set', inside, 'up');
    return { hostAddress, namespaceAddress, link: here };
  }

  /** Pulls (or plugs back) an uplink's cable, on the caller's side. */
  async setUplink(uplink: Uplink, up: boolean): Promise<void> {
    await ip('link', 'set', uplink.link, up ? 'up' : 'down');
  }

  /** Deletes every namespace (each veth goes with its namespace) and the links to this one. Safe to call twice. */
  async remove(): Promise<void> {
    for (const ns of this.namespaces.splice(0).reverse()) await run('ip', ['netns', 'del', ns]).catch(() => undefined);
    for (const link of this.hereLinks.splice(0)) await run('ip', ['link', 'del', link]).catch(() => undefined);
  }
}
