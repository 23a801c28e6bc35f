// The checkpoint text reuses the JSON of records that have not changed since the last save;
// what lands on disk must still be exactly the ledger's and the device store's current state,
// after every kind of change.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointParts, NodeCheckpoint } from './node-checkpoint.ts';
import { SlotLedger, type LedgerInstanceRecord } from './slot-ledger.ts';
import { DeviceStore, type StoredDevice } from '../devices/device-store.ts';

const cam = (usage: Record<string, string>): LedgerInstanceRecord => ({
  namespace: 'default',
  name: 'cam-aaaaaa',
  configurationName: 'cam',
  capacity: 2,
  brokerProperties: { RTSP_URL: 'rtsp://10.0.0.7/"live"' },
  listsNode: true,
  remoteUsage: usage,
});

const device = (extra: Partial<StoredDevice> = {}): StoredDevice => ({
  configuration: 'default/cam',
  key: 'aaaaaa',
  instance: { namespace: 'default', name: 'cam-aaaaaa' },
  id: 'video0',
  properties: { UDEV_DEVNODE: '/dev/video0' },
  mounts: [],
  deviceSpecs: [{ hostPath: '/dev/video0', containerPath: '/dev/video0', permissions: 'rw' }],
  shared: false,
  ...extra,
});

describe('the node checkpoint', () => {
  it('writes what JSON.stringify would, after records, devices, claims and queued writes change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-ckpt-'));
    try {
      const l = new SlotLedger({ node: 'node-a', write: async () => 'offline', onChange: () => undefined, persist: async () => undefined });
      const store = new DeviceStore();
      const checkpoint = new NodeCheckpoint(dir, 'node-a', () => ({ ledger: l.view(), devices: store.all() }), () => Date.parse('2026-12-06T20:00:00Z'));
      const onDisk = () => JSON.parse(readFileSync(checkpoint.path, 'utf8')) as unknown;
      const expected = () => ({ version: 2, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger: l.state(), devices: [...store.all()] });

      await checkpoint.save();
      expect(onDisk()).toEqual(expected());
      l.upsert(cam({}));
      store.publish('default/cam', [device()]);
      await checkpoint.save();
      expect(onDisk()).toEqual(expected());
      // The same record name with new content: the remembered JSON of the old object is not reused.
      l.upsert(cam({ 'cam-aaaaaa-1': 'node-b' }));
      await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
      store.publish('default/cam', [device({ mounts: [{ hostPath: '/run/cam', containerPath: '/cam', readOnly: true }], deviceSpecs: [] })]);
      await checkpoint.save();
      expect(onDisk()).toEqual(expected());
      expect(l.pendingWrites).toBe(1);
      expect(checkpoint.load()).toEqual({ ledger: l.state(), devices: [...store.all()] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is byte for byte the text of JSON.stringify', () => {
    const record = cam({ 'cam-aaaaaa-0': 'C:cam-0:node-a' });
    const slots = { 'cam-aaaaaa-0': 'C:cam-0:node-a' };
    const d = device();
    const view = { instances: new Map([['cam-aaaaaa', record]]), mine: new Map([['cam-aaaaaa', slots]]), pending: new Set(['cam-aaaaaa']) };
    const ledger = { instances: [record], mine: { 'cam-aaaaaa': slots }, pending: ['cam-aaaaaa'] };
    const json = (v: Parameters<typeof checkpointParts>[2]) => Buffer.concat(checkpointParts('node-a', '2026-12-06T20:00:00.000Z', v)).toString('utf8');
    expect(json({ ledger: view, devices: [d] })).toBe(JSON.stringify({ version: 2, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger, devices: [d] }));
    // The same slots object under two Instances keeps each its own key.
    const shared = { ...view, mine: new Map([['cam-aaaaaa', slots], ['cam-bbbbbb', slots]]) };
    expect(JSON.parse(json({ ledger: shared, devices: [] }))).toEqual({
      version: 2,
      node: 'node-a',
      savedAt: '2026-12-06T20:00:00.000Z',
      ledger: { ...ledger, mine: { 'cam-aaaaaa': slots, 'cam-bbbbbb': slots } },
      devices: [],
    });
    const empty = { instances: new Map(), mine: new Map(), pending: new Set<string>() };
    expect(json({ ledger: empty, devices: [] })).toBe(
      JSON.stringify({ version: 2, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger: { instances: [], mine: {}, pending: [] }, devices: [] }),
    );
  });
});
