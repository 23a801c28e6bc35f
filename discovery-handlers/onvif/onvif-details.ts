// The onvif handler's discoveryDetails: Akri's fields (uuids, ipAddresses, macAddresses,
// scopes, discoveryTimeoutSeconds) with Akri's defaults, plus ours, each bounded. Address
// filters are checked for being addresses: an item that can never match is a mistake.
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import { cidr, cidrMatcher, ipAddress, macAddress } from '../../lib/discovery/address-syntax.ts';
import {
  boundedNumber,
  optionalBoolean,
  parseDetailsDocument,
  rejectUnknownFields,
  stringList,
} from '../../lib/discovery/details-document.ts';
import { parseFilterList, type FilterList } from '../../lib/discovery/filter-list.ts';
import { expandUnicastTargets } from './unicast-targets.ts';

export interface OnvifDiscoveryDetails {
  uuids?: FilterList;
  ipAddresses?: FilterList;
  macAddresses?: FilterList;
  scopes?: FilterList;
  /** How long replies to one Probe are collected. Akri's default: 1. */
  discoveryTimeoutSeconds: number;
  // ---- beyond Akri ----
  /** Seconds between full probes; Hello/Bye are handled between them. Akri's fixed value: 10. */
  discoveryIntervalSeconds: number;
  /** Send the multicast Probe (and listen for Hello/Bye). Off for unicast-only networks. */
  multicast: boolean;
  /** IPv4 hosts and CIDRs probed by unicast, already expanded (bounded). */
  unicastAddresses: string[];
  /** Per SOAP request to a camera. */
  requestTimeoutSeconds: number;
  /** Cameras queried at once. */
  maxConcurrentQueries: number;
  /** One poll (probe window, liveness checks, inspections) ends after this, whatever is left. */
  roundTimeoutSeconds: number;
  /** Endpoints (uuids) kept from one responding address per probe; the rest are dropped. */
  maxEndpointsPerResponder: number;
  /** XAddrs kept per endpoint. */
  maxXAddrsPerEndpoint: number;
  /**
   * Where credentials may go, beyond the default rule (only to an XAddr whose host is the
   * address that answered the probe): undefined = anywhere that rule allows.
   */
  credentialCidrs?: { ranges: string[]; contains: (address: string) => boolean };
  /** Verify https cameras' certificates, and never send credentials over plain http. */
  verifyCertificates: boolean;
}

export const ONVIF_BOUNDS = {
  roundTimeoutSeconds: { default: 30, min: 1, max: 600 },
  maxEndpointsPerResponder: { default: 16, min: 1, max: 1024, integer: true },
  maxXAddrsPerEndpoint: { default: 4, min: 1, max: 16, integer: true },
  credentialCidrs: 256,
} as const;

export const ONVIF_DETAIL_FIELDS = [
  'uuids',
  'ipAddresses',
  'macAddresses',
  'scopes',
  'discoveryTimeoutSeconds',
  'discoveryIntervalSeconds',
  'multicast',
  'unicastTargets',
  'requestTimeoutSeconds',
  'maxConcurrentQueries',
  'roundTimeoutSeconds',
  'maxEndpointsPerResponder',
  'maxXAddrsPerEndpoint',
  'credentialCidrs',
  'verifyCertificates',
] as const;

export function parseOnvifDetails(details: string): OnvifDiscoveryDetails {
  // Akri's own tests use "{}" for all defaults; an empty string means the same here.
  const doc = parseDetailsDocument(details, true);
  rejectUnknownFields(doc, ONVIF_DETAIL_FIELDS);
  const parsed: OnvifDiscoveryDetails = {
    discoveryTimeoutSeconds: boundedNumber(doc.discoveryTimeoutSeconds, 'discoveryTimeoutSeconds', {
      default: 1,
      min: 0.1,
      max: 60,
    }),
    discoveryIntervalSeconds: boundedNumber(doc.discoveryIntervalSeconds, 'discoveryIntervalSeconds', {
      default: 10,
      min: 1,
      max: 3600,
    }),
    multicast: optionalBoolean(doc.multicast, 'multicast', true),
    unicastAddresses: expandUnicastTargets(stringList(doc.unicastTargets, 'unicastTargets', [], 256), 'unicastTargets'),
    requestTimeoutSeconds: boundedNumber(doc.requestTimeoutSeconds, 'requestTimeoutSeconds', {
      default: 3,
      min: 0.1,
      max: 30,
    }),
    maxConcurrentQueries: boundedNumber(doc.maxConcurrentQueries, 'maxConcurrentQueries', {
      default: 8,
      min: 1,
      max: 64,
      integer: true,
    }),
    roundTimeoutSeconds: boundedNumber(doc.roundTimeoutSeconds, 'roundTimeoutSeconds', ONVIF_BOUNDS.roundTimeoutSeconds),
    maxEndpointsPerResponder: boundedNumber(doc.maxEndpointsPerResponder, 'maxEndpointsPerResponder', ONVIF_BOUNDS.maxEndpointsPerResponder),
    maxXAddrsPerEndpoint: boundedNumber(doc.maxXAddrsPerEndpoint, 'maxXAddrsPerEndpoint', ONVIF_BOUNDS.maxXAddrsPerEndpoint),
    verifyCertificates: optionalBoolean(doc.verifyCertificates, 'verifyCertificates', false),
  };
  if (parsed.roundTimeoutSeconds <= parsed.discoveryTimeoutSeconds) {
    throw new InvalidDiscoveryDetails(
      `must be longer than discoveryTimeoutSeconds (${parsed.discoveryTimeoutSeconds}): the probe window is part of the round`,
      'roundTimeoutSeconds',
    );
  }
  for (const field of ['uuids', 'ipAddresses', 'macAddresses', 'scopes'] as const) {
    const filter = parseFilterList(doc[field], field);
    if (filter) parsed[field] = filter;
  }
  if (parsed.ipAddresses) {
    const filter = parsed.ipAddresses;
    filter.items = filter.items.map((item, i) => ipAddress(item, `ipAddresses.items[${i}]`));
  }
  if (parsed.macAddresses) {
    const filter = parsed.macAddresses;
    filter.items = filter.items.map((item, i) => macAddress(item, `macAddresses.items[${i}]`));
  }
  if (doc.credentialCidrs !== undefined && doc.credentialCidrs !== null) {
    const ranges = stringList(doc.credentialCidrs, 'credentialCidrs', [], ONVIF_BOUNDS.credentialCidrs);
    const parsedRanges = ranges.map((range, i) => cidr(range, `credentialCidrs[${i}]`));
    parsed.credentialCidrs = { ranges, contains: cidrMatcher(parsedRanges) };
  }
  if (!parsed.multicast && parsed.unicastAddresses.length === 0) {
    throw new InvalidDiscoveryDetails('with multicast off, list at least one unicast target', 'unicastTargets');
  }
  return parsed;
}
