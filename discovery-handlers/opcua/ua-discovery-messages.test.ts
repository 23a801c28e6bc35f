// Our OPC UA discovery messages against an independent implementation: node-opcua's own
// encoders and decoders (the library the handler no longer loads at run time). What we send
// decodes there into the fields we meant; what node-opcua servers send decodes here into the
// same servers. Hostile answers fail with a UaDecodeError, never a huge allocation.
import {
  ApplicationType,
  BinaryStream,
  decodeNodeId,
  DiagnosticInfo,
  encodeNodeId,
  FindServersOnNetworkResponse,
  FindServersRequest,
  FindServersResponse,
  GetEndpointsRequest,
  GetEndpointsResponse,
  makeNodeId,
  OpenSecureChannelRequest,
  ServiceFault,
  StatusCodes,
} from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { UaDecodeError, UaReader } from './ua-binary.ts';
import {
  openSecureChannel,
  readFindServersOnNetworkResponse,
  readFindServersResponse,
  readGetEndpointsCount,
  serviceMessage,
  TYPE_ID,
  UaServiceFault,
} from './ua-discovery-messages.ts';

const ids = { sequence: 7, requestId: 3, timeoutMs: 5000, now: Date.UTC(2026, 11, 7, 12, 0, 0) };
const channel = { channelId: 11, tokenId: 12 };

interface Decodable {
  decode(stream: BinaryStream): void;
}
interface Encodable {
  encode(stream: BinaryStream): void;
  binaryStoreSize(): number;
}

/** Decodes a body (type id, then the message) with node-opcua; every byte must be used. */
function decodeThere<T extends Decodable>(body: Buffer, message: T, typeId: number): T {
  const stream = new BinaryStream(body);
  expect(decodeNodeId(stream).value).toBe(typeId);
  message.decode(stream);
  expect(stream.length).toBe(body.length);
  return message;
}

/** Encodes a response with node-opcua: type id, then the message. */
function bytesThere(message: Encodable, typeId: number): Buffer {
  const stream = new BinaryStream(message.binaryStoreSize() + 8);
  encodeNodeId(makeNodeId(typeId), stream);
  message.encode(stream);
  return Buffer.from(stream.buffer.subarray(0, stream.length));
}

const encodeThere = (message: Encodable, typeId: number): UaReader => new UaReader(bytesThere(message, typeId));

describe('requests we send, read by node-opcua', () => {
  it('FindServers and GetEndpoints carry the URL asked, on the channel and token the server gave', () => {
    for (const [service, Message, typeId] of [
      ['FindServers', FindServersRequest, TYPE_ID.FindServersRequest],
      ['GetEndpoints', GetEndpointsRequest, TYPE_ID.GetEndpointsRequest],
    ] as const) {
      const frame = serviceMessage(channel, ids, { service, endpointUrl: 'opc.tcp://plc-7:4840/' });
      expect(frame.toString('latin1', 0, 4)).toBe('MSGF');
      expect(frame.readUInt32LE(4)).toBe(frame.length);
      expect([frame.readUInt32LE(8), frame.readUInt32LE(12), frame.readUInt32LE(16), frame.readUInt32LE(20)]).toEqual([11, 12, 7, 3]);
      const request = decodeThere(frame.subarray(24), new Message(), typeId);
      expect(request.endpointUrl).toBe('opc.tcp://plc-7:4840/');
      expect(request.requestHeader.requestHandle).toBe(3);
      expect(request.requestHeader.timeoutHint).toBe(5000);
      expect(request.requestHeader.timestamp?.getTime()).toBe(ids.now);
    }
  });

  it('OpenSecureChannel asks for SecurityPolicy None, no certificate, no nonce', () => {
    const frame = openSecureChannel(ids, 60_000);
    expect(frame.toString('latin1', 0, 4)).toBe('OPNF');
    const r = new UaReader(frame.subarray(8));
    expect(r.uint32()).toBe(0);
    expect(r.string()).toBe('http://opcfoundation.org/UA/SecurityPolicy#None');
    r.skipByteString();
    r.skipByteString();
    expect([r.uint32(), r.uint32()]).toEqual([7, 3]);
    const request = decodeThere(frame.subarray(frame.length - r.remaining), new OpenSecureChannelRequest(), TYPE_ID.OpenSecureChannelRequest);
    expect(request.securityMode).toBe(1);
    expect(request.requestType).toBe(0);
    expect(request.clientNonce).toBeNull();
    expect(request.requestedLifetime).toBe(60_000);
  });
});

describe('answers node-opcua sends, read by us', () => {
  it('FindServers: every server with its URI, name, type and discovery URLs, locales and null fields included', () => {
    const response = new FindServersResponse({
      servers: [
        { applicationUri: 'urn:plc-1', applicationName: { text: 'Line 1 PLC', locale: 'en-US' }, applicationType: ApplicationType.Server, discoveryUrls: ['opc.tcp://plc-1:4840', 'https://plc-1'] },
        { applicationUri: 'urn:lds', applicationName: { text: 'LDS' }, applicationType: ApplicationType.DiscoveryServer, discoveryUrls: [] },
        { applicationUri: 'urn:mystery', productUri: 'urn:product', gatewayServerUri: 'urn:gw', applicationType: ApplicationType.ClientAndServer },
      ],
    });
    expect(readFindServersResponse(encodeThere(response, TYPE_ID.FindServersResponse))).toEqual([
      { applicationUri: 'urn:plc-1', applicationName: 'Line 1 PLC', applicationType: 0, discoveryUrls: ['opc.tcp://plc-1:4840', 'https://plc-1'] },
      { applicationUri: 'urn:lds', applicationName: 'LDS', applicationType: 3, discoveryUrls: [] },
      { applicationUri: 'urn:mystery', applicationName: '', applicationType: 2, discoveryUrls: [] },
    ]);
  });

  it('FindServersOnNetwork: each record\'s server name and discovery URL', () => {
    const response = new FindServersOnNetworkResponse({
      lastCounterResetTime: new Date(),
      servers: [
        { recordId: 1, serverName: 'plc-1', discoveryUrl: 'opc.tcp://plc-1:4840/', serverCapabilities: ['DA'] },
        { recordId: 2, serverName: 'plc-2', discoveryUrl: 'opc.tcp://plc-2:4840/', serverCapabilities: [] },
      ],
    });
    expect(readFindServersOnNetworkResponse(encodeThere(response, TYPE_ID.FindServersOnNetworkResponse))).toEqual([
      { serverName: 'plc-1', discoveryUrl: 'opc.tcp://plc-1:4840/' },
      { serverName: 'plc-2', discoveryUrl: 'opc.tcp://plc-2:4840/' },
    ]);
  });

  it('GetEndpoints: the number of endpoints, after a header with diagnostics and a string table', () => {
    const response = new GetEndpointsResponse({
      responseHeader: {
        serviceResult: StatusCodes.Good,
        stringTable: ['a', 'b'],
        serviceDiagnostics: new DiagnosticInfo({ symbolicId: 1, additionalInfo: 'x', innerDiagnosticInfo: new DiagnosticInfo({ localizedText: 0 }) }),
      },
      endpoints: [{ endpointUrl: 'opc.tcp://plc-1:4840' }, { endpointUrl: 'opc.tcp://plc-1:4841' }, { endpointUrl: 'opc.tcp://plc-1:4842' }],
    });
    expect(readGetEndpointsCount(encodeThere(response, TYPE_ID.GetEndpointsResponse))).toBe(3);
  });

  it('a ServiceFault, or a response whose header is Bad, is an error with its status', () => {
    const fault = new ServiceFault({ responseHeader: { serviceResult: StatusCodes.BadServiceUnsupported } });
    expect(() => readFindServersResponse(encodeThere(fault, TYPE_ID.ServiceFault))).toThrow(UaServiceFault);
    expect(() => readFindServersResponse(encodeThere(fault, TYPE_ID.ServiceFault))).toThrow(/0x800b0000/);
    const bad = new GetEndpointsResponse({ responseHeader: { serviceResult: StatusCodes.BadTooManyOperations } });
    expect(() => readGetEndpointsCount(encodeThere(bad, TYPE_ID.GetEndpointsResponse))).toThrow(UaServiceFault);
  });

  it('an answer of another type than asked for is refused, naming both', () => {
    const response = new GetEndpointsResponse({ endpoints: [] });
    expect(() => readFindServersResponse(encodeThere(response, TYPE_ID.GetEndpointsResponse))).toThrow(/expected response type 425, got 431/);
  });
});

describe('hostile answers', () => {
  /** An empty FindServers answer without its array length (the last 4 bytes). */
  const header = (): Buffer => {
    const bytes = bytesThere(new FindServersResponse({ servers: [] }), TYPE_ID.FindServersResponse);
    return bytes.subarray(0, bytes.length - 4);
  };

  it('an array claiming two billion servers in a short message fails at once', () => {
    const body = Buffer.concat([header(), Buffer.from([0xff, 0xff, 0xff, 0x7f])]);
    expect(() => readFindServersResponse(new UaReader(body))).toThrow(UaDecodeError);
    expect(() => readFindServersResponse(new UaReader(body))).toThrow(/claims 2147483647 elements/);
  });

  it('a string claiming more bytes than remain fails, naming the field', () => {
    const count = Buffer.alloc(4);
    count.writeInt32LE(1);
    const uri = Buffer.alloc(4);
    uri.writeInt32LE(1_000_000);
    const body = Buffer.concat([header(), count, uri, Buffer.alloc(30)]);
    expect(() => readFindServersResponse(new UaReader(body))).toThrow(/servers\[0\]\.applicationUri claims 1000000 bytes/);
  });

  it('diagnostics nested deeper than 16 fail, without recursing through the whole message', () => {
    // Type id 425 (four-byte form), timestamp, handle and result, then diagnostics that each
    // say "an inner one follows", 10,000 times.
    const typeId = Buffer.from([0x01, 0x00, 425 & 0xff, 425 >> 8]);
    const body = Buffer.concat([typeId, Buffer.alloc(16), Buffer.alloc(10_000, 0x40)]);
    expect(() => readFindServersResponse(new UaReader(body))).toThrow(/nests deeper than 16/);
  });

  it('a message cut short anywhere is a UaDecodeError, never something else', () => {
    const bytes = bytesThere(
      new FindServersResponse({ servers: [{ applicationUri: 'urn:plc-1', applicationName: { text: 'PLC' }, applicationType: ApplicationType.Server, discoveryUrls: ['opc.tcp://plc-1:4840'] }] }),
      TYPE_ID.FindServersResponse,
    );
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => readFindServersResponse(new UaReader(bytes.subarray(0, cut)))).toThrow(UaDecodeError);
    }
  });
});
