// The agent's Instance decisions, without a cluster: names, contents, the grace period.
import { describe, expect, it } from 'vitest';
import { blake2b } from '@noble/hashes/blake2.js';
import type { Instance } from '../../lib/crd/instance.ts';
import type { DiscoveredDevice } from '../../lib/discovery/handler.ts';
import { planInstances, type PlanInput } from './plan-instances.ts';
import { discoveredDevices, type SnapshotEndpoint } from '../devices/discovered-devices.ts';

const device = (id: string, properties: Record<string, string> = {}): DiscoveredDevice => ({ id, properties, mounts: [], deviceSpecs: [] });
// Computed independently of lib/naming: BLAKE2b with a 3-byte digest.
const hash = (s: string): string => Buffer.from(blake2b(new TextEncoder().encode(s), { dkLen: 3 })).toString('hex');

/** The plan's input, with the devices as the reconciler makes them from endpoint snapshots. */
function input(over: Partial<Omit<PlanInput, 'devices'>> & { endpoints?: SnapshotEndpoint[] }): PlanInput {
  const { endpoints = [], ...rest } = over;
  const configuration = rest.configuration ?? { name: 'cfg', capacity: 2, brokerProperties: {} };
  return {
    node: 'node-a',
    configuration,
    devices: discoveredDevices(rest.node ?? 'node-a', { namespace: 'default', name: configuration.name }, endpoints),
    existing: [],
    missingSince: new Map(),
    now: 1_000_000,
    graceMs: 5000,
    ...rest,
  };
}

function instance(name: string, nodes: string[], extra: Partial<Instance['spec']> = {}, finalizers = nodes): Instance {
  return {
    apiVersion: 'akri.sh/v0',
    kind: 'Instance',
    metadata: { name, finalizers },
    spec: { configurationName: 'cfg', cdiName: `akri.sh/cfg=${name.slice(4)}`, capacity: 2, brokerProperties: {}, shared: true, nodes, ...extra },
  };
}

describe('planInstances', () => {
  it('names a shared device by its id and a local one by id + node', () => {
    const plan = planInstances(
      input({ endpoints: [{ shared: true, devices: [device('cam')] }, { shared: false, devices: [device('usb')] }] }),
    );
    const names = plan.ops.map((o) => o.name).sort();
    expect(names).toEqual([`cfg-${hash('cam')}`, `cfg-${hash('usbnode-a')}`].sort());
    const apply = plan.ops.find((o) => o.name === `cfg-${hash('cam')}`);
    expect(apply).toMatchObject({ kind: 'apply', addFinalizer: true, spec: { cdiName: `akri.sh/cfg=${hash('cam')}`, capacity: 2, shared: true } });
  });

  it('merges device properties with the Configuration brokerProperties, the Configuration winning', () => {
    const plan = planInstances(
      input({
        configuration: { name: 'cfg', capacity: 1, brokerProperties: { A: 'config', C: 'c' } },
        endpoints: [{ shared: true, devices: [device('x', { A: 'device', B: 'b' })] }],
      }),
    );
    expect(plan.ops[0]).toMatchObject({ spec: { brokerProperties: { A: 'config', B: 'b', C: 'c' } } });
  });

  it('writes nothing when the Instance is already as wanted', () => {
    const name = `cfg-${hash('cam')}`;
    const plan = planInstances(
      input({
        endpoints: [{ shared: true, devices: [device('cam')] }],
        existing: [instance(name, ['node-a', 'node-b'], { cdiName: `akri.sh/cfg=${hash('cam')}` })],
      }),
    );
    expect(plan.ops).toEqual([]);
    expect(plan.instanceCount).toBe(1);
  });

  it('dedups one device reported by two endpoints', () => {
    const plan = planInstances(input({ endpoints: [{ shared: true, devices: [device('cam')] }, { shared: true, devices: [device('cam')] }] }));
    expect(plan.ops).toHaveLength(1);
  });

  it('keeps a vanished device through the grace period, then leaves it', () => {
    const name = `cfg-${hash('cam')}`;
    const existing = [instance(name, ['node-a'], { cdiName: `akri.sh/cfg=${hash('cam')}` })];
    const first = planInstances(input({ endpoints: [{ shared: true, devices: [] }], existing }));
    expect(first.ops).toEqual([]);
    expect(first.wakeAt).toBe(1_000_000 + 5000);
    expect(first.instanceCount).toBe(1);
    const during = planInstances(input({ existing, missingSince: first.missingSince, now: 1_004_999 }));
    expect(during.ops).toEqual([]);
    const after = planInstances(input({ existing, missingSince: first.missingSince, now: 1_005_000 }));
    expect(after.ops).toEqual([{ kind: 'leave', name, spec: existing[0]?.spec }]);
    expect(after.instanceCount).toBe(0);
  });

  it('forgets the missing time when the device comes back within the grace period', () => {
    const name = `cfg-${hash('cam')}`;
    const existing = [instance(name, ['node-a'], { cdiName: `akri.sh/cfg=${hash('cam')}` })];
    const gone = planInstances(input({ existing }));
    const back = planInstances(input({ existing, missingSince: gone.missingSince, now: 1_003_000, endpoints: [{ shared: true, devices: [device('cam')] }] }));
    expect(back.ops).toEqual([]);
    expect(back.missingSince.size).toBe(0);
  });

  it("ignores Instances this node is not in", () => {
    const plan = planInstances(input({ existing: [instance('cfg-aaaaaa', ['node-b'])], graceMs: 0 }));
    expect(plan.ops).toEqual([]);
  });

  it('rewrites an Instance whose capacity changed', () => {
    const name = `cfg-${hash('cam')}`;
    const plan = planInstances(
      input({
        configuration: { name: 'cfg', capacity: 5, brokerProperties: {} },
        endpoints: [{ shared: true, devices: [device('cam')] }],
        existing: [instance(name, ['node-a'], { cdiName: `akri.sh/cfg=${hash('cam')}` })],
      }),
    );
    expect(plan.ops).toMatchObject([{ kind: 'apply', addFinalizer: false, spec: { capacity: 5 } }]);
  });
});
