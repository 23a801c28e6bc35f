// The `opcua` discovery handler: each round asks every configured discovery URL (an LDS or a
// server) FindServers (and, if enabled, FindServersOnNetwork), keeps the servers Akri would
// keep, checks each is alive with GetEndpoints, and yields the snapshot when it changes.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiscoveredDevice, DiscoverRequest, DiscoveryHandler, HandlerProblem } from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { mapBounded } from '../../lib/async/bounded.ts';
import { sleep } from '../../lib/time/sleep.ts';
import { reachableDiscoveryUrl } from './discovery-url-host.ts';
import { OpcuaCallFailed, OpcuaDiscoveryClient } from './opcua-discovery-client.ts';
import { parseOpcuaDetails, type OpcuaDiscoveryDetails } from './opcua-details.ts';
import { dedupByUrl, selectServers, urlKey, type SelectedServer } from './server-selection.ts';

export const OPCUA_DISCOVERY_URL = 'OPCUA_DISCOVERY_URL';
/** Ours, beyond Akri. */
export const OPCUA_APPLICATION_URI = 'OPCUA_APPLICATION_URI';
export const OPCUA_APPLICATION_NAME = 'OPCUA_APPLICATION_NAME';

/** Most servers taken from one FindServersOnNetwork answer. */
const MAX_NETWORK_RECORDS = 256;

export interface OpcuaProblem {
  url: string;
  step: 'find-servers' | 'find-servers-on-network' | 'liveness';
  kind: 'timeout' | 'error';
  message: string;
}

export interface OpcuaHandlerOptions {
  logger?: Logger;
  /** The handler's own PKI (application certificate). Default: <tmpdir>/akri-ts-opcua-pki. */
  pkiFolder?: string;
  onProblem?: (problem: OpcuaProblem) => void;
}

export class OpcuaDiscoveryHandler implements DiscoveryHandler {
  readonly name = 'opcua';
  readonly shared = true;
  private readonly log: Logger;
  private readonly client: OpcuaDiscoveryClient;

  constructor(private readonly options: OpcuaHandlerOptions = {}) {
    this.log = (options.logger ?? new Logger()).child({ component: 'opcua-discovery' });
    this.client = new OpcuaDiscoveryClient(options.pkiFolder ?? join(tmpdir(), 'akri-ts-opcua-pki'));
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const details = parseOpcuaDetails(request.details);
    await this.client.prepare();
    let last: string | undefined;
    while (!signal.aborted) {
      const devices = await this.round(details, request.reportProblem);
      if (signal.aborted) break;
      const fingerprint = JSON.stringify(devices);
      if (fingerprint !== last) {
        last = fingerprint;
        yield devices;
      }
      await sleep(details.discoveryIntervalSeconds * 1000, signal);
    }
  }

  private problem(url: string, step: OpcuaProblem['step'], error: unknown, report?: (problem: HandlerProblem) => void): void {
    const problem: OpcuaProblem =
      error instanceof OpcuaCallFailed
        ? { url, step, kind: error.kind, message: error.message }
        : { url, step, kind: 'error', message: String(error) };
    this.log.warn(`opcua ${step} failed`, { ...problem });
    this.options.onProblem?.(problem);
    // The step decides the reason: an LDS that cannot be asked differs from a dead server.
    const reason = step === 'liveness' ? 'OpcuaServerUnreachable' : 'OpcuaDiscoveryFailed';
    report?.({ reason, message: `${step} ${url} failed (${problem.kind}): ${problem.message}`.slice(0, 1000) });
  }

  /** One full discovery round; exported behaviour is the snapshot it returns. */
  async round(details: OpcuaDiscoveryDetails, report?: (problem: HandlerProblem) => void): Promise<DiscoveredDevice[]> {
    const timeoutMs = details.requestTimeoutSeconds * 1000;
    const found = await mapBounded(details.discoveryUrls, 4, async (askedUrl) => {
      const selected: SelectedServer[] = [];
      try {
        const apps = await this.client.findServers(askedUrl, timeoutMs);
        for (const server of selectServers(apps, details.applicationNames)) {
          selected.push({ ...server, discoveryUrl: await reachableDiscoveryUrl(server.discoveryUrl, askedUrl) });
        }
      } catch (error) {
        this.problem(askedUrl, 'find-servers', error, report);
        return selected;
      }
      if (details.findServersOnNetwork) {
        try {
          const records = (await this.client.findServersOnNetwork(askedUrl, timeoutMs)).slice(0, MAX_NETWORK_RECORDS);
          const known = new Set(selected.map((s) => urlKey(s.discoveryUrl)));
          const fresh = records.filter((r) => !known.has(urlKey(r.discoveryUrl)));
          // A record says little about the application; ask the server itself who it is,
          // so the type and name filters apply exactly as for FindServers.
          const described = await mapBounded(fresh, 4, async (record) => {
            const url = await reachableDiscoveryUrl(record.discoveryUrl, askedUrl);
            try {
              const apps = await this.client.findServers(url, timeoutMs);
              const servers = selectServers(apps, details.applicationNames);
              return Promise.all(servers.map(async (s) => ({ ...s, discoveryUrl: await reachableDiscoveryUrl(s.discoveryUrl, url) })));
            } catch (error) {
              this.problem(url, 'find-servers', error, report);
              return [];
            }
          });
          selected.push(...described.flat());
        } catch (error) {
          this.problem(askedUrl, 'find-servers-on-network', error, report);
        }
      }
      return selected;
    });

    const candidates = dedupByUrl(found.flat());
    const alive = details.livenessCheck
      ? await mapBounded(candidates, 8, async (server) => {
          try {
            await this.client.getEndpointCount(server.discoveryUrl, timeoutMs);
            return server;
          } catch (error) {
            this.problem(server.discoveryUrl, 'liveness', error, report);
            return undefined;
          }
        })
      : candidates;

    return alive
      .filter((s): s is SelectedServer => s !== undefined)
      .map((s) => ({
        id: s.discoveryUrl,
        properties: {
          [OPCUA_DISCOVERY_URL]: s.discoveryUrl,
          [OPCUA_APPLICATION_URI]: s.applicationUri,
          [OPCUA_APPLICATION_NAME]: s.applicationName,
        },
        mounts: [],
        deviceSpecs: [],
      }))
      .sort((a, b) => a.id.localeCompare(b.id));
  }
}
