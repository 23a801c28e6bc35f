// Discovery for one Configuration on this node: one Discover stream per endpoint of the named
// handler, reopened with backoff when it drops. It keeps each endpoint's latest snapshot and
// state and calls onChange() when either moves; deciding what that means for Instances is the
// reconciler's job. A dropped stream forgets its snapshot; the grace period then protects
// the Instances. A handler that is not registered is simply waited for: no polling. As in
// Akri, a registration that changes an endpoint (e.g. its `shared` flag) replaces the stream,
// so the devices are named anew; and an endpoint that refuses MAX_FAILED_CONNECTS connects in
// a row is dropped from the registry (Akri's handlers leave their socket file behind when
// they exit), until the handler registers again.
import { existsSync } from 'node:fs';
import type { DiscoveredDevice, DiscoverRequest } from '../../lib/discovery/handler.ts';
import { snapshotKey } from '../../lib/discovery/wire-convert.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import type { AgentMetrics } from '../observability/agent-metrics.ts';
import type { HandlerEndpoint, HandlerRegistry } from '../handlers/handler-registry.ts';
import { openDeviceStream, StreamFailure } from '../handlers/device-stream.ts';
import { sleep } from '../../lib/time/sleep.ts';
import type { Clock } from '../../lib/time/clock.ts';

export type EndpointState = 'Connecting' | 'Streaming' | 'InvalidDetails' | 'Lost';

export interface EndpointView {
  key: string;
  shared: boolean;
  state: EndpointState;
  /** The latest full snapshot; undefined until the first one, and after the stream is lost. */
  devices: DiscoveredDevice[] | undefined;
  error?: string;
}

/** Connects an endpoint may refuse in a row (none answered with a snapshot) before it is dropped. */
export const MAX_FAILED_CONNECTS = 5;

interface EndpointRun {
  endpoint: HandlerEndpoint;
  view: EndpointView;
  abort: AbortController;
  wake: (() => void) | undefined;
  lastKey: string | undefined;
}

export interface SessionOptions {
  configuration: string;
  handlerName: string;
  request: DiscoverRequest;
  registry: HandlerRegistry;
  metrics: AgentMetrics;
  log: Logger;
  onChange: () => void;
  maxBackoffMs?: number;
  /** Times the backoff between attempts. */
  clock: Clock;
}

export class DiscoverySession {
  private readonly runs = new Map<string, EndpointRun>();
  private stopped = false;
  private readonly onRegistry = (name: string): void => {
    if (name === this.o.handlerName) this.syncEndpoints();
  };

  constructor(private readonly o: SessionOptions) {
    o.registry.on('changed', this.onRegistry);
    this.syncEndpoints();
  }

  views(): EndpointView[] {
    return [...this.runs.values()].map((r) => r.view);
  }

  stop(): void {
    this.stopped = true;
    this.o.registry.off('changed', this.onRegistry);
    for (const r of this.runs.values()) {
      r.abort.abort();
      r.wake?.();
    }
    this.runs.clear();
  }

  private syncEndpoints(): void {
    if (this.stopped) return;
    const current = new Map(this.o.registry.endpoints(this.o.handlerName).map((e) => [e.key, e]));
    for (const [key, run] of this.runs) {
      const now = current.get(key);
      if (!now || !sameEndpoint(now, run.endpoint)) {
        run.abort.abort();
        run.wake?.();
        this.runs.delete(key);
        this.o.onChange();
      }
    }
    for (const [key, endpoint] of current) {
      const existing = this.runs.get(key);
      if (existing) {
        // Re-registered: a lost stream retries now rather than after backoff, and any later
        // decision to drop the endpoint is about this registration, the one the registry holds.
        existing.endpoint = endpoint;
        existing.wake?.();
        continue;
      }
      const run: EndpointRun = {
        endpoint,
        view: { key, shared: endpoint.shared, state: 'Connecting', devices: undefined },
        abort: new AbortController(),
        wake: undefined,
        lastKey: undefined,
      };
      this.runs.set(key, run);
      void this.loop(endpoint, run);
    }
    this.o.onChange();
  }

  private async loop(endpoint: HandlerEndpoint, run: EndpointRun): Promise<void> {
    const log = this.o.log.child({ handler: endpoint.name, endpoint: endpoint.key });
    let failures = 0;
    let refused = 0;
    while (!run.abort.signal.aborted) {
      const opened = performance.now();
      let first = true;
      try {
        for await (const devices of openDeviceStream(endpoint, this.o.request, run.abort.signal)) {
          if (run.abort.signal.aborted) return;
          this.o.metrics.discoveryResponseResult.inc({ discovery_handler_name: endpoint.name, response: 'Success' });
          if (first) {
            this.o.metrics.discoveryResponseTime.observe({ configuration: this.o.configuration, discovery_handler_name: endpoint.name }, (performance.now() - opened) / 1000);
            first = false;
            failures = 0;
            refused = 0;
          }
          const key = snapshotKey(devices);
          if (key === run.lastKey && run.view.state === 'Streaming') continue; // same snapshot again
          run.lastKey = key;
          run.view = { ...run.view, state: 'Streaming', devices, error: undefined };
          log.debug('device snapshot', { devices: devices.length });
          this.o.onChange();
        }
        if (run.abort.signal.aborted) return;
        throw new StreamFailure('the handler ended the stream', false, false);
      } catch (err) {
        if (run.abort.signal.aborted) return;
        const failure = err instanceof StreamFailure ? err : new StreamFailure((err as Error).message, false, false);
        this.o.metrics.discoveryResponseResult.inc({ discovery_handler_name: endpoint.name, response: 'Fail' });
        failures++;
        run.lastKey = undefined;
        run.view = { ...run.view, state: failure.invalidDetails ? 'InvalidDetails' : 'Lost', devices: undefined, error: failure.message };
        log.warn(failure.invalidDetails ? 'handler rejected discoveryDetails' : 'discovery stream lost', { error: failure.message });
        this.o.onChange();
        // A UDS handler whose socket is gone has exited; it registers again when it returns.
        // (If it has registered again meanwhile, the registry keeps it and this run goes on.)
        if (endpoint.kind === 'uds' && !existsSync(endpoint.path) && this.o.registry.remove(run.endpoint)) return;
        // One that keeps refusing connects has exited too, leaving its socket file behind.
        refused = failure.unreachable ? refused + 1 : 0;
        if (endpoint.kind !== 'embedded' && refused >= MAX_FAILED_CONNECTS) {
          if (this.o.registry.remove(run.endpoint)) {
            log.warn('handler endpoint dropped: it refused every connect', { attempts: refused });
            return;
          }
          refused = 0;
        }
        // Rejected details will not become valid by retrying soon: wait long, or for a change.
        const max = this.o.maxBackoffMs ?? 30_000;
        const delay = failure.invalidDetails ? max : Math.min(max, 500 * 2 ** Math.min(failures - 1, 10));
        const woken = new AbortController();
        run.wake = () => woken.abort();
        await sleep(delay, AbortSignal.any([run.abort.signal, woken.signal]), this.o.clock);
        run.wake = undefined;
      }
    }
  }
}

/** The same endpoint, as far as discovery goes: a registration that changes any of it is a new one. */
function sameEndpoint(a: HandlerEndpoint, b: HandlerEndpoint): boolean {
  if (a.kind !== b.kind || a.shared !== b.shared) return false;
  if (a.kind === 'uds' && b.kind === 'uds') return a.path === b.path;
  if (a.kind === 'network' && b.kind === 'network') return a.address === b.address;
  return a.kind === 'embedded' && b.kind === 'embedded' && a.handler === b.handler;
}
