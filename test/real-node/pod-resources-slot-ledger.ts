// A device-plugin backend for one Instance whose slot ledger is freed through the kubelet's real
// pod-resources API, as Akri's agent frees Instance.deviceUsage: Allocate claims free slots for
// this node; a poller lists pod-resources and frees every claimed slot that no container holds
// any more. This is the strict reading: a claimed slot is reported Unhealthy, so the kubelet
// cannot hand it out again until the poller has seen it released (no admission race).
// Lives under test/ until the agent's Instance->device-plugin wiring owns a ledger of its own.
import { containerAllocateResponse } from '../../agent/device-plugin/allocate-response.ts';
import type { DevicePluginBackend } from '../../agent/device-plugin/device-plugin-server.ts';
import { HEALTHY, UNHEALTHY } from '../../agent/device-plugin/health.ts';
import type { PluginDevice } from '../../agent/device-plugin/instance-plugin-devices.ts';
import { slotIds } from '../../agent/device-plugin/slot-usage.ts';
import type { ContainerAllocateResponse } from '../../lib/proto/generated/v1beta1/ContainerAllocateResponse.ts';
import { devicesInUse, listPodResources } from './pod-resources-client.ts';

export interface SlotLedgerOptions {
  instance: string;
  capacity: number;
  node: string;
  /** Device properties the broker gets as its environment (plain and `_<HASH>`). */
  properties: Record<string, string>;
  podResourcesSocket: string;
  pollMs?: number;
  /**
   * A claimed slot is freed only after every List for this long has shown it unused: the kubelet
   * records an allocation only after Allocate returns, and a restarted kubelet may answer List
   * before it has its pods back (Akri's slot reconciler has a grace period for the same reason).
   */
  graceMs?: number;
}

export type LedgerEvent = { kind: 'claimed' | 'freed'; slot: string; at: number };

export class PodResourcesSlotLedger implements DevicePluginBackend {
  readonly usage: Record<string, string> = {};
  readonly events: LedgerEvent[] = [];
  /** Set by the owner to push a new device snapshot, e.g. `() => plugin.update()`. */
  onChange: () => void = () => undefined;
  lastPollError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** When a claimed slot was first seen unused by the current run of unused Lists. */
  private readonly unusedSince = new Map<string, number>();

  constructor(private readonly options: SlotLedgerOptions) {}

  get resourceName(): string {
    return `akri.sh/${this.options.instance}`;
  }

  get hash(): string {
    return this.options.instance.slice(-6);
  }

  devices(): PluginDevice[] {
    return slotIds(this.options.instance, this.options.capacity).map((ID) => ({ ID, health: this.usage[ID] ? UNHEALTHY : HEALTHY }));
  }

  preferred(available: readonly string[], mustInclude: readonly string[], size: number): string[] {
    const free = available.filter((id) => !this.usage[id] && !mustInclude.includes(id)).sort();
    return [...mustInclude, ...free].slice(0, Math.max(size, mustInclude.length));
  }

  async allocate(deviceIds: readonly string[]): Promise<ContainerAllocateResponse> {
    const taken = deviceIds.filter((id) => this.usage[id]);
    if (taken.length) throw new Error(`slots ${taken.join(', ')} of ${this.options.instance} are still in use`);
    for (const slot of deviceIds) {
      this.usage[slot] = this.options.node;
      this.unusedSince.delete(slot);
      this.events.push({ kind: 'claimed', slot, at: Date.now() });
    }
    this.onChange();
    return containerAllocateResponse(deviceIds.map(() => ({ hash: this.hash, brokerProperties: this.options.properties, mounts: [], deviceSpecs: [] })));
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.options.pollMs ?? 500);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Frees claimed slots that no container holds according to the kubelet. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const askedAt = Date.now();
      const pods = await listPodResources(this.options.podResourcesSocket);
      this.lastPollError = undefined;
      const held = new Set([...devicesInUse(pods, this.resourceName).values()].flat());
      let changed = false;
      for (const [slot, holder] of Object.entries(this.usage)) {
        if (!holder) continue;
        if (held.has(slot)) {
          this.unusedSince.delete(slot);
          continue;
        }
        const since = this.unusedSince.get(slot) ?? askedAt;
        this.unusedSince.set(slot, since);
        if (askedAt - since >= (this.options.graceMs ?? 2000)) {
          this.unusedSince.delete(slot);
          this.usage[slot] = '';
          this.events.push({ kind: 'freed', slot, at: Date.now() });
          changed = true;
        }
      }
      if (changed) this.onChange();
    } catch (err) {
      // The kubelet is restarting; keep every claim until it answers again.
      this.lastPollError = (err as Error).message;
    } finally {
      this.polling = false;
    }
  }
}
