// WS-Discovery (2005/04, the version ONVIF uses) messages: building a Probe and reading
// ProbeMatches, Hello and Bye. Pure functions over the bounded XML reader.
import { randomUUID } from 'node:crypto';
import { childPath, findAll, parseXml, textOf, type XmlElement, type XmlLimits } from './bounded-xml.ts';

export const WS_DISCOVERY_MULTICAST_ADDRESS = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;
/** A UDP datagram cannot be larger; anything bigger is not a WS-Discovery message. */
export const WS_DISCOVERY_XML_LIMITS: XmlLimits = { maxBytes: 65_507, maxDepth: 32, maxElements: 2_000 };

/** One camera endpoint announced by ProbeMatch or Hello. */
export interface AnnouncedEndpoint {
  /** Akri's device uuid: the EndpointReference address without "urn:" / "uuid:", lower case. */
  uuid: string;
  /** Device service URLs (XAddrs), each its own device as in Akri. */
  xaddrs: string[];
  scopes: string[];
  types: string[];
}

export type WsDiscoveryMessage =
  | { kind: 'probeMatches'; relatesTo: string | undefined; endpoints: AnnouncedEndpoint[] }
  | { kind: 'hello'; endpoint: AnnouncedEndpoint }
  | { kind: 'bye'; uuid: string }
  | { kind: 'probe'; messageId: string | undefined; types: string[] }
  | { kind: 'other' };

export function buildProbe(messageId = `uuid:${randomUUID()}`): { messageId: string; xml: string } {
  const xml =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"' +
    ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"' +
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"' +
    ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
    '<s:Header>' +
    `<a:MessageID>${messageId}</a:MessageID>` +
    '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
    '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
    '</s:Header>' +
    '<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body>' +
    '</s:Envelope>';
  return { messageId, xml };
}

/** Akri's get_onvif_device_id. */
export function deviceUuid(address: string): string {
  let s = address.trim();
  if (s.startsWith('urn:')) s = s.slice(4);
  if (s.startsWith('uuid:')) s = s.slice(5);
  return s.toLowerCase();
}

function words(element: XmlElement | undefined): string[] {
  return (textOf(element) ?? '').split(/\s+/).filter((w) => w !== '');
}

function readEndpoint(match: XmlElement): AnnouncedEndpoint | undefined {
  const address = textOf(childPath(match, 'EndpointReference', 'Address'));
  if (!address) return undefined;
  return {
    uuid: deviceUuid(address),
    xaddrs: words(childPath(match, 'XAddrs')),
    scopes: words(childPath(match, 'Scopes')),
    types: words(childPath(match, 'Types')),
  };
}

/** Parses one datagram; throws XmlRejected for malformed or hostile input. */
export function parseWsDiscovery(datagram: Buffer | string): WsDiscoveryMessage {
  const envelope = parseXml(datagram, WS_DISCOVERY_XML_LIMITS);
  const body = childPath(envelope, 'Body');
  const header = childPath(envelope, 'Header');
  const payload = body?.children[0];
  switch (payload?.name) {
    case 'ProbeMatches':
      return {
        kind: 'probeMatches',
        relatesTo: textOf(childPath(header, 'RelatesTo')),
        endpoints: findAll(payload, 'ProbeMatch')
          .map(readEndpoint)
          .filter((e): e is AnnouncedEndpoint => e !== undefined),
      };
    case 'Hello': {
      const endpoint = readEndpoint(payload);
      return endpoint ? { kind: 'hello', endpoint } : { kind: 'other' };
    }
    case 'Bye': {
      const address = textOf(childPath(payload, 'EndpointReference', 'Address'));
      return address ? { kind: 'bye', uuid: deviceUuid(address) } : { kind: 'other' };
    }
    case 'Probe':
      return { kind: 'probe', messageId: textOf(childPath(header, 'MessageID')), types: words(childPath(payload, 'Types')) };
    default:
      return { kind: 'other' };
  }
}

/**
 * True when the endpoint says it is a NetworkVideoTransmitter (any prefix). A ProbeMatch may
 * omit Types (it answers our NVT Probe, so `lenient`); a Hello without them is some other
 * WS-Discovery device (wsdd's Windows host announcements are), and is not worth a SOAP call.
 */
export function isVideoTransmitter(endpoint: AnnouncedEndpoint, lenient: boolean): boolean {
  if (endpoint.types.length === 0) return lenient;
  return endpoint.types.some((t) => t === 'NetworkVideoTransmitter' || t.endsWith(':NetworkVideoTransmitter'));
}

/**
 * Akri's scope filter: Include keeps an endpoint with any listed scope; Exclude drops it; an
 * empty Exclude list keeps everything and an empty Include list keeps nothing.
 */
export function passesScopeFilter(filter: { items: string[]; action: 'Include' | 'Exclude' } | undefined, scopes: string[]): boolean {
  if (!filter) return true;
  if (filter.items.length === 0 && filter.action === 'Exclude') return true;
  const hits = filter.items.filter((pattern) => scopes.includes(pattern)).length;
  return filter.action === 'Include' ? hits > 0 : hits === 0;
}
