// Preparing a claim on this node: the CDI device of each allocated slot carries what Allocate
// gives a device-plugin container (the broker environment plain and _<HASH>, device nodes,
// mounts); a claim this node cannot serve is refused with the reason.
import { describe, expect, it } from 'vitest';
import { DRA_DRIVER } from '../../lib/dra/driver.ts';
import { poolName } from '../../lib/dra/pool-names.ts';
import type { DraDevice } from './device-source.ts';
import { planPreparation, type PoolInstance, type PrepareInputs } from './prepare-plan.ts';

const instance: PoolInstance = { namespace: 'default', name: 'akri-udev-ce4650', capacity: 2, nodes: ['node-a'], brokerProperties: { UDEV_DEVNODE: '/dev/null', EXTRA: 'x' } };
const device: DraDevice = {
  configuration: 'default/akri-udev',
  key: 'ce4650',
  instance: { namespace: 'default', name: 'akri-udev-ce4650' },
  properties: { UDEV_DEVNODE: '/dev/null' },
  mounts: [{ containerPath: '/data', hostPath: '/srv/data', readOnly: true }],
  deviceSpecs: [{ containerPath: '/dev/null', hostPath: '/dev/null', permissions: 'rw' }],
  shared: false,
};
const pool = poolName(instance);
const claim = { namespace: 'default', name: 'pod-claim', uid: '1111-2222' };

function inputs(over: Partial<PrepareInputs> = {}): PrepareInputs {
  return {
    node: 'node-a',
    claim,
    results: [{ request: 'udev', driver: DRA_DRIVER, pool, device: 'slot-1' }],
    instanceOfPool: (p) => (p === pool ? instance : undefined),
    deviceOf: (ns, name) => (ns === 'default' && name === instance.name ? device : undefined),
    ...over,
  };
}

describe('planPreparation', () => {
  it('makes one CDI device per allocated slot with the broker environment, device nodes and mounts', () => {
    const plan = planPreparation(inputs());
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.prepared.devices).toEqual([
      { requestNames: ['udev'], poolName: pool, deviceName: 'slot-1', cdiDeviceIds: ['akri.sh/claim=1111-2222-0'], instance: { namespace: 'default', name: 'akri-udev-ce4650' } },
    ]);
    expect(plan.prepared.spec).toEqual({
      cdiVersion: '0.6.0',
      kind: 'akri.sh/claim',
      devices: [
        {
          name: '1111-2222-0',
          containerEdits: {
            env: ['EXTRA=x', 'EXTRA_CE4650=x', 'UDEV_DEVNODE=/dev/null', 'UDEV_DEVNODE_CE4650=/dev/null'],
            deviceNodes: [{ path: '/dev/null', hostPath: '/dev/null', permissions: 'rw' }],
            mounts: [{ hostPath: '/srv/data', containerPath: '/data', type: 'bind', options: ['rbind', 'ro'] }],
          },
        },
      ],
    });
  });

  it("leaves other drivers' devices alone and has no spec when the claim holds none of ours", () => {
    const plan = planPreparation(inputs({ results: [{ request: 'gpu', driver: 'gpu.example.com', pool: 'p', device: 'd' }] }));
    expect(plan).toEqual({ ok: true, prepared: { claim, devices: [], spec: undefined } });
  });

  it.each([
    ['an unallocated claim', { results: undefined }, /is not allocated/],
    ['a pool this node does not know', { instanceOfPool: () => undefined }, /pool default\/akri-udev-ce4650 is no Instance that node node-a knows/],
    ['an Instance that does not list this node', { node: 'node-b' }, /does not list node node-b/],
    ['a device that is not a slot', { results: [{ request: 'udev', driver: DRA_DRIVER, pool, device: 'slot-2' }] }, /slot-2 is not a slot of Instance default\/akri-udev-ce4650 \(capacity 2\)/],
    ['a device not discovered here', { deviceOf: () => undefined }, /has not been discovered on node node-a/],
  ])('refuses %s', (_what, over, says) => {
    const plan = planPreparation(inputs(over as Partial<PrepareInputs>));
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.error).toMatch(says);
  });
});
