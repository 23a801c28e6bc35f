// The OPC UA TCP messages (Part 6, 7.1) and discovery service bodies (Part 4, 5.4) the opcua
// handler sends and reads, with SecurityPolicy None: Hello/Acknowledge/Error, OpenSecureChannel,
// FindServers, FindServersOnNetwork, GetEndpoints and CloseSecureChannel. Pure encode/decode;
// the connection that carries them is ua-tcp-connection.ts.
import { UaDecodeError, UaReader, UaWriter } from './ua-binary.ts';
import type { FoundApplication } from './server-selection.ts';

export const SECURITY_POLICY_NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';

/** Binary encoding ids of the service messages (namespace 0). */
export const TYPE_ID = {
  ServiceFault: 397,
  FindServersRequest: 422,
  FindServersResponse: 425,
  GetEndpointsRequest: 428,
  GetEndpointsResponse: 431,
  OpenSecureChannelRequest: 446,
  OpenSecureChannelResponse: 449,
  CloseSecureChannelRequest: 452,
  FindServersOnNetworkRequest: 12208,
  FindServersOnNetworkResponse: 12209,
} as const;

const MESSAGE_SECURITY_MODE_NONE = 1;
const SECURITY_TOKEN_REQUEST_ISSUE = 0;

/** A message header: three letters, the chunk type (F, C or A), and the size of the whole chunk. */
export function frame(type: 'HEL' | 'OPN' | 'MSG' | 'CLO', body: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(`${type}F`, 0, 'ascii');
  header.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([header, body]);
}

export interface HelloSettings {
  receiveBufferSize: number;
  maxMessageSize: number;
  maxChunkCount: number;
  endpointUrl: string;
}

export function hello(s: HelloSettings): Buffer {
  const body = new UaWriter()
    .uint32(0) // protocol version
    .uint32(s.receiveBufferSize)
    .uint32(s.receiveBufferSize) // send buffer size: our requests are far smaller
    .uint32(s.maxMessageSize)
    .uint32(s.maxChunkCount)
    .string(s.endpointUrl);
  return frame('HEL', body.toBuffer());
}

export interface Acknowledge {
  receiveBufferSize: number;
  maxMessageSize: number;
}

export function readAcknowledge(body: Buffer): Acknowledge {
  const r = new UaReader(body);
  r.uint32('the protocol version');
  const receiveBufferSize = r.uint32('the receive buffer size');
  r.uint32('the send buffer size');
  const maxMessageSize = r.uint32('the max message size');
  return { receiveBufferSize, maxMessageSize };
}

/** The status code and reason of an Error message or an abort chunk. */
export function readError(body: Buffer): { status: number; reason: string } {
  const r = new UaReader(body);
  const status = r.uint32('the error status');
  let reason = '';
  try {
    reason = r.string('the error reason') ?? '';
  } catch {
    // A reason cut short says no less than the status code.
  }
  return { status, reason };
}

function requestHeader(w: UaWriter, handle: number, timeoutMs: number, now: number): UaWriter {
  return w
    .nodeId(0) // authentication token: none, there is no session
    .dateTime(now)
    .uint32(handle)
    .uint32(0) // return diagnostics: none
    .string(undefined) // audit entry id
    .uint32(timeoutMs)
    .nodeId(0) // additional header: an empty ExtensionObject
    .byte(0);
}

/** Sequence header and body of one request: sequence number, request id, type id, the fields. */
function sequenced(sequence: number, requestId: number, typeId: number, fields: (w: UaWriter) => UaWriter): UaWriter {
  return fields(new UaWriter().uint32(sequence).uint32(requestId).nodeId(typeId));
}

export interface RequestIds {
  sequence: number;
  requestId: number;
  timeoutMs: number;
  now: number;
}

export function openSecureChannel(ids: RequestIds, lifetimeMs: number): Buffer {
  const body = new UaWriter()
    .uint32(0) // secure channel id: none yet
    .string(SECURITY_POLICY_NONE)
    .nullByteString() // sender certificate: none under SecurityPolicy None
    .nullByteString() // receiver certificate thumbprint
    .bytes(
      sequenced(ids.sequence, ids.requestId, TYPE_ID.OpenSecureChannelRequest, (w) =>
        requestHeader(w, ids.requestId, ids.timeoutMs, ids.now)
          .uint32(0) // client protocol version
          .uint32(SECURITY_TOKEN_REQUEST_ISSUE)
          .uint32(MESSAGE_SECURITY_MODE_NONE)
          .nullByteString() // client nonce: none under SecurityPolicy None
          .uint32(lifetimeMs),
      ).toBuffer(),
    );
  return frame('OPN', body.toBuffer());
}

export interface Channel {
  channelId: number;
  tokenId: number;
}

export type ServiceRequest =
  | { service: 'FindServers'; endpointUrl: string }
  | { service: 'GetEndpoints'; endpointUrl: string }
  | { service: 'FindServersOnNetwork' };

/** A service request on the open channel (a MSG, or the CLO that ends it). */
export function serviceMessage(channel: Channel, ids: RequestIds, request: ServiceRequest | { service: 'CloseSecureChannel' }): Buffer {
  const typeId = TYPE_ID[`${request.service}Request`];
  const payload = sequenced(ids.sequence, ids.requestId, typeId, (w) => {
    requestHeader(w, ids.requestId, ids.timeoutMs, ids.now);
    switch (request.service) {
      case 'FindServers':
        return w.string(request.endpointUrl).stringArray([]).stringArray([]);
      case 'GetEndpoints':
        return w.string(request.endpointUrl).stringArray([]).stringArray([]);
      case 'FindServersOnNetwork':
        return w.uint32(0).uint32(0).stringArray([]); // from record 0, no limit, no capability filter
      case 'CloseSecureChannel':
        return w;
    }
  });
  const body = new UaWriter().uint32(channel.channelId).uint32(channel.tokenId).bytes(payload.toBuffer());
  return frame(request.service === 'CloseSecureChannel' ? 'CLO' : 'MSG', body.toBuffer());
}

/** A service answered with a bad status (a ServiceFault, or a response whose header says so). */
export class UaServiceFault extends Error {
  constructor(readonly status: number) {
    super(`the server answered with status 0x${status.toString(16).padStart(8, '0')}`);
    this.name = 'UaServiceFault';
  }
}

/** Reads the type id and the ResponseHeader; throws UaServiceFault for a bad service result. */
function responseBody(r: UaReader, expected: number): void {
  const typeId = r.nodeId('the response type');
  r.skipDateTime('the response timestamp');
  r.uint32('the request handle');
  const serviceResult = r.uint32('the service result');
  r.skipDiagnosticInfo('the service diagnostics');
  r.stringArray('the string table');
  r.skipExtensionObject('the additional header');
  // Bit 31 set: Bad. A ServiceFault carries nothing else.
  if (typeId === TYPE_ID.ServiceFault || serviceResult >>> 31 === 1) throw new UaServiceFault(serviceResult);
  if (typeId !== expected) throw new UaDecodeError(`expected response type ${expected}, got ${typeId ?? 'a non-standard type'}`);
}

/** The asymmetric security header of an OPN answer; its sequence header; the channel it opened. */
export function readOpenSecureChannelResponse(afterChannelId: UaReader): Channel {
  const policy = afterChannelId.string('the security policy URI');
  if (policy !== SECURITY_POLICY_NONE) throw new UaDecodeError(`the server opened a channel with policy ${policy ?? '(none)'}`);
  afterChannelId.skipByteString('the sender certificate');
  afterChannelId.skipByteString('the receiver thumbprint');
  afterChannelId.uint32('the sequence number');
  afterChannelId.uint32('the request id');
  responseBody(afterChannelId, TYPE_ID.OpenSecureChannelResponse);
  afterChannelId.uint32('the server protocol version');
  const channelId = afterChannelId.uint32('the channel id');
  const tokenId = afterChannelId.uint32('the token id');
  return { channelId, tokenId };
}

export function readFindServersResponse(body: UaReader): FoundApplication[] {
  responseBody(body, TYPE_ID.FindServersResponse);
  // The smallest ApplicationDescription: 4 null strings, 1 empty LocalizedText, an enum, a null array.
  const n = body.arrayLength('the servers', 25);
  const out: FoundApplication[] = [];
  for (let i = 0; i < n; i++) {
    const at = `servers[${i}]`;
    const applicationUri = body.string(`${at}.applicationUri`) ?? '';
    body.string(`${at}.productUri`);
    const applicationName = body.localizedText(`${at}.applicationName`) ?? '';
    const applicationType = body.uint32(`${at}.applicationType`);
    body.string(`${at}.gatewayServerUri`);
    body.string(`${at}.discoveryProfileUri`);
    const discoveryUrls = body.stringArray(`${at}.discoveryUrls`);
    out.push({ applicationUri, applicationName, applicationType, discoveryUrls });
  }
  return out;
}

export function readFindServersOnNetworkResponse(body: UaReader): Array<{ discoveryUrl: string; serverName: string }> {
  responseBody(body, TYPE_ID.FindServersOnNetworkResponse);
  body.skipDateTime('the last counter reset time');
  const n = body.arrayLength('the servers', 16);
  const out: Array<{ discoveryUrl: string; serverName: string }> = [];
  for (let i = 0; i < n; i++) {
    const at = `servers[${i}]`;
    body.uint32(`${at}.recordId`);
    const serverName = body.string(`${at}.serverName`) ?? '';
    const discoveryUrl = body.string(`${at}.discoveryUrl`) ?? '';
    body.stringArray(`${at}.serverCapabilities`);
    out.push({ discoveryUrl, serverName });
  }
  return out;
}

/** How many endpoints the server offers; their descriptions are not read. */
export function readGetEndpointsCount(body: UaReader): number {
  responseBody(body, TYPE_ID.GetEndpointsResponse);
  return body.arrayLength('the endpoints', 1);
}
