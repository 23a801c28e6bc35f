// This node's ResourceSlices: one pool per Instance that only this node reaches (not shared),
// that lists this node, and whose Configuration is in DRA mode, with `nodeName` set and the Node
// as owner (so they go with the Node). Level-triggered: kick() asks for a pass, which compares
// what should exist with what the watch of this node's slices shows (the kubelet deletes a
// node's slices when it starts and when our plugin is gone, and a pass writes them again) and
// applies only the difference, under the field manager dra-<node>. Passes never overlap.
import type { V1OwnerReference } from '@kubernetes/client-node';
import type { Configuration } from '../../lib/crd/configuration.ts';
import { deviceAllocationOf } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import { describeReport } from '../../lib/dra/device-attributes.ts';
import { agentSliceFieldManager, agentWriter } from '../../lib/dra/driver.ts';
import { RESOURCE_SLICES_PATH, type ResourceSlice } from '../../lib/dra/resource-api.ts';
import { instanceSlices, planSliceWrites, type SliceWrite } from '../../lib/dra/slice-plan.ts';
import type { Logger } from '../../lib/observability/logger.ts';

export interface SliceWriterApi {
  apply(path: string, object: unknown, fieldManager: string, force: boolean): Promise<unknown>;
  remove(path: string, uid: string | undefined): Promise<void>;
}

export interface NodeSlicesOptions {
  node: string;
  api: SliceWriterApi;
  /** The Instances and Configurations the agent's caches hold. */
  instances: () => Iterable<Instance>;
  configuration: (namespace: string, name: string) => Configuration | undefined;
  /** This node's slices of our driver, as the watch shows them. */
  existing: () => Iterable<ResourceSlice>;
  /** The Node, as owner of the slices; undefined while unknown. */
  nodeOwner: () => V1OwnerReference | undefined;
  log: Logger;
  /** An Instance whose properties did not all become attributes (an Event on it). */
  onAttributeReport?: (instance: Instance, message: string) => void;
  onWrite?: (verb: 'apply' | 'delete') => void;
  /** Retry delay after a failed pass. */
  retryMs?: number;
}

/** Whether this node publishes the Instance's devices itself (shared ones are the controller's). */
export function isNodeLocalDraInstance(i: Instance, node: string, configuration: Configuration | undefined): boolean {
  return (
    configuration !== undefined &&
    deviceAllocationOf(configuration.spec) === 'DRA' &&
    !i.spec.shared &&
    !i.metadata.deletionTimestamp &&
    (i.spec.nodes ?? []).includes(node)
  );
}

export class NodeSlices {
  private running: Promise<void> | undefined;
  private again = false;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly reported = new Map<string, string>();

  constructor(private readonly o: NodeSlicesOptions) {}

  /** Asks for a pass; one that is running is followed by one more. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.running;
  }

  /** Resolves when no pass is running or asked for (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** The writes a pass would make now. */
  plan(): SliceWrite[] {
    const writer = agentWriter(this.o.node);
    const owner = this.o.nodeOwner();
    const desired: ResourceSlice[] = [];
    for (const i of this.o.instances()) {
      const ns = i.metadata.namespace ?? '';
      if (!isNodeLocalDraInstance(i, this.o.node, this.o.configuration(ns, i.spec.configurationName))) continue;
      const planned = instanceSlices(
        { namespace: ns, name: i.metadata.name ?? '', configuration: i.spec.configurationName, capacity: i.spec.capacity, shared: false, nodes: i.spec.nodes ?? [], properties: i.spec.brokerProperties ?? {} },
        { nodeName: this.o.node, owner },
        writer,
      );
      desired.push(...planned.slices);
      this.report(i, describeReport(planned.report));
    }
    return planSliceWrites(desired, [...this.o.existing()]);
  }

  private report(i: Instance, message: string | undefined): void {
    const key = `${i.metadata.namespace}/${i.metadata.name}`;
    if (message === undefined || this.reported.get(key) === message) return;
    this.reported.set(key, message);
    this.o.onAttributeReport?.(i, message);
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      if (this.stopped) return;
      try {
        for (const w of this.plan()) await this.write(w);
      } catch (err) {
        this.o.log.warn('writing ResourceSlices failed; retrying', { error: (err as Error).message });
        clearTimeout(this.retry);
        this.retry = setTimeout(() => this.kick(), this.o.retryMs ?? 2000);
        return;
      }
    } while (this.again);
  }

  private async write(w: SliceWrite): Promise<void> {
    if (w.kind === 'apply') {
      await this.o.api.apply(`${RESOURCE_SLICES_PATH}/${w.slice.metadata.name}`, w.slice, agentSliceFieldManager(this.o.node), true);
      this.o.onWrite?.('apply');
      this.o.log.debug('ResourceSlice applied', { slice: w.slice.metadata.name, generation: w.slice.spec.pool.generation });
    } else {
      await this.o.api.remove(`${RESOURCE_SLICES_PATH}/${w.name}`, w.uid);
      this.o.onWrite?.('delete');
      this.o.log.debug('ResourceSlice deleted', { slice: w.name });
    }
  }
}
