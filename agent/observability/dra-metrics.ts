// Metrics of the agent's DRA side (driver akri.sh), registered on the agent's injected Registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export class DraMetrics {
  /** NodePrepareResources / NodeUnprepareResources per claim, by result. */
  readonly claimOperations: Counter<'operation' | 'result'>;
  readonly prepareLatency: Histogram;
  readonly preparedClaims: Gauge;
  /** ResourceSlice writes by this node (apply, delete). */
  readonly sliceWrites: Counter<'verb'>;
  /** 1 while the kubelet has accepted our DRA plugin registration. */
  readonly registered: Gauge;

  constructor(registry: Registry) {
    this.claimOperations = new Counter({
      name: 'akri_dra_claim_operations_total',
      help: 'Claims prepared and unprepared for the kubelet, by operation and result',
      labelNames: ['operation', 'result'],
      registers: [registry],
    });
    this.prepareLatency = new Histogram({
      name: 'akri_dra_prepare_latency_seconds',
      help: 'Seconds to prepare one claim (API read, CDI spec file and checkpoint written)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    });
    this.preparedClaims = new Gauge({ name: 'akri_dra_prepared_claims', help: 'Claims prepared on this node and not yet unprepared', registers: [registry] });
    this.sliceWrites = new Counter({
      name: 'akri_dra_resource_slice_writes_total',
      help: "Writes of this node's ResourceSlices, by verb",
      labelNames: ['verb'],
      registers: [registry],
    });
    this.registered = new Gauge({ name: 'akri_dra_plugin_registered', help: '1 while the kubelet has accepted the DRA plugin registration', registers: [registry] });
  }
}
