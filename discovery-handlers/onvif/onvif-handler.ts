// The `onvif` discovery handler: a poll every discoveryIntervalSeconds (Probe, collect for
// discoveryTimeoutSeconds, drop endpoints that no longer answer) plus Hello/Bye handled as
// they arrive, so a camera joining or leaving shows up without waiting for the next poll.
// All work for one discover() call runs in one loop, so the snapshot is never torn.
import {
  InvalidDiscoveryDetails,
  type DiscoveredDevice,
  type DiscoverRequest,
  type DiscoveryHandler,
} from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { mapBounded } from '../../lib/async/bounded.ts';
import { LogThrottle } from './log-throttle.ts';
import { inspectCamera, problemOf, type CameraProblem } from './camera-inspection.ts';
import { getSystemDateAndTime } from './onvif-device-client.ts';
import { cameraProblemEvent } from './camera-problem-event.ts';
import { CredentialStore } from './credential-store.ts';
import { parseOnvifDetails, type OnvifDiscoveryDetails } from './onvif-details.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from './soap-client.ts';
import { isVideoTransmitter, passesScopeFilter, type AnnouncedEndpoint } from './ws-discovery-messages.ts';
import { AnnouncementListener, probeOnce, type Announcement, type WsDiscoveryEndpointOptions } from './ws-discovery-transport.ts';

export interface OnvifHandlerOptions extends WsDiscoveryEndpointOptions {
  logger?: Logger;
  /** For the agent to turn into Events; logs carry the same facts. */
  onProblem?: (problem: CameraProblem) => void;
  maxResponseBytes?: number;
}

interface KnownCamera {
  uuid: string;
  device: DiscoveredDevice | undefined; // undefined: seen but filtered out
}

type LoopEvent = { kind: 'poll' } | Announcement;

/** A small single-consumer queue the loop awaits; the listener and timer push into it. */
class EventQueue {
  private readonly items: LoopEvent[] = [];
  private wake: (() => void) | undefined;
  push(event: LoopEvent): void {
    // A slow round must not stack up polls: one pending poll is enough.
    if (event.kind === 'poll' && this.items.some((e) => e.kind === 'poll')) return;
    // Bound the backlog: a Hello flood cannot grow memory without limit (a Bye lost here is
    // caught by the next poll).
    if (this.items.length >= 256) this.items.shift();
    this.items.push(event);
    this.wake?.();
  }
  async next(signal: AbortSignal): Promise<LoopEvent | undefined> {
    while (this.items.length === 0) {
      if (signal.aborted) return undefined;
      // The abort listener is removed after each wait: one per event would pile up on the
      // signal for as long as discovery runs (Node warns after 10).
      let onAbort: (() => void) | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        onAbort = resolve;
        signal.addEventListener('abort', onAbort, { once: true });
      });
      if (onAbort) signal.removeEventListener('abort', onAbort);
      this.wake = undefined;
    }
    return signal.aborted ? undefined : this.items.shift();
  }
}

export class OnvifDiscoveryHandler implements DiscoveryHandler {
  readonly name = 'onvif';
  readonly shared = true;
  private readonly log: Logger;

  constructor(private readonly options: OnvifHandlerOptions = {}) {
    this.log = (options.logger ?? new Logger()).child({ component: 'onvif-discovery' });
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const details = parseOnvifDetails(request.details);
    const credentials = new CredentialStore(request.properties);
    const rejectedLog = new LogThrottle(20, 60_000);
    const endpointOptions: WsDiscoveryEndpointOptions = {
      ...this.options,
      onRejected: (from, reason) => {
        const admitted = rejectedLog.admit();
        if (admitted) {
          const suppressedBefore = admitted.suppressedBefore || undefined;
          this.log.warn('ignored an unreadable WS-Discovery datagram', { from, reason, suppressedBefore });
        }
        this.options.onRejected?.(from, reason);
      },
    };
    const report = (problem: CameraProblem): void => {
      this.options.onProblem?.(problem);
      request.reportProblem?.(cameraProblemEvent(problem));
    };
    const queue = new EventQueue();
    let listener: AnnouncementListener | undefined;
    if (details.multicast) {
      try {
        listener = await AnnouncementListener.start((a) => queue.push(a), endpointOptions);
      } catch (error) {
        // Polling still works without it; say so rather than fail discovery.
        this.log.warn('cannot listen for Hello/Bye; relying on polls', { error: (error as Error).message });
      }
    }
    const timer = setInterval(() => queue.push({ kind: 'poll' }), details.discoveryIntervalSeconds * 1000);
    const known = new Map<string, KnownCamera>(); // by service URL, as Akri keys cameras
    const failed = new Map<string, number>(); // service URL -> time until which Hellos skip it
    let last: string | undefined;
    const snapshot = (): DiscoveredDevice[] =>
      [...known.values()].flatMap((c) => (c.device ? [c.device] : [])).sort((a, b) => a.id.localeCompare(b.id));

    try {
      queue.push({ kind: 'poll' });
      for (let event = await queue.next(signal); event; event = await queue.next(signal)) {
        if (event.kind === 'poll') {
          const endpoints = await probeOnce(
            {
              windowMs: details.discoveryTimeoutSeconds * 1000,
              multicast: details.multicast,
              unicastAddresses: details.unicastAddresses,
              signal,
            },
            endpointOptions,
          );
          if (signal.aborted) break;
          await this.reconcile(endpoints, known, details, credentials, signal, true, failed, report);
        } else if (event.kind === 'hello') {
          await this.reconcile([event.endpoint], known, details, credentials, signal, false, failed, report);
        } else {
          for (const [url, camera] of known) if (camera.uuid === event.uuid) known.delete(url);
          this.log.info('camera said Bye', { uuid: event.uuid });
        }
        if (signal.aborted) break;
        const devices = snapshot();
        const fingerprint = JSON.stringify(devices);
        if (fingerprint !== last) {
          last = fingerprint;
          yield devices;
        }
      }
    } finally {
      clearInterval(timer);
      listener?.close();
    }
  }

  /**
   * Inspects endpoints not yet known (bounded concurrency). A full poll also forgets known
   * cameras that did not answer it, which is how a camera that died without Bye goes away.
   */
  private async reconcile(
    endpoints: AnnouncedEndpoint[],
    known: Map<string, KnownCamera>,
    details: OnvifDiscoveryDetails,
    credentials: CredentialStore,
    signal: AbortSignal,
    fullRound: boolean,
    failed: Map<string, number>,
    report: (problem: CameraProblem) => void,
  ): Promise<void> {
    const seen = new Map<string, string>(); // service URL -> uuid
    for (const endpoint of endpoints) {
      if (!isVideoTransmitter(endpoint, fullRound) || !passesScopeFilter(details.scopes, endpoint.scopes)) continue;
      for (const url of endpoint.xaddrs) seen.set(url, endpoint.uuid);
    }
    const callOptions = {
      timeoutMs: details.requestTimeoutSeconds * 1000,
      maxResponseBytes: this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      signal,
    };
    const deadNow = new Set<string>();
    if (fullRound) {
      for (const url of known.keys()) if (!seen.has(url)) known.delete(url);
      // Akri checks every answering endpoint's clock each round: a camera whose WS-Discovery
      // still answers but whose web service is gone is not a usable camera.
      const listed = [...known].filter(([, camera]) => camera.device !== undefined);
      await mapBounded(listed, details.maxConcurrentQueries, async ([url, camera]) => {
        try {
          await getSystemDateAndTime(url, callOptions);
        } catch (error) {
          if (signal.aborted) return;
          known.delete(url);
          deadNow.add(url);
          failed.set(url, Date.now() + details.discoveryIntervalSeconds * 1000);
          const problem = problemOf(url, camera.uuid, 'liveness', error);
          this.log.warn('camera liveness failed', { ...problem });
          report(problem);
        }
      });
    }
    // Between polls, an endpoint that just failed is not asked again: a burst of Hellos
    // (WS-Discovery repeats each one) or a flood of fake ones must not queue SOAP timeouts.
    const now = Date.now();
    for (const [url, until] of failed) if (until <= now) failed.delete(url);
    const fresh = [...seen].filter(
      // A poll retries everything except what failed its liveness check just now.
      ([url, uuid]) => known.get(url)?.uuid !== uuid && (fullRound ? !deadNow.has(url) : !failed.has(url)),
    );
    await mapBounded(fresh, details.maxConcurrentQueries, async ([serviceUrl, uuid]) => {
      const result = await inspectCamera({ serviceUrl, uuid }, details, credentials, callOptions);
      for (const problem of result.problems) {
        if (problem.kind === 'aborted') continue;
        // The message names the URL and the failure kind; credentials are never in it.
        this.log.warn(`camera ${problem.step} failed`, { ...problem });
        report(problem);
      }
      if (signal.aborted) return;
      if (result.outcome === 'device') known.set(serviceUrl, { uuid, device: result.device });
      else if (result.outcome === 'filtered') known.set(serviceUrl, { uuid, device: undefined });
      // unreachable: not remembered, so the next poll tries again (a Hello only after a while).
      else failed.set(serviceUrl, Date.now() + details.discoveryIntervalSeconds * 1000);
    });
  }
}

export { InvalidDiscoveryDetails };
