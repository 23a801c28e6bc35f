// The `onvif` discovery handler: a poll every discoveryIntervalSeconds (Probe, collect for
// discoveryTimeoutSeconds, drop endpoints that no longer answer) plus Hello/Bye handled as
// they arrive, so a camera joining or leaving shows up without waiting for the next poll.
// All work for one discover() call runs in one loop, so the snapshot is never torn.
//
// Against hostile peers on the camera network: each poll is one round with one deadline
// (roundTimeoutSeconds) that every request of the round takes, so no peer can hold a round
// open; what one responding address may contribute is capped (maxEndpointsPerResponder,
// maxXAddrsPerEndpoint); cameras are inspected round-robin by responding address, endpoints
// that failed recently last, so a peer naming hundreds of tarpits delays a healthy camera by
// at most one request timeout; and a camera found early in a round is reported at once, not
// when the round's slowest peer times out. Credentials go only where credential-policy.ts
// allows.
import {
  InvalidDiscoveryDetails,
  type DiscoveredDevice,
  type DiscoverRequest,
  type DiscoveryHandler,
  type HandlerProblem,
} from '../../lib/discovery/handler.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { fairOrder } from '../../lib/discovery/fair-order.ts';
import { progressWhile } from '../../lib/discovery/progress-while.ts';
import { roundDeadline } from '../../lib/discovery/round-deadline.ts';
import { forEachBounded } from '../../lib/async/bounded.ts';
import { codeUnitCompare } from '../../lib/naming/natural-order.ts';
import { LogThrottle } from './log-throttle.ts';
import { inspectCamera, problemOf, type AnnouncedCamera, type CameraProblem } from './camera-inspection.ts';
import { getSystemDateAndTime, type CameraCallOptions } from './onvif-device-client.ts';
import { cameraProblemEvent } from './camera-problem-event.ts';
import { CredentialStore } from './credential-store.ts';
import { urlHost, type CredentialPolicy } from './credential-policy.ts';
import { parseOnvifDetails, type OnvifDiscoveryDetails } from './onvif-details.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from './soap-client.ts';
import { isVideoTransmitter, passesScopeFilter } from './ws-discovery-messages.ts';
import {
  AnnouncementListener,
  probeOnce,
  type Announcement,
  type HeardEndpoint,
  type WsDiscoveryEndpointOptions,
} from './ws-discovery-transport.ts';

/** discoveryProperties name of extra trusted CAs (PEM) for verifyCertificates. */
export const TLS_CA_CERTIFICATES_PROPERTY = 'tls_ca_certificates';

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

/** What one discover() call knows between rounds. */
interface DiscoveryState {
  details: OnvifDiscoveryDetails;
  credentials: CredentialStore;
  policy: CredentialPolicy;
  callOptions: Omit<CameraCallOptions, 'signal'>;
  /** By service URL, as Akri keys cameras. */
  known: Map<string, KnownCamera>;
  /** Service URL -> time until which Hellos skip it (and polls try it last). */
  failed: Map<string, number>;
  report: (problem: CameraProblem) => void;
  reportProblem?: (problem: HandlerProblem) => void;
}

export class OnvifDiscoveryHandler implements DiscoveryHandler {
  readonly name = 'onvif';
  readonly shared = true;
  readonly snapshotsWithinRounds = true;
  private readonly log: Logger;

  constructor(private readonly options: OnvifHandlerOptions = {}) {
    this.log = (options.logger ?? new Logger()).child({ component: 'onvif-discovery' });
  }

  async *discover(request: DiscoverRequest, signal: AbortSignal): AsyncIterable<DiscoveredDevice[]> {
    const details = parseOnvifDetails(request.details);
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
    const caCertificates = request.properties[TLS_CA_CERTIFICATES_PROPERTY]?.toString('utf8');
    const state: DiscoveryState = {
      details,
      credentials: new CredentialStore(request.properties),
      policy: { httpsOnly: details.verifyCertificates, ...(details.credentialCidrs ? { allowedRange: details.credentialCidrs.contains } : {}) },
      callOptions: {
        timeoutMs: details.requestTimeoutSeconds * 1000,
        maxResponseBytes: this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
        verifyCertificates: details.verifyCertificates,
        ...(caCertificates ? { caCertificates } : {}),
      },
      known: new Map(),
      failed: new Map(),
      report: (problem: CameraProblem): void => {
        this.options.onProblem?.(problem);
        request.reportProblem?.(cameraProblemEvent(problem));
      },
      ...(request.reportProblem ? { reportProblem: request.reportProblem } : {}),
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
    let last: string | undefined;
    const snapshot = (): DiscoveredDevice[] =>
      [...state.known.values()].flatMap((c) => (c.device ? [c.device] : [])).sort((a, b) => codeUnitCompare(a.id, b.id));
    const fresh = (devices: DiscoveredDevice[]): boolean => {
      const fingerprint = JSON.stringify(devices);
      if (fingerprint === last) return false;
      last = fingerprint;
      return true;
    };

    try {
      queue.push({ kind: 'poll' });
      for (let event = await queue.next(signal); event; event = await queue.next(signal)) {
        const current = event;
        // Devices found while the round still runs are reported at once.
        for await (const devices of progressWhile((changed) => this.handle(current, state, endpointOptions, signal, changed), snapshot)) {
          if (signal.aborted) break;
          if (fresh(devices)) yield devices;
        }
        if (signal.aborted) break;
        const devices = snapshot();
        if (fresh(devices)) yield devices;
        if (current.kind === 'poll') request.roundEnded?.();
      }
    } finally {
      clearInterval(timer);
      listener?.close();
    }
  }

  /** One poll round, one Hello or one Bye, each poll and Hello under its own deadline. */
  private async handle(
    event: LoopEvent,
    state: DiscoveryState,
    endpointOptions: WsDiscoveryEndpointOptions,
    signal: AbortSignal,
    changed: () => void,
  ): Promise<void> {
    if (event.kind === 'bye') {
      for (const [url, camera] of state.known) if (camera.uuid === event.uuid) state.known.delete(url);
      this.log.info('camera said Bye', { uuid: event.uuid });
      changed();
      return;
    }
    const { details } = state;
    const deadline = roundDeadline(signal, details.roundTimeoutSeconds * 1000);
    try {
      if (event.kind === 'hello') {
        await this.reconcile([event.endpoint], state, deadline.signal, false, changed);
        return;
      }
      const probe = await probeOnce(
        {
          windowMs: details.discoveryTimeoutSeconds * 1000,
          multicast: details.multicast,
          unicastAddresses: details.unicastAddresses,
          signal: deadline.signal,
          maxEndpointsPerResponder: details.maxEndpointsPerResponder,
          maxXAddrsPerEndpoint: details.maxXAddrsPerEndpoint,
        },
        endpointOptions,
      );
      for (const [responder, count] of probe.dropped) {
        const message = `${responder} named ${count} more endpoints than maxEndpointsPerResponder (${details.maxEndpointsPerResponder}) allows in one probe; they were ignored`;
        this.log.warn('probe answer truncated', { responder, dropped: count, limit: details.maxEndpointsPerResponder });
        state.reportProblem?.({ reason: 'OnvifResponderTruncated', message });
      }
      if (deadline.signal.aborted) return;
      await this.reconcile(probe.endpoints, state, deadline.signal, true, changed);
    } finally {
      deadline.dispose();
      if (deadline.expired()) {
        this.log.warn('discovery round deadline passed; unfinished checks wait for the next poll', {
          roundTimeoutSeconds: details.roundTimeoutSeconds,
        });
      }
    }
  }

  /**
   * Inspects endpoints not yet known (bounded concurrency, fair between responders). A full
   * poll also forgets known cameras that did not answer it, which is how a camera that died
   * without Bye goes away. Everything stops starting when `round` aborts.
   */
  private async reconcile(
    endpoints: HeardEndpoint[],
    state: DiscoveryState,
    round: AbortSignal,
    fullRound: boolean,
    changed: () => void,
  ): Promise<void> {
    const { details, known, failed, report } = state;
    const seen = new Map<string, AnnouncedCamera>(); // service URL -> claim
    for (const endpoint of endpoints) {
      if (!isVideoTransmitter(endpoint, fullRound) || !passesScopeFilter(details.scopes, endpoint.scopes)) continue;
      for (const url of endpoint.xaddrs) {
        const claim = { serviceUrl: url, uuid: endpoint.uuid, responder: endpoint.from };
        // Two addresses naming one URL: keep the one the URL itself points at.
        const earlier = seen.get(url);
        if (!earlier || (!urlHostIs(url, earlier.responder) && urlHostIs(url, endpoint.from))) seen.set(url, claim);
      }
    }
    const callOptions: CameraCallOptions = { ...state.callOptions, signal: round };
    const deadNow = new Set<string>();
    if (fullRound) {
      for (const url of known.keys()) {
        if (!seen.has(url)) {
          known.delete(url);
          changed();
        }
      }
      // Akri checks every answering endpoint's clock each round: a camera whose WS-Discovery
      // still answers but whose web service is gone is not a usable camera.
      const listed = [...known].filter(([, camera]) => camera.device !== undefined);
      await forEachBounded(listed, details.maxConcurrentQueries, async ([url, camera]) => {
        try {
          await getSystemDateAndTime(url, callOptions);
        } catch (error) {
          if (round.aborted) return;
          known.delete(url);
          changed();
          deadNow.add(url);
          failed.set(url, Date.now() + details.discoveryIntervalSeconds * 1000);
          const problem = problemOf(url, camera.uuid, 'liveness', error);
          this.log.warn('camera liveness failed', { ...problem });
          report(problem);
        }
      }, round);
    }
    // Between polls, an endpoint that just failed is not asked again: a burst of Hellos
    // (WS-Discovery repeats each one) or a flood of fake ones must not queue SOAP timeouts.
    const now = Date.now();
    for (const [url, until] of failed) if (until <= now) failed.delete(url);
    const candidates = [...seen.values()].filter(
      // A poll retries everything except what failed its liveness check just now.
      (claim) => known.get(claim.serviceUrl)?.uuid !== claim.uuid && (fullRound ? !deadNow.has(claim.serviceUrl) : !failed.has(claim.serviceUrl)),
    );
    // Round-robin by responding address; what failed recently goes after everything else.
    const byResponder = (claim: AnnouncedCamera): string => claim.responder;
    const order = [
      ...fairOrder(candidates.filter((c) => !failed.has(c.serviceUrl)), byResponder).ordered,
      ...fairOrder(candidates.filter((c) => failed.has(c.serviceUrl)), byResponder).ordered,
    ];
    await forEachBounded(order, details.maxConcurrentQueries, async (claim) => {
      const result = await inspectCamera(claim, details, state.credentials, state.policy, callOptions);
      for (const problem of result.problems) {
        if (problem.kind === 'aborted') continue;
        // The message names the URL and the failure kind; credentials are never in it.
        this.log.warn(`camera ${problem.step} failed`, { ...problem });
        report(problem);
      }
      if (round.aborted) return;
      const { serviceUrl, uuid } = claim;
      if (result.outcome === 'device') {
        known.set(serviceUrl, { uuid, device: result.device });
        changed();
      } else if (result.outcome === 'filtered') {
        known.set(serviceUrl, { uuid, device: undefined });
      } else {
        // unreachable: not remembered, so the next poll tries again (a Hello only after a while).
        failed.set(serviceUrl, Date.now() + details.discoveryIntervalSeconds * 1000);
      }
    }, round);
  }
}

function urlHostIs(url: string, address: string): boolean {
  return urlHost(url) === address;
}

export { InvalidDiscoveryDetails };
