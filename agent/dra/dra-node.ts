// The agent's DRA side on one node, wired: the checkpoint of prepared claims and the CDI
// directory, the claim preparer behind the kubelet DRA plugin (served when the agent has a
// kubelet directory), and this node's ResourceSlices. It reads the agent's caches (Instances,
// Configurations, this node's slices) and the device store through functions, so it holds no
// cache of its own; the agent calls changed() whenever one of them changes.
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { Configuration } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import type { ResourceClaim, ResourceSlice } from '../../lib/dra/resource-api.ts';
import type { Logger } from '../../lib/observability/logger.ts';
import { DraMetrics } from '../observability/dra-metrics.ts';
import { CdiFiles } from './cdi-files.ts';
import { ClaimPreparer } from './claim-preparer.ts';
import type { DraDeviceSource } from './device-source.ts';
import { KubeletPlugin } from './kubelet-plugin.ts';
import { NodeSlices, type SliceWriterApi } from './node-slices.ts';
import type { PoolInstance } from './prepare-plan.ts';
import { PreparedClaims } from './prepared-claims.ts';

export interface DraNodeApi extends SliceWriterApi {
  readClaim(namespace: string, name: string): Promise<ResourceClaim>;
  /** This node's Node object's UID, for the slices' owner reference. */
  nodeUid(node: string): Promise<string | undefined>;
}

export interface DraNodeOptions {
  node: string;
  /** The kubelet's root; the DRA plugin is served only when set. */
  kubeletDir?: string;
  cdiDir: string;
  /** Where dra-<node>.json is kept; nothing survives a restart when unset. */
  stateDir?: string;
  api: DraNodeApi;
  instances: () => Iterable<Instance>;
  configuration: (namespace: string, name: string) => Configuration | undefined;
  /** This node's ResourceSlices of our driver, as the watch shows them. */
  slices: () => Iterable<ResourceSlice>;
  devices: DraDeviceSource;
  /** A Normal Event on an Instance whose properties did not all become attributes. */
  attributeReport: (instance: Instance, message: string) => void;
  registry: Registry;
  log: Logger;
}

export class DraNode {
  readonly metrics: DraMetrics;
  readonly prepared: PreparedClaims;
  readonly cdi: CdiFiles;
  private readonly preparer: ClaimPreparer;
  private readonly slicesWriter: NodeSlices;
  private plugin: KubeletPlugin | undefined;
  private owner: V1OwnerReference | undefined;
  private ownerLookup: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: DraNodeOptions) {
    this.log = o.log.child({ component: 'dra' });
    this.metrics = new DraMetrics(o.registry);
    this.prepared = new PreparedClaims(o.stateDir, o.node);
    this.cdi = new CdiFiles(o.cdiDir);
    this.preparer = new ClaimPreparer({
      node: o.node,
      readClaim: (ns, name) => o.api.readClaim(ns, name),
      prepared: this.prepared,
      cdi: this.cdi,
      instanceOfPool: (pool) => this.instanceOfPool(pool),
      devices: o.devices,
      metrics: this.metrics,
      log: this.log,
    });
    this.slicesWriter = new NodeSlices({
      node: o.node,
      api: o.api,
      instances: o.instances,
      configuration: o.configuration,
      existing: o.slices,
      nodeOwner: () => this.owner,
      log: this.log,
      onAttributeReport: o.attributeReport,
      onWrite: (verb) => this.metrics.sliceWrites.inc({ verb }),
    });
  }

  /** Restores the checkpoint and serves the kubelet before the API server has answered. */
  async start(): Promise<void> {
    const restored = await this.preparer.restore();
    if (restored) this.log.info('restored prepared claims from the checkpoint', { claims: restored });
    if (this.o.kubeletDir !== undefined) {
      this.plugin = new KubeletPlugin({
        kubeletDir: this.o.kubeletDir,
        backend: this.preparer,
        log: this.log,
        onRegistration: (ok) => this.metrics.registered.set(ok ? 1 : 0),
      });
      await this.plugin.start();
    }
  }

  /** Stops serving; prepared claims stay in the checkpoint and their CDI files in place. */
  async stop(): Promise<void> {
    await this.plugin?.stop();
    await this.slicesWriter.stop();
  }

  /** Something the slices depend on changed: an Instance, a Configuration, or one of our slices. */
  changed(): void {
    if (!this.owner) this.lookUpOwner();
    this.slicesWriter.kick();
  }

  /** Resolves when no slice pass is running (tests). */
  idle(): Promise<void> {
    return this.slicesWriter.idle();
  }

  private lookUpOwner(): void {
    this.ownerLookup ??= this.o.api
      .nodeUid(this.o.node)
      .then((uid) => {
        if (!uid) return;
        this.owner = { apiVersion: 'v1', kind: 'Node', name: this.o.node, uid };
        this.slicesWriter.kick();
      })
      .catch(() => undefined)
      .finally(() => (this.ownerLookup = undefined));
  }

  /** The Instance a pool is, computed forward from each Instance that this node serves. */
  private instanceOfPool(pool: string): PoolInstance | undefined {
    for (const i of this.o.instances()) {
      const ns = i.metadata.namespace ?? '';
      const name = i.metadata.name ?? '';
      if (poolName({ namespace: ns, name }) !== pool) continue;
      return { namespace: ns, name, capacity: i.spec.capacity, nodes: i.spec.nodes ?? [], brokerProperties: i.spec.brokerProperties ?? {} };
    }
    return undefined;
  }
}

