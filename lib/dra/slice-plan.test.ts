// The ResourceSlices of an Instance and the writes that keep them current: a writer writes
// nothing when nothing changed, a whole pool with the next generation when anything did, and
// deletes the pools of Instances it no longer serves.
import { describe, expect, it } from 'vitest';
import { DRA_DRIVER } from './driver.ts';
import { instanceSlices, planSliceWrites, type SliceInstance } from './slice-plan.ts';
import type { ResourceSlice } from './resource-api.ts';

const local: SliceInstance = {
  namespace: 'default',
  name: 'akri-udev-ce4650',
  configuration: 'akri-udev',
  capacity: 2,
  shared: false,
  nodes: ['node-a'],
  properties: { UDEV_DEVNODE: '/dev/null' },
};
const camera: SliceInstance = { ...local, name: 'cams-d34504', configuration: 'cams', capacity: 1, shared: true, nodes: ['node-b', 'node-a'], properties: {} };

function asStored(writes: ReturnType<typeof planSliceWrites>): ResourceSlice[] {
  return writes.flatMap((w) => (w.kind === 'apply' ? [{ ...w.slice, metadata: { ...w.slice.metadata, uid: `uid-${w.slice.metadata.name}` } }] : []));
}

describe('instanceSlices', () => {
  it('gives a local Instance one device per slot in a slice bound to its node', () => {
    const { pool, slices } = instanceSlices(local, { nodeName: 'node-a' }, 'agent-node-a');
    expect(pool).toBe('default/akri-udev-ce4650');
    expect(slices).toHaveLength(1);
    const s = slices[0] as ResourceSlice;
    expect(s.metadata.name).toBe('default.akri-udev-ce4650.0');
    expect(s.spec).toMatchObject({ driver: DRA_DRIVER, nodeName: 'node-a', pool: { name: 'default/akri-udev-ce4650', resourceSliceCount: 1 } });
    expect(s.spec.nodeSelector).toBeUndefined();
    expect(s.spec.devices.map((d) => [d.name, d.attributes?.slot, d.attributes?.UDEV_DEVNODE])).toEqual([
      ['slot-0', { int: 0 }, { string: '/dev/null' }],
      ['slot-1', { int: 1 }, { string: '/dev/null' }],
    ]);
  });

  it('gives a shared Instance a node selector naming exactly its nodes, by hostname label', () => {
    const s = instanceSlices(camera, { nodes: camera.nodes }, 'controller').slices[0] as ResourceSlice;
    expect(s.spec.nodeName).toBeUndefined();
    expect(s.spec.nodeSelector).toEqual({ nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-a', 'node-b'] }] }] });
    const labelled = instanceSlices(camera, { nodes: camera.nodes, hostnameOf: (n) => (n === 'node-a' ? 'host-a' : undefined) }, 'controller').slices[0] as ResourceSlice;
    expect(labelled.spec.nodeSelector?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values).toEqual(['host-a', 'node-b']);
  });

  it('spreads a capacity over slices of at most 128 devices, all in one pool', () => {
    const { slices } = instanceSlices({ ...local, capacity: 300 }, { nodeName: 'node-a' }, 'agent-node-a');
    expect(slices.map((s) => [s.metadata.name, s.spec.devices.length, s.spec.pool.resourceSliceCount])).toEqual([
      ['default.akri-udev-ce4650.0', 128, 3],
      ['default.akri-udev-ce4650.1', 128, 3],
      ['default.akri-udev-ce4650.2', 44, 3],
    ]);
    expect(slices[2]?.spec.devices.at(-1)?.name).toBe('slot-299');
  });
});

describe('planSliceWrites', () => {
  const desired = instanceSlices(local, { nodeName: 'node-a' }, 'agent-node-a').slices;

  it('writes a new pool at generation 1, then nothing while nothing changes', () => {
    const first = planSliceWrites(desired, []);
    expect(first.map((w) => (w.kind === 'apply' ? [w.kind, w.slice.metadata.name, w.slice.spec.pool.generation] : [w.kind, w.name]))).toEqual([
      ['apply', 'default.akri-udev-ce4650.0', 1],
    ]);
    expect(planSliceWrites(desired, asStored(first))).toEqual([]);
  });

  it('writes the whole pool with the next generation when a property or the node set changes', () => {
    const stored = asStored(planSliceWrites(desired, []));
    const changed = instanceSlices({ ...local, properties: { UDEV_DEVNODE: '/dev/zero' } }, { nodeName: 'node-a' }, 'agent-node-a').slices;
    const writes = planSliceWrites(changed, stored);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({ kind: 'apply', slice: { spec: { pool: { generation: 2 } } } });

    const shared = asStored(planSliceWrites(instanceSlices(camera, { nodes: ['node-a', 'node-b'] }, 'controller').slices, []));
    const nodeLeft = planSliceWrites(instanceSlices({ ...camera, nodes: ['node-a'] }, { nodes: ['node-a'] }, 'controller').slices, shared);
    expect(nodeLeft).toHaveLength(1);
    expect(nodeLeft[0]).toMatchObject({ kind: 'apply', slice: { spec: { pool: { generation: 2 }, nodeSelector: { nodeSelectorTerms: [{ matchExpressions: [{ values: ['node-a'] }] }] } } } });
  });

  it('deletes the slices a smaller capacity no longer needs, and the pools of Instances no longer served', () => {
    const big = asStored(planSliceWrites(instanceSlices({ ...local, capacity: 200 }, { nodeName: 'node-a' }, 'agent-node-a').slices, []));
    const shrink = planSliceWrites(desired, big);
    expect(shrink.map((w) => (w.kind === 'apply' ? ['apply', w.slice.metadata.name, w.slice.spec.pool.generation] : ['delete', w.name]))).toEqual([
      ['apply', 'default.akri-udev-ce4650.0', 2],
      ['delete', 'default.akri-udev-ce4650.1'],
    ]);
    expect(planSliceWrites([], big).map((w) => w.kind)).toEqual(['delete', 'delete']);
  });

  it('does not mistake another key order in the stored object for a change', () => {
    const stored = asStored(planSliceWrites(desired, []));
    const reverseKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(reverseKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverseKeys(x)])) : v;
    const reordered = stored.map((s) => reverseKeys(s) as ResourceSlice);
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(stored));
    expect(planSliceWrites(desired, reordered)).toEqual([]);
  });
});
