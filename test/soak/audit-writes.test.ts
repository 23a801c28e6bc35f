// Invariant 5's count of writes at rest: Lease renewals and a persisting problem's Event, bumped
// once a minute, are not a loop; anything else, or an Event bumped faster, is.
import { expect, it } from 'vitest';
import { writesAtRest, type AuditWrite } from './audit-writes.ts';

const w = (at: number, resource: string, verb = 'patch', name = 'x'): AuditWrite => ({ at, component: 'agent/n1', verb, resource, name });

it('counts every write at rest but Lease renewals and an Event bumped at most once a minute', () => {
  const writes = [w(0, 'instances'), w(100_000, 'leases'), w(110_000, 'events', 'patch', 'e1'), w(170_000, 'events', 'patch', 'e1'), w(120_000, 'instances')];
  expect(writesAtRest(writes, 50_000)).toEqual([w(120_000, 'instances')]);
  // An Event bumped every 10 s is a loop.
  const fast = [w(110_000, 'events', 'patch', 'e2'), w(120_000, 'events', 'patch', 'e2')];
  expect(writesAtRest(fast, 50_000)).toEqual(fast);
  // A new Event at rest counts.
  expect(writesAtRest([w(110_000, 'events', 'create', 'e3')], 50_000)).toHaveLength(1);
});
