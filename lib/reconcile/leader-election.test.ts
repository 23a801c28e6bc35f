// Leader election's timing rules with a fake clock and one Lease in memory shared by the
// candidates, as the API server would hold it (resourceVersion checked on update: 409).
import { describe, expect, it } from 'vitest';
import { LeaderElector, type Lease, type LeaseClient } from './leader-election.ts';
import { KubeApiError } from '../kube/raw-request.ts';
import { Logger, MemorySink } from '../observability/logger.ts';
import { FakeClock } from '../../test/support/fake-clock.ts';

class LeaseStore {
  lease: Lease | undefined;
  private rv = 1;
  down = false;
  writes = 0;

  client(): LeaseClient {
    const check = (): void => {
      if (this.down) throw new Error('connect ECONNREFUSED');
    };
    return {
      get: async () => {
        check();
        return this.lease && structuredClone(this.lease);
      },
      create: async (lease) => {
        check();
        if (this.lease) throw new KubeApiError(409, 'AlreadyExists', 'exists', {});
        this.writes++;
        this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
      },
      update: async (lease) => {
        check();
        if (lease.metadata.resourceVersion !== this.lease?.metadata.resourceVersion) throw new KubeApiError(409, 'Conflict', 'conflict', {});
        this.writes++;
        this.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++this.rv) } };
        return structuredClone(this.lease);
      },
    };
  }
}

function candidate(store: LeaseStore, clock: FakeClock, identity: string) {
  const log: string[] = [];
  const link = { up: true };
  const shared = store.client();
  const cut = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (!link.up) throw new Error('connect ETIMEDOUT');
    return fn();
  };
  const elector = new LeaderElector({
    leases: { get: () => cut(shared.get), create: (l) => cut(() => shared.create(l)), update: (l) => cut(() => shared.update(l)) },
    name: 'akri-controller',
    identity,
    leaseDurationMs: 15_000,
    clock,
    logger: new Logger({}, 'error', new MemorySink()),
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => log.push('stopped'),
  });
  return { elector, log, link };
}

describe('LeaderElector', () => {
  it('the first candidate creates the Lease and leads; it renews every retry period (2 s for a 15 s lease)', async () => {
    const store = new LeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await clock.advance(0);
    expect(a.elector.isLeader).toBe(true);
    expect(store.lease?.spec.holderIdentity).toBe('a');
    const writes = store.writes;
    await clock.advance(60_000);
    expect(store.writes - writes).toBe(30);
    expect(a.log).toEqual(['started']);
    await a.elector.stop();
  });

  it('a standby takes over only after the holder stopped renewing for a whole lease duration, by its own clock', async () => {
    const store = new LeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.elector.start();
    await clock.advance(0);
    b.elector.start();
    await clock.advance(60_000);
    expect(b.elector.isLeader).toBe(false);
    // The leader is cut off: it stops renewing without handing the Lease back.
    const frozen = store.lease?.spec.renewTime;
    a.link.up = false;
    await clock.advance(14_000);
    expect(store.lease?.spec.renewTime).toBe(frozen);
    expect(b.elector.isLeader).toBe(false);
    await clock.advance(4_000);
    expect(b.elector.isLeader).toBe(true);
    expect(store.lease?.spec.holderIdentity).toBe('b');
    expect(store.lease?.spec.leaseTransitions).toBe(1);
    expect(a.elector.isLeader).toBe(false);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('a leader that cannot renew within the renew deadline (10 s) steps down', async () => {
    const store = new LeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await clock.advance(0);
    store.down = true;
    await clock.advance(9_000);
    expect(a.elector.isLeader).toBe(true);
    await clock.advance(3_000);
    expect(a.elector.isLeader).toBe(false);
    expect(a.log).toEqual(['started', 'stopped']);
    store.down = false;
    await clock.advance(2_000);
    expect(a.elector.isLeader).toBe(true);
    await a.elector.stop();
  });

  it('stopping hands the Lease back, so a standby leads at its next try instead of a lease duration later', async () => {
    const store = new LeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    const b = candidate(store, clock, 'b');
    a.elector.start();
    await clock.advance(0);
    b.elector.start();
    await clock.advance(1_000);
    await a.elector.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    expect(store.lease?.spec.holderIdentity).toBe('');
    await clock.advance(2_000);
    expect(b.elector.isLeader).toBe(true);
    await b.elector.stop();
    expect(clock.pending).toBe(0);
  });

  it('steps down when it finds another replica holding the Lease', async () => {
    const store = new LeaseStore();
    const clock = new FakeClock();
    const a = candidate(store, clock, 'a');
    a.elector.start();
    await clock.advance(0);
    // Someone else wrote the Lease (e.g. a replica with a badly wrong clock that took over).
    const lease = store.lease as Lease;
    store.lease = { ...lease, metadata: { ...lease.metadata, resourceVersion: '999' }, spec: { ...lease.spec, holderIdentity: 'intruder' } };
    await clock.advance(2_000);
    expect(a.elector.isLeader).toBe(false);
    await a.elector.stop();
  });
});
