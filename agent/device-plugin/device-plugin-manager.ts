// The agent's device-plugin side: keeps one plugin per Instance that lists this node and
// whose device is in the device store, and one per Configuration with such Instances,
// registered with the kubelet; feeds the slot ledger from the Instance watch; gives back slots
// that pod-resources stops listing; replays ledger writes when the API server returns; and
// keeps the node-local checkpoint (ledger and device store), from which an agent restarted
// while the API server is away serves its devices again. Also removes the akri.sh/* entries
// of its Node that the kubelet keeps at 0 forever (Akri #181). Changes go through a work
// queue of keys: PLUGIN_SET (which plugins exist) and one key per plugin (a new snapshot), so a
// burst of changes from one watch event or one Allocate is one pass per key.
import { join } from 'node:path';
import type { Instance } from '../../lib/crd/instance.ts';
import type { EventRecorder } from '../../lib/kube/event-recorder.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import { WorkQueue } from '../../lib/reconcile/work-queue.ts';
import { every, type Clock, type TimerHandle } from '../../lib/time/clock.ts';
import type { DevicePluginMetrics } from '../observability/device-plugin-metrics.ts';
import { countSlots } from '../observability/slot-counts.ts';
import type { AgentApi } from '../kube/agent-api.ts';
import type { DeviceStore, DeviceStoreChange } from '../devices/device-store.ts';
import { DevicePluginSet } from './device-plugin-set.ts';
import { DeviceUsageWriter } from './device-usage-writer.ts';
import { NodeCheckpoint } from './node-checkpoint.ts';
import { ConfigurationPluginBackend, InstancePluginBackend, type BackendHooks, type PluginSources } from './plugin-backends.ts';
import { PodResourcesClient } from './pod-resources-client.ts';
import { reclaimSlots } from './slot-reclaim.ts';
import { SlotLedger, type LedgerInstanceRecord } from './slot-ledger.ts';
import { StaleResourceTidier } from './stale-resource-tidier.ts';
import { DEFAULT_STALE_RESOURCE_GRACE_MS } from './stale-resources.ts';

export interface DevicePluginManagerOptions {
  node: string;
  /** The kubelet's root directory: device-plugins/ and pod-resources/ live under it. */
  kubeletDir: string;
  /** Where the checkpoint is kept; none when unset. */
  stateDir?: string;
  api: AgentApi;
  /** The devices this node's discovery reports: a plugin is served only for a known device. */
  devices: DeviceStore;
  /** Whether a Configuration's devices are device plugins (not DRA); all are when unset. */
  servesConfiguration?: (namespace: string, name: string) => boolean;
  events: EventRecorder;
  metrics: DevicePluginMetrics;
  log: Logger;
  clock: Clock;
  /** How long a slot must be absent from pod-resources before it is freed. */
  reclaimGraceMs: number;
  reclaimPollMs: number;
  /** How often queued ledger writes are retried while the API server is away. */
  replayMs?: number;
  kubeletPollMs?: number;
  /** How long an unserved akri.sh/* entry must read 0 before it is removed from the Node; 0: never. */
  staleResourceGraceMs?: number;
  staleResourcePollMs?: number;
}

const RESOURCE_PREFIX = 'akri.sh/';
/** The work-queue key that makes the set of plugins follow the ledger and the device store. */
const PLUGIN_SET = 'plugin-set';

function record(i: Instance, node: string): LedgerInstanceRecord {
  return {
    namespace: i.metadata.namespace ?? 'default',
    name: i.metadata.name ?? '',
    configurationName: i.spec.configurationName,
    capacity: i.spec.capacity,
    brokerProperties: i.spec.brokerProperties ?? {},
    listsNode: (i.spec.nodes ?? []).includes(node) && !i.metadata.deletionTimestamp,
    remoteUsage: i.spec.deviceUsage ?? {},
  };
}

export class DevicePluginManager {
  readonly ledger: SlotLedger;
  private readonly plugins: DevicePluginSet;
  private readonly checkpoint: NodeCheckpoint | undefined;
  private readonly podResources: PodResourcesClient;
  private readonly sources: PluginSources;
  private readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly tidier: StaleResourceTidier | undefined;
  private unusedSince = new Map<string, number>();
  private stopReclaim: (() => void) | undefined;
  private replayTimer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly o: DevicePluginManagerOptions) {
    this.log = o.log.child({ component: 'device-plugins' });
    const writer = new DeviceUsageWriter(o.api, o.node);
    this.queue = new WorkQueue((key) => this.sync(key), {
      workers: 2,
      clock: o.clock,
      baseDelayMs: 100,
      maxDelayMs: 5000,
      onError: (key, err) => this.log.warn('syncing device plugins failed; retrying', { key, error: (err as Error).message }),
    });
    this.ledger = new SlotLedger({
      node: o.node,
      write: (ns, name, usage) => writer.write(ns, name, usage),
      onChange: (instance) => this.changed(instance),
      onShapeChange: () => this.queue.add(PLUGIN_SET),
      persist: () => this.checkpoint?.save() ?? Promise.resolve(),
      onLinkChange: (online) => {
        o.metrics.apiReachable.set(online ? 1 : 0);
        if (online) this.log.info('API server reachable again: queued slot writes replayed');
        else {
          this.log.warn('API server unreachable: allocating from the local ledger and queueing writes');
          this.scheduleReplay();
        }
      },
      onLostClaim: (instance, slot, holder) => {
        this.log.warn('a slot claimed while offline was taken by another node meanwhile', { instance, slot, holder });
        this.refused(instance, `slot ${slot} claimed by ${o.node} while the API server was away is held by "${holder}"`);
      },
    });
    this.sources = { ledger: this.ledger, devices: o.devices };
    o.metrics.observeSlots(() => countSlots(this.ledger.list().filter((r) => r.listsNode), (name) => this.ledger.usage(name), o.node));
    this.checkpoint = o.stateDir ? this.openCheckpoint(o.stateDir) : undefined;
    this.plugins = new DevicePluginSet({
      pluginDir: join(o.kubeletDir, 'device-plugins'),
      logger: this.log,
      clock: o.clock,
      pollMs: o.kubeletPollMs ?? 200,
      retryBaseMs: 100,
      retryMaxMs: 2000,
      onRegistered: (_resource, reason) => o.metrics.registrations.inc({ reason }),
    });
    this.podResources = new PodResourcesClient(join(o.kubeletDir, 'pod-resources', 'kubelet.sock'));
    const staleGraceMs = o.staleResourceGraceMs ?? DEFAULT_STALE_RESOURCE_GRACE_MS;
    this.tidier =
      staleGraceMs > 0
        ? new StaleResourceTidier({
            node: o.node,
            api: o.api,
            events: o.events,
            log: this.log,
            clock: o.clock,
            graceMs: staleGraceMs,
            pollMs: o.staleResourcePollMs ?? 30_000,
            served: () => new Set(this.plugins.resources),
            removed: o.metrics.staleResourcesRemoved,
          })
        : undefined;
  }

  private openCheckpoint(stateDir: string): NodeCheckpoint | undefined {
    try {
      return new NodeCheckpoint(stateDir, this.o.node, () => ({ ledger: this.ledger.view(), devices: this.o.devices.all() }), () => this.o.clock.now());
    } catch (err) {
      // Serving devices matters more than surviving an offline restart.
      this.log.warn('no checkpoint: the state directory cannot be used', { stateDir, error: (err as Error).message });
      return undefined;
    }
  }

  get checkpointPath(): string | undefined {
    return this.checkpoint?.path;
  }

  /** Restores the checkpoint and serves its devices, before the API server has answered at all. */
  async start(): Promise<void> {
    const saved = this.checkpoint?.load();
    if (saved) {
      this.o.devices.restore(saved.devices);
      this.ledger.restore(saved.ledger);
      this.log.info('restored the slot ledger and the devices from the checkpoint', {
        instances: saved.ledger.instances.length,
        devices: saved.devices.length,
        pendingWrites: saved.ledger.pending.length,
      });
      if (saved.ledger.pending.length > 0) this.scheduleReplay(0);
    }
    this.unsubscribe = this.o.devices.subscribe((change) => this.devicesChanged(change));
    this.plugins.start();
    this.queue.add(PLUGIN_SET);
    await this.queue.idle();
    this.stopReclaim = every(this.o.clock, this.o.reclaimPollMs, () => this.reclaim());
    this.tidier?.start();
  }

  /** Stops serving without an empty snapshot and keeps the ledger: the agent goes, not the devices. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    this.stopReclaim?.();
    this.tidier?.stop();
    this.o.clock.clearTimeout(this.replayTimer);
    this.queue.stop();
    await this.queue.idle();
    await this.plugins.halt();
    this.podResources.close();
    await this.checkpoint?.save();
  }

  instanceChanged(type: 'ADDED' | 'MODIFIED' | 'DELETED', i: Instance): void {
    if (type === 'DELETED') {
      this.ledger.remove(i.metadata.name ?? '');
      this.queue.add(`${RESOURCE_PREFIX}${i.spec.configurationName}`); // one Instance fewer to offer
    } else if (!this.ledger.upsert(record(i, this.o.node))) return;
    void this.checkpoint?.save();
  }

  /** A Configuration came, went or changed how its devices are allocated. */
  configurationsChanged(): void {
    this.queue.add(PLUGIN_SET);
  }

  /** The API server's full list is known: Instances in the checkpoint that are gone are dropped. */
  instancesListed(all: Instance[]): void {
    const names = new Set(all.map((i) => i.metadata.name ?? ''));
    for (const r of this.ledger.list()) if (!names.has(r.name)) this.ledger.remove(r.name);
    void this.checkpoint?.save();
  }

  /** A device came, went or changed: its Instance's plugin may start, stop or answer anew. */
  private devicesChanged(change: DeviceStoreChange): void {
    this.queue.add(PLUGIN_SET);
    for (const d of [...change.added, ...change.changed, ...change.removed]) this.changed(d.instance.name);
    void this.checkpoint?.save();
  }

  /** An Instance's usage changed: its plugin and its Configuration's send a new snapshot. */
  private changed(instance: string): void {
    this.queue.add(`${RESOURCE_PREFIX}${instance}`);
    const cfg = this.ledger.get(instance)?.configurationName;
    if (cfg) this.queue.add(`${RESOURCE_PREFIX}${cfg}`);
  }

  private async sync(key: string): Promise<void> {
    if (this.stopped) return;
    if (key === PLUGIN_SET) await this.syncPluginSet();
    else this.plugins.get(key)?.update();
    this.o.metrics.plugins.set(this.plugins.resources.length);
    this.o.metrics.pendingWrites.set(this.ledger.pendingWrites);
  }

  private async syncPluginSet(): Promise<void> {
    const wanted = new Map<string, () => InstancePluginBackend | ConfigurationPluginBackend>();
    for (const r of this.ledger.list()) {
      // As Akri: no device, no plugin (it would have nothing to give a pod).
      if (!r.listsNode || !this.o.devices.ofInstance(r.namespace, r.name)) continue;
      if (this.o.servesConfiguration?.(r.namespace, r.configurationName) === false) continue;
      wanted.set(`${RESOURCE_PREFIX}${r.name}`, () => new InstancePluginBackend(r.name, this.o.node, this.sources, this.hooks));
      wanted.set(`${RESOURCE_PREFIX}${r.configurationName}`, () => new ConfigurationPluginBackend(r.configurationName, this.o.node, this.sources, this.hooks));
    }
    const work: Array<Promise<unknown>> = [];
    for (const resource of this.plugins.resources) {
      // A plugin whose Instance left this node reports no devices, then stops.
      if (!wanted.has(resource)) work.push(this.plugins.remove(resource).then(() => this.log.info('device plugin stopped', { resource })));
    }
    for (const [resource, backend] of wanted) {
      if (!this.plugins.get(resource)) work.push(this.plugins.add({ resourceName: resource, backend: backend() }));
    }
    await Promise.all(work);
  }

  private readonly hooks: BackendHooks = {
    claimed: (result) => this.o.metrics.slotClaims.inc({ result }),
    refused: (instance, message) => this.refused(instance, message),
    latency: (kind, seconds) => this.o.metrics.allocateLatency.observe({ kind }, seconds),
  };

  private refused(instance: string | undefined, message: string): void {
    const r = instance ? this.ledger.get(instance) : undefined;
    if (!r) return;
    void this.o.events.record({ apiVersion: 'akri.sh/v0', kind: 'Instance', name: r.name, namespace: r.namespace }, 'Warning', 'AllocateRefused', message);
  }

  private scheduleReplay(delayMs = this.o.replayMs ?? 1000): void {
    if (this.stopped || this.replayTimer !== undefined) return;
    this.replayTimer = this.o.clock.setTimeout(() => {
      this.replayTimer = undefined;
      void this.ledger.replay().then(
        (done) => {
          this.o.metrics.pendingWrites.set(this.ledger.pendingWrites);
          if (!done) this.scheduleReplay();
        },
        () => this.scheduleReplay(),
      );
    }, delayMs);
  }

  private async reclaim(): Promise<void> {
    let inUse: Map<string, Set<string>>;
    // Claims made from here on are newer than the kubelet's answer: their slots are not freed.
    const claimsBefore = this.ledger.claimCount;
    try {
      inUse = await this.podResources.inUse();
    } catch {
      return; // the kubelet is away: we cannot know, so nothing is freed
    }
    const { free, unusedSince } = reclaimSlots({
      held: this.ledger.held(),
      inUse,
      unusedSince: this.unusedSince,
      configurationOf: (instance) => this.ledger.get(instance)?.configurationName,
      now: this.o.clock.now(),
      graceMs: this.o.reclaimGraceMs,
    });
    this.unusedSince = unusedSince;
    for (const h of free) {
      if (this.stopped) return;
      if (!(await this.ledger.free(h.instance, h.slot, claimsBefore))) {
        this.unusedSince.delete(h.slot); // given to a pod meanwhile: in use, whatever the kubelet said
        continue;
      }
      this.o.metrics.slotsFreed.inc({ reason: 'unused' });
      this.log.info('slot freed: no pod uses it any more', { instance: h.instance, slot: h.slot });
    }
  }
}
