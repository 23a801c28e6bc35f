// The UDP side of WS-Discovery: one Probe round (multicast and/or unicast, replies collected
// for a fixed window) and a listener for the Hello and Bye that cameras multicast. Every
// datagram goes through the bounded reader; a bad one is counted and reported, never fatal.
// Each endpoint keeps the source address of the datagram that named it (credentials may go
// only there), and what one address may contribute to a probe is capped.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { XmlRejected } from './bounded-xml.ts';
import {
  buildProbe,
  parseWsDiscovery,
  WS_DISCOVERY_MULTICAST_ADDRESS,
  WS_DISCOVERY_PORT,
  type AnnouncedEndpoint,
  type WsDiscoveryMessage,
} from './ws-discovery-messages.ts';

export interface WsDiscoveryEndpointOptions {
  /** Group and port; tests use a private port so parallel runs do not hear each other. */
  multicastAddress?: string;
  port?: number;
  /** Local interface address for multicast (e.g. 127.0.0.1 in tests, a node's IP in a netns). */
  multicastInterface?: string;
  /** Called for each datagram that could not be read; never with its full contents. */
  onRejected?: (from: string, reason: string) => void;
}

/** Most endpoints kept from one probe round: a flood of fake replies stays bounded. */
export const MAX_ENDPOINTS_PER_PROBE = 1024;

/** An endpoint as heard: what it announced, and the address its datagram came from. */
export interface HeardEndpoint extends AnnouncedEndpoint {
  from: string;
}

export interface ProbeCaps {
  /** Endpoints (uuids) kept per responding address. */
  maxEndpointsPerResponder: number;
  /** XAddrs kept per endpoint. */
  maxXAddrsPerEndpoint: number;
}

export interface ProbeResult {
  endpoints: HeardEndpoint[];
  /** Per responding address, endpoints dropped because it passed its cap. */
  dropped: Map<string, number>;
}

function bind(socket: Socket, port: number, address?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, ...(address ? { address } : {}), exclusive: false }, () => {
      socket.off('error', reject);
      resolve();
    });
  });
}

function decode(msg: Buffer, from: RemoteInfo, options: WsDiscoveryEndpointOptions): WsDiscoveryMessage | undefined {
  try {
    return parseWsDiscovery(msg);
  } catch (error) {
    const reason = error instanceof XmlRejected ? error.message : String(error);
    options.onRejected?.(`${from.address}:${from.port}`, reason);
    return undefined;
  }
}

/**
 * Sends one Probe for NetworkVideoTransmitter to the multicast group (when `multicast`) and to
 * each unicast address, then collects ProbeMatches for `windowMs`. Endpoints are merged by uuid.
 */
export async function probeOnce(
  params: { windowMs: number; multicast: boolean; unicastAddresses: string[]; signal?: AbortSignal } & ProbeCaps,
  options: WsDiscoveryEndpointOptions = {},
): Promise<ProbeResult> {
  const port = options.port ?? WS_DISCOVERY_PORT;
  const group = options.multicastAddress ?? WS_DISCOVERY_MULTICAST_ADDRESS;
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  // Keyed by address and uuid: the same uuid from two addresses is two claims, each with its
  // own address for the credential rule.
  const found = new Map<string, HeardEndpoint>();
  const perResponder = new Map<string, number>();
  const dropped = new Map<string, number>();
  const { messageId, xml } = buildProbe();
  socket.on('error', () => undefined); // send errors (unreachable hosts) are per-target, not fatal
  socket.on('message', (msg, from) => {
    const message = decode(msg, from, options);
    if (message?.kind !== 'probeMatches') return;
    // A reply to someone else's probe (RelatesTo set and different) is not ours to count.
    if (message.relatesTo !== undefined && message.relatesTo !== messageId) return;
    for (const endpoint of message.endpoints) {
      const key = `${from.address} ${endpoint.uuid}`;
      const xaddrs = endpoint.xaddrs.slice(0, params.maxXAddrsPerEndpoint);
      const known = found.get(key);
      if (known) {
        known.xaddrs = [...new Set([...known.xaddrs, ...xaddrs])].slice(0, params.maxXAddrsPerEndpoint);
        continue;
      }
      const count = perResponder.get(from.address) ?? 0;
      if (count >= params.maxEndpointsPerResponder || found.size >= MAX_ENDPOINTS_PER_PROBE) {
        dropped.set(from.address, (dropped.get(from.address) ?? 0) + 1);
        continue;
      }
      perResponder.set(from.address, count + 1);
      found.set(key, { ...endpoint, xaddrs, from: from.address });
    }
  });
  try {
    await bind(socket, 0, options.multicastInterface);
    if (options.multicastInterface) socket.setMulticastInterface(options.multicastInterface);
    socket.setMulticastTTL(1);
    socket.setMulticastLoopback(true);
    const payload = Buffer.from(xml, 'utf8');
    const sends: Array<Promise<void>> = [];
    const sendTo = (host: string): Promise<void> =>
      new Promise((resolve) => socket.send(payload, port, host, () => resolve()));
    if (params.multicast) sends.push(sendTo(group));
    for (const host of params.unicastAddresses) sends.push(sendTo(host));
    await Promise.all(sends);
    await new Promise<void>((resolve) => {
      // The listener goes when the window ends: one per poll would stay on the signal forever.
      const done = (): void => {
        clearTimeout(timer);
        params.signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, params.windowMs);
      params.signal?.addEventListener('abort', done, { once: true });
    });
  } finally {
    socket.close();
  }
  return { endpoints: [...found.values()], dropped };
}

export type Announcement = { kind: 'hello'; endpoint: HeardEndpoint } | { kind: 'bye'; uuid: string };

/** Listens on the WS-Discovery group for Hello and Bye until `close` is called. */
export class AnnouncementListener {
  private constructor(private readonly socket: Socket) {}

  static async start(
    onAnnouncement: (announcement: Announcement) => void,
    options: WsDiscoveryEndpointOptions = {},
  ): Promise<AnnouncementListener> {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    socket.on('error', (error) => options.onRejected?.('socket', error.message));
    socket.on('message', (msg, from) => {
      const message = decode(msg, from, options);
      if (message?.kind === 'hello') onAnnouncement({ kind: 'hello', endpoint: { ...message.endpoint, from: from.address } });
      else if (message?.kind === 'bye') onAnnouncement({ kind: 'bye', uuid: message.uuid });
    });
    await bind(socket, options.port ?? WS_DISCOVERY_PORT);
    socket.addMembership(options.multicastAddress ?? WS_DISCOVERY_MULTICAST_ADDRESS, options.multicastInterface);
    return new AnnouncementListener(socket);
  }

  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }
}
