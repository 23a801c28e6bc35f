// What the two kinds of plugin serve, on top of the slot ledger: akri.sh/<instance> hands out
// the Instance's own slots; akri.sh/<configuration> hands out virtual devices, each bound to a
// free slot of any of the Configuration's Instances on this node at Allocate time. Both answer
// Allocate with the same response for a slot this node already holds (idempotent).
// The kubelet asks GetPreferredAllocation right before Allocate; that is where the slots are
// claimed (written to the API server, 409 = taken, so the next candidate is tried), so the
// kubelet is steered to slots this node really holds and Allocate only confirms them locally.
// A preference the kubelet then does not use is given back by the pod-resources reclaim.
// What a slot's pod gets (properties, mounts, device specs, the hash) comes from the device
// store's record of the Instance's device; the slots themselves from the ledger.
import type { ContainerAllocateResponse } from '../../lib/proto/generated/v1beta1/ContainerAllocateResponse.ts';
import { containerAllocateResponse, type SlotDevice } from './allocate-response.ts';
import { bindVirtualDevice, configurationPluginDevices, heldVirtualDevices } from './configuration-plugin-devices.ts';
import type { DevicePluginBackend } from './device-plugin-server.ts';
import { instancePluginDevices, preferredSlots, type PluginDevice } from './instance-plugin-devices.ts';
import { SlotTaken, type ClaimResult, type SlotLedger } from './slot-ledger.ts';
import { slotIndex } from './slot-usage.ts';
import type { DeviceStore } from '../devices/device-store.ts';

export interface BackendHooks {
  /** Every claim, for metrics. */
  claimed: (result: ClaimResult | 'refused') => void;
  /** A refused Allocate: reported as an Event on the Instance. */
  refused: (instance: string | undefined, message: string) => void;
  latency: (kind: 'instance' | 'configuration', seconds: number) => void;
}

/** What the ledger and the device store tell the plugins: slots, and the devices behind them. */
export interface PluginSources {
  ledger: SlotLedger;
  devices: DeviceStore;
}

/**
 * The Instance's slot as a pod gets it: the Instance's brokerProperties (device properties
 * with the Configuration's on top, as written to the API), and the device's hash, mounts and
 * device specs from the store. A device this node's discovery does not know cannot be given.
 */
function slotDevice(sources: PluginSources, instance: string, node: string): SlotDevice {
  const r = sources.ledger.get(instance);
  const device = r && sources.devices.ofInstance(r.namespace, instance);
  if (!r || !device) throw new SlotTaken(`the device of Instance ${instance} is not known to the discovery of node ${node}`);
  return { hash: device.key, brokerProperties: r.brokerProperties, mounts: device.mounts, deviceSpecs: device.deviceSpecs };
}

async function timed<T>(kind: 'instance' | 'configuration', hooks: BackendHooks, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    hooks.latency(kind, (performance.now() - t0) / 1000);
  }
}

export class InstancePluginBackend implements DevicePluginBackend {
  constructor(
    private readonly instance: string,
    private readonly node: string,
    private readonly sources: PluginSources,
    private readonly hooks: BackendHooks,
  ) {}

  private get ledger(): SlotLedger {
    return this.sources.ledger;
  }

  devices(): PluginDevice[] {
    const r = this.ledger.get(this.instance);
    if (!r) return [];
    return instancePluginDevices(this.instance, r.capacity, this.ledger.usage(this.instance), this.node);
  }

  async preferred(available: readonly string[], mustInclude: readonly string[], size: number): Promise<string[]> {
    const ranked = preferredSlots(available, mustInclude, available.length, this.ledger.usage(this.instance), this.node);
    const chosen = [...mustInclude];
    for (const id of ranked) {
      if (chosen.length >= size) break;
      if (chosen.includes(id)) continue;
      try {
        this.hooks.claimed(await this.ledger.claim(this.instance, id, this.node));
        chosen.push(id);
      } catch (err) {
        if (!(err instanceof SlotTaken)) throw err;
      }
    }
    return chosen;
  }

  allocate(deviceIds: readonly string[]): Promise<ContainerAllocateResponse> {
    return timed('instance', this.hooks, async () => {
      const capacity = this.ledger.get(this.instance)?.capacity ?? 0;
      const devices: SlotDevice[] = [];
      for (const id of deviceIds) {
        try {
          if (slotIndex(this.instance, id, capacity) === undefined) throw new SlotTaken(`${id} is not a slot of Instance ${this.instance} (capacity ${capacity})`);
          const device = slotDevice(this.sources, this.instance, this.node);
          this.hooks.claimed(await this.ledger.claim(this.instance, id, this.node));
          devices.push(device);
        } catch (err) {
          this.hooks.claimed('refused');
          const message = `unable to claim slot ${id} on node ${this.node}: ${(err as Error).message}`;
          this.hooks.refused(this.instance, message);
          throw new Error(message);
        }
      }
      return containerAllocateResponse(devices);
    });
  }
}

export class ConfigurationPluginBackend implements DevicePluginBackend {
  constructor(
    private readonly configuration: string,
    private readonly node: string,
    private readonly sources: PluginSources,
    private readonly hooks: BackendHooks,
  ) {}

  private get ledger(): SlotLedger {
    return this.sources.ledger;
  }

  devices(): PluginDevice[] {
    return configurationPluginDevices(this.configuration, this.ledger.ledgerInstances(this.configuration), this.node);
  }

  /** The Instances the given virtual devices are already bound to on this node. */
  private boundInstances(vdevs: readonly string[]): Set<string> {
    const wanted = new Set(vdevs);
    const held = heldVirtualDevices(this.ledger.ledgerInstances(this.configuration), this.node);
    return new Set(held.filter((b) => wanted.has(b.virtualDevice)).map((b) => b.instance));
  }

  async preferred(available: readonly string[], mustInclude: readonly string[], size: number): Promise<string[]> {
    const chosen = [...mustInclude];
    // One request gets each device at most once (Akri): two virtual devices, two Instances.
    const got = this.boundInstances(mustInclude);
    for (const id of available) {
      if (chosen.length >= size) break;
      if (chosen.includes(id)) continue;
      try {
        got.add(await this.claimAny(id, got, false));
        chosen.push(id);
      } catch {
        // no slot could be bound to it: the kubelet's Allocate will get the refusal
      }
    }
    return chosen;
  }

  allocate(deviceIds: readonly string[]): Promise<ContainerAllocateResponse> {
    return timed('configuration', this.hooks, async () => {
      const devices: SlotDevice[] = [];
      const got = this.boundInstances(deviceIds);
      for (const vdev of deviceIds) {
        const instance = await this.claimAny(vdev, got);
        got.add(instance);
        devices.push(slotDevice(this.sources, instance, this.node));
      }
      return containerAllocateResponse(devices);
    });
  }

  /**
   * Binds the virtual device to a free slot of an Instance not in `exclude` (already given to
   * this request); when another node wins that slot, tries the next.
   */
  private async claimAny(vdev: string, exclude: ReadonlySet<string>, report = true): Promise<string> {
    let last = `no Instance of Configuration ${this.configuration} that this request does not already have has a free slot on node ${this.node}`;
    let lastInstance: string | undefined;
    // Slots another node just won stay out of the choice even before the watch shows them.
    const lost = new Map<string, Set<string>>();
    for (let attempt = 0; attempt < 8; attempt++) {
      const instances = this.ledger.ledgerInstances(this.configuration).map((i) => {
        const won = lost.get(i.name);
        return won ? { ...i, deviceUsage: { ...i.deviceUsage, ...Object.fromEntries([...won].map((s) => [s, 'another-node'])) } } : i;
      });
      // A virtual device already bound keeps its Instance, whatever else the request holds.
      const binding = bindVirtualDevice(vdev, instances, this.node, exclude);
      if (!binding) break;
      lastInstance = binding.instance;
      try {
        this.hooks.claimed(await this.ledger.claim(binding.instance, binding.slot, `C:${vdev}:${this.node}`));
        return binding.instance;
      } catch (err) {
        if (!(err instanceof SlotTaken)) throw err;
        lost.set(binding.instance, new Set([...(lost.get(binding.instance) ?? []), binding.slot]));
        last = err.message;
      }
    }
    const message = `unable to claim a slot for ${vdev} on node ${this.node}: ${last}`;
    if (report) {
      this.hooks.claimed('refused');
      this.hooks.refused(lastInstance, message);
    }
    throw new Error(message);
  }
}
