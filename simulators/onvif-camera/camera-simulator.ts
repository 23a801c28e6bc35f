// A simulated ONVIF camera for tests: WS-Discovery (answers Probe, sends Hello and Bye) and
// the device and media SOAP services with WS-UsernameToken digest auth, plus knobs to make it
// misbehave (malformed XML, an XML bomb, a SOAP fault, accept-and-never-answer, a huge body),
// to flood (one probe answered with hundreds of endpoints, each its own XAddr), to harvest
// (XAddrs or a media service naming another host) and to serve https.
// It binds to a given address, so several can share a port on 127.0.0.x or run in a netns.
// Written independently of the handler's code (own regex-based reading), so a shared bug
// cannot make both sides agree.
import { createHash, randomUUID } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket as NetSocket } from 'node:net';
import * as R from './soap-responses.ts';

export type SoapMisbehaviour = 'malformed-xml' | 'xml-bomb' | 'soap-fault' | 'never-answer' | 'huge-response';
export type ProbeMisbehaviour = 'malformed-xml' | 'xml-bomb' | 'silent';

export interface CameraSimulatorOptions {
  uuid?: string;
  /** Address for HTTP and unicast WS-Discovery; default 127.0.0.1. */
  bindAddress?: string;
  httpPort?: number;
  wsDiscoveryPort: number;
  multicastAddress?: string;
  /** Interface address for multicast (join and send); default: bindAddress. */
  multicastInterface?: string;
  username?: string;
  password?: string;
  mac?: string;
  scopes?: string[];
  soapMisbehaviour?: SoapMisbehaviour;
  /** Operations the misbehaviour applies to; default all. */
  misbehavingOperations?: string[];
  probeMisbehaviour?: ProbeMisbehaviour;
  /** Endpoints (uuids) named in one probe answer, each with its own XAddr(s) here; default 1. */
  probeEndpoints?: number;
  /** XAddrs per endpoint (distinct paths on this camera); default 1. */
  xaddrsPerEndpoint?: number;
  /** The XAddr announced instead of this camera's own service URL (e.g. another host's). */
  advertisedServiceUrl?: string;
  /** The media service URL GetCapabilities names instead of this camera's own. */
  advertisedMediaUrl?: string;
  /** Serve https with this key and certificate (PEM) instead of http. */
  tls?: { key: string; cert: string };
  /** Sees each SOAP exchange (operation, HTTP status), e.g. for a verbose CLI. */
  onExchange?: (operation: string, status: number, request: string) => void;
}

interface Token {
  username: string;
  digest: string;
  nonce: string;
  created: string;
}

const WSD = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const WSA = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';

function tag(xml: string, name: string): string | undefined {
  const match = new RegExp(`<(?:[\\w-]+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:[\\w-]+:)?${name}>`).exec(xml);
  return match?.[1]?.trim();
}

export class CameraSimulator {
  readonly uuid: string;
  readonly bindAddress: string;
  private readonly opts: CameraSimulatorOptions;
  private http: Server | undefined;
  private multicastSocket: Socket | undefined;
  private unicastSocket: Socket | undefined;
  private readonly sockets = new Set<NetSocket>();
  private port = 0;
  /** SOAP operations received, in order, for tests that assert what a client asked. */
  readonly requests: string[] = [];
  /** Usernames of the WS-UsernameTokens received (a harvester's catch), in order. */
  readonly usernamesSeen: string[] = [];
  probesAnswered = 0;

  constructor(options: CameraSimulatorOptions) {
    this.opts = options;
    this.uuid = options.uuid ?? randomUUID();
    this.bindAddress = options.bindAddress ?? '127.0.0.1';
  }

  get serviceUrl(): string {
    return `${this.scheme}://${this.bindAddress}:${this.port}/onvif/device_service`;
  }
  get mediaUrl(): string {
    return `${this.scheme}://${this.bindAddress}:${this.port}/onvif/media_service`;
  }
  private get scheme(): string {
    return this.opts.tls ? 'https' : 'http';
  }
  get rtspUrl(): string {
    return `rtsp://${this.bindAddress}:8554/${this.uuid}/main`;
  }
  get mac(): string {
    return this.opts.mac ?? '02:42:ac:11:00:02';
  }

  set soapMisbehaviour(value: SoapMisbehaviour | undefined) {
    this.opts.soapMisbehaviour = value;
  }

  set probeMisbehaviour(value: ProbeMisbehaviour | undefined) {
    this.opts.probeMisbehaviour = value;
  }

  async start(): Promise<void> {
    this.http = this.opts.tls
      ? createHttpsServer({ key: this.opts.tls.key, cert: this.opts.tls.cert }, (req, res) => this.onHttp(req, res))
      : createServer((req, res) => this.onHttp(req, res));
    this.http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      this.http?.once('error', reject);
      this.http?.listen(this.opts.httpPort ?? 0, this.bindAddress, () => resolve());
    });
    const address = this.http.address();
    if (address === null || typeof address === 'string') throw new Error('no HTTP port');
    this.port = address.port;

    const group = this.opts.multicastAddress ?? '239.255.255.250';
    const iface = this.opts.multicastInterface ?? this.bindAddress;
    // Two sockets on the same port: one bound to the group (multicast only), one to our own
    // address (unicast probes). Linux delivers each datagram to the most specific binding.
    this.multicastSocket = createSocket({ type: 'udp4', reuseAddr: true });
    this.unicastSocket = createSocket({ type: 'udp4', reuseAddr: true });
    for (const socket of [this.multicastSocket, this.unicastSocket]) {
      socket.on('message', (msg, from) => this.onDatagram(msg.toString('utf8'), from.address, from.port));
      socket.on('error', () => undefined);
    }
    await new Promise<void>((resolve) => this.multicastSocket?.bind(this.opts.wsDiscoveryPort, group, resolve));
    this.multicastSocket.addMembership(group, iface);
    await new Promise<void>((resolve) => this.unicastSocket?.bind(this.opts.wsDiscoveryPort, this.bindAddress, resolve));
    this.unicastSocket.setMulticastInterface(iface);
    this.unicastSocket.setMulticastLoopback(true);
  }

  /** Multicasts Hello, as a camera does when it joins the network. */
  async hello(): Promise<void> {
    await this.multicast(this.announcement('Hello', `<d:Hello>${this.endpointXml()}</d:Hello>`));
  }

  /** Multicasts Bye, as a camera does when it leaves gracefully. */
  async bye(): Promise<void> {
    await this.multicast(
      this.announcement('Bye', `<d:Bye><a:EndpointReference><a:Address>urn:uuid:${this.uuid}</a:Address></a:EndpointReference></d:Bye>`),
    );
  }

  /** Stops everything; with `bye`, says Bye first (a graceful leave), otherwise vanishes. */
  async stop(options: { bye?: boolean } = {}): Promise<void> {
    if (options.bye) await this.bye();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
    for (const socket of [this.multicastSocket, this.unicastSocket]) {
      try {
        socket?.close();
      } catch {
        // already closed
      }
    }
  }

  /** Endpoint `index` (0: this camera itself; others: flood endpoints with derived uuids). */
  private endpointXml(index = 0): string {
    const scopes = this.opts.scopes ?? ['onvif://www.onvif.org/type/video_encoder', 'onvif://www.onvif.org/name/SimCam'];
    const uuid = index === 0 ? this.uuid : `${this.uuid.slice(0, 24)}${index.toString(16).padStart(12, '0')}`;
    const own = this.opts.advertisedServiceUrl ?? this.serviceUrl;
    const count = this.opts.xaddrsPerEndpoint ?? 1;
    const xaddrs =
      index === 0 && count === 1 ? [own] : Array.from({ length: count }, (_, x) => `${own}/${index}/${x}`);
    return (
      `<a:EndpointReference><a:Address>urn:uuid:${uuid}</a:Address></a:EndpointReference>` +
      '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>' +
      `<d:Scopes>${scopes.join(' ')}</d:Scopes>` +
      `<d:XAddrs>${xaddrs.join(' ')}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>`
    );
  }

  private announcement(action: string, body: string, relatesTo?: string): string {
    return (
      '<?xml version="1.0" encoding="UTF-8"?>' +
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="${WSA}" xmlns:d="${WSD}"` +
      ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
      `<s:Header><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID>` +
      (relatesTo ? `<a:RelatesTo>${relatesTo}</a:RelatesTo>` : '') +
      `<a:To>${relatesTo ? 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous' : 'urn:schemas-xmlsoap-org:ws:2005:04:discovery'}</a:To>` +
      `<a:Action>${WSD}/${action}</a:Action></s:Header><s:Body>${body}</s:Body></s:Envelope>`
    );
  }

  private async multicast(xml: string): Promise<void> {
    const socket = this.unicastSocket;
    if (!socket) throw new Error('simulator not started');
    const group = this.opts.multicastAddress ?? '239.255.255.250';
    await new Promise<void>((resolve) => socket.send(xml, this.opts.wsDiscoveryPort, group, () => resolve()));
  }

  private onDatagram(text: string, host: string, port: number): void {
    if (!/<(?:[\w-]+:)?Probe[\s>]/.test(text)) return;
    const types = tag(text, 'Types');
    // An empty Types matches everything; otherwise we answer only for cameras and devices.
    if (types && !/NetworkVideoTransmitter|Device\b/.test(types)) return;
    const relatesTo = tag(text, 'MessageID');
    let reply: string;
    switch (this.opts.probeMisbehaviour) {
      case 'silent':
        return;
      case 'malformed-xml':
        reply = '<s:Envelope><s:Body><d:ProbeMatches><d:ProbeMatch></s:Body>';
        break;
      case 'xml-bomb':
        reply = R.xmlBomb().replace('GetNetworkInterfacesResponse', 'ProbeMatches').replace('GetNetworkInterfacesResponse', 'ProbeMatches');
        break;
      default: {
        // A flood is split into datagrams of 40 matches: one UDP datagram holds at most 64 KiB.
        const total = this.opts.probeEndpoints ?? 1;
        for (let start = 0; start < total; start += 40) {
          const matches = Array.from({ length: Math.min(40, total - start) }, (_, i) => `<d:ProbeMatch>${this.endpointXml(start + i)}</d:ProbeMatch>`);
          this.unicastSocket?.send(this.announcement('ProbeMatches', `<d:ProbeMatches>${matches.join('')}</d:ProbeMatches>`, relatesTo), port, host);
        }
        this.probesAnswered++;
        return;
      }
    }
    this.probesAnswered++;
    this.unicastSocket?.send(reply, port, host);
  }

  private verify(token: Token | undefined): boolean {
    if (this.opts.username === undefined) return true;
    if (!token || token.username !== this.opts.username) return false;
    const expected = createHash('sha1')
      .update(Buffer.concat([Buffer.from(token.nonce, 'base64'), Buffer.from(token.created), Buffer.from(this.opts.password ?? '')]))
      .digest('base64');
    return expected === token.digest;
  }

  private onHttp(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const xml = Buffer.concat(chunks).toString('utf8');
      const operation = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:[\w-]+:)?(\w+)/.exec(xml)?.[1] ?? 'unknown';
      this.requests.push(operation);
      const offered = tag(xml, 'Username');
      if (offered !== undefined) this.usernamesSeen.push(offered);
      const misbehave =
        this.opts.soapMisbehaviour !== undefined &&
        (this.opts.misbehavingOperations === undefined || this.opts.misbehavingOperations.includes(operation));
      if (misbehave) {
        this.misbehave(res);
        return;
      }
      const send = (status: number, body: string): void => {
        this.opts.onExchange?.(operation, status, xml);
        // An explicit length: libonvif (onvif-util) reads the body by Content-Length.
        const bytes = Buffer.from(body, 'utf8');
        res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': bytes.length });
        res.end(bytes);
      };
      // The clock must be readable without credentials (clients need it first); libonvif also
      // asks GetHostname with an empty user, which many cameras answer.
      const open = operation === 'GetSystemDateAndTime' || operation === 'GetHostname';
      const username = tag(xml, 'Username');
      const token =
        username !== undefined
          ? { username, digest: tag(xml, 'Password') ?? '', nonce: tag(xml, 'Nonce') ?? '', created: tag(xml, 'Created') ?? '' }
          : undefined;
      if (!open && !this.verify(token)) {
        send(400, R.soapFault('Sender', 'ter:NotAuthorized', 'Sender not Authorized'));
        return;
      }
      switch (operation) {
        case 'GetSystemDateAndTime':
          return send(200, R.systemDateAndTime(new Date()));
        case 'GetNetworkInterfaces':
          return send(200, R.networkInterfaces(this.bindAddress, this.mac));
        case 'GetCapabilities':
          return send(200, R.capabilities(this.serviceUrl, this.opts.advertisedMediaUrl ?? this.mediaUrl));
        case 'GetHostname':
          return send(200, R.hostname(`simcam-${this.uuid.slice(0, 8)}`));
        case 'GetDeviceInformation':
          return send(200, R.deviceInformation(this.uuid));
        case 'GetProfiles':
          return send(200, R.profiles());
        case 'GetProfile':
          return send(200, R.profile());
        case 'GetVideoSources':
          return send(200, R.videoSources());
        case 'GetStreamUri':
          return send(200, R.streamUri(this.rtspUrl));
        default:
          return send(400, R.soapFault('Sender', 'ter:ActionNotSupported', `${operation} is not supported`));
      }
    });
  }

  private misbehave(res: ServerResponse): void {
    switch (this.opts.soapMisbehaviour) {
      case 'never-answer':
        return; // keep the connection open and silent until stop()
      case 'malformed-xml':
        res.writeHead(200, { 'content-type': 'application/soap+xml' });
        res.end('<s:Envelope><s:Body><tds:GetNetworkInterfacesResponse><oops></s:Body>');
        return;
      case 'xml-bomb':
        res.writeHead(200, { 'content-type': 'application/soap+xml' });
        res.end(R.xmlBomb());
        return;
      case 'soap-fault':
        res.writeHead(500, { 'content-type': 'application/soap+xml' });
        res.end(R.soapFault('Receiver', 'ter:Action', 'the camera is on fire'));
        return;
      case 'huge-response':
        // 8 MiB, streamed, no content-length: the client must stop reading at its cap.
        res.writeHead(200, { 'content-type': 'application/soap+xml' });
        res.write('<s:Envelope><s:Body>');
        for (let i = 0; i < 128; i++) res.write(Buffer.alloc(64 * 1024, 0x20));
        res.end();
        return;
      default:
        res.end();
    }
  }
}
