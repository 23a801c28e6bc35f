// The checkpoint text reuses the JSON of records that have not changed since the last save;
// what lands on disk must still be exactly the ledger's current state, after every kind of change.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointJson, LedgerCheckpoint } from './ledger-checkpoint.ts';
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
      const checkpoint = new LedgerCheckpoint(dir, 'node-a', () => l.state(), () => Date.parse('2026-12-06T20:00:00Z'));
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
    const ledger = { instances: [cam({ 'cam-aaaaaa-0': 'C:cam-0:node-a' })], extras: { 'cam-aaaaaa': { mounts: [], deviceSpecs: [] } }, mine: { 'cam-aaaaaa': { 'cam-aaaaaa-0': 'C:cam-0:node-a' } }, pending: ['cam-aaaaaa'] };
    const text = checkpointJson('node-a', '2026-12-06T20:00:00.000Z', ledger);
    expect(text).toBe(JSON.stringify({ version: 1, node: 'node-a', savedAt: '2026-12-06T20:00:00.000Z', ledger }));
    const empty = { instances: [], extras: {}, mine: {}, pending: [] };
    expect(checkpointJson('node-a', 'x', empty)).toBe(JSON.stringify({ version: 1, node: 'node-a', savedAt: 'x', ledger: empty }));
  });
});
