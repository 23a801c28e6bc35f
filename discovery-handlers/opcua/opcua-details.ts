// The opcua handler's discoveryDetails: Akri's opcuaDiscoveryMethod.standard.discoveryUrls
// (default opc.tcp://localhost:4840/) and applicationNames filter, plus our bounded additions.
import { InvalidDiscoveryDetails } from '../../lib/discovery/handler.ts';
import {
  boundedNumber,
  optionalBoolean,
  parseDetailsDocument,
  rejectUnknownFields,
  stringList,
} from '../../lib/discovery/details-document.ts';
import { parseFilterList, type FilterList } from '../../lib/discovery/filter-list.ts';

export const DEFAULT_DISCOVERY_URL = 'opc.tcp://localhost:4840/';

export interface OpcuaDiscoveryDetails {
  discoveryUrls: string[];
  applicationNames?: FilterList;
  // ---- beyond Akri ----
  /** Seconds between discovery rounds. Akri's fixed value: 10. */
  discoveryIntervalSeconds: number;
  /** Also ask each discovery URL FindServersOnNetwork (an LDS with the multicast extension). */
  findServersOnNetwork: boolean;
  /** Keep only servers that answer GetEndpoints (FindServers on an LDS may list stale ones). */
  livenessCheck: boolean;
  /** Per connection + request to one URL. */
  requestTimeoutSeconds: number;
  /** One round (FindServers, liveness) ends after this, whatever is left. */
  roundTimeoutSeconds: number;
  /** Servers taken from one FindServers (or FindServersOnNetwork) answer; the rest are dropped. */
  maxServersPerDiscoveryUrl: number;
  /** Servers one round may report in all. */
  maxDevices: number;
}

export const OPCUA_BOUNDS = {
  roundTimeoutSeconds: { default: 30, min: 1, max: 600 },
  maxServersPerDiscoveryUrl: { default: 256, min: 1, max: 10_000, integer: true },
  maxDevices: { default: 1024, min: 1, max: 10_000, integer: true },
} as const;

export const OPCUA_DETAIL_FIELDS = [
  'opcuaDiscoveryMethod',
  'applicationNames',
  'discoveryIntervalSeconds',
  'findServersOnNetwork',
  'livenessCheck',
  'requestTimeoutSeconds',
  'roundTimeoutSeconds',
  'maxServersPerDiscoveryUrl',
  'maxDevices',
] as const;

function discoveryUrls(method: unknown): string[] {
  if (method === undefined || method === null || typeof method !== 'object' || Array.isArray(method)) {
    throw new InvalidDiscoveryDetails('required: {standard: {discoveryUrls: [...]}}', 'opcuaDiscoveryMethod');
  }
  const record = method as Record<string, unknown>;
  rejectUnknownFields(record, ['standard'], 'opcuaDiscoveryMethod.');
  const standard = record.standard ?? {};
  if (typeof standard !== 'object' || standard === null || Array.isArray(standard)) {
    throw new InvalidDiscoveryDetails('expected {discoveryUrls: [...]}', 'opcuaDiscoveryMethod.standard');
  }
  rejectUnknownFields(standard as Record<string, unknown>, ['discoveryUrls'], 'opcuaDiscoveryMethod.standard.');
  const field = 'opcuaDiscoveryMethod.standard.discoveryUrls';
  const urls = stringList((standard as Record<string, unknown>).discoveryUrls, field, [DEFAULT_DISCOVERY_URL], 64);
  urls.forEach((url, i) => {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || parsed.protocol !== 'opc.tcp:' || parsed.hostname === '') {
      throw new InvalidDiscoveryDetails(`expected an opc.tcp://host:port/ URL, got "${url}"`, `${field}[${i}]`);
    }
  });
  return urls;
}

export function parseOpcuaDetails(details: string): OpcuaDiscoveryDetails {
  const doc = parseDetailsDocument(details, false);
  rejectUnknownFields(doc, OPCUA_DETAIL_FIELDS);
  const parsed: OpcuaDiscoveryDetails = {
    discoveryUrls: discoveryUrls(doc.opcuaDiscoveryMethod),
    discoveryIntervalSeconds: boundedNumber(doc.discoveryIntervalSeconds, 'discoveryIntervalSeconds', {
      default: 10,
      min: 1,
      max: 3600,
    }),
    findServersOnNetwork: optionalBoolean(doc.findServersOnNetwork, 'findServersOnNetwork', false),
    livenessCheck: optionalBoolean(doc.livenessCheck, 'livenessCheck', true),
    requestTimeoutSeconds: boundedNumber(doc.requestTimeoutSeconds, 'requestTimeoutSeconds', {
      default: 5,
      min: 0.1,
      max: 60,
    }),
    roundTimeoutSeconds: boundedNumber(doc.roundTimeoutSeconds, 'roundTimeoutSeconds', OPCUA_BOUNDS.roundTimeoutSeconds),
    maxServersPerDiscoveryUrl: boundedNumber(doc.maxServersPerDiscoveryUrl, 'maxServersPerDiscoveryUrl', OPCUA_BOUNDS.maxServersPerDiscoveryUrl),
    maxDevices: boundedNumber(doc.maxDevices, 'maxDevices', OPCUA_BOUNDS.maxDevices),
  };
  const filter = parseFilterList(doc.applicationNames, 'applicationNames');
  if (filter) parsed.applicationNames = filter;
  return parsed;
}
