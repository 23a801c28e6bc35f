// The agent's device-plugin side: keeps one plugin per Instance that lists this node and one
// per Configuration with such Instances, registered with the kubelet; feeds the slot ledger
// from the Instance watch and the discovery snapshots (mounts and device specs, which the
// Instance does not store); gives back slots that pod-resources stops listing; replays ledger
// writes when the API server returns; and keeps the node-local checkpoint, from which an
// agent restarted while the API server is away serves its devices again. Also removes the
// akri.sh/* entries of its Node that the kubelet keeps at 0 forever (Akri #181).
import { join } from 'node:path';
import type { Instance } from '../../lib/crd/instance.ts';
import type { EventRecorder } from '../../lib/kube/event-recorder.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import type { DevicePluginMetrics } from '../observability/device-plugin-metrics.ts';
import { countSlots } from '../observability/slot-counts.ts';
import type { AgentApi } from '../kube/agent-api.ts';
import { DevicePluginSet } from './device-plugin-set.ts';
import { DeviceUsageWriter } from './device-usage-writer.ts';
import { LedgerCheckpoint } from './ledger-checkpoint.ts';
import { ConfigurationPluginBackend, InstancePluginBackend, type BackendHooks } from './plugin-backends.ts';
import { PodResourcesClient } from './pod-resources-client.ts';
import { reclaimSlots } from './slot-reclaim.ts';
import { SlotLedger, type DeviceExtras, type LedgerInstanceRecord } from './slot-ledger.ts';
import { StaleResourceTidier } from './stale-resource-tidier.ts';
import { DEFAULT_STALE_RESOURCE_GRACE_MS } from './stale-resources.ts';

export interface DevicePluginManagerOptions {
  node: string;
  /** The kubelet's root directory: device-plugins/ and pod-resources/ live under it. */
  kubeletDir: string;
  /** Where the checkpoint is kept; none when unset. */
  stateDir?: string;
  api: AgentApi;
  events: EventRecorder;
  metrics: DevicePluginMetrics;
  log: Logger;
  now: () => number;
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

const INSTANCE_PREFIX = 'akri.sh/';

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
  private readonly checkpoint: LedgerCheckpoint | undefined;
  private readonly podResources: PodResourcesClient;
  private readonly log: Logger;
  private unusedSince = new Map<string, number>();
  private reclaimTimer: NodeJS.Timeout | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private syncedShape = -1;
  private stopped = false;
  private readonly dirty = new Set<string>();
  private readonly tidier: StaleResourceTidier | undefined;

  constructor(private readonly o: DevicePluginManagerOptions) {
    this.log = o.log.child({ component: 'device-plugins' });
    const writer = new DeviceUsageWriter(o.api, o.node);
    this.ledger = new SlotLedger({
      node: o.node,
      write: (ns, name, usage) => writer.write(ns, name, usage),
      onChange: (instance) => this.changed(instance),
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
    o.metrics.observeSlots(() => countSlots(this.ledger.list().filter((r) => r.listsNode), (name) => this.ledger.usage(name), o.node));
    this.checkpoint = o.stateDir ? this.openCheckpoint(o.stateDir) : undefined;
    this.plugins = new DevicePluginSet({
      pluginDir: join(o.kubeletDir, 'device-plugins'),
      logger: this.log,
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
            now: o.now,
            graceMs: staleGraceMs,
            pollMs: o.staleResourcePollMs ?? 30_000,
            served: () => new Set(this.plugins.resources),
            removed: o.metrics.staleResourcesRemoved,
          })
        : undefined;
  }

  private openCheckpoint(stateDir: string): LedgerCheckpoint | undefined {
    try {
      return new LedgerCheckpoint(stateDir, this.o.node, () => this.ledger.view(), this.o.now);
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
      this.ledger.restore(saved);
      this.log.info('restored the slot ledger from the checkpoint', { instances: saved.instances.length, pendingWrites: saved.pending.length });
      if (saved.pending.length > 0) this.scheduleReplay(0);
    }
    this.plugins.start();
    await this.syncPlugins();
    this.reclaimTimer = setInterval(() => void this.reclaim(), this.o.reclaimPollMs);
    this.tidier?.start();
  }

  /** Stops serving without an empty snapshot and keeps the ledger: the agent goes, not the devices. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.reclaimTimer);
    this.tidier?.stop();
    clearTimeout(this.replayTimer);
    await this.syncing?.catch(() => undefined);
    await this.plugins.halt();
    this.podResources.close();
    await this.checkpoint?.save();
  }

  instanceChanged(type: 'ADDED' | 'MODIFIED' | 'DELETED', i: Instance): void {
    if (type === 'DELETED') this.ledger.remove(i.metadata.name ?? '');
    else if (!this.ledger.upsert(record(i, this.o.node))) return;
    void this.checkpoint?.save();
  }

  /** The API server's full list is known: Instances in the checkpoint that are gone are dropped. */
  instancesListed(all: Instance[]): void {
    const names = new Set(all.map((i) => i.metadata.name ?? ''));
    for (const r of this.ledger.list()) if (!names.has(r.name)) this.ledger.remove(r.name);
    void this.checkpoint?.save();
  }

  /** The handler's latest mounts and device specs per Instance, from the discovery snapshot. */
  devicesSeen(devices: ReadonlyMap<string, DeviceExtras>): void {
    let changed = false;
    for (const [instance, extras] of devices) changed = this.ledger.setDeviceExtras(instance, extras) || changed;
    if (changed) void this.checkpoint?.save();
  }

  private changed(instance: string): void {
    this.dirty.add(instance);
    const cfg = this.ledger.get(instance)?.configurationName;
    if (cfg) this.dirty.add(cfg);
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    // Coalesce the burst of changes one watch event or Allocate makes.
    this.syncing = new Promise<void>((r) => setImmediate(r)).then(() => this.runSync());
  }

  private async syncPlugins(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    this.syncing = this.runSync();
    return this.syncing;
  }

  private async runSync(): Promise<void> {
    try {
      do {
        this.syncAgain = false;
        if (this.stopped) return;
        await this.syncOnce();
      } while (this.syncAgain);
    } catch (err) {
      this.log.warn('syncing device plugins failed', { error: (err as Error).message });
    } finally {
      this.syncing = undefined;
    }
  }

  private async syncOnce(): Promise<void> {
    // Which plugins exist only changes with the ledger's shape; a slot claim changes one
    // Instance's usage, and then only its plugins need a new snapshot.
    const shape = this.ledger.shape;
    if (shape !== this.syncedShape) {
      await this.syncPluginSet();
      this.syncedShape = shape;
    }
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const name of dirty) this.plugins.get(`${INSTANCE_PREFIX}${name}`)?.update();
    this.o.metrics.plugins.set(this.plugins.resources.length);
    this.o.metrics.pendingWrites.set(this.ledger.pendingWrites);
  }

  private async syncPluginSet(): Promise<void> {
    const wanted = new Map<string, () => InstancePluginBackend | ConfigurationPluginBackend>();
    for (const r of this.ledger.list()) {
      if (!r.listsNode) continue;
      wanted.set(`${INSTANCE_PREFIX}${r.name}`, () => new InstancePluginBackend(r.name, this.o.node, this.ledger, this.hooks));
      wanted.set(`${INSTANCE_PREFIX}${r.configurationName}`, () => new ConfigurationPluginBackend(r.configurationName, this.o.node, this.ledger, this.hooks));
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
    if (this.stopped || this.replayTimer) return;
    this.replayTimer = setTimeout(() => {
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
      now: this.o.now(),
      graceMs: this.o.reclaimGraceMs,
    });
    this.unusedSince = unusedSince;
    for (const h of free) {
      if (this.stopped) return;
      await this.ledger.free(h.instance, h.slot);
      this.o.metrics.slotsFreed.inc({ reason: 'unused' });
      this.log.info('slot freed: no pod uses it any more', { instance: h.instance, slot: h.slot });
    }
  }
}
