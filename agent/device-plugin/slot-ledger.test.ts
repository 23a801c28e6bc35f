// The slot ledger's decisions, with the API server's answers injected: claims are idempotent,
// a 409 refuses, a slot another node holds is never taken, and offline claims and frees are
// queued and replayed once the API server answers again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeCheckpoint } from './node-checkpoint.ts';
import { SlotLedger, type WriteOutcome } from './slot-ledger.ts';

function ledger(answers: WriteOutcome[] = []) {
  const writes: Array<Record<string, string>> = [];
  const l = new SlotLedger({
    node: 'node-a',
    write: async (_ns, _name, usage) => {
      writes.push(usage);
      return answers.shift() ?? 'written';
    },
    onChange: () => undefined,
    persist: async () => undefined,
  });
  l.upsert({ namespace: 'default', name: 'cam-aaaaaa', configurationName: 'cam', capacity: 2, brokerProperties: {}, listsNode: true, remoteUsage: { 'cam-aaaaaa-1': 'node-b' } });
  return { l, writes };
}

describe('the slot ledger', () => {
  it('writes only this node\'s slots, and a repeated claim writes nothing', async () => {
    const { l, writes } = ledger();
    expect(await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).toBe('claimed');
    expect(await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).toBe('repeated');
    expect(writes).toEqual([{ 'cam-aaaaaa-0': 'node-a' }]);
    expect(l.usage('cam-aaaaaa')).toEqual({ 'cam-aaaaaa-0': 'node-a', 'cam-aaaaaa-1': 'node-b' });
  });
  it('the watch echo of its own claim changes nothing; another node\'s claim does', async () => {
    const { l } = ledger();
    await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
    const record = { namespace: 'default', name: 'cam-aaaaaa', configurationName: 'cam', capacity: 2, brokerProperties: {}, listsNode: true };
    expect(l.upsert({ ...record, remoteUsage: { 'cam-aaaaaa-0': 'node-a', 'cam-aaaaaa-1': 'node-b' } })).toBe(false);
    expect(l.upsert({ ...record, remoteUsage: { 'cam-aaaaaa-0': 'node-a', 'cam-aaaaaa-1': '' } })).toBe(true);
    expect(l.usage('cam-aaaaaa')).toEqual({ 'cam-aaaaaa-0': 'node-a' });
    expect(l.upsert({ ...record, capacity: 3, remoteUsage: { 'cam-aaaaaa-0': 'node-a', 'cam-aaaaaa-1': '' } })).toBe(true);
  });
  it('a reclaim pass does not free a slot claimed again after it asked the kubelet (found by the soak, seed 121)', async () => {
    // The old pod went; the kubelet, asked, listed nothing; then a new pod got the same slot by
    // a repeated claim (this node still held it); the pass then freed it under the new pod.
    const { l, writes } = ledger();
    await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
    const asked = l.claimCount;
    expect(await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).toBe('repeated');
    expect(await l.free('cam-aaaaaa', 'cam-aaaaaa-0', asked)).toBe(false);
    expect(l.held()).toEqual([{ instance: 'cam-aaaaaa', slot: 'cam-aaaaaa-0', value: 'node-a' }]);
    // A slot not claimed since is freed as before.
    expect(await l.free('cam-aaaaaa', 'cam-aaaaaa-0', l.claimCount)).toBe(true);
    expect(l.held()).toEqual([]);
    expect(writes).toEqual([{ 'cam-aaaaaa-0': 'node-a' }, {}]);
  });
  it('a slot the controller freed while this node was lost is written again when a pod is given it (found by the soak, seed 2026)', async () => {
    // The node's uplink was cut for 69 s; the controller took it for lost and freed its slots in
    // deviceUsage; back, its new broker got the slot it still held, and the repeated claim wrote
    // nothing: the pod ran on a slot the API server showed free, for any node to take.
    const { l, writes } = ledger();
    const record = { namespace: 'default', name: 'cam-aaaaaa', configurationName: 'cam', capacity: 2, brokerProperties: {}, listsNode: true };
    await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
    l.upsert({ ...record, remoteUsage: { 'cam-aaaaaa-0': 'node-a', 'cam-aaaaaa-1': 'node-b' } });
    expect(await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).toBe('repeated');
    l.upsert({ ...record, remoteUsage: { 'cam-aaaaaa-0': '', 'cam-aaaaaa-1': 'node-b' } }); // the controller's node-loss patch
    expect(await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).toBe('claimed');
    expect(writes).toEqual([{ 'cam-aaaaaa-0': 'node-a' }, { 'cam-aaaaaa-0': 'node-a' }]);
    // Until the API server's view shows that write, a repeated claim writes nothing more.
    expect(await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).toBe('repeated');
    expect(writes).toHaveLength(2);
  });
  it('a slot the controller freed and another node took meanwhile is refused to a new pod here, and let go', async () => {
    const { l, writes } = ledger(['written', 'conflict']);
    const record = { namespace: 'default', name: 'cam-aaaaaa', configurationName: 'cam', capacity: 2, brokerProperties: {}, listsNode: true };
    await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
    l.upsert({ ...record, remoteUsage: { 'cam-aaaaaa-0': 'node-c', 'cam-aaaaaa-1': 'node-b' } });
    await expect(l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).rejects.toThrow(/claimed by another node first/);
    expect(writes).toEqual([{ 'cam-aaaaaa-0': 'node-a' }, { 'cam-aaaaaa-0': 'node-a' }]);
    expect(l.held()).toEqual([]);
    expect(l.usage('cam-aaaaaa')).toEqual({ 'cam-aaaaaa-0': 'node-c', 'cam-aaaaaa-1': 'node-b' });
  });
  it('refuses a slot another node holds without asking the API server', async () => {
    const { l, writes } = ledger();
    await expect(l.claim('cam-aaaaaa', 'cam-aaaaaa-1', 'node-a')).rejects.toThrow(/held by "node-b"/);
    expect(writes).toEqual([]);
  });
  it('refuses when the API server answers 409, and forgets the claim', async () => {
    const { l } = ledger(['conflict']);
    await expect(l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).rejects.toThrow(/claimed by another node first/);
    expect(l.held()).toEqual([]);
  });
  it('keeps claims and frees made offline, and replays them as one write when the link returns', async () => {
    const { l, writes } = ledger(['offline']);
    expect(await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).toBe('offline');
    expect(l.online).toBe(false);
    expect(l.pendingWrites).toBe(1);
    await l.free('cam-aaaaaa', 'cam-aaaaaa-0');
    expect(writes).toHaveLength(1); // nothing sent while offline
    expect(await l.replay()).toBe(true);
    expect(writes.at(-1)).toEqual({});
    expect(l.online).toBe(true);
    expect(l.pendingWrites).toBe(0);
  });
  it('shows every change in usage: another node\'s claim, this node\'s claim, a free and a refused claim', async () => {
    const { l } = ledger(['written', 'written', 'conflict']);
    const seen = l.usage('cam-aaaaaa');
    l.upsert({ namespace: 'default', name: 'cam-aaaaaa', configurationName: 'cam', capacity: 2, brokerProperties: {}, listsNode: true, remoteUsage: {} });
    expect(seen).toEqual({ 'cam-aaaaaa-1': 'node-b' });
    expect(l.usage('cam-aaaaaa')).toEqual({});
    await l.claim('cam-aaaaaa', 'cam-aaaaaa-1', 'node-a');
    expect(l.usage('cam-aaaaaa')).toEqual({ 'cam-aaaaaa-1': 'node-a' });
    await l.free('cam-aaaaaa', 'cam-aaaaaa-1');
    expect(l.usage('cam-aaaaaa')).toEqual({});
    await expect(l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a')).rejects.toThrow(/claimed by another node first/);
    expect(l.usage('cam-aaaaaa')).toEqual({});
    expect(l.state().mine).toEqual({ 'cam-aaaaaa': {} });
  });
  it('adopts the slots the API server says this node holds when it has no record of its own', () => {
    const { l } = ledger();
    l.upsert({ namespace: 'default', name: 'cam-bbbbbb', configurationName: 'cam', capacity: 2, brokerProperties: {}, listsNode: true, remoteUsage: { 'cam-bbbbbb-0': 'C:cam-0:node-a' } });
    expect(l.held()).toEqual([{ instance: 'cam-bbbbbb', slot: 'cam-bbbbbb-0', value: 'C:cam-0:node-a' }]);
  });
  it('survives a restart through the checkpoint file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'akri-ts-ckpt-'));
    try {
      const { l } = ledger(['offline']);
      await l.claim('cam-aaaaaa', 'cam-aaaaaa-0', 'node-a');
      await new NodeCheckpoint(dir, 'node-a', () => ({ ledger: l.view(), devices: [] })).save();
      const restored = ledger().l;
      const saved = new NodeCheckpoint(dir, 'node-a', () => ({ ledger: restored.view(), devices: [] })).load();
      expect(saved).toBeDefined();
      if (saved) restored.restore(saved.ledger);
      expect(restored.held()).toEqual([{ instance: 'cam-aaaaaa', slot: 'cam-aaaaaa-0', value: 'node-a' }]);
      expect(restored.pendingWrites).toBe(1);
      expect(new NodeCheckpoint(dir, 'node-b', () => ({ ledger: restored.view(), devices: [] })).load()).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
