// One real node per machine: a live owner keeps the lock; a dead owner's lock is taken over and
// what it recorded is handed back for sweeping up.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { acquireNodeLock, nodeLockHolder } from './node-lock.ts';

const dir = mkdtempSync(join(tmpdir(), 'akri-ts-lock-'));
const path = join(dir, 'node.lock');
afterEach(() => rmSync(path, { force: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the real-node lock', () => {
  it('refuses while another live process holds it', () => {
    writeFileSync(path, JSON.stringify({ pid: process.ppid }));
    expect(nodeLockHolder(path)).toBe(process.ppid);
    expect(() => acquireNodeLock(path)).toThrow(/another real node \(pid \d+: the node test tier or npm start\)/);
  });

  it('takes over from a dead owner and returns what that owner recorded', () => {
    writeFileSync(path, JSON.stringify({ pid: 2 ** 22 + 1, dir: '/tmp/old', bridge: 'akrits0' }));
    expect(nodeLockHolder(path)).toBeUndefined();
    const lock = acquireNodeLock(path);
    expect(lock.stale).toEqual({ pid: 2 ** 22 + 1, dir: '/tmp/old', bridge: 'akrits0' });
    lock.record({ dir: '/tmp/new' });
    lock.release();
    expect(existsSync(path)).toBe(false);
  });
});
