// The controller's Prometheus metrics, registered on a Registry passed in (never the global
// one), so several controllers in one process each report their own.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { V1Pod } from '@kubernetes/client-node';
import { CONFIGURATION_LABEL, TARGET_NODE_LABEL } from './broker-names.ts';

export class ControllerMetrics {
  readonly reconciles: Counter<'kind' | 'result'>;
  readonly apiRequests: Counter<'verb' | 'resource'>;
  readonly brokerChanges: Counter<'action' | 'reason'>;
  readonly relists: Counter<'resource'>;
  readonly leader: Gauge;

  constructor(registry: Registry, brokerPods: () => Iterable<V1Pod>) {
    new Gauge({
      name: 'akri_broker_pod_count',
      help: 'Broker pods the controller runs, by Configuration and node (as Akri names it).',
      labelNames: ['configuration', 'node'],
      registers: [registry],
      collect() {
        // Counted from the watch cache at scrape time, so it cannot drift from what exists.
        this.reset();
        const counts = new Map<string, { configuration: string; node: string; n: number }>();
        for (const pod of brokerPods()) {
          const configuration = pod.metadata?.labels?.[CONFIGURATION_LABEL] ?? '';
          const node = pod.metadata?.labels?.[TARGET_NODE_LABEL] ?? '';
          const key = `${configuration}\0${node}`;
          const entry = counts.get(key) ?? { configuration, node, n: 0 };
          entry.n++;
          counts.set(key, entry);
        }
        for (const { configuration, node, n } of counts.values()) this.set({ configuration, node }, n);
      },
    });
    this.reconciles = new Counter({
      name: 'akri_controller_reconciles_total',
      help: 'Reconciles run, by kind (instance, configuration) and result (ok, error).',
      labelNames: ['kind', 'result'],
      registers: [registry],
    });
    this.apiRequests = new Counter({
      name: 'akri_controller_api_requests_total',
      help: 'Requests sent to the API server, by verb and resource.',
      labelNames: ['verb', 'resource'],
      registers: [registry],
    });
    this.brokerChanges = new Counter({
      name: 'akri_controller_broker_changes_total',
      help: 'Brokers (pods, jobs) and Services created, replaced or removed, with the reason.',
      labelNames: ['action', 'reason'],
      registers: [registry],
    });
    this.relists = new Counter({
      name: 'akri_controller_watch_relists_total',
      help: 'Times a watch failed or expired and the cache listed again.',
      labelNames: ['resource'],
      registers: [registry],
    });
    this.leader = new Gauge({ name: 'akri_controller_is_leader', help: '1 while this replica holds the leader Lease.', registers: [registry] });
  }
}
