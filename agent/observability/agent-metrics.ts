// The agent's Prometheus metrics, registered on an injected Registry (not prom-client's global
// one) so several agents in one process each report their own. Names and labels follow Akri.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class AgentMetrics {
  readonly instanceCount: Gauge<'configuration' | 'is_shared'>;
  readonly discoveryResponseResult: Counter<'discovery_handler_name' | 'response'>;
  readonly discoveryResponseTime: Histogram<'configuration' | 'discovery_handler_name'>;
  /** Devices in this node's latest discovery snapshots, per Configuration (Instances in grace excluded). */
  readonly discoveredDevices: Gauge<'configuration'>;
  /** Requests this agent made to the API server, by verb (WATCH counts each watch opened). */
  readonly apiRequests: Counter<'verb'>;
  /** Reconciles of a Configuration key on this node, by result (ok, error). */
  readonly reconciles: Counter<'result'>;

  constructor(readonly registry: Registry) {
    this.instanceCount = new Gauge({
      name: 'akri_instance_count',
      help: 'Instances this node is in, per Configuration',
      labelNames: ['configuration', 'is_shared'],
      registers: [registry],
    });
    this.discoveryResponseResult = new Counter({
      name: 'akri_discovery_response_result',
      help: 'Discover responses and failures received from discovery handlers',
      labelNames: ['discovery_handler_name', 'response'],
      registers: [registry],
    });
    this.discoveryResponseTime = new Histogram({
      name: 'akri_discovery_response_time',
      help: 'Seconds from opening a Discover stream to its first device list',
      // akri-ts adds the handler's name to Akri's label, for latency per handler.
      labelNames: ['configuration', 'discovery_handler_name'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
      registers: [registry],
    });
    this.discoveredDevices = new Gauge({
      name: 'akri_discovered_device_count',
      help: 'Devices this node sees now, per Configuration (akri_instance_count also counts those in their grace period)',
      labelNames: ['configuration'],
      registers: [registry],
    });
    this.apiRequests = new Counter({
      name: 'akri_agent_api_requests_total',
      help: 'Requests made to the Kubernetes API server, by verb',
      labelNames: ['verb'],
      registers: [registry],
    });
    this.reconciles = new Counter({
      name: 'akri_agent_reconciles_total',
      help: 'Reconciles of a Configuration on this node, by result',
      labelNames: ['result'],
      registers: [registry],
    });
  }
}
