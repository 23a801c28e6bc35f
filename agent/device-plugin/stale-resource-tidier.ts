// Removes stale akri.sh/* entries from this agent's own Node (see stale-resources.ts for the
// decision): reads the Node every pollMs and patches nodes/<node>/status with JSON-patch
// test-then-remove ops, so an entry the kubelet has meanwhile set again is left alone.
import type { Counter } from 'prom-client';
import { KubeApiError } from '../../lib/kube/raw-request.ts';
import type { EventRecorder } from '../../lib/kube/event-recorder.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import type { AgentApi } from '../kube/agent-api.ts';
import { every, type Clock } from '../../lib/time/clock.ts';
import { removalPatch, staleResources } from './stale-resources.ts';

export interface StaleResourceTidierOptions {
  node: string;
  api: AgentApi;
  events: EventRecorder;
  log: Logger;
  clock: Clock;
  graceMs: number;
  pollMs: number;
  /** The resources this agent's plugins serve right now. */
  served: () => ReadonlySet<string>;
  removed: Counter<'reason'>;
}

interface NodeStatus {
  metadata: { uid?: string };
  status?: { capacity?: Record<string, string>; allocatable?: Record<string, string> };
}

export class StaleResourceTidier {
  private zeroSince = new Map<string, number>();
  private stopPolling: (() => void) | undefined;
  private running = false;

  constructor(private readonly o: StaleResourceTidierOptions) {}

  start(): void {
    this.stopPolling ??= every(this.o.clock, this.o.pollMs, () => this.round().then(() => undefined));
  }

  stop(): void {
    this.stopPolling?.();
    this.stopPolling = undefined;
  }

  /** One look at the Node; returns the resources removed. Never throws. */
  async round(): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    try {
      const node = await this.o.api.request<NodeStatus>({ method: 'GET', path: `/api/v1/nodes/${this.o.node}` });
      const status = { capacity: node.status?.capacity ?? {}, allocatable: node.status?.allocatable ?? {} };
      const decision = staleResources({ ...status, served: this.o.served(), zeroSince: this.zeroSince, now: this.o.clock.now(), graceMs: this.o.graceMs });
      this.zeroSince = decision.zeroSince;
      if (decision.remove.length === 0) return [];
      await this.o.api.request({
        method: 'PATCH',
        path: `/api/v1/nodes/${this.o.node}/status`,
        contentType: 'application/json-patch+json',
        body: removalPatch(decision.remove, status),
      });
      this.o.removed.inc({ reason: 'stale' }, decision.remove.length);
      const message = `removed ${decision.remove.join(', ')} from the Node's capacity: no device plugin has served ${decision.remove.length === 1 ? 'it' : 'them'} for ${Math.round(this.o.graceMs / 1000)} s and the kubelet keeps such resources at 0 forever`;
      this.o.log.info('stale device-plugin resources removed from the Node', { resources: decision.remove.join(',') });
      await this.o.events.record({ apiVersion: 'v1', kind: 'Node', name: this.o.node, uid: node.metadata.uid }, 'Normal', 'StaleResourcesRemoved', message);
      return decision.remove;
    } catch (err) {
      // A failed test op (the kubelet wrote the entry again) is 422; the next round looks again.
      const status = err instanceof KubeApiError ? err.status : undefined;
      if (status === 422 || status === 409) this.o.log.debug('stale resources changed meanwhile; will look again', { error: (err as Error).message });
      else this.o.log.warn('could not tidy stale resources of the Node', { error: (err as Error).message });
      return [];
    } finally {
      this.running = false;
    }
  }
}
