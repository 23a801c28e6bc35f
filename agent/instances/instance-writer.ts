// Carries out the planner's Instance operations with server-side apply. The spec is written
// under the node's own field manager (as Akri: manager = node name), so several nodes that
// see one shared device each own their entry of the `nodes` set and merge without fighting.
// The per-node finalizer is written under `<node>-fin`, again as Akri does.
import type { Instance } from '../../lib/crd/instance.ts';
import { AKRI_API_VERSION } from '../../lib/crd/group.ts';
import type { AgentApi } from '../kube/agent-api.ts';
import { isNotFound } from '../kube/agent-api.ts';
import type { DesiredSpec } from './plan-instances.ts';

export interface OwnerConfiguration {
  name: string;
  namespace: string;
  uid: string;
}

export const instancePath = (namespace: string, name: string): string => `/apis/akri.sh/v0/namespaces/${namespace}/instances/${name}`;

export class InstanceWriter {
  constructor(
    private readonly api: AgentApi,
    private readonly node: string,
  ) {}

  /** Writes this node's view of the Instance; returns the object as stored. */
  async apply(owner: OwnerConfiguration, name: string, spec: DesiredSpec, addFinalizer: boolean): Promise<Instance> {
    const path = instancePath(owner.namespace, name);
    let stored = await this.api.apply<Instance>(
      path,
      {
        apiVersion: AKRI_API_VERSION,
        kind: 'Instance',
        metadata: {
          name,
          namespace: owner.namespace,
          ownerReferences: [{ apiVersion: AKRI_API_VERSION, kind: 'Configuration', name: owner.name, uid: owner.uid, controller: true }],
        },
        spec: { ...spec, nodes: [this.node] },
      },
      this.node,
      // Capacity and brokerProperties follow the Configuration; a node with an older view of
      // them must not block one with the newer view (it converges when it applies too).
      true,
    );
    if (addFinalizer) stored = await this.setFinalizer(owner.namespace, name, true) ?? stored;
    return stored;
  }

  /**
   * This node stops exposing the device: its finalizer and its `nodes` entry go; when no node
   * is left, the Instance is deleted.
   */
  async leave(namespace: string, name: string, spec: Instance['spec']): Promise<void> {
    const path = instancePath(namespace, name);
    await this.setFinalizer(namespace, name, false);
    const others = (spec.nodes ?? []).filter((n) => n !== this.node);
    // The last node out deletes it outright, so no one sees an Instance with no nodes.
    if (others.length === 0) return this.delete(path);
    let remaining: string[];
    try {
      const stored = await this.api.apply<Instance>(
        path,
        {
          apiVersion: AKRI_API_VERSION,
          kind: 'Instance',
          metadata: { name, namespace },
          // Keep the required fields owned while giving up our `nodes` entry.
          spec: { configurationName: spec.configurationName, cdiName: spec.cdiName, capacity: spec.capacity, nodes: [] },
        },
        this.node,
        true,
      );
      remaining = stored.spec.nodes ?? [];
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    // Another node left at the same moment: whoever sees the set empty deletes.
    if (remaining.length === 0) await this.delete(path);
  }

  private async delete(path: string): Promise<void> {
    await this.api.request({ method: 'DELETE', path }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
  }

  /** Adds or removes this node's finalizer; undefined when the Instance is gone. */
  async setFinalizer(namespace: string, name: string, present: boolean): Promise<Instance | undefined> {
    try {
      return await this.api.apply<Instance>(
        instancePath(namespace, name),
        { apiVersion: AKRI_API_VERSION, kind: 'Instance', metadata: { name, namespace, finalizers: present ? [this.node] : [] } },
        `${this.node}-fin`,
      );
    } catch (err) {
      // Gone (404), or an apply that would create a spec-less Instance (422): nothing to do.
      if (isNotFound(err) || (err as { status?: number }).status === 422) return undefined;
      throw err;
    }
  }
}
