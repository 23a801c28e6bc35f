// The device store: a Configuration's latest snapshot replaces its devices, a device in its
// grace period keeps its last record, records are found by Configuration and key or by
// Instance, and subscribers hear exactly what changed.
import { describe, expect, it } from 'vitest';
import { DeviceStore, type DeviceStoreChange, type StoredDevice } from './device-store.ts';
import { discoveredDevices } from './discovered-devices.ts';
import { blake2b } from '@noble/hashes/blake2.js';

// Computed independently of lib/naming: BLAKE2b with a 3-byte digest.
const hash = (s: string): string => Buffer.from(blake2b(new TextEncoder().encode(s), { dkLen: 3 })).toString('hex');

const cfg = { namespace: 'plant', name: 'cams' };
const snapshot = (ids: string[], mount = '/run/a') =>
  discoveredDevices('node-a', cfg, [{ shared: true, devices: ids.map((id) => ({ id, properties: { ID: id }, mounts: [{ containerPath: '/c', hostPath: mount, readOnly: true }], deviceSpecs: [] })) }]);

function watched(store: DeviceStore): Array<{ added: string[]; changed: string[]; removed: string[] }> {
  const seen: Array<{ added: string[]; changed: string[]; removed: string[] }> = [];
  const ids = (ds: StoredDevice[]) => ds.map((d) => d.id).sort();
  store.subscribe((c: DeviceStoreChange) => seen.push({ added: ids(c.added), changed: ids(c.changed), removed: ids(c.removed) }));
  return seen;
}

describe('discoveredDevices', () => {
  it('keys a shared device by the hash of its id and a local one by id + node, and names its Instance after the key', () => {
    const [shared] = discoveredDevices('node-a', cfg, [{ shared: true, devices: [{ id: 'cam', properties: {}, mounts: [], deviceSpecs: [] }] }]);
    const [local] = discoveredDevices('node-a', cfg, [{ shared: false, devices: [{ id: 'usb', properties: {}, mounts: [], deviceSpecs: [] }] }]);
    expect(shared).toMatchObject({ configuration: 'plant/cams', key: hash('cam'), instance: { namespace: 'plant', name: `cams-${hash('cam')}` }, shared: true });
    expect(local).toMatchObject({ key: hash('usbnode-a'), instance: { name: `cams-${hash('usbnode-a')}` }, shared: false });
  });

  it('counts a device reported by two endpoints once', () => {
    const dev = { id: 'cam', properties: {}, mounts: [], deviceSpecs: [] };
    expect(discoveredDevices('node-a', cfg, [{ shared: true, devices: [dev] }, { shared: true, devices: [dev] }, { shared: true, devices: undefined }])).toHaveLength(1);
  });
});

describe('DeviceStore', () => {
  it('replaces a Configuration’s devices with each snapshot and tells subscribers what changed', () => {
    const store = new DeviceStore();
    const seen = watched(store);
    store.publish('plant/cams', snapshot(['a', 'b']));
    store.publish('plant/cams', snapshot(['a', 'b'])); // the same again: nothing to tell
    store.publish('plant/cams', [...snapshot(['a']), ...snapshot(['c'], '/run/c')]);
    expect(seen).toEqual([
      { added: ['a', 'b'], changed: [], removed: [] },
      { added: ['c'], changed: [], removed: ['b'] },
    ]);
    expect(store.devices('plant/cams').map((d) => d.id).sort()).toEqual(['a', 'c']);
    expect(store.get('plant/cams', hash('c'))?.mounts).toEqual([{ containerPath: '/c', hostPath: '/run/c', readOnly: true }]);
    expect(store.ofInstance('plant', `cams-${hash('a')}`)?.id).toBe('a');
    expect(store.ofInstance('plant', `cams-${hash('b')}`)).toBeUndefined();
  });

  it('keeps the last record of a device whose Instance is in its grace period', () => {
    const store = new DeviceStore();
    store.publish('plant/cams', snapshot(['a', 'b']));
    const before = store.get('plant/cams', hash('b'));
    store.publish('plant/cams', snapshot(['a']), new Set([`cams-${hash('b')}`]));
    expect(store.get('plant/cams', hash('b'))).toBe(before);
    store.publish('plant/cams', snapshot(['a']));
    expect(store.get('plant/cams', hash('b'))).toBeUndefined();
  });

  it('hands out records that stay as they were: a change is a new record', () => {
    const store = new DeviceStore();
    store.publish('plant/cams', snapshot(['a']));
    const first = store.get('plant/cams', hash('a'));
    expect(Object.isFrozen(first)).toBe(true);
    store.publish('plant/cams', snapshot(['a'], '/run/other'));
    expect(first?.mounts[0]?.hostPath).toBe('/run/a');
    expect(store.get('plant/cams', hash('a'))?.mounts[0]?.hostPath).toBe('/run/other');
  });

  it('forgets a Configuration, drops devices whose Instance the API server no longer lists, and restores a checkpoint', () => {
    const store = new DeviceStore();
    const seen = watched(store);
    store.publish('plant/cams', snapshot(['a', 'b']));
    store.retainInstances(new Set([`plant/cams-${hash('a')}`]));
    expect(store.devices('plant/cams').map((d) => d.id)).toEqual(['a']);
    const saved = [...store.all()];
    store.forget('plant/cams');
    expect([...store.all()]).toEqual([]);
    const restored = new DeviceStore();
    restored.restore(saved);
    expect([...restored.all()]).toEqual(saved);
    expect(seen.at(-1)).toEqual({ added: [], changed: [], removed: ['a'] });
  });
});
