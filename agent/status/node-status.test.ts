// What a node reports on a Configuration, from its discovery state alone.
import { describe, expect, it } from 'vitest';
import { nodeStatus, sameNodeStatus, withTransitionTimes } from './node-status.ts';
import type { EndpointView } from '../discovery/discovery-session.ts';

const base = { node: 'n1', handler: 'debugEcho', generation: 3, propertiesError: undefined, instances: 2 };
const ep = (state: EndpointView['state'], error?: string): EndpointView => ({ key: 'k', shared: true, state, devices: undefined, error });

describe('nodeStatus', () => {
  it('says it is waiting for a handler that never registered', () => {
    const s = nodeStatus({ ...base, endpoints: [] });
    expect(s.state).toBe('WaitingForHandler');
    expect(s.message).toBe('no discovery handler named debugEcho has registered on node n1; waiting for it');
    expect(s.conditions?.find((c) => c.type === 'HandlerRegistered')).toMatchObject({ status: 'False', reason: 'HandlerNotRegistered' });
  });

  it('names rejected discoveryDetails, ahead of anything else but unresolved properties', () => {
    const s = nodeStatus({ ...base, endpoints: [ep('InvalidDetails', 'descriptions: expected a list'), ep('Streaming')] });
    expect(s.state).toBe('InvalidDiscoveryDetails');
    expect(s.conditions?.find((c) => c.type === 'DiscoveryDetailsValid')).toMatchObject({ status: 'False', message: expect.stringContaining('expected a list') });
    expect(nodeStatus({ ...base, propertiesError: 'Secret default/x does not exist', endpoints: [] }).state).toBe('PropertiesUnresolved');
  });

  it('says a refused reference is a policy decision in its condition reason', () => {
    const s = nodeStatus({ ...base, propertiesError: 'Secret b/x is not in the namespace', propertiesReason: 'ReferenceNotAllowed', endpoints: [ep('Streaming')] });
    expect(s.state).toBe('PropertiesUnresolved');
    expect(s.conditions?.find((c) => c.type === 'PropertiesResolved')).toMatchObject({ status: 'False', reason: 'ReferenceNotAllowed', message: 'Secret b/x is not in the namespace' });
    expect(nodeStatus({ ...base, propertiesError: 'missing', endpoints: [] }).conditions?.find((c) => c.type === 'PropertiesResolved')?.reason).toBe('PropertyUnresolved');
  });

  it('is unavailable only when every endpoint is lost', () => {
    expect(nodeStatus({ ...base, endpoints: [ep('Lost', 'refused')] }).state).toBe('HandlerUnavailable');
    expect(nodeStatus({ ...base, endpoints: [ep('Lost'), ep('Connecting')] }).state).toBe('Discovering');
  });

  it('keeps transition times while a condition holds, so an unchanged entry is not rewritten', () => {
    const first = withTransitionTimes(nodeStatus({ ...base, endpoints: [ep('Streaming')] }), undefined, new Date('2026-01-01T00:00:00Z'));
    const again = nodeStatus({ ...base, endpoints: [ep('Streaming')] });
    expect(sameNodeStatus(first, again)).toBe(true);
    const later = withTransitionTimes(again, first, new Date('2026-01-02T00:00:00Z'));
    expect(later.conditions?.[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00.000Z');
    expect(sameNodeStatus(first, nodeStatus({ ...base, instances: 3, endpoints: [ep('Streaming')] }))).toBe(false);
  });

  it('lists the Instances in their grace period, soonest to leave first, and counts them all', () => {
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    const inGrace = Array.from({ length: 60 }, (_, i) => ({ instance: `cam-${String(i).padStart(2, '0')}`, since: at(59 - i), leaveAt: at(119 - i) }));
    const s = nodeStatus({ ...base, instances: 60, endpoints: [ep('Streaming')], inGrace });
    expect(s.inGrace).toBe(60);
    expect(s.instancesInGrace).toHaveLength(50);
    expect(s.instancesInGrace?.[0]).toEqual({ instance: 'cam-59', since: at(0), leaveAt: at(60) });
    // Nothing missing: the fields are absent, so an entry without them is unchanged.
    const none = nodeStatus({ ...base, endpoints: [ep('Streaming')], inGrace: [] });
    expect(none).not.toHaveProperty('instancesInGrace');
    expect(sameNodeStatus(none, nodeStatus({ ...base, endpoints: [ep('Streaming')] }))).toBe(true);
  });

  it('reads an entry back from the API server (keys sorted) as the same entry', () => {
    const written = nodeStatus({ ...base, endpoints: [ep('Streaming')] });
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)])) : v;
    const readBack = sortKeys(withTransitionTimes(written, undefined, new Date('2026-01-01T00:00:00Z'))) as typeof written;
    expect(JSON.stringify(readBack)).not.toBe(JSON.stringify(written));
    expect(sameNodeStatus(readBack, written)).toBe(true);
  });
});
