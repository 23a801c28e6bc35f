// Akri's choice of servers from a FindServers answer, as a pure function: keep Servers (and,
// beyond Akri, ClientAndServer), apply the applicationNames filter, prefer an opc.tcp
// discovery URL, and dedup by discovery URL across several LDSs.
import { shouldInclude, type FilterList } from '../../lib/discovery/filter-list.ts';

/** OPC UA ApplicationType values (Part 4, 7.2). */
export const APPLICATION_TYPE = { Server: 0, Client: 1, ClientAndServer: 2, DiscoveryServer: 3 } as const;

export interface FoundApplication {
  applicationUri: string;
  applicationName: string;
  applicationType: number;
  discoveryUrls: string[];
}

export interface SelectedServer {
  discoveryUrl: string;
  applicationUri: string;
  applicationName: string;
}

export function selectServers(applications: FoundApplication[], filter: FilterList | undefined): SelectedServer[] {
  const out: SelectedServer[] = [];
  for (const app of applications) {
    if (app.applicationType !== APPLICATION_TYPE.Server && app.applicationType !== APPLICATION_TYPE.ClientAndServer) continue;
    if (!shouldInclude(filter, app.applicationName)) continue;
    const discoveryUrl = app.discoveryUrls.find((u) => u.startsWith('opc.tcp://')) ?? app.discoveryUrls[0];
    if (!discoveryUrl) continue;
    out.push({ discoveryUrl, applicationUri: app.applicationUri, applicationName: app.applicationName });
  }
  return out;
}

/**
 * The same endpoint is spelled "opc.tcp://h:4840" by FindServers and "opc.tcp://h:4840/" by
 * FindServersOnNetwork; compare without the trailing slash and with the host lower-cased.
 */
export function urlKey(url: string): string {
  return url.replace(/\/+$/, '').replace(/^opc\.tcp:\/\/([^/]+)/i, (_m, host: string) => `opc.tcp://${host.toLowerCase()}`);
}

/** Keeps the first spelling seen of each endpoint. */
export function dedupByUrl(servers: SelectedServer[]): SelectedServer[] {
  const seen = new Map<string, SelectedServer>();
  for (const s of servers) if (!seen.has(urlKey(s.discoveryUrl))) seen.set(urlKey(s.discoveryUrl), s);
  return [...seen.values()];
}
