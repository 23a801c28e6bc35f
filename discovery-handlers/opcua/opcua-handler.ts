// The `opcua` discovery handler: each round asks every configured discovery URL (an LDS or a
// server) FindServers (and, if enabled, FindServersOnNetwork), keeps the servers Akri would
// keep, checks each is alive with GetEndpoints, and yields the snapshot when it changes.
//
// Against hostile peers: a round has one deadline (roundTimeoutSeconds) that every call of the
// round takes, as does the stream's own abort (a deleted Configuration, `discover --timeout`);
// one answer contributes at most maxServersPerDiscoveryUrl servers and a round at most
// maxDevices; liveness checks go round-robin by the discovery URL that listed the server, so a
// discovery server listing thousands of dead servers delays a healthy one by at most one
// request timeout; a server found alive is reported at once, not at the end of the round; and
// a server listed before whose check the deadline cut off keeps its place until checked.
import type { DiscoveredDevice, DiscoverRequest, DiscoveryHandler, HandlerProblem } from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { fairOrder } from '../../lib/discovery/fair-order.ts';
import { progressWhile } from '../../lib/discovery/progress-while.ts';
import { roundDeadline } from '../../lib/discovery/round-deadline.ts';
import { forEachBounded } from '../../lib/async/bounded.ts';
import { sleep } from '../../lib/time/sleep.ts';
import { reachableDiscoveryUrl } from './discovery-url-host.ts';
import { OpcuaCallFailed, OpcuaDiscoveryClient } from './opcua-discovery-client.ts';
import { parseOpcuaDetails, type OpcuaDiscoveryDetails } from './opcua-details.ts';
import { selectServers, urlKey, type SelectedServer } from './server-selection.ts';
import { codeUnitCompare } from '../../lib/naming/natural-order.ts';

export const OPCUA_DISCOVERY_URL = 'OPCUA_DISCOVERY_URL';
/** Ours, beyond Akri. */
export const OPCUA_APPLICATION_URI = 'OPCUA_APPLICATION_URI';
export const OPCUA_APPLICATION_NAME = 'OPCUA_APPLICATION_NAME';

/** Discovery URLs asked at once; liveness checks at once. */
const FIND_CONCURRENCY = 8;
const LIVENESS_CONCURRENCY = 8;
/** Host-name lookups at once (they share libuv's four threads with file access). */
const LOOKUP_CONCURRENCY = 2;

export interface OpcuaProblem {
  url: string;
  step: 'find-servers' | 'find-servers-on-network' | 'liveness' | 'truncated';
  kind: 'timeout' | 'error' | 'aborted' | 'limit';
  message: string;
}

export interface OpcuaHandlerOptions {
  logger?: Logger;
  onProblem?: (problem: OpcuaProblem) => void;
}

/** A server listed this round, with the discovery URL whose answer listed it. */
interface Listed extends SelectedServer {
  askedUrl: string;
}

/** What a discover() stream remembers between rounds: the last snapshot's servers. */
type Previous = Map<string, Listed>; // by urlKey

function toDevice(s: SelectedServer): DiscoveredDevice {
  return {
    id: s.discoveryUrl,
    properties: {
      [OPCUA_DISCOVERY_URL]: s.discoveryUrl,
      [OPCUA_APPLICATION_URI]: s.applicationUri,
      [OPCUA_APPLICATION_NAME]: s.applicationName,
    },
    mounts: [],
    deviceSpecs: [],
  };
}

/**
 * One round's view. Until a listed server is checked it counts as it did in the previous
 * round, so neither a snapshot taken mid-round nor a round cut off by its deadline drops a
 * server nobody has found dead.
 */
class RoundView {
  /** undefined until the discovery URL answered (or failed) this round. */
  readonly listedBy = new Map<string, Listed[] | undefined>();
  readonly alive = new Set<string>();
  readonly dead = new Set<string>();

  constructor(
    readonly details: OpcuaDiscoveryDetails,
    private readonly previous: Previous,
  ) {
    for (const url of details.discoveryUrls) this.listedBy.set(url, undefined);
  }

  /** The servers of this round so far, deduplicated, within maxDevices. */
  listed(): Listed[] {
    const seen = new Map<string, Listed>();
    for (const [askedUrl, servers] of this.listedBy) {
      // A discovery URL not heard from yet keeps the servers it listed last time.
      const list = servers ?? [...this.previous.values()].filter((s) => s.askedUrl === askedUrl);
      for (const s of list) if (!seen.has(urlKey(s.discoveryUrl))) seen.set(urlKey(s.discoveryUrl), s);
    }
    return [...seen.values()].slice(0, this.details.maxDevices);
  }

  devices(): Listed[] {
    if (!this.details.livenessCheck) return this.listed();
    return this.listed().filter((s) => {
      const key = urlKey(s.discoveryUrl);
      if (this.alive.has(key)) return true;
      if (this.dead.has(key)) return false;
      return this.previous.has(key);
    });
  }

  snapshot(): DiscoveredDevice[] {
    return this.devices()
      .map(toDevice)
      .sort((a, b) => codeUnitCompare(a.id, b.id));
  }
}

export class OpcuaDiscoveryHandler implements DiscoveryHandler {
  readonly name = 'opcua';
  readonly shared = true;
  readonly snapshotsWithinRounds = true;
  private readonly log: Logger;
  private readonly client: OpcuaDiscoveryClient;

  constructor(private readonly options: OpcuaHandlerOptions = {}) {
    this.log = (options.logger ?? new Logger()).child({ component: 'opcua-discovery' });
    this.client = new OpcuaDiscoveryClient();
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const details = parseOpcuaDetails(request.details);
    let last: string | undefined;
    let previous: Previous = new Map();
    const fresh = (devices: DiscoveredDevice[]): boolean => {
      const fingerprint = JSON.stringify(devices);
      if (fingerprint === last) return false;
      last = fingerprint;
      return true;
    };
    while (!signal.aborted) {
      const view = new RoundView(details, previous);
      for await (const devices of progressWhile((changed) => this.runRound(view, signal, changed, request.reportProblem), () => view.snapshot())) {
        if (signal.aborted) return;
        if (fresh(devices)) yield devices;
      }
      if (signal.aborted) return;
      previous = new Map(view.devices().map((s) => [urlKey(s.discoveryUrl), s]));
      const devices = view.snapshot();
      if (fresh(devices)) yield devices;
      request.roundEnded?.();
      await sleep(details.discoveryIntervalSeconds * 1000, signal);
    }
  }

  /** One full discovery round from nothing remembered; the snapshot it ends with. */
  async round(details: OpcuaDiscoveryDetails, report?: (problem: HandlerProblem) => void, signal = new AbortController().signal): Promise<DiscoveredDevice[]> {
    const view = new RoundView(details, new Map());
    await this.runRound(view, signal, () => undefined, report);
    return view.snapshot();
  }

  private problem(url: string, step: OpcuaProblem['step'], error: unknown, report?: (problem: HandlerProblem) => void): void {
    const problem: OpcuaProblem =
      error instanceof OpcuaCallFailed
        ? { url, step, kind: error.kind, message: error.message }
        : { url, step, kind: 'error', message: String(error) };
    if (problem.kind === 'aborted') return; // the round ended; nothing is wrong with the peer
    this.log.warn(`opcua ${step} failed`, { ...problem });
    this.options.onProblem?.(problem);
    // The step decides the reason: an LDS that cannot be asked differs from a dead server.
    const reason = step === 'liveness' ? 'OpcuaServerUnreachable' : 'OpcuaDiscoveryFailed';
    report?.({ reason, message: `${step} ${url} failed (${problem.kind}): ${problem.message}`.slice(0, 1000) });
  }

  private truncated(url: string, count: number, limit: number, report?: (problem: HandlerProblem) => void): void {
    const message = `${url} listed ${count} servers; only the first ${limit} are used (maxServersPerDiscoveryUrl)`;
    const problem: OpcuaProblem = { url, step: 'truncated', kind: 'limit', message };
    this.log.warn('opcua answer truncated', { ...problem });
    this.options.onProblem?.(problem);
    report?.({ reason: 'OpcuaDiscoveryTruncated', message });
  }

  private async runRound(view: RoundView, stream: AbortSignal, changed: () => void, report?: (problem: HandlerProblem) => void): Promise<void> {
    const { details } = view;
    const deadline = roundDeadline(stream, details.roundTimeoutSeconds * 1000);
    const signal = deadline.signal;
    try {
      await forEachBounded(details.discoveryUrls, FIND_CONCURRENCY, async (askedUrl) => {
        const listed = await this.serversOf(askedUrl, details, signal, report);
        // A call the deadline cut off says nothing about the servers: keep last round's view.
        if (listed === undefined) return;
        view.listedBy.set(askedUrl, listed);
        changed();
      }, signal);
      if (!details.livenessCheck || signal.aborted) return;
      const candidates = view.listed();
      const { ordered } = fairOrder(candidates, (s) => s.askedUrl);
      const timeoutMs = details.requestTimeoutSeconds * 1000;
      await forEachBounded(ordered, LIVENESS_CONCURRENCY, async (server) => {
        const key = urlKey(server.discoveryUrl);
        try {
          await this.client.getEndpointCount(server.discoveryUrl, timeoutMs, signal);
          view.alive.add(key);
        } catch (error) {
          if (signal.aborted) return;
          view.dead.add(key);
          this.problem(server.discoveryUrl, 'liveness', error, report);
        }
        changed();
      }, signal);
    } finally {
      deadline.dispose();
      if (deadline.expired()) {
        this.log.warn('discovery round deadline passed; unchecked servers keep their last state', {
          roundTimeoutSeconds: details.roundTimeoutSeconds,
        });
      }
    }
  }

  /** The servers one discovery URL lists, capped; undefined when the round ended first. */
  private async serversOf(askedUrl: string, details: OpcuaDiscoveryDetails, signal: AbortSignal, report?: (problem: HandlerProblem) => void): Promise<Listed[] | undefined> {
    const timeoutMs = details.requestTimeoutSeconds * 1000;
    const limit = details.maxServersPerDiscoveryUrl;
    const capped = (servers: SelectedServer[], from: string): SelectedServer[] => {
      if (servers.length > limit) this.truncated(from, servers.length, limit, report);
      return servers.slice(0, limit);
    };
    const resolved = async (servers: SelectedServer[], from: string): Promise<Listed[]> => {
      const out: Listed[] = [];
      await forEachBounded(servers, LOOKUP_CONCURRENCY, async (s) => {
        out.push({ ...s, discoveryUrl: await reachableDiscoveryUrl(s.discoveryUrl, from), askedUrl });
      }, signal);
      // Keep the answer's order (the lookups finish in any order).
      const order = new Map(servers.map((s, i) => [s.discoveryUrl, i]));
      return out.sort((a, b) => (order.get(a.discoveryUrl) ?? 0) - (order.get(b.discoveryUrl) ?? 0));
    };
    let selected: Listed[];
    try {
      const apps = await this.client.findServers(askedUrl, timeoutMs, signal);
      selected = await resolved(capped(selectServers(apps, details.applicationNames), askedUrl), askedUrl);
    } catch (error) {
      if (signal.aborted) return undefined;
      this.problem(askedUrl, 'find-servers', error, report);
      return [];
    }
    if (signal.aborted) return undefined;
    if (details.findServersOnNetwork) {
      try {
        const records = await this.client.findServersOnNetwork(askedUrl, timeoutMs, signal);
        if (records.length > limit) this.truncated(askedUrl, records.length, limit, report);
        const known = new Set(selected.map((s) => urlKey(s.discoveryUrl)));
        const fresh = records.slice(0, limit).filter((r) => !known.has(urlKey(r.discoveryUrl)));
        // A record says little about the application; ask the server itself who it is,
        // so the type and name filters apply exactly as for FindServers.
        await forEachBounded(fresh, FIND_CONCURRENCY, async (record) => {
          const url = await reachableDiscoveryUrl(record.discoveryUrl, askedUrl);
          try {
            const apps = await this.client.findServers(url, timeoutMs, signal);
            selected.push(...(await resolved(selectServers(apps, details.applicationNames).slice(0, limit), url)));
          } catch (error) {
            this.problem(url, 'find-servers', error, report);
          }
        }, signal);
      } catch (error) {
        this.problem(askedUrl, 'find-servers-on-network', error, report);
      }
    }
    return signal.aborted ? undefined : selected.slice(0, limit);
  }
}
