// The checkpoint text reuses the JSON of records that have not changed since the last save;
// what lands on disk must still be exactly the ledger's current state, after every kind of change.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointParts, LedgerCheckpoint } from './ledger-checkpoint.ts';
import { SlotLedger, type LedgerInstanceRecord } from './slot-ledger.ts';

const cam = (usage: Record<string, string>): LedgerInstanceRecord => ({
  namespace: 'default',
  name: 'cam-aaaaaa',
  configurationName: 'cam',
  capacity: 2,
  brokerProperties: { RTSP_URL: 'rtsp://10.0.0.7/"live"' },
  listsNode: true,
  remoteUsage: usage,
});

describe('the ledger checkpoint', () => {
  it('writes what JSON.stringify would, after records, extras, claims and queued writes change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-ckpt-'));
    try {
      const l = new SlotLedger({ node: 'node-a', write: async () => 'offline', onChange: () => undefined, persist: async () => undefined });
      const checkpoint = new LedgerCheckpoint(dir, 'node-a', () => l.view(), () => Date.parse('2026-12-06T20:00:00Z'));
      const onDisk = () => JSON.parse(readFileSync(checkpoint.path, 'utf8')) as unknown;
      const expected = () => ({ version: 1, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger: l.state() });

      await checkpoint.save();
      expect(onDisk()).toEqual(expected());
      l.upsert(cam({}));
      l.setDeviceExtras('cam-aaaaaa', { mounts: [], deviceSpecs: [{ hostPath: '/dev/video0', containerPath: '/dev/video0', permissions: 'rw' }] });
      await checkpoint.save();
      expect(onDisk()).toEqual(expected());
      // The same record name with new content: the remembered JSON of the old object is not reused.
      l.upsert(cam({ 'cam-aaaaaa-1': 'node-b' }));
      await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
      l.setDeviceExtras('cam-aaaaaa', { mounts: [{ hostPath: '/run/cam', containerPath: '/cam', readOnly: true }], deviceSpecs: [] });
      await checkpoint.save();
      expect(onDisk()).toEqual(expected());
      expect(l.pendingWrites).toBe(1);
      expect(checkpoint.load()).toEqual(l.state());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is byte for byte the text of JSON.stringify', () => {
    const record = cam({ 'cam-aaaaaa-0': 'C:cam-0:node-a' });
    const extras = { mounts: [], deviceSpecs: [] };
    const slots = { 'cam-aaaaaa-0': 'C:cam-0:node-a' };
    const view = { instances: new Map([['cam-aaaaaa', record]]), extras: new Map([['cam-aaaaaa', extras]]), mine: new Map([['cam-aaaaaa', slots]]), pending: new Set(['cam-aaaaaa']) };
    const ledger = { instances: [record], extras: { 'cam-aaaaaa': extras }, mine: { 'cam-aaaaaa': slots }, pending: ['cam-aaaaaa'] };
    const json = (v: Parameters<typeof checkpointParts>[2]) => Buffer.concat(checkpointParts('node-a', '2026-12-06T20:00:00.000Z', v)).toString('utf8');
    expect(json(view)).toBe(JSON.stringify({ version: 1, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger }));
    // The same object under another name (two Instances sharing one extras object) keeps its own key.
    const shared = { ...view, extras: new Map([['cam-aaaaaa', extras], ['cam-bbbbbb', extras]]) };
    expect(JSON.parse(json(shared))).toEqual({ version: 1, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger: { ...ledger, extras: { 'cam-aaaaaa': extras, 'cam-bbbbbb': extras } } });
    const empty = { instances: new Map(), extras: new Map(), mine: new Map(), pending: new Set<string>() };
    expect(json(empty)).toBe(JSON.stringify({ version: 1, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger: { instances: [], extras: {}, mine: {}, pending: [] } }));
  });
});
