// The onvif handler's discoveryDetails: Akri's fields (uuids, ipAddresses, macAddresses,
// scopes, discoveryTimeoutSeconds) with Akri's defaults, plus ours, each bounded.
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
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
}

const KNOWN = [
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
] as const;

export function parseOnvifDetails(details: string): OnvifDiscoveryDetails {
  // Akri's own tests use "{}" for all defaults; an empty string means the same here.
  const doc = parseDetailsDocument(details, true);
  rejectUnknownFields(doc, KNOWN);
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
  };
  for (const field of ['uuids', 'ipAddresses', 'macAddresses', 'scopes'] as const) {
    const filter = parseFilterList(doc[field], field);
    if (filter) parsed[field] = filter;
  }
  if (!parsed.multicast && parsed.unicastAddresses.length === 0) {
    throw new InvalidDiscoveryDetails('with multicast off, list at least one unicast target', 'unicastTargets');
  }
  return parsed;
}
