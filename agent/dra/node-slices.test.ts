// This node's ResourceSlices follow its local DRA Instances: written when one appears, left
// alone while nothing changes, rewritten after the kubelet deleted them, and deleted when the
// Instance goes or its Configuration leaves DRA; shared Instances are the controller's.
import { describe, expect, it } from 'vitest';
import type { Configuration } from '../../lib/crd/configuration.ts';
import type { Instance } from '../../lib/crd/instance.ts';
import type { ResourceSlice } from '../../lib/dra/resource-api.ts';
import { Logger } from '../../lib/observability/logger.ts';
import { isNodeLocalDraInstance, NodeSlices } from './node-slices.ts';

function configuration(mode?: 'DRA' | 'DevicePlugin'): Configuration {
  return { apiVersion: 'akri.sh/v0', kind: 'Configuration', metadata: { name: 'null', namespace: 'ns' }, spec: { discoveryHandler: { name: 'udev' }, ...(mode ? { deviceAllocation: mode } : {}) } };
}

function instance(name: string, nodes: string[], shared = false): Instance {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Instance',
    metadata: { name, namespace: 'ns' },
    spec: { configurationName: 'null', cdiName: `akri.sh/null=${name.slice(-6)}`, capacity: 1, shared, nodes, brokerProperties: { UDEV_DEVNODE: '/dev/null' } },
  };
}

/** A fake API server whose watch shows exactly what was written. */
function harness(cfg: Configuration, instances: Instance[]) {
  const stored = new Map<string, ResourceSlice>();
  const writes: string[] = [];
  const slices = new NodeSlices({
    node: 'edge-1',
    api: {
      apply: async (path, object) => {
        const s = object as ResourceSlice;
        stored.set(s.metadata.name, s);
        writes.push(`apply ${path.split('/').pop()} gen ${s.spec.pool.generation}`);
      },
      remove: async (path) => {
        stored.delete(path.split('/').pop() ?? '');
        writes.push(`delete ${path.split('/').pop()}`);
      },
    },
    instances: () => instances,
    configuration: () => cfg,
    existing: () => stored.values(),
    nodeOwner: () => ({ apiVersion: 'v1', kind: 'Node', name: 'edge-1', uid: 'node-uid' }),
    log: new Logger({ test: true }, 'error'),
  });
  return { slices, stored, writes };
}

describe('NodeSlices', () => {
  it('publishes a local DRA Instance of this node with nodeName and the Node as owner, once', async () => {
    const h = harness(configuration('DRA'), [instance('null-aaaaaa', ['edge-1']), instance('null-bbbbbb', ['edge-2']), instance('null-cccccc', ['edge-1', 'edge-2'], true)]);
    h.slices.kick();
    await h.slices.idle();
    expect(h.writes).toEqual(['apply ns.null-aaaaaa.0 gen 1']);
    const s = h.stored.get('ns.null-aaaaaa.0');
    expect(s?.spec.nodeName).toBe('edge-1');
    expect(s?.metadata.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Node', name: 'edge-1', uid: 'node-uid' }]);
    h.slices.kick();
    await h.slices.idle();
    expect(h.writes).toHaveLength(1);
  });

  it('writes a slice again after the kubelet deleted it, and deletes it when the Configuration leaves DRA', async () => {
    const cfg = configuration('DRA');
    const h = harness(cfg, [instance('null-aaaaaa', ['edge-1'])]);
    h.slices.kick();
    await h.slices.idle();
    h.stored.clear(); // the kubelet wiped this node's slices at its start
    h.slices.kick();
    await h.slices.idle();
    expect(h.writes).toEqual(['apply ns.null-aaaaaa.0 gen 1', 'apply ns.null-aaaaaa.0 gen 1']);
    cfg.spec.deviceAllocation = 'DevicePlugin';
    h.slices.kick();
    await h.slices.idle();
    expect(h.writes.at(-1)).toBe('delete ns.null-aaaaaa.0');
    expect(h.stored.size).toBe(0);
  });

  it('tells which Instances are this node\'s to publish', () => {
    expect(isNodeLocalDraInstance(instance('x', ['edge-1']), 'edge-1', configuration('DRA'))).toBe(true);
    expect(isNodeLocalDraInstance(instance('x', ['edge-1']), 'edge-1', configuration())).toBe(false);
    expect(isNodeLocalDraInstance(instance('x', ['edge-1'], true), 'edge-1', configuration('DRA'))).toBe(false);
    expect(isNodeLocalDraInstance(instance('x', ['edge-2']), 'edge-1', configuration('DRA'))).toBe(false);
    expect(isNodeLocalDraInstance(instance('x', ['edge-1']), 'edge-1', undefined)).toBe(false);
  });
});
