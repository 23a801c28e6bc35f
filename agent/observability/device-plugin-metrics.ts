// Metrics of the device-plugin side of the agent, registered on the agent's injected Registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { SlotState } from './slot-counts.ts';

export type SlotCountSource = () => Array<{ configuration: string; state: SlotState; slots: number }>;

export class DevicePluginMetrics {
  /** Successful Register calls to the kubelet, by why they happened (added, kubelet restart...). */
  readonly registrations: Counter<'reason'>;
  /** Allocate claims: claimed, repeated (idempotent), offline (kept locally), refused. */
  readonly slotClaims: Counter<'result'>;
  readonly slotsFreed: Counter<'reason'>;
  readonly allocateLatency: Histogram<'kind'>;
  readonly plugins: Gauge;
  readonly pendingWrites: Gauge;
  readonly apiReachable: Gauge;
  readonly staleResourcesRemoved: Counter<'reason'>;
  /** Slots of the Instances this node serves, by state; counted from the ledger at scrape time. */
  readonly slots: Gauge<'configuration' | 'state'>;
  private slotSource: SlotCountSource = () => [];

  constructor(registry: Registry) {
    const metrics = this;
    this.slots = new Gauge({
      name: 'akri_device_plugin_slots',
      help: 'Slots of the Instances this node serves, by Configuration and state: held (by this node), held_elsewhere (by another node), free',
      labelNames: ['configuration', 'state'],
      registers: [registry],
      collect() {
        this.reset();
        for (const c of metrics.slotSource()) this.set({ configuration: c.configuration, state: c.state }, c.slots);
      },
    });
    this.registrations = new Counter({
      name: 'akri_device_plugin_registrations_total',
      help: 'Device plugin registrations with the kubelet, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.slotClaims = new Counter({
      name: 'akri_slot_claims_total',
      help: 'Slot claims made by Allocate, by result',
      labelNames: ['result'],
      registers: [registry],
    });
    this.slotsFreed = new Counter({
      name: 'akri_slots_freed_total',
      help: 'Slots this node gave back, by reason',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.allocateLatency = new Histogram({
      name: 'akri_allocate_latency_seconds',
      help: 'Seconds to answer an Allocate, claim written included',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
      registers: [registry],
    });
    this.plugins = new Gauge({ name: 'akri_device_plugins', help: 'Device plugins this agent serves', registers: [registry] });
    this.pendingWrites = new Gauge({
      name: 'akri_slot_ledger_pending_writes',
      help: 'Instances whose deviceUsage writes wait for the API server',
      registers: [registry],
    });
    this.apiReachable = new Gauge({
      name: 'akri_slot_ledger_api_reachable',
      help: '1 while slot claims reach the API server, 0 while they are kept locally',
      registers: [registry],
    });
    this.apiReachable.set(1);
    this.staleResourcesRemoved = new Counter({
      name: 'akri_stale_resources_removed_total',
      help: 'akri.sh/* entries removed from this Node\'s capacity after no plugin served them for the grace period',
      labelNames: ['reason'],
      registers: [registry],
    });
  }

  /** Where the slot gauge reads from (the slot ledger, once it exists). */
  observeSlots(source: SlotCountSource): void {
    this.slotSource = source;
  }
}
